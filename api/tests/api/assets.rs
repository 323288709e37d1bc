//! Robots and machines: creating, reading through every lookup, validating, updating, archiving,
//! deleting, and listing with filters, orderings and keyset pagination.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};

const ROBOT: &str = "id kind code name status vendor model serialNumber archivedAt
    site { id code } zone { id code }
    firmwareVersion location { x y z heading } configuration";
const MACHINE: &str = "id kind code name status vendor model serialNumber archivedAt
    site { id code } zone { id code }
    requiresBadge sessionTimeoutMinutes warningMinutes edgeNode configuration";
const ASSET: &str = "__typename id kind code name status vendor model serialNumber
    site { id } zone { id }
    ... on Robot { firmwareVersion location { x y } configuration }
    ... on Machine { requiresBadge sessionTimeoutMinutes warningMinutes edgeNode }";

async fn owner(app: &TestApp) -> Session {
    app.sign_up(&slug("assets")).await
}

async fn create_robot(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateRobotInput!) {{ createRobot(input: $input) {{ robot {{ {ROBOT} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn create_machine(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateMachineInput!) {{ createMachine(input: $input) {{ machine {{ {MACHINE} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn update_robot(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: UpdateRobotInput!) {{ updateRobot(input: $input) {{ robot {{ {ROBOT} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn update_machine(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: UpdateMachineInput!) {{ updateMachine(input: $input) {{ machine {{ {MACHINE} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn asset_mutation(app: &TestApp, token: &str, name: &str, id: &str) -> Value {
    let selection = if name == "deleteAsset" {
        "deletedId"
    } else {
        "asset { id code archivedAt }"
    };
    app.gql(
        Some(token),
        &format!("mutation($id: ID!) {{ {name}(input: {{ id: $id }}) {{ {selection} }} }}"),
        json!({ "id": id }),
    )
    .await
}

/// One page of `assets`, as (codes, body).
async fn assets_page(app: &TestApp, token: &str, args: Value) -> (Vec<String>, Value) {
    let body = app
        .gql(
            Some(token),
            "query($first: Int, $after: String, $filter: AssetFilter, $order: AssetOrder) {
                assets(first: $first, after: $after, filter: $filter, orderBy: $order) {
                    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
                    edges { cursor node { code } } } }",
            args,
        )
        .await;
    assert_ok(&body);
    let codes = body["data"]["assets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["node"]["code"]))
        .collect();
    (codes, body)
}

async fn codes_where(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let (mut codes, body) = assets_page(
        app,
        token,
        json!({ "first": 200, "filter": filter, "order": { "field": "CODE" } }),
    )
    .await;
    assert_eq!(body["data"]["assets"]["totalCount"], codes.len(), "{body}");
    codes.sort();
    codes
}

fn robot_input(site: &str, code: &str) -> Value {
    json!({ "siteId": site, "code": code, "name": format!("Robot {code}"), "vendor": "KUKA", "model": "KR 6" })
}

fn machine_input(site: &str, code: &str) -> Value {
    json!({ "siteId": site, "code": code, "name": format!("Machine {code}"), "vendor": "DMG", "model": "DMU 50" })
}

fn merged(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[tokio::test]
async fn a_robot_is_created_with_every_field_and_reads_back_through_every_lookup() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let zone = app.create_zone(&owner.token, &site, "cell").await;
    let body = create_robot(
        &app,
        &owner.token,
        json!({
            "siteId": site, "zoneId": zone, "code": "r-01", "name": " Welder 1 ", "vendor": "KUKA",
            "model": "KR 210", "serialNumber": "SN-123", "status": "IDLE", "firmwareVersion": "8.6.2",
            "location": { "x": 1.5, "y": -2.0, "z": 0.25, "heading": 359.5 },
            "configuration": { "payloadKg": 210, "tools": ["gripper"] },
        }),
    )
    .await;
    assert_ok(&body);
    let robot = &body["data"]["createRobot"]["robot"];
    let id = str_of(&robot["id"]);
    assert_eq!(robot["kind"], "ROBOT");
    assert_eq!(robot["code"], "R-01");
    assert_eq!(robot["name"], "Welder 1");
    assert_eq!(robot["status"], "IDLE");
    assert_eq!(robot["vendor"], "KUKA");
    assert_eq!(robot["model"], "KR 210");
    assert_eq!(robot["serialNumber"], "SN-123");
    assert_eq!(robot["site"]["id"], site.as_str());
    assert_eq!(robot["zone"]["id"], zone.as_str());
    assert_eq!(robot["firmwareVersion"], "8.6.2");
    assert_eq!(
        robot["location"],
        json!({ "x": 1.5, "y": -2.0, "z": 0.25, "heading": 359.5 })
    );
    assert_eq!(
        robot["configuration"],
        json!({ "payloadKg": 210, "tools": ["gripper"] })
    );

    let body = app
        .gql(
            Some(&owner.token),
            &format!(
                "query($id: ID!) {{ robot(id: $id) {{ {ROBOT} }}
                    asset(id: $id) {{ {ASSET} }}
                    byCode: assetByCode(code: \"r-01\") {{ {ASSET} }} }}"
            ),
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(&body["data"]["robot"], robot);
    let expected = json!({
        "__typename": "Robot", "id": id, "kind": "ROBOT", "code": "R-01", "name": "Welder 1",
        "status": "IDLE", "vendor": "KUKA", "model": "KR 210", "serialNumber": "SN-123",
        "site": { "id": site }, "zone": { "id": zone }, "firmwareVersion": "8.6.2",
        "location": { "x": 1.5, "y": -2.0 },
        "configuration": { "payloadKg": 210, "tools": ["gripper"] },
    });
    assert_eq!(body["data"]["asset"], expected);
    assert_eq!(body["data"]["byCode"], expected);
}

#[tokio::test]
async fn a_machine_is_created_with_every_field_and_reads_back_through_every_lookup() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let zone = app.create_zone(&owner.token, &site, "hall").await;
    let body = create_machine(
        &app,
        &owner.token,
        json!({
            "siteId": site, "zoneId": zone, "code": "m-01", "name": "Laser", "vendor": "TRUMPF",
            "model": "TruLaser 3030", "serialNumber": "T-9", "status": "ONLINE", "requiresBadge": true,
            "sessionTimeoutMinutes": 45, "warningMinutes": 10, "edgeNode": "edge-7",
            "configuration": { "plc": "S7-1500" },
        }),
    )
    .await;
    assert_ok(&body);
    let machine = &body["data"]["createMachine"]["machine"];
    let id = str_of(&machine["id"]);
    assert_eq!(machine["kind"], "MACHINE");
    assert_eq!(machine["code"], "M-01");
    assert_eq!(machine["status"], "ONLINE");
    assert_eq!(machine["requiresBadge"], true);
    assert_eq!(machine["sessionTimeoutMinutes"], 45);
    assert_eq!(machine["warningMinutes"], 10);
    assert_eq!(machine["edgeNode"], "edge-7");
    assert_eq!(machine["configuration"], json!({ "plc": "S7-1500" }));
    assert_eq!(machine["zone"]["id"], zone.as_str());

    let body = app
        .gql(
            Some(&owner.token),
            &format!(
                "query($id: ID!) {{ machine(id: $id) {{ {MACHINE} }}
                    asset(id: $id) {{ {ASSET} }}
                    byCode: assetByCode(code: \"M-01\") {{ {ASSET} }} }}"
            ),
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(&body["data"]["machine"], machine);
    let expected = json!({
        "__typename": "Machine", "id": id, "kind": "MACHINE", "code": "M-01", "name": "Laser",
        "status": "ONLINE", "vendor": "TRUMPF", "model": "TruLaser 3030", "serialNumber": "T-9",
        "site": { "id": site }, "zone": { "id": zone }, "requiresBadge": true,
        "sessionTimeoutMinutes": 45, "warningMinutes": 10, "edgeNode": "edge-7",
    });
    assert_eq!(body["data"]["asset"], expected);
    assert_eq!(body["data"]["byCode"], expected);
}

#[tokio::test]
async fn defaults_apply_when_optional_asset_fields_are_left_out() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let body = create_robot(&app, &owner.token, robot_input(&site, "r1")).await;
    assert_ok(&body);
    let robot = &body["data"]["createRobot"]["robot"];
    assert_eq!(robot["status"], "OFFLINE");
    assert!(robot["zone"].is_null());
    assert!(robot["location"].is_null());
    assert!(robot["serialNumber"].is_null());
    assert_eq!(robot["configuration"], json!({}));
    let body = create_machine(&app, &owner.token, machine_input(&site, "m1")).await;
    assert_ok(&body);
    let machine = &body["data"]["createMachine"]["machine"];
    assert_eq!(machine["requiresBadge"], false);
    assert_eq!(machine["sessionTimeoutMinutes"], 30);
    assert_eq!(machine["warningMinutes"], 5);
    assert!(machine["edgeNode"].is_null());
}

#[tokio::test]
async fn an_id_of_the_other_kind_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r1").await;
    let machine = app.create_machine(&owner.token, &site, "m1").await;
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { robot(id: $id) { id } }",
            json!({ "id": machine }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { machine(id: $id) { id } }",
            json!({ "id": robot }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    // Nor can one be updated as the other.
    let body = update_robot(&app, &owner.token, json!({ "id": machine, "name": "x" })).await;
    assert_code(&body, "NOT_FOUND");
    let body = update_machine(&app, &owner.token, json!({ "id": robot, "name": "x" })).await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { id } }",
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&owner.token),
            "{ assetByCode(code: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
}

#[tokio::test]
async fn a_zone_of_another_site_is_refused_naming_input_zone_id() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    let z2 = app.create_zone(&owner.token, &s2, "z2").await;
    let body = create_robot(
        &app,
        &owner.token,
        merged(robot_input(&s1, "r1"), json!({ "zoneId": z2 })),
    )
    .await;
    assert_bad_input(&body, "input.zoneId");
    let body = create_machine(
        &app,
        &owner.token,
        merged(machine_input(&s1, "m1"), json!({ "zoneId": z2 })),
    )
    .await;
    assert_bad_input(&body, "input.zoneId");
    let robot = app.create_robot(&owner.token, &s1, None, "r2").await;
    let body = update_robot(&app, &owner.token, json!({ "id": robot, "zoneId": z2 })).await;
    assert_bad_input(&body, "input.zoneId");
    assert_eq!(
        codes_where(&app, &owner.token, json!(null)).await,
        vec!["R2"]
    );
}

#[tokio::test]
async fn an_asset_cannot_be_created_on_or_moved_to_an_archived_site() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let live = app.create_site(&owner.token, "live").await;
    let old = app.create_site(&owner.token, "old").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { archiveSite(input: { id: $id }) { site { id } } }",
            json!({ "id": old }),
        )
        .await;
    assert_ok(&body);
    let body = create_robot(&app, &owner.token, robot_input(&old, "r1")).await;
    assert_code(&body, "CONFLICT");
    let body = create_machine(&app, &owner.token, machine_input(&old, "m1")).await;
    assert_code(&body, "CONFLICT");
    let robot = app.create_robot(&owner.token, &live, None, "r2").await;
    let body = update_robot(&app, &owner.token, json!({ "id": robot, "siteId": old })).await;
    assert_code(&body, "CONFLICT");
    assert_eq!(
        codes_where(&app, &owner.token, json!({ "includeArchived": true })).await,
        vec!["R2"]
    );
}

#[tokio::test]
async fn invalid_robot_input_is_refused_naming_the_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let base = robot_input(&site, "r1");
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (json!({ "name": "n".repeat(101) }), "input.name"),
        (json!({ "vendor": "" }), "input.vendor"),
        (json!({ "model": " " }), "input.model"),
        (json!({ "code": "c".repeat(33) }), "input.code"),
        (json!({ "code": "" }), "input.code"),
        (json!({ "code": "r 1" }), "input.code"),
        (
            json!({ "serialNumber": "s".repeat(101) }),
            "input.serialNumber",
        ),
        (
            json!({ "firmwareVersion": "f".repeat(65) }),
            "input.firmwareVersion",
        ),
        (json!({ "configuration": [1, 2] }), "input.configuration"),
        (json!({ "configuration": "text" }), "input.configuration"),
        (
            json!({ "location": { "x": 0.0, "y": 0.0, "heading": 400.0 } }),
            "input.location.heading",
        ),
        (
            json!({ "location": { "x": 0.0, "y": 0.0, "heading": -1.0 } }),
            "input.location.heading",
        ),
        (
            json!({ "location": { "x": 0.0, "y": 0.0, "heading": 360.0 } }),
            "input.location.heading",
        ),
        (json!({ "siteId": "not-an-id" }), "input.siteId"),
        (json!({ "zoneId": "not-an-id" }), "input.zoneId"),
    ];
    for (extra, field) in cases {
        let body = create_robot(&app, &owner.token, merged(base.clone(), extra)).await;
        assert_bad_input(&body, field);
    }
    assert!(
        codes_where(&app, &owner.token, json!({ "includeArchived": true }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn invalid_machine_input_is_refused_naming_the_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let base = machine_input(&site, "m1");
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (json!({ "vendor": "" }), "input.vendor"),
        (json!({ "code": "c".repeat(33) }), "input.code"),
        (json!({ "configuration": [1, 2] }), "input.configuration"),
        (
            json!({ "sessionTimeoutMinutes": 0 }),
            "input.sessionTimeoutMinutes",
        ),
        (json!({ "warningMinutes": -1 }), "input.warningMinutes"),
        (
            json!({ "sessionTimeoutMinutes": 10, "warningMinutes": 10 }),
            "input.warningMinutes",
        ),
        (
            json!({ "sessionTimeoutMinutes": 10, "warningMinutes": 15 }),
            "input.warningMinutes",
        ),
        // Against the default timeout of 30 minutes.
        (json!({ "warningMinutes": 30 }), "input.warningMinutes"),
        (json!({ "edgeNode": "e".repeat(101) }), "input.edgeNode"),
    ];
    for (extra, field) in cases {
        let body = create_machine(&app, &owner.token, merged(base.clone(), extra)).await;
        assert_bad_input(&body, field);
    }
    assert!(
        codes_where(&app, &owner.token, json!({ "includeArchived": true }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_duplicate_asset_code_is_a_conflict_across_kinds_and_case() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    app.create_robot(&owner.token, &s1, None, "x-1").await;
    let body = create_robot(&app, &owner.token, robot_input(&s2, "X-1")).await;
    assert_code(&body, "CONFLICT");
    let body = create_machine(&app, &owner.token, machine_input(&s1, "x-1")).await;
    assert_code(&body, "CONFLICT");
    let machine = app.create_machine(&owner.token, &s1, "m-1").await;
    let body = update_machine(&app, &owner.token, json!({ "id": machine, "code": "x-1" })).await;
    assert_code(&body, "CONFLICT");
    assert_eq!(
        codes_where(&app, &owner.token, json!(null)).await,
        vec!["M-1", "X-1"]
    );
}

#[tokio::test]
async fn update_robot_changes_only_the_given_fields_and_null_clears() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let zone = app.create_zone(&owner.token, &site, "cell").await;
    let body = create_robot(
        &app,
        &owner.token,
        merged(
            robot_input(&site, "r1"),
            json!({ "zoneId": zone, "serialNumber": "SN", "firmwareVersion": "1.0",
                    "location": { "x": 1.0, "y": 2.0 }, "configuration": { "a": 1 } }),
        ),
    )
    .await;
    assert_ok(&body);
    let id = str_of(&body["data"]["createRobot"]["robot"]["id"]);

    let body = update_robot(&app, &owner.token, json!({ "id": id, "name": "Renamed" })).await;
    assert_ok(&body);
    let robot = &body["data"]["updateRobot"]["robot"];
    assert_eq!(robot["name"], "Renamed");
    assert_eq!(robot["code"], "R1");
    assert_eq!(robot["serialNumber"], "SN");
    assert_eq!(robot["zone"]["id"], zone.as_str());
    assert_eq!(robot["firmwareVersion"], "1.0");
    assert_eq!(robot["location"]["x"], 1.0);
    assert_eq!(robot["configuration"], json!({ "a": 1 }));
    assert_eq!(robot["status"], "OFFLINE");

    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": id, "status": "BUSY", "firmwareVersion": "2.0",
                "location": { "x": 5.0, "y": 6.0, "heading": 90.0 }, "configuration": { "b": 2 } }),
    )
    .await;
    assert_ok(&body);
    let robot = &body["data"]["updateRobot"]["robot"];
    assert_eq!(robot["status"], "BUSY");
    assert_eq!(robot["firmwareVersion"], "2.0");
    assert_eq!(
        robot["location"],
        json!({ "x": 5.0, "y": 6.0, "z": null, "heading": 90.0 })
    );
    assert_eq!(robot["configuration"], json!({ "b": 2 }));
    assert_eq!(robot["zone"]["id"], zone.as_str());

    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": id, "zoneId": null, "serialNumber": null, "firmwareVersion": null, "location": null }),
    )
    .await;
    assert_ok(&body);
    let robot = &body["data"]["updateRobot"]["robot"];
    assert!(robot["zone"].is_null(), "{body}");
    assert!(robot["serialNumber"].is_null(), "{body}");
    assert!(robot["firmwareVersion"].is_null(), "{body}");
    assert!(robot["location"].is_null(), "{body}");
    assert_eq!(robot["site"]["id"], site.as_str());
    assert_eq!(robot["name"], "Renamed");

    // Invalid updates name their field and change nothing.
    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": id, "configuration": [1] }),
    )
    .await;
    assert_bad_input(&body, "input.configuration");
    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": id, "name": "Half", "location": { "x": 0.0, "y": 0.0, "heading": 400.0 } }),
    )
    .await;
    assert_bad_input(&body, "input.location.heading");
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { robot(id: $id) { name configuration } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["robot"],
        json!({ "name": "Renamed", "configuration": { "b": 2 } })
    );
}

#[tokio::test]
async fn moving_a_robot_to_another_site_drops_its_zone_unless_one_there_is_named() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let s1 = app.create_site(&owner.token, "s1").await;
    let z1 = app.create_zone(&owner.token, &s1, "z1").await;
    let s2 = app.create_site(&owner.token, "s2").await;
    let z2 = app.create_zone(&owner.token, &s2, "z2").await;
    let robot = app.create_robot(&owner.token, &s1, Some(&z1), "r1").await;

    let body = update_robot(&app, &owner.token, json!({ "id": robot, "siteId": s2 })).await;
    assert_ok(&body);
    let moved = &body["data"]["updateRobot"]["robot"];
    assert_eq!(moved["site"]["id"], s2.as_str());
    assert!(moved["zone"].is_null(), "{body}");

    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": robot, "siteId": s1, "zoneId": z1 }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateRobot"]["robot"]["zone"]["id"],
        z1.as_str()
    );

    // Naming the same site keeps the zone.
    let body = update_robot(&app, &owner.token, json!({ "id": robot, "siteId": s1 })).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateRobot"]["robot"]["zone"]["id"],
        z1.as_str()
    );

    // A zone on the new site goes with it; the old zone is refused.
    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": robot, "siteId": s2, "zoneId": z1 }),
    )
    .await;
    assert_bad_input(&body, "input.zoneId");
    let body = update_robot(
        &app,
        &owner.token,
        json!({ "id": robot, "siteId": s2, "zoneId": z2 }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateRobot"]["robot"]["zone"]["id"],
        z2.as_str()
    );
}

#[tokio::test]
async fn update_machine_changes_only_the_given_fields_and_checks_warning_against_the_stored_timeout()
 {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let zone = app.create_zone(&owner.token, &site, "hall").await;
    let body = create_machine(
        &app,
        &owner.token,
        merged(
            machine_input(&site, "m1"),
            json!({ "zoneId": zone, "sessionTimeoutMinutes": 20, "warningMinutes": 5, "edgeNode": "e1",
                    "requiresBadge": true }),
        ),
    )
    .await;
    assert_ok(&body);
    let id = str_of(&body["data"]["createMachine"]["machine"]["id"]);

    let body = update_machine(
        &app,
        &owner.token,
        json!({ "id": id, "warningMinutes": 15 }),
    )
    .await;
    assert_ok(&body);
    let machine = &body["data"]["updateMachine"]["machine"];
    assert_eq!(machine["warningMinutes"], 15);
    assert_eq!(machine["sessionTimeoutMinutes"], 20);
    assert_eq!(machine["requiresBadge"], true);
    assert_eq!(machine["edgeNode"], "e1");
    assert_eq!(machine["zone"]["id"], zone.as_str());

    let body = update_machine(
        &app,
        &owner.token,
        json!({ "id": id, "warningMinutes": 20 }),
    )
    .await;
    assert_bad_input(&body, "input.warningMinutes");
    let body = update_machine(
        &app,
        &owner.token,
        json!({ "id": id, "sessionTimeoutMinutes": 15 }),
    )
    .await;
    assert_bad_input(&body, "input.warningMinutes");

    let body = update_machine(
        &app,
        &owner.token,
        json!({ "id": id, "status": "MAINTENANCE", "requiresBadge": false, "edgeNode": null,
                "zoneId": null, "configuration": { "k": "v" } }),
    )
    .await;
    assert_ok(&body);
    let machine = &body["data"]["updateMachine"]["machine"];
    assert_eq!(machine["status"], "MAINTENANCE");
    assert_eq!(machine["requiresBadge"], false);
    assert!(machine["edgeNode"].is_null());
    assert!(machine["zone"].is_null());
    assert_eq!(machine["configuration"], json!({ "k": "v" }));
    assert_eq!(machine["warningMinutes"], 15);
    assert_eq!(machine["name"], "Machine m1");
}

#[tokio::test]
async fn an_archived_asset_is_hidden_from_lists_and_counts_and_can_be_restored() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r1").await;
    app.create_machine(&owner.token, &site, "m1").await;

    let body = asset_mutation(&app, &owner.token, "archiveAsset", &robot).await;
    assert_ok(&body);
    assert!(body["data"]["archiveAsset"]["asset"]["archivedAt"].is_string());
    assert_eq!(
        codes_where(&app, &owner.token, json!(null)).await,
        vec!["M1"]
    );
    assert_eq!(
        codes_where(&app, &owner.token, json!({ "includeArchived": true })).await,
        vec!["M1", "R1"]
    );
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!, $s: ID!) { robot(id: $id) { archivedAt }
                robots { totalCount } site(id: $s) { assetCounts { status count } } }",
            json!({ "id": robot, "s": site }),
        )
        .await;
    assert_ok(&body);
    assert!(body["data"]["robot"]["archivedAt"].is_string());
    assert_eq!(body["data"]["robots"]["totalCount"], 0);
    assert_eq!(
        body["data"]["site"]["assetCounts"],
        json!([{ "status": "OFFLINE", "count": 1 }])
    );

    let body = asset_mutation(&app, &owner.token, "restoreAsset", &robot).await;
    assert_ok(&body);
    assert!(body["data"]["restoreAsset"]["asset"]["archivedAt"].is_null());
    assert_eq!(
        codes_where(&app, &owner.token, json!(null)).await,
        vec!["M1", "R1"]
    );
}

#[tokio::test]
async fn a_deleted_asset_is_gone() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r1").await;
    let machine = app.create_machine(&owner.token, &site, "m1").await;
    for id in [&robot, &machine] {
        let body = asset_mutation(&app, &owner.token, "deleteAsset", id).await;
        assert_ok(&body);
        assert_eq!(body["data"]["deleteAsset"]["deletedId"], id.as_str());
        let body = app
            .gql(
                Some(&owner.token),
                "query($id: ID!) { asset(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_code(&body, "NOT_FOUND");
        let again = asset_mutation(&app, &owner.token, "deleteAsset", id).await;
        assert_code(&again, "NOT_FOUND");
    }
    assert!(
        codes_where(&app, &owner.token, json!({ "includeArchived": true }))
            .await
            .is_empty()
    );
    // Its code is free again.
    app.create_robot(&owner.token, &site, None, "r1").await;
}

/// Seven assets on two sites, for the list tests.
async fn fleet(app: &TestApp, token: &str) -> (String, String, String) {
    let s1 = app.create_site(token, "s1").await;
    let s2 = app.create_site(token, "s2").await;
    let z1 = app.create_zone(token, &s1, "z1").await;
    let items = [
        // (kind, code, name, vendor, serial, site, zone, status)
        (
            "robot",
            "r-1",
            "Alpha welder",
            "KUKA",
            "SN-AAA",
            &s1,
            Some(&z1),
            "ONLINE",
        ),
        (
            "robot",
            "r-2",
            "Bravo picker",
            "ABB",
            "SN-BBB",
            &s1,
            Some(&z1),
            "ERROR",
        ),
        (
            "robot",
            "r-3",
            "Charlie 100%",
            "Fanuc",
            "XYZ_42",
            &s1,
            None,
            "IDLE",
        ),
        (
            "robot",
            "r-4",
            "Delta arm",
            "kuka",
            "SN-DDD",
            &s2,
            None,
            "ONLINE",
        ),
        (
            "machine",
            "m-1",
            "Echo press",
            "TRUMPF",
            "T-1",
            &s1,
            Some(&z1),
            "BUSY",
        ),
        (
            "machine",
            "m-2",
            "Foxtrot lathe",
            "DMG",
            "T-2",
            &s2,
            None,
            "OFFLINE",
        ),
        (
            "machine",
            "m-3",
            "Golf mill",
            "DMG",
            "T-3",
            &s2,
            None,
            "ERROR",
        ),
    ];
    for (kind, code, name, vendor, serial, site, zone, status) in items {
        let input = json!({ "siteId": site, "zoneId": zone, "code": code, "name": name,
                            "vendor": vendor, "model": "M", "serialNumber": serial, "status": status });
        let body = if kind == "robot" {
            create_robot(app, token, input).await
        } else {
            create_machine(app, token, input).await
        };
        assert_ok(&body);
    }
    (s1, s2, z1)
}

#[tokio::test]
async fn asset_filters_narrow_the_list_and_the_total_count() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let t = &owner.token;
    let (s1, s2, z1) = fleet(&app, t).await;
    assert_eq!(codes_where(&app, t, json!(null)).await.len(), 7);
    assert_eq!(
        codes_where(&app, t, json!({ "siteId": s1 })).await,
        vec!["M-1", "R-1", "R-2", "R-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "siteId": s2 })).await,
        vec!["M-2", "M-3", "R-4"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "zoneId": z1 })).await,
        vec!["M-1", "R-1", "R-2"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "status": ["ERROR"] })).await,
        vec!["M-3", "R-2"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "status": ["ONLINE", "BUSY"] })).await,
        vec!["M-1", "R-1", "R-4"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "kind": "MACHINE" })).await,
        vec!["M-1", "M-2", "M-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "vendor": "Kuka" })).await,
        vec!["R-1", "R-4"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "vendor": "KUK" })).await,
        Vec::<String>::new()
    );
    // Search: name, code and serial number, case-insensitively.
    assert_eq!(
        codes_where(&app, t, json!({ "search": "WELD" })).await,
        vec!["R-1"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "search": "m-" })).await,
        vec!["M-1", "M-2", "M-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "search": "xyz" })).await,
        vec!["R-3"]
    );
    // LIKE wildcards in a search are literal characters.
    assert_eq!(
        codes_where(&app, t, json!({ "search": "100%" })).await,
        vec!["R-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "search": "_" })).await,
        vec!["R-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "search": "Z_4" })).await,
        vec!["R-3"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "search": "%" })).await,
        vec!["R-3"]
    );
    // Combined.
    assert_eq!(
        codes_where(
            &app,
            t,
            json!({ "siteId": s2, "status": ["ERROR", "ONLINE"], "kind": "ROBOT" })
        )
        .await,
        vec!["R-4"]
    );
    // The kind-specific lists respect the filters too.
    let body = app
        .gql(
            Some(t),
            "query($s: ID!) { robots(filter: { siteId: $s }) { totalCount nodes { code } }
                              machines(filter: { vendor: \"dmg\" }) { totalCount nodes { code } } }",
            json!({ "s": s1 }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["robots"]["totalCount"], 3);
    assert_eq!(body["data"]["machines"]["totalCount"], 2);
    // An archived asset appears only with includeArchived.
    let r3 = app
        .gql(Some(t), "{ assetByCode(code: \"r-3\") { id } }", json!({}))
        .await;
    let body = asset_mutation(
        &app,
        t,
        "archiveAsset",
        &str_of(&r3["data"]["assetByCode"]["id"]),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        codes_where(&app, t, json!({ "siteId": s1 })).await,
        vec!["M-1", "R-1", "R-2"]
    );
    assert_eq!(
        codes_where(&app, t, json!({ "siteId": s1, "includeArchived": true })).await,
        vec!["M-1", "R-1", "R-2", "R-3"]
    );
}

#[tokio::test]
async fn assets_are_ordered_by_each_field_in_both_directions() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let t = &owner.token;
    fleet(&app, t).await;
    let ordered = |field: &'static str, direction: &'static str| {
        let app = &app;
        async move {
            let (codes, _) = assets_page(
                app,
                t,
                json!({ "first": 50, "order": { "field": field, "direction": direction } }),
            )
            .await;
            codes
        }
    };
    let by_name = vec!["R-1", "R-2", "R-3", "R-4", "M-1", "M-2", "M-3"];
    assert_eq!(ordered("NAME", "ASC").await, by_name);
    assert_eq!(
        ordered("NAME", "DESC").await,
        by_name.iter().rev().copied().collect::<Vec<_>>()
    );
    let by_code = vec!["M-1", "M-2", "M-3", "R-1", "R-2", "R-3", "R-4"];
    assert_eq!(ordered("CODE", "ASC").await, by_code);
    assert_eq!(
        ordered("CODE", "DESC").await,
        by_code.iter().rev().copied().collect::<Vec<_>>()
    );
    let created = vec!["R-1", "R-2", "R-3", "R-4", "M-1", "M-2", "M-3"];
    assert_eq!(ordered("CREATED_AT", "ASC").await, created);
    assert_eq!(
        ordered("CREATED_AT", "DESC").await,
        created.iter().rev().copied().collect::<Vec<_>>()
    );
    // Status: grouped by status, every status group together, ties by creation.
    let by_status = ordered("STATUS", "ASC").await;
    assert_eq!(by_status.len(), 7);
    let statuses: Vec<&str> = by_status
        .iter()
        .map(|c| match c.as_str() {
            "R-1" | "R-4" => "online",
            "R-2" | "M-3" => "error",
            "R-3" => "idle",
            "M-1" => "busy",
            _ => "offline",
        })
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted, "sorted by status: {by_status:?}");
    let desc = ordered("STATUS", "DESC").await;
    assert_eq!(desc, by_status.iter().rev().cloned().collect::<Vec<_>>());
}

#[tokio::test]
async fn paging_by_three_walks_every_asset_once_in_every_ordering() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let t = &owner.token;
    fleet(&app, t).await;
    for field in ["NAME", "CODE", "STATUS", "CREATED_AT"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let (all, _) = assets_page(&app, t, json!({ "first": 50, "order": order })).await;
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            let mut pages = 0;
            loop {
                let (codes, body) = assets_page(
                    &app,
                    t,
                    json!({ "first": 3, "after": after, "order": order }),
                )
                .await;
                let conn = &body["data"]["assets"];
                assert_eq!(conn["totalCount"], 7, "{body}");
                assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
                pages += 1;
                walked.extend(codes.clone());
                let has_next = conn["pageInfo"]["hasNextPage"].as_bool().unwrap();
                if pages < 3 {
                    assert!(has_next, "page {pages} of {field} {direction}: {body}");
                    assert_eq!(codes.len(), 3);
                } else {
                    assert!(!has_next, "page {pages} of {field} {direction}: {body}");
                    assert_eq!(codes.len(), 1);
                }
                let last_cursor =
                    conn["edges"].as_array().unwrap().last().unwrap()["cursor"].clone();
                assert_eq!(conn["pageInfo"]["endCursor"], last_cursor);
                if !has_next {
                    break;
                }
                after = Some(str_of(&conn["pageInfo"]["endCursor"]));
            }
            assert_eq!(walked, all, "{field} {direction}");
            let unique: HashSet<&String> = walked.iter().collect();
            assert_eq!(unique.len(), 7, "{field} {direction}: {walked:?}");
        }
    }
}

