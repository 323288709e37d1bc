//! Tenant isolation and roles on places and assets.
//!
//! Another organization's ID is NOT_FOUND, never FORBIDDEN and never data
//! (docs/ARCHITECTURE.md §4.3), and a refused write leaves the other organization untouched.
//! Viewers and operators read but do not write places or assets; engineers do; API keys are held to
//! their scopes.

use serde_json::{Value, json};

use crate::helpers::{
    Session, TestApp, assert_code, assert_not_found, assert_ok, error_code, slug, str_of,
};

/// Org B's resources, as seen by org A's tests.
struct Other {
    owner: Session,
    site: String,
    zone: String,
    robot: String,
    machine: String,
    member: String,
    api_key: String,
}

async fn other_org(app: &TestApp) -> Other {
    let owner = app.sign_up(&slug("org-b")).await;
    let t = &owner.token;
    let site = app.create_site(t, "b-plant").await;
    let zone = app.create_zone(t, &site, "b-cell").await;
    let robot = app.create_robot(t, &site, Some(&zone), "b-r1").await;
    let machine = app.create_machine(t, &site, "b-m1").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let member = membership_id(app, &owner, &viewer.user_id).await;
    let (api_key, _) = app.api_key(&owner, &["assets:read"], None).await;
    Other {
        owner,
        site,
        zone,
        robot,
        machine,
        member,
        api_key,
    }
}

/// Everything of org B that org A's requests could touch, read by B's owner.
async fn snapshot(app: &TestApp, b: &Other) -> Value {
    let body = app
        .gql(
            Some(&b.owner.token),
            "query($s: ID!, $z: ID!, $r: ID!, $m: ID!, $mem: ID!) {
                site(id: $s) { code name timezone address archivedAt updatedAt zones { id code name } }
                zone(id: $z) { code name description updatedAt }
                robot(id: $r) { code name status archivedAt updatedAt site { id } zone { id } firmwareVersion configuration }
                machine(id: $m) { code name status archivedAt updatedAt warningMinutes zone { id } }
                member(id: $mem) { role sites { id } }
                members { totalCount nodes { id role } }
                apiKeys(includeRevoked: true) { nodes { id revokedAt } }
                sites(filter: { includeArchived: true }) { totalCount nodes { id } }
                assets(filter: { includeArchived: true }) { totalCount nodes { id code } } }",
            json!({ "s": b.site, "z": b.zone, "r": b.robot, "m": b.machine, "mem": b.member }),
        )
        .await;
    assert_ok(&body);
    body["data"].clone()
}

