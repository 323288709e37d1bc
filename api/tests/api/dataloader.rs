//! Every relation resolves through a DataLoader: the number of SQL statements of a nested list
//! query does not grow with the list (docs/ARCHITECTURE.md §5.5).

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_ok, slug};

/// Runs `query` and returns (statements it cost, body).
async fn measured(app: &TestApp, token: &str, query: &str) -> (u64, Value) {
    let before = app.sql_statements();
    let body = app.gql(Some(token), query, json!({})).await;
    let after = app.sql_statements();
    assert_ok(&body);
    (after - before, body)
}

/// Three sites with two zones each.
async fn places(app: &TestApp, owner: &Session) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for s in 0..3 {
        let site = app.create_site(&owner.token, &format!("s{s}")).await;
        let mut zones = Vec::new();
        for z in 0..2 {
            zones.push(
                app.create_zone(&owner.token, &site, &format!("s{s}-z{z}"))
                    .await,
            );
        }
        out.push((site, zones));
    }
    out
}

/// Creates robots `from..to`, spread over the sites and zones (every third one has no zone).
async fn robots(
    app: &TestApp,
    owner: &Session,
    places: &[(String, Vec<String>)],
    from: usize,
    to: usize,
) {
    for i in from..to {
        let (site, zones) = &places[i % places.len()];
        let zone = (i % 3 != 0).then(|| zones[i % zones.len()].as_str());
        app.create_robot(&owner.token, site, zone, &format!("r-{i:03}"))
            .await;
    }
}

async fn machines(
    app: &TestApp,
    owner: &Session,
    places: &[(String, Vec<String>)],
    from: usize,
    to: usize,
) {
    for i in from..to {
        let (site, _) = &places[i % places.len()];
        app.create_machine(&owner.token, site, &format!("m-{i:03}"))
            .await;
    }
}

const ROBOTS: &str = "{ robots(first: 200) { edges { node { name
    site { name zones { code } assetCounts { status count } }
    zone { name site { code } }
    firmwareVersion } } } }";

#[tokio::test]
async fn a_nested_robot_list_costs_the_same_statements_for_5_and_50_robots() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let places = places(&app, &owner).await;
    robots(&app, &owner, &places, 0, 5).await;
    let (small, body) = measured(&app, &owner.token, ROBOTS).await;
    assert_eq!(body["data"]["robots"]["edges"].as_array().unwrap().len(), 5);

    robots(&app, &owner, &places, 5, 50).await;
    let (large, body) = measured(&app, &owner.token, ROBOTS).await;
    let edges = body["data"]["robots"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    // The nested data is really there.
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["site"]["zones"].as_array().unwrap().len() == 2)
    );
    assert!(
        edges
            .iter()
            .any(|e| e["node"]["zone"]["site"]["code"].is_string())
    );
    assert!(edges.iter().any(|e| e["node"]["zone"].is_null()));
    assert_eq!(
        small, large,
        "SQL statements for 5 robots: {small}, for 50: {large}"
    );
}

const ASSETS: &str = "{ assets(first: 200) { totalCount edges { node { __typename code
    site { code assetCounts { status count } }
    zone { code assets { code } }
    ... on Robot { firmwareVersion location { x } configuration }
    ... on Machine { requiresBadge sessionTimeoutMinutes edgeNode } } } } }";

#[tokio::test]
async fn a_nested_mixed_asset_list_costs_the_same_statements_for_6_and_60_assets() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let places = places(&app, &owner).await;
    robots(&app, &owner, &places, 0, 3).await;
    machines(&app, &owner, &places, 0, 3).await;
    let (small, body) = measured(&app, &owner.token, ASSETS).await;
    assert_eq!(body["data"]["assets"]["totalCount"], 6);

    robots(&app, &owner, &places, 3, 30).await;
    machines(&app, &owner, &places, 3, 30).await;
    let (large, body) = measured(&app, &owner.token, ASSETS).await;
    let edges = body["data"]["assets"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 60);
    assert_eq!(
        edges
            .iter()
            .filter(|e| e["node"]["__typename"] == "Machine")
            .count(),
        30
    );
    assert!(
        edges
            .iter()
            .filter(|e| e["node"]["__typename"] == "Machine")
            .all(|e| e["node"]["requiresBadge"] == true)
    );
    assert_eq!(
        small, large,
        "SQL statements for 6 assets: {small}, for 60: {large}"
    );
}

const SITES: &str = "{ sites(first: 50) { edges { node { code
    zones { code site { code } assets { code site { code } } }
    assetCounts { status count } } } } }";

#[tokio::test]
async fn a_nested_site_tree_costs_the_same_statements_for_2_and_12_sites() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let fill = |n: usize| {
        let app = &app;
        let owner = owner.clone();
        async move {
            for s in n..n + if n == 0 { 2 } else { 10 } {
                let site = app.create_site(&owner.token, &format!("s{s}")).await;
                let zone = app.create_zone(&owner.token, &site, &format!("z{s}")).await;
                app.create_robot(&owner.token, &site, Some(&zone), &format!("r{s}"))
                    .await;
            }
        }
    };
    fill(0).await;
    let (small, _) = measured(&app, &owner.token, SITES).await;
    fill(2).await;
    let (large, body) = measured(&app, &owner.token, SITES).await;
    let edges = body["data"]["sites"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 12);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["zones"][0]["assets"].as_array().unwrap().len() == 1)
    );
    assert_eq!(
        small, large,
        "SQL statements for 2 sites: {small}, for 12: {large}"
    );
}

const MEMBERS: &str =
    "{ members(first: 200) { edges { node { role user { email } sites { code } } } } }";