#[tokio::test]
async fn a_garbage_cursor_or_an_oversized_page_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let site = app.create_site(&owner.token, "plant").await;
    app.create_robot(&owner.token, &site, None, "r1").await;
    let query = "query($first: Int, $after: String) { assets(first: $first, after: $after) { edges { node { code } } } }";
    for after in ["garbage!", "eyJub3QiOiJhIGN1cnNvciJ9", ""] {
        let body = app
            .gql(Some(&owner.token), query, json!({ "after": after }))
            .await;
        assert_bad_input(&body, "after");
    }
    let body = app
        .gql(Some(&owner.token), query, json!({ "first": 201 }))
        .await;
    assert_bad_input(&body, "first");
    let body = app
        .gql(Some(&owner.token), query, json!({ "first": -1 }))
        .await;
    assert_bad_input(&body, "first");
    // A cursor of one ordering used with another that needs a key is refused, not misread.
    let (_, body) = assets_page(
        &app,
        &owner.token,
        json!({ "first": 1, "order": { "field": "CREATED_AT" } }),
    )
    .await;
    let cursor = str_of(&body["data"]["assets"]["pageInfo"]["endCursor"]);
    let body = app
        .gql(
            Some(&owner.token),
            "query($after: String) { assets(after: $after, orderBy: { field: NAME }) { edges { node { code } } } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_bad_input(&body, "after");
}