/// The membership id of `user_id` in `admin`'s organization.
async fn membership_id(app: &TestApp, admin: &Session, user_id: &str) -> String {
    let body = app
        .gql(
            Some(&admin.token),
            "{ members(first: 200) { nodes { id user { id } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let nodes = body["data"]["members"]["nodes"].as_array().unwrap();
    let node = nodes
        .iter()
        .find(|n| n["user"]["id"] == user_id)
        .unwrap_or_else(|| panic!("no membership of {user_id}: {body}"));
    str_of(&node["id"])
}

#[tokio::test]
async fn every_query_by_id_or_code_of_another_organization_is_not_found() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(&slug("org-a")).await;
    let b = other_org(&app).await;
    let queries = [
        (
            "site",
            "query($id: ID!) { site(id: $id) { id name } }",
            &b.site,
        ),
        (
            "zone",
            "query($id: ID!) { zone(id: $id) { id name } }",
            &b.zone,
        ),
        (
            "zones",
            "query($id: ID!) { zones(siteId: $id) { id } }",
            &b.site,
        ),
        (
            "asset robot",
            "query($id: ID!) { asset(id: $id) { id name } }",
            &b.robot,
        ),
        (
            "asset machine",
            "query($id: ID!) { asset(id: $id) { id name } }",
            &b.machine,
        ),
        (
            "robot",
            "query($id: ID!) { robot(id: $id) { id name } }",
            &b.robot,
        ),
        (
            "machine",
            "query($id: ID!) { machine(id: $id) { id name } }",
            &b.machine,
        ),
        (
            "member",
            "query($id: ID!) { member(id: $id) { id role } }",
            &b.member,
        ),
    ];
    for (what, query, id) in queries {
        let body = app.gql(Some(&a.token), query, json!({ "id": id })).await;
        assert_not_found(&body, what);
    }
    let body = app
        .gql(
            Some(&a.token),
            "{ siteByCode(code: \"b-plant\") { id } }",
            json!({}),
        )
        .await;
    assert_not_found(&body, "siteByCode");
    let body = app
        .gql(
            Some(&a.token),
            "{ assetByCode(code: \"B-R1\") { id } }",
            json!({}),
        )
        .await;
    assert_not_found(&body, "assetByCode");

    // Filters by another organization's IDs are NOT_FOUND too, like the lookups (the whole
    // table of ID arguments is in `ids.rs`).
    for (what, query, id) in [
        (
            "bySite",
            "query($id: ID!) { assets(filter: { siteId: $id, includeArchived: true }) { totalCount nodes { id } } }",
            &b.site,
        ),
        (
            "byZone",
            "query($id: ID!) { assets(filter: { zoneId: $id }) { totalCount nodes { id } } }",
            &b.zone,
        ),
        (
            "robots",
            "query($id: ID!) { robots(filter: { siteId: $id }) { totalCount nodes { id } } }",
            &b.site,
        ),
        (
            "machines",
            "query($id: ID!) { machines(filter: { siteId: $id }) { totalCount nodes { id } } }",
            &b.site,
        ),
    ] {
        let body = app.gql(Some(&a.token), query, json!({ "id": id })).await;
        assert_not_found(&body, what);
    }
}

