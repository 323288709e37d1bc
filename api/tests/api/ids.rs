//! One rule for ID arguments: an ID the caller cannot see is NOT_FOUND, in list filters, query
//! arguments and subscription arguments alike, as it is in lookups (`site(id:)`). Each table
//! row is run with the caller's own ID (it must work) and with another organization's (it must
//! be NOT_FOUND, never an empty list or a silent subscription).

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, WS_WAIT, assert_not_found, assert_ok, slug};

/// The IDs of one organization that the table names.
struct Ids {
    site: String,
    zone: String,
    robot: String,
    machine: String,
    user: String,
    api_key: String,
}

impl Ids {
    fn of(&self, kind: &str) -> &str {
        match kind {
            "site" => &self.site,
            "zone" => &self.zone,
            "robot" => &self.robot,
            "machine" => &self.machine,
            "user" => &self.user,
            "apiKey" => &self.api_key,
            other => panic!("no id of kind {other}"),
        }
    }
}

async fn org(app: &TestApp, prefix: &str) -> (Session, Ids) {
    let owner = app.sign_up(&slug(prefix)).await;
    let t = &owner.token;
    let site = app.create_site(t, "plant").await;
    let zone = app.create_zone(t, &site, "cell").await;
    let robot = app.create_robot(t, &site, Some(&zone), "r1").await;
    let machine = app.create_machine(t, &site, "m1").await;
    let (api_key, _) = app.api_key(&owner, &["assets:read"], None).await;
    let ids = Ids {
        site,
        zone,
        robot,
        machine,
        user: owner.user_id.clone(),
        api_key,
    };
    (owner, ids)
}

const RANGE: &str = r#"from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z""#;

/// Every query argument or filter field that names a resource: (what, document with `$id`, the
/// kind of ID it takes).
fn query_table() -> Vec<(String, String, &'static str)> {
    let mut rows: Vec<(String, String, &'static str)> = Vec::new();
    let mut row = |what: &str, doc: String, kind: &'static str| {
        rows.push((what.to_owned(), doc, kind));
    };
    for (list, field, kind) in [
        ("assets", "siteId", "site"),
        ("assets", "zoneId", "zone"),
        ("robots", "siteId", "site"),
        ("robots", "zoneId", "zone"),
        ("machines", "siteId", "site"),
        ("machines", "zoneId", "zone"),
        ("alerts", "assetId", "robot"),
        ("alerts", "siteId", "site"),
        ("auditLogs", "actorUserId", "user"),
        ("auditLogs", "actorApiKeyId", "apiKey"),
        ("commands", "assetId", "robot"),
        ("commands", "siteId", "site"),
        ("emergencyStops", "siteId", "site"),
        ("emergencyStops", "assetId", "robot"),
        ("jobs", "assetId", "robot"),
        ("jobs", "siteId", "site"),
        ("machineSessions", "machineId", "machine"),
        ("machineSessions", "operatorId", "user"),
        ("machineSessions", "siteId", "site"),
        ("maintenanceTasks", "assetId", "robot"),
        ("maintenanceTasks", "siteId", "site"),
        ("maintenanceTasks", "assigneeId", "user"),
    ] {
        row(
            &format!("{list}(filter: {{{field}}})"),
            format!("query($id: ID!) {{ {list}(filter: {{ {field}: $id }}) {{ totalCount }} }}"),
            kind,
        );
    }
    // Lists inside an object take the same filters.
    row(
        "robot.maintenanceTasks(filter: {siteId})",
        "query($r: ID!, $id: ID!) { robot(id: $r) { maintenanceTasks(filter: { siteId: $id }) { totalCount } } }"
            .into(),
        "site",
    );
    for (field, kind) in [("siteId", "site"), ("assetId", "robot")] {
        row(
            &format!("alertCounts(filter: {{{field}}})"),
            format!("query($id: ID!) {{ alertCounts(filter: {{ {field}: $id }}) {{ total }} }}"),
            kind,
        );
    }
    row(
        "alertRules(filter: {assetId})",
        "query($id: ID!) { alertRules(filter: { assetId: $id }) { id } }".into(),
        "robot",
    );
    for (field, kind) in [("siteId", "site"), ("machineId", "machine")] {
        row(
            &format!("machineUtilization({field})"),
            format!(
                "query($id: ID!) {{ machineUtilization({RANGE}, {field}: $id) {{ seconds }} }}"
            ),
            kind,
        );
    }
    for (field, kind) in [("siteId", "site"), ("operatorId", "user")] {
        row(
            &format!("operatorUtilization({field})"),
            format!(
                "query($id: ID!) {{ operatorUtilization({RANGE}, {field}: $id) {{ seconds }} }}"
            ),
            kind,
        );
    }
    for (field, kind) in [("siteId", "site"), ("assetId", "robot")] {
        row(
            &format!("maintenanceSummary({field})"),
            format!("query($id: ID!) {{ maintenanceSummary({field}: $id) {{ total }} }}"),
            kind,
        );
    }
    row(
        "zones(siteId)",
        "query($id: ID!) { zones(siteId: $id) { id } }".into(),
        "site",
    );
    row(
        "pendingCommands(assetId)",
        "query($id: ID!) { pendingCommands(assetId: $id) { id } }".into(),
        "robot",
    );
    row(
        "telemetrySeries(series: [{assetId}])",
        format!(
            "query($id: ID!) {{ telemetrySeries(series: [{{ assetId: $id, metric: \"cpu\" }}], {RANGE}) {{ metric }} }}"
        ),
        "robot",
    );
    rows
}