#[tokio::test]
async fn a_member_list_with_users_and_sites_costs_the_same_statements_for_3_and_9_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    let add = |i: usize| {
        let app = &app;
        let owner = owner.clone();
        let sites = if i.is_multiple_of(2) {
            vec![s1.clone()]
        } else {
            vec![s1.clone(), s2.clone()]
        };
        async move {
            let sites: Vec<&str> = sites.iter().map(String::as_str).collect();
            app.member_with_sites(&owner, "VIEWER", Some(&sites)).await;
        }
    };
    for i in 0..2 {
        add(i).await;
    }
    let (small, _) = measured(&app, &owner.token, MEMBERS).await;
    for i in 2..8 {
        add(i).await;
    }
    let (large, body) = measured(&app, &owner.token, MEMBERS).await;
    let edges = body["data"]["members"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 9);
    assert!(edges.iter().all(|e| e["node"]["user"]["email"].is_string()));
    assert_eq!(
        small, large,
        "SQL statements for 3 members: {small}, for 9: {large}"
    );
}

// Two root fields resolve concurrently, so their loads may or may not share a batch: each list
// is measured on its own.
const MACHINES_AT_WORK: &str = "{ machines(first: 200) { edges { node { code
    activeSession { byBadge expiresAt operator { email } machine { code site { code } } } } } } }";
const SESSIONS: &str =
    "{ machineSessions(first: 200) { edges { node { operator { email } machine { code } } } } }";

#[tokio::test]
async fn machines_with_their_sessions_cost_the_same_statements_for_3_and_12_machines() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let site = app.create_site(&owner.token, "s").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let add = |from: usize, to: usize| {
        let (app, owner, operator, site) = (&app, owner.clone(), operator.clone(), site.clone());
        async move {
            for i in from..to {
                let body = app
                    .gql(
                        Some(&owner.token),
                        "mutation($input: CreateMachineInput!) { createMachine(input: $input) { machine { id } } }",
                        json!({ "input": { "siteId": site, "code": format!("m{i}"), "name": "m",
                                           "vendor": "v", "model": "m" } }),
                    )
                    .await;
                assert_ok(&body);
                let id = &body["data"]["createMachine"]["machine"]["id"];
                let body = app
                    .gql(
                        Some(&operator.token),
                        "mutation($m: ID!) { startMachineSession(input: { machineId: $m }) { session { id } } }",
                        json!({ "m": id }),
                    )
                    .await;
                assert_ok(&body);
            }
        }
    };
    add(0, 3).await;
    let (small, _) = measured(&app, &owner.token, MACHINES_AT_WORK).await;
    let (small_sessions, _) = measured(&app, &owner.token, SESSIONS).await;
    add(3, 12).await;
    let (large_sessions, body) = measured(&app, &owner.token, SESSIONS).await;
    let sessions = body["data"]["machineSessions"]["edges"].as_array().unwrap();
    assert_eq!(sessions.len(), 12);
    assert_eq!(
        small_sessions, large_sessions,
        "SQL statements for 3 sessions: {small_sessions}, for 12: {large_sessions}"
    );
    let (large, body) = measured(&app, &owner.token, MACHINES_AT_WORK).await;
    let edges = body["data"]["machines"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 12);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["activeSession"]["operator"]["email"] == operator.email.as_str())
    );
    assert_eq!(
        small, large,
        "SQL statements for 3 machines: {small}, for 12: {large}"
    );
}

// A stop's own asset and its halted assets load through the same loader at two depths; whether
// those share a batch depends on timing, so the two paths are measured in separate queries.
const STOPS: &str = "{ emergencyStops(first: 200) { edges { node { scope reason
    triggeredBy { email } haltedAssets { previousStatus asset { code zone { code } } } } } } }";
const STOP_PLACES: &str = "{ emergencyStops(first: 200) { edges { node {
    triggeredBy { email } asset { code zone { code } } site { code } zone { code } } } } }";

#[tokio::test]
async fn emergency_stops_with_their_assets_cost_the_same_statements_for_2_and_8_stops() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("loader")).await;
    let site = app.create_site(&owner.token, "s").await;
    let zone = app.create_zone(&owner.token, &site, "z").await;
    let add = |from: usize, to: usize| {
        let (app, owner, site, zone) = (&app, owner.clone(), site.clone(), zone.clone());
        async move {
            for i in from..to {
                let robot = app
                    .create_robot(&owner.token, &site, Some(&zone), &format!("r{i}"))
                    .await;
                let body = app
                    .gql(
                        Some(&owner.token),
                        "mutation($a: ID!) { triggerEmergencyStop(input: { assetId: $a, reason: \"test\" }) { emergencyStop { id } } }",
                        json!({ "a": robot }),
                    )
                    .await;
                assert_ok(&body);
            }
        }
    };
    add(0, 2).await;
    let (small, _) = measured(&app, &owner.token, STOPS).await;
    let (small_places, _) = measured(&app, &owner.token, STOP_PLACES).await;
    add(2, 8).await;
    let (large_places, body) = measured(&app, &owner.token, STOP_PLACES).await;
    let edges = body["data"]["emergencyStops"]["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["asset"]["zone"]["code"] == "Z")
    );
    assert_eq!(
        small_places, large_places,
        "SQL statements for 2 stops: {small_places}, for 8: {large_places}"
    );
    let (large, body) = measured(&app, &owner.token, STOPS).await;
    let edges = body["data"]["emergencyStops"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 8);
    assert!(edges.iter().all(|e| {
        e["node"]["haltedAssets"][0]["asset"]["zone"]["code"] == "Z"
            && e["node"]["triggeredBy"]["email"] == owner.email.as_str()
    }));
    assert_eq!(
        small, large,
        "SQL statements for 2 stops: {small}, for 8: {large}"
    );
}