#[tokio::test]
async fn every_mutation_on_another_organization_s_ids_is_not_found_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(&slug("org-a")).await;
    let a_site = app.create_site(&a.token, "a-plant").await;
    let a_zone = app.create_zone(&a.token, &a_site, "a-cell").await;
    let a_robot = app
        .create_robot(&a.token, &a_site, Some(&a_zone), "a-r1")
        .await;
    let a_member = app.member(&a, "VIEWER").await;
    let b = other_org(&app).await;
    let before = snapshot(&app, &b).await;

    let robot_fields = r#"name: "Hack", vendor: "X", model: "Y""#;
    let mutations: Vec<(&str, String, Value)> = vec![
        ("updateSite", "mutation($id: ID!) { updateSite(input: { id: $id, name: \"hacked\" }) { site { id name } } }".into(), json!({ "id": b.site })),
        ("archiveSite", "mutation($id: ID!) { archiveSite(input: { id: $id }) { site { id } } }".into(), json!({ "id": b.site })),
        ("restoreSite", "mutation($id: ID!) { restoreSite(input: { id: $id }) { site { id } } }".into(), json!({ "id": b.site })),
        ("deleteSite", "mutation($id: ID!) { deleteSite(input: { id: $id }) { deletedId } }".into(), json!({ "id": b.site })),
        ("createZone", "mutation($id: ID!) { createZone(input: { siteId: $id, code: \"hack\", name: \"x\" }) { zone { id } } }".into(), json!({ "id": b.site })),
        ("updateZone", "mutation($id: ID!) { updateZone(input: { id: $id, name: \"hacked\" }) { zone { id name } } }".into(), json!({ "id": b.zone })),
        ("deleteZone", "mutation($id: ID!) { deleteZone(input: { id: $id }) { deletedId } }".into(), json!({ "id": b.zone })),
        ("createRobot on B's site", format!("mutation($id: ID!) {{ createRobot(input: {{ siteId: $id, code: \"hack-r\", {robot_fields} }}) {{ robot {{ id }} }} }}"), json!({ "id": b.site })),
        ("createRobot in B's zone", format!("mutation($s: ID!, $z: ID!) {{ createRobot(input: {{ siteId: $s, zoneId: $z, code: \"hack-z\", {robot_fields} }}) {{ robot {{ id }} }} }}"), json!({ "s": a_site, "z": b.zone })),
        ("createMachine on B's site", format!("mutation($id: ID!) {{ createMachine(input: {{ siteId: $id, code: \"hack-m\", {robot_fields} }}) {{ machine {{ id }} }} }}"), json!({ "id": b.site })),
        ("updateRobot", "mutation($id: ID!) { updateRobot(input: { id: $id, name: \"hacked\", status: ERROR }) { robot { id name } } }".into(), json!({ "id": b.robot })),
        ("updateRobot to B's site", "mutation($id: ID!, $s: ID!) { updateRobot(input: { id: $id, siteId: $s }) { robot { id } } }".into(), json!({ "id": a_robot, "s": b.site })),
        ("updateRobot to B's zone", "mutation($id: ID!, $z: ID!) { updateRobot(input: { id: $id, zoneId: $z }) { robot { id } } }".into(), json!({ "id": a_robot, "z": b.zone })),
        ("updateMachine", "mutation($id: ID!) { updateMachine(input: { id: $id, name: \"hacked\", warningMinutes: 1 }) { machine { id name } } }".into(), json!({ "id": b.machine })),
        ("archiveAsset", "mutation($id: ID!) { archiveAsset(input: { id: $id }) { asset { id } } }".into(), json!({ "id": b.robot })),
        ("restoreAsset", "mutation($id: ID!) { restoreAsset(input: { id: $id }) { asset { id } } }".into(), json!({ "id": b.robot })),
        ("deleteAsset robot", "mutation($id: ID!) { deleteAsset(input: { id: $id }) { deletedId } }".into(), json!({ "id": b.robot })),
        ("deleteAsset machine", "mutation($id: ID!) { deleteAsset(input: { id: $id }) { deletedId } }".into(), json!({ "id": b.machine })),
        ("updateMember", "mutation($id: ID!) { updateMember(input: { id: $id, role: ADMIN }) { member { id role } } }".into(), json!({ "id": b.member })),
        ("removeMember", "mutation($id: ID!) { removeMember(input: { id: $id }) { removedId } }".into(), json!({ "id": b.member })),
        ("revokeApiKey", "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }".into(), json!({ "id": b.api_key })),
    ];
    for (what, query, vars) in &mutations {
        let body = app.gql(Some(&a.token), query, vars.clone()).await;
        assert_not_found(&body, what);
        assert_eq!(snapshot(&app, &b).await, before, "{what} changed org B");
    }

    // Site restrictions naming another organization's site: refused, nothing written.
    let count_invitations = || async {
        let body = app
            .gql(Some(&a.token), "{ invitations { totalCount } }", json!({}))
            .await;
        body["data"]["invitations"]["totalCount"].clone()
    };
    let invitations_before = count_invitations().await;
    let new_email = format!("intruder@{}.example.com", a.slug);
    let body = app
        .gql(
            Some(&a.token),
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }",
            json!({ "input": { "email": new_email, "role": "VIEWER", "siteIds": [b.site] } }),
        )
        .await;
    let code = error_code(&body);
    assert!(
        matches!(code.as_deref(), Some("NOT_FOUND" | "BAD_USER_INPUT")),
        "inviteMember with B's site: {body}"
    );
    assert!(body["data"].is_null() || body["data"]["inviteMember"].is_null());
    assert_eq!(count_invitations().await, invitations_before);
    let a_membership = membership_id(&app, &a, &a_member.user_id).await;
    let body = app
        .gql(
            Some(&a.token),
            "mutation($id: ID!, $s: ID!) { updateMember(input: { id: $id, siteIds: [$s] }) { member { id } } }",
            json!({ "id": a_membership, "s": b.site }),
        )
        .await;
    let code = error_code(&body);
    assert!(
        matches!(code.as_deref(), Some("NOT_FOUND" | "BAD_USER_INPUT")),
        "updateMember with B's site: {body}"
    );
    let body = app
        .gql(
            Some(&a.token),
            "query($id: ID!) { member(id: $id) { sites { id } } }",
            json!({ "id": a_membership }),
        )
        .await;
    assert_eq!(body["data"]["member"]["sites"], json!([]), "{body}");
    assert_eq!(
        snapshot(&app, &b).await,
        before,
        "inviteMember changed org B"
    );

    // Org A is as it was: one robot in its zone, one zone, two members.
    let body = app
        .gql(
            Some(&a.token),
            "query($s: ID!) { assets(filter: { includeArchived: true }) { totalCount nodes { code zone { code } site { code } } }
                              zones(siteId: $s) { code }
                              members { totalCount } }",
            json!({ "s": a_site }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["assets"]["nodes"],
        json!([{ "code": "A-R1", "zone": { "code": "A-CELL" }, "site": { "code": "A-PLANT" } }])
    );
    assert_eq!(body["data"]["zones"], json!([{ "code": "A-CELL" }]));
    assert_eq!(body["data"]["members"]["totalCount"], 2);

    // The refusals were recorded in A's audit log, none in B's. (Filtering B's log by A's user
    // is itself NOT_FOUND: A's user is no one B can see.)
    let body = app
        .gql(
            Some(&b.owner.token),
            "{ auditLogs(first: 200) { nodes { actorUser { id } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let nodes = body["data"]["auditLogs"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!nodes.is_empty(), "{body}");
    assert!(
        nodes
            .iter()
            .all(|n| n["actorUser"]["id"] != json!(a.user_id)),
        "{body}"
    );
    let body = app
        .gql(
            Some(&b.owner.token),
            "query($u: ID!) { auditLogs(filter: { actorUserId: $u }) { totalCount } }",
            json!({ "u": a.user_id }),
        )
        .await;
    assert_not_found(&body, "B filtering by A's user");
}