/// Every subscription argument that names a resource.
fn subscription_table() -> Vec<(String, String, &'static str)> {
    let mut rows = vec![(
        "telemetry(assetIds)".to_owned(),
        "subscription($id: ID!) { telemetry(assetIds: [$id]) { readings { value } } }".to_owned(),
        "robot",
    )];
    for (field, args, kind) in [
        ("alerts", "siteId", "site"),
        ("alerts", "assetId", "robot"),
        ("assetStatusChanged", "siteId", "site"),
        ("machineSessionEvents", "machineId", "machine"),
        ("machineSessionEvents", "siteId", "site"),
        ("sessionExpiring", "machineId", "machine"),
        ("sessionExpiring", "siteId", "site"),
        ("maintenanceUpdated", "assetId", "robot"),
        ("maintenanceUpdated", "siteId", "site"),
        ("jobUpdated", "assetId", "robot"),
        ("jobUpdated", "siteId", "site"),
        ("commandsForAsset", "assetId", "robot"),
    ] {
        rows.push((
            format!("{field}({args})"),
            format!("subscription($id: ID!) {{ {field}({args}: $id) {{ __typename }} }}"),
            kind,
        ));
    }
    rows
}

fn variables(own: &Ids, id: &str) -> Value {
    // `$r` is always the caller's own robot (for the nested list).
    json!({ "id": id, "r": own.robot })
}

#[tokio::test]
async fn every_id_argument_and_filter_answers_another_organization_s_id_with_not_found() {
    let app = TestApp::spawn().await;
    let (a, own) = org(&app, "ids-a").await;
    let (_, theirs) = org(&app, "ids-b").await;
    let table = query_table();
    assert!(table.len() >= 35, "the table covers every ID argument");
    for (what, doc, kind) in &table {
        let mine = app
            .gql(Some(&a.token), doc, variables(&own, own.of(kind)))
            .await;
        assert_ok(&mine);
        let body = app
            .gql(Some(&a.token), doc, variables(&own, theirs.of(kind)))
            .await;
        assert_not_found(&body, what);
    }
}

#[tokio::test]
async fn every_subscription_argument_refuses_another_organization_s_id_before_any_event() {
    let app = TestApp::spawn().await;
    let (a, own) = org(&app, "ids-sub-a").await;
    let (_, theirs) = org(&app, "ids-sub-b").await;
    let table = subscription_table();
    let mut ws = app.ws(&a.token).await;
    for (i, (_, doc, kind)) in table.iter().enumerate() {
        ws.subscribe(&format!("own-{i}"), doc, variables(&own, own.of(kind)))
            .await;
        ws.subscribe(
            &format!("theirs-{i}"),
            doc,
            variables(&own, theirs.of(kind)),
        )
        .await;
    }
    let mut refused = std::collections::BTreeSet::new();
    while refused.len() < table.len() {
        let message = ws
            .next_message(WS_WAIT)
            .await
            .unwrap_or_else(|| panic!("only {refused:?} were refused"));
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        let i: usize = id
            .strip_prefix("theirs-")
            .and_then(|i| i.parse().ok())
            .unwrap_or_else(|| panic!("a subscription with a visible ID answered: {message}"));
        let what = &table[i].0;
        // Refused as a request: `error`, not a `next` with errors, and before any event.
        assert_eq!(message["type"], "error", "{what}: {message}");
        assert_eq!(
            message["payload"][0]["extensions"]["code"], "NOT_FOUND",
            "{what}: {message}"
        );
        refused.insert(i);
    }
    // The subscriptions on visible IDs are still running, silently.
    assert!(
        ws.next_message(std::time::Duration::from_millis(300))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_site_restricted_member_gets_not_found_for_a_site_outside_theirs_in_filters_too() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("ids-scoped")).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    let z2 = app.create_zone(&owner.token, &s2, "z2").await;
    let r2 = app.create_robot(&owner.token, &s2, Some(&z2), "r2").await;
    let token = app.member_on_sites(&owner, "ENGINEER", &[&s1]).await;
    // The lookup says NOT_FOUND, and so does every filter naming the same site, zone or asset.
    let lookup = app
        .gql(
            Some(&token),
            "query($id: ID!) { site(id: $id) { id } }",
            json!({ "id": s2 }),
        )
        .await;
    assert_not_found(&lookup, "site(id)");
    let utilization =
        format!("query($id: ID!) {{ machineUtilization({RANGE}, siteId: $id) {{ seconds }} }}");
    for (what, doc, id) in [
        (
            "jobs by site",
            "query($id: ID!) { jobs(filter: { siteId: $id }) { totalCount } }",
            &s2,
        ),
        (
            "assets by zone",
            "query($id: ID!) { assets(filter: { zoneId: $id }) { totalCount } }",
            &z2,
        ),
        (
            "alerts by asset",
            "query($id: ID!) { alerts(filter: { assetId: $id }) { totalCount } }",
            &r2,
        ),
        ("utilization by site", utilization.as_str(), &s2),
    ] {
        let body = app.gql(Some(&token), doc, json!({ "id": id })).await;
        assert_not_found(&body, what);
    }
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { jobs(filter: { siteId: $id }) { totalCount } }",
            json!({ "id": s1 }),
        )
        .await;
    assert_ok(&body);
    let mut ws = app.ws(&token).await;
    ws.subscribe(
        "s2",
        "subscription($id: ID!) { jobUpdated(siteId: $id) { __typename } }",
        json!({ "id": s2 }),
    )
    .await;
    let message = ws.next_message(WS_WAIT).await.expect("a refusal");
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(message["payload"][0]["extensions"]["code"], "NOT_FOUND");
}