#[tokio::test]
async fn a_site_counts_its_active_assets_by_status() {
    let app = TestApp::spawn().await;
    let owner = owner(&app).await;
    let t = &owner.token;
    let (s1, s2, _) = fleet(&app, t).await;
    let empty = app.create_site(t, "empty").await;
    let body = app
        .gql(
            Some(t),
            "query($a: ID!, $b: ID!, $c: ID!) {
                a: site(id: $a) { assetCounts { status count } }
                b: site(id: $b) { assetCounts { status count } }
                c: site(id: $c) { assetCounts { status count } } }",
            json!({ "a": s1, "b": s2, "c": empty }),
        )
        .await;
    assert_ok(&body);
    let counts = |site: &Value| -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = site["assetCounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (str_of(&c["status"]), c["count"].as_i64().unwrap()))
            .collect();
        v.sort();
        v
    };
    let pairs = |p: &[(&str, i64)]| -> Vec<(String, i64)> {
        p.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    };
    assert_eq!(
        counts(&body["data"]["a"]),
        pairs(&[("BUSY", 1), ("ERROR", 1), ("IDLE", 1), ("ONLINE", 1)])
    );
    assert_eq!(
        counts(&body["data"]["b"]),
        pairs(&[("ERROR", 1), ("OFFLINE", 1), ("ONLINE", 1)])
    );
    assert!(counts(&body["data"]["c"]).is_empty());

    // A status change moves the count.
    let r1 = app
        .gql(Some(t), "{ assetByCode(code: \"R-1\") { id } }", json!({}))
        .await;
    let body = update_robot(
        &app,
        t,
        json!({ "id": str_of(&r1["data"]["assetByCode"]["id"]), "status": "ERROR" }),
    )
    .await;
    assert_ok(&body);
    let body = app
        .gql(
            Some(t),
            "query($a: ID!) { site(id: $a) { assetCounts { status count } } }",
            json!({ "a": s1 }),
        )
        .await;
    assert_eq!(
        counts(&body["data"]["site"]),
        pairs(&[("BUSY", 1), ("ERROR", 2), ("IDLE", 1)])
    );
}