#[tokio::test]
async fn lists_never_show_another_organization_s_rows() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(&slug("org-a")).await;
    let a_site = app.create_site(&a.token, "a-plant").await;
    let a_zone = app.create_zone(&a.token, &a_site, "a-cell").await;
    app.create_robot(&a.token, &a_site, Some(&a_zone), "a-r1")
        .await;
    app.create_machine(&a.token, &a_site, "a-m1").await;
    let b = other_org(&app).await;

    let body = app
        .gql(
            Some(&a.token),
            "query($s: ID!) {
                sites(filter: { includeArchived: true }) { totalCount nodes { code zones { code } } }
                assets(filter: { includeArchived: true }) { totalCount nodes { code } }
                robots { totalCount nodes { code } }
                machines { totalCount nodes { code } }
                members { totalCount nodes { user { email } } }
                apiKeys(includeRevoked: true) { totalCount }
                zones(siteId: $s) { code assets { code } }
                auditLogs(first: 200) { nodes { action resourceId } } }",
            json!({ "s": a_site }),
        )
        .await;
    assert_ok(&body);
    let d = &body["data"];
    assert_eq!(
        d["sites"],
        json!({ "totalCount": 1, "nodes": [{ "code": "A-PLANT", "zones": [{ "code": "A-CELL" }] }] })
    );
    assert_eq!(d["assets"]["totalCount"], 2);
    assert_eq!(
        d["robots"],
        json!({ "totalCount": 1, "nodes": [{ "code": "A-R1" }] })
    );
    assert_eq!(
        d["machines"],
        json!({ "totalCount": 1, "nodes": [{ "code": "A-M1" }] })
    );
    assert_eq!(
        d["members"],
        json!({ "totalCount": 1, "nodes": [{ "user": { "email": a.email } }] })
    );
    assert_eq!(d["apiKeys"]["totalCount"], 0);
    assert_eq!(
        d["zones"],
        json!([{ "code": "A-CELL", "assets": [{ "code": "A-R1" }] }])
    );
    let b_ids = [
        &b.site, &b.zone, &b.robot, &b.machine, &b.member, &b.api_key,
    ];
    for row in d["auditLogs"]["nodes"].as_array().unwrap() {
        let id = row["resourceId"].as_str().unwrap_or_default();
        assert!(
            !b_ids.iter().any(|b| b.as_str() == id),
            "B's row in A's audit log: {row}"
        );
    }
    // The search of one organization does not reach into another.
    let body = app
        .gql(
            Some(&a.token),
            "{ assets(filter: { search: \"b-\" }) { totalCount } sites(filter: { search: \"b-\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["assets"]["totalCount"], 0, "{body}");
    assert_eq!(body["data"]["sites"]["totalCount"], 0, "{body}");
}

/// Ids of a small place tree for the role tests.
struct Tree {
    site: String,
    zone: String,
    robot: String,
    machine: String,
}

async fn tree(app: &TestApp, owner: &Session) -> Tree {
    let site = app.create_site(&owner.token, "plant").await;
    let zone = app.create_zone(&owner.token, &site, "cell").await;
    let robot = app
        .create_robot(&owner.token, &site, Some(&zone), "r1")
        .await;
    let machine = app.create_machine(&owner.token, &site, "m1").await;
    Tree {
        site,
        zone,
        robot,
        machine,
    }
}

/// Every write on sites, zones and assets, aimed at `t`.
fn writes(t: &Tree) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "createSite",
            "mutation { createSite(input: { code: \"new\", name: \"New\" }) { site { id } } }",
            json!({}),
        ),
        (
            "updateSite",
            "mutation($id: ID!) { updateSite(input: { id: $id, name: \"x\" }) { site { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "archiveSite",
            "mutation($id: ID!) { archiveSite(input: { id: $id }) { site { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "restoreSite",
            "mutation($id: ID!) { restoreSite(input: { id: $id }) { site { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "deleteSite",
            "mutation($id: ID!) { deleteSite(input: { id: $id }) { deletedId } }",
            json!({ "id": t.site }),
        ),
        (
            "createZone",
            "mutation($id: ID!) { createZone(input: { siteId: $id, code: \"z9\", name: \"Z\" }) { zone { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "updateZone",
            "mutation($id: ID!) { updateZone(input: { id: $id, name: \"x\" }) { zone { id } } }",
            json!({ "id": t.zone }),
        ),
        (
            "deleteZone",
            "mutation($id: ID!) { deleteZone(input: { id: $id }) { deletedId } }",
            json!({ "id": t.zone }),
        ),
        (
            "createRobot",
            "mutation($id: ID!) { createRobot(input: { siteId: $id, code: \"r9\", name: \"R\", vendor: \"V\", model: \"M\" }) { robot { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "updateRobot",
            "mutation($id: ID!) { updateRobot(input: { id: $id, name: \"x\" }) { robot { id } } }",
            json!({ "id": t.robot }),
        ),
        (
            "createMachine",
            "mutation($id: ID!) { createMachine(input: { siteId: $id, code: \"m9\", name: \"M\", vendor: \"V\", model: \"M\" }) { machine { id } } }",
            json!({ "id": t.site }),
        ),
        (
            "updateMachine",
            "mutation($id: ID!) { updateMachine(input: { id: $id, name: \"x\" }) { machine { id } } }",
            json!({ "id": t.machine }),
        ),
        (
            "archiveAsset",
            "mutation($id: ID!) { archiveAsset(input: { id: $id }) { asset { id } } }",
            json!({ "id": t.robot }),
        ),
        (
            "restoreAsset",
            "mutation($id: ID!) { restoreAsset(input: { id: $id }) { asset { id } } }",
            json!({ "id": t.robot }),
        ),
        (
            "deleteAsset",
            "mutation($id: ID!) { deleteAsset(input: { id: $id }) { deletedId } }",
            json!({ "id": t.machine }),
        ),
    ]
}

/// The organization's places and assets as the owner sees them.
async fn state(app: &TestApp, owner: &Session) -> Value {
    let body = app
        .gql(
            Some(&owner.token),
            "{ sites(filter: { includeArchived: true }) { nodes { id code name archivedAt updatedAt
                    zones { id code name updatedAt } } }
               assets(filter: { includeArchived: true }) { nodes { id code name archivedAt updatedAt } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    body["data"].clone()
}

#[tokio::test]
async fn viewers_and_operators_cannot_write_sites_zones_or_assets() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("roles")).await;
    let t = tree(&app, &owner).await;
    let viewer = app.member(&owner, "VIEWER").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let before = state(&app, &owner).await;
    for who in [&viewer, &operator] {
        for (name, query, vars) in writes(&t) {
            let body = app.gql(Some(&who.token), query, vars).await;
            assert_eq!(
                error_code(&body).as_deref(),
                Some("FORBIDDEN"),
                "{name} by {}: {body}",
                who.email
            );
        }
        // They do read.
        let body = app
            .gql(
                Some(&who.token),
                "query($id: ID!) { site(id: $id) { code zones { code } } assets { totalCount } }",
                json!({ "id": t.site }),
            )
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["assets"]["totalCount"], 2);
    }
    assert_eq!(state(&app, &owner).await, before);
}

#[tokio::test]
async fn an_engineer_may_write_sites_zones_and_assets() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("roles")).await;
    let t = tree(&app, &owner).await;
    let engineer = app.member(&owner, "ENGINEER").await;
    // In an order in which every write succeeds.
    let order = [
        "createSite",
        "updateSite",
        "createZone",
        "updateZone",
        "createRobot",
        "updateRobot",
        "createMachine",
        "updateMachine",
        "archiveAsset",
        "restoreAsset",
        "deleteAsset",
    ];
    let all = writes(&t);
    for name in order {
        let (_, query, vars) = all.iter().find(|w| w.0 == name).unwrap();
        let body = app.gql(Some(&engineer.token), query, vars.clone()).await;
        assert!(body["errors"].is_null(), "{name} by an engineer: {body}");
    }
    // Empty the original site, then archive, restore and delete it, and delete its zone.
    let body = app
        .gql(
            Some(&engineer.token),
            "mutation($r: ID!) { deleteAsset(input: { id: $r }) { deletedId } }",
            json!({ "r": t.robot }),
        )
        .await;
    assert_ok(&body);
    let body = app
        .gql(
            Some(&engineer.token),
            "{ assets { nodes { id } } }",
            json!({}),
        )
        .await;
    for node in body["data"]["assets"]["nodes"].as_array().unwrap() {
        let body = app
            .gql(
                Some(&engineer.token),
                "mutation($id: ID!) { deleteAsset(input: { id: $id }) { deletedId } }",
                json!({ "id": node["id"] }),
            )
            .await;
        assert_ok(&body);
    }
    let body = app
        .gql(
            Some(&engineer.token),
            "query($s: ID!) { zones(siteId: $s) { id } }",
            json!({ "s": t.site }),
        )
        .await;
    for zone in body["data"]["zones"].as_array().unwrap() {
        let body = app
            .gql(
                Some(&engineer.token),
                "mutation($id: ID!) { deleteZone(input: { id: $id }) { deletedId } }",
                json!({ "id": zone["id"] }),
            )
            .await;
        assert_ok(&body);
    }
    for name in ["archiveSite", "restoreSite", "deleteSite"] {
        let (_, query, vars) = all.iter().find(|w| w.0 == name).unwrap();
        let body = app.gql(Some(&engineer.token), query, vars.clone()).await;
        assert!(body["errors"].is_null(), "{name} by an engineer: {body}");
    }
    let body = app
        .gql(
            Some(&owner.token),
            "{ sites(filter: { includeArchived: true }) { nodes { code name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["sites"]["nodes"],
        json!([{ "code": "NEW", "name": "New" }])
    );
}

#[tokio::test]
async fn an_api_key_is_held_to_its_scopes() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keys")).await;
    let t = tree(&app, &owner).await;
    let (_, reader) = app.api_key(&owner, &["sites:read"], None).await;
    let (_, writer) = app.api_key(&owner, &["assets:write"], None).await;
    let before = state(&app, &owner).await;

    for (name, query, vars) in writes(&t) {
        let body = app.gql(Some(&reader), query, vars).await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("FORBIDDEN"),
            "{name} with sites:read: {body}"
        );
    }
    assert_eq!(state(&app, &owner).await, before);
    let body = app
        .gql(Some(&reader), "{ sites { totalCount } }", json!({}))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["sites"]["totalCount"], 1);
    // sites:read does not reach assets, not even through a site or a zone.
    let body = app
        .gql(Some(&reader), "{ assets { totalCount } }", json!({}))
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = app
        .gql(
            Some(&reader),
            "query($s: ID!) { zones(siteId: $s) { code assets { code name } } }",
            json!({ "s": t.site }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert!(!body.to_string().contains("Robot r1"), "{body}");
    let body = app
        .gql(
            Some(&reader),
            "query($s: ID!) { site(id: $s) { code assetCounts { status count } } }",
            json!({ "s": t.site }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");

    // assets:write creates and updates robots, but not sites.
    let body = app
        .gql(
            Some(&writer),
            "mutation($s: ID!, $z: ID!) { createRobot(input: { siteId: $s, zoneId: $z, code: \"k-1\",
                name: \"Key robot\", vendor: \"V\", model: \"M\" }) { robot { id code zone { code } } } }",
            json!({ "s": t.site, "z": t.zone }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["createRobot"]["robot"]["zone"]["code"], "CELL");
    let body = app
        .gql(
            Some(&writer),
            "mutation($id: ID!) { updateRobot(input: { id: $id, status: ONLINE }) { robot { status } } }",
            json!({ "id": t.robot }),
        )
        .await;
    assert_ok(&body);
    let body = app
        .gql(
            Some(&writer),
            "mutation { createSite(input: { code: \"k\", name: \"K\" }) { site { id } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = app
        .gql(
            Some(&writer),
            "mutation($id: ID!) { createZone(input: { siteId: $id, code: \"kz\", name: \"K\" }) { zone { id } } }",
            json!({ "id": t.site }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
}

#[tokio::test]
async fn a_member_restricted_to_a_site_sees_and_writes_only_there() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("scoped")).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let z1 = app.create_zone(&owner.token, &s1, "z1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    let z2 = app.create_zone(&owner.token, &s2, "z2").await;
    app.create_robot(&owner.token, &s1, Some(&z1), "r1").await;
    let r2 = app.create_robot(&owner.token, &s2, Some(&z2), "r2").await;
    let token = app.member_on_sites(&owner, "ENGINEER", &[&s1]).await;

    let body = app
        .gql(
            Some(&token),
            "{ sites { nodes { code } } assets { nodes { code } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["sites"]["nodes"], json!([{ "code": "S1" }]));
    assert_eq!(body["data"]["assets"]["nodes"], json!([{ "code": "R1" }]));
    for (query, id) in [
        ("query($id: ID!) { site(id: $id) { id } }", &s2),
        ("query($id: ID!) { zone(id: $id) { id } }", &z2),
        ("query($id: ID!) { robot(id: $id) { id } }", &r2),
        (
            "mutation($id: ID!) { updateRobot(input: { id: $id, name: \"x\" }) { robot { id } } }",
            &r2,
        ),
        (
            "mutation($id: ID!) { createRobot(input: { siteId: $id, code: \"x\", name: \"x\", vendor: \"v\", model: \"m\" }) { robot { id } } }",
            &s2,
        ),
        (
            "mutation($id: ID!) { updateZone(input: { id: $id, name: \"x\" }) { zone { id } } }",
            &z2,
        ),
    ] {
        let body = app.gql(Some(&token), query, json!({ "id": id })).await;
        assert_not_found(&body, query);
    }
    let body = app
        .gql(
            Some(&token),
            "mutation { createSite(input: { code: \"s3\", name: \"S3\" }) { site { id } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    // Within the site, the engineer works normally.
    let body = app
        .gql(
            Some(&token),
            "mutation($s: ID!, $z: ID!) { createRobot(input: { siteId: $s, zoneId: $z, code: \"r3\", name: \"R3\", vendor: \"v\", model: \"m\" }) { robot { code } } }",
            json!({ "s": s1, "z": z1 }),
        )
        .await;
    assert_ok(&body);
}
