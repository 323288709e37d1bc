//! Device commands: the lifecycle (every legal and illegal move), delivery by polling and by
//! subscription, scheduling, the expiry worker on a chosen clock, roles, keys and tenancy.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, WS_WAIT, WsClient, assert_bad_input, assert_code, assert_ok, str_of,
};
use crate::jobs::floor;
use api::events::EventBus;

const FIELDS: &str = "id command payload priority status notBefore releasedAt expiresAt sentAt
    acknowledgedAt completedAt result error createdBy { id } createdByApiKeyId asset { id }";

async fn send(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: SendCommandInput!) {{ sendCommand(input: $input) {{ command {{ {FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

/// Sends `command` to `asset` and returns its id.
async fn command(app: &TestApp, token: &str, asset: &str, command: &str) -> String {
    let body = send(app, token, json!({ "assetId": asset, "command": command })).await;
    assert_ok(&body);
    str_of(&body["data"]["sendCommand"]["command"]["id"])
}

async fn fetch(app: &TestApp, token: &str, asset: &str) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($a: ID!) {{ fetchPendingCommands(input: {{ assetId: $a }}) {{ commands {{ {FIELDS} }} }} }}"
        ),
        json!({ "a": asset }),
    )
    .await
}

async fn fetched(app: &TestApp, token: &str, asset: &str) -> Vec<Value> {
    let body = fetch(app, token, asset).await;
    assert_ok(&body);
    body["data"]["fetchPendingCommands"]["commands"]
        .as_array()
        .unwrap()
        .clone()
}

async fn pending(app: &TestApp, token: &str, asset: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "query($a: ID!) { pendingCommands(assetId: $a) { id status priority } }",
            json!({ "a": asset }),
        )
        .await;
    assert_ok(&body);
    body["data"]["pendingCommands"].as_array().unwrap().clone()
}

/// acknowledgeCommand, completeCommand or failCommand.
async fn report(app: &TestApp, token: &str, action: &str, id: &str) -> Value {
    let extra = match action {
        "completeCommand" => ", result: {homed: true}",
        "failCommand" => ", error: \"axis 3 blocked\"",
        _ => "",
    };
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!) {{ {action}(input: {{ id: $id{extra} }}) {{ command {{ {FIELDS} }} }} }}"
        ),
        json!({ "id": id }),
    )
    .await
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { command(id: $id) { status error } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    body["data"]["command"].clone()
}

/// Runs the commands worker as if it were `minutes` from now.
async fn worker_at(app: &TestApp, minutes: i64) -> usize {
    let bus = EventBus::in_process();
    api::workers::commands::run(
        &app.db,
        &bus,
        Utc::now() + chrono::Duration::minutes(minutes),
    )
    .await
    .unwrap()
}

const ACTIONS: [&str; 3] = ["acknowledgeCommand", "completeCommand", "failCommand"];

fn target_of(action: &str) -> &'static str {
    match action {
        "acknowledgeCommand" => "acknowledged",
        "completeCommand" => "completed",
        _ => "failed",
    }
}

fn legal(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("PENDING" | "SENT", "acknowledgeCommand") => Some("ACKNOWLEDGED"),
        ("ACKNOWLEDGED", "completeCommand") => Some("COMPLETED"),
        ("ACKNOWLEDGED", "failCommand") => Some("FAILED"),
        _ => None,
    }
}

#[tokio::test]
async fn every_command_transition_is_applied_or_refused_naming_it() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "cmd-sm").await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;
    let statuses = [
        "PENDING",
        "SENT",
        "ACKNOWLEDGED",
        "COMPLETED",
        "FAILED",
        "EXPIRED",
    ];
    for from in statuses {
        for action in ACTIONS {
            let id = command(&app, &owner.token, &robot, "home").await;
            match from {
                "PENDING" => {}
                "EXPIRED" => {
                    assert!(worker_at(&app, 10).await >= 1);
                }
                _ => {
                    let sent = fetched(&app, &device, &robot).await;
                    assert!(sent.iter().any(|c| c["id"] == id.as_str()));
                    if from != "SENT" {
                        assert_ok(&report(&app, &device, "acknowledgeCommand", &id).await);
                    }
                    if from == "COMPLETED" {
                        assert_ok(&report(&app, &device, "completeCommand", &id).await);
                    }
                    if from == "FAILED" {
                        assert_ok(&report(&app, &device, "failCommand", &id).await);
                    }
                }
            }
            assert_eq!(status_of(&app, &owner.token, &id).await["status"], from);
            let body = report(&app, &device, action, &id).await;
            match legal(from, action) {
                Some(to) => {
                    assert_ok(&body);
                    let c = &body["data"][action]["command"];
                    assert_eq!(c["status"], to, "{from} --{action}--> {body}");
                    match to {
                        "ACKNOWLEDGED" => {
                            assert!(c["acknowledgedAt"].is_string());
                            assert!(c["sentAt"].is_string(), "acknowledged implies delivered");
                        }
                        "COMPLETED" => {
                            assert_eq!(c["result"], json!({ "homed": true }));
                            assert!(c["completedAt"].is_string());
                        }
                        _ => assert_eq!(c["error"], "axis 3 blocked"),
                    }
                }
                None => {
                    assert_bad_input(&body, "input.id");
                    let message = str_of(&body["errors"][0]["message"]);
                    let named = format!(
                        "cannot go from {} to {}",
                        from.to_lowercase(),
                        target_of(action)
                    );
                    assert!(message.contains(&named), "{from} --{action}--> {message}");
                    assert_eq!(status_of(&app, &owner.token, &id).await["status"], from);
                }
            }
            // Each case starts from an empty queue.
            entity::commands::Entity::update_many()
                .filter(entity::commands::Column::Status.is_in(["pending", "sent"]))
                .col_expr(entity::commands::Column::Status, Expr::value("completed"))
                .exec(&app.db.conn)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn polling_returns_deliverable_commands_most_urgent_first_and_marks_them_sent() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, other_robot) = floor(&app, "cmd-poll").await;
    let (key_id, writer) = app.api_key(&owner, &["commands:write"], None).await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;

    let body = send(
        &app,
        &writer,
        json!({ "assetId": robot, "command": "update_config", "payload": { "speed": 0.5 },
                "priority": "LOW", "ttlSeconds": 60 }),
    )
    .await;
    assert_ok(&body);
    let c = &body["data"]["sendCommand"]["command"];
    assert_eq!(c["status"], "PENDING");
    assert_eq!(c["createdByApiKeyId"], key_id.as_str());
    assert!(c["createdBy"].is_null());
    assert!(c["releasedAt"].is_string());
    let low = str_of(&c["id"]);
    let normal = command(&app, &owner.token, &robot, "home").await;
    let body = send(
        &app,
        &owner.token,
        json!({ "assetId": robot, "command": "stop", "priority": "CRITICAL" }),
    )
    .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["sendCommand"]["command"]["createdBy"]["id"],
        owner.user_id.as_str()
    );
    let critical = str_of(&body["data"]["sendCommand"]["command"]["id"]);
    command(&app, &owner.token, &other_robot, "reboot").await;

    // The query reads without side effects.
    let peek = pending(&app, &owner.token, &robot).await;
    let ids: Vec<_> = peek.iter().map(|c| str_of(&c["id"])).collect();
    assert_eq!(ids, [critical.clone(), normal.clone(), low.clone()]);
    assert!(peek.iter().all(|c| c["status"] == "PENDING"));

    let got = fetched(&app, &device, &robot).await;
    let ids: Vec<_> = got.iter().map(|c| str_of(&c["id"])).collect();
    assert_eq!(ids, [critical.clone(), normal.clone(), low.clone()]);
    assert!(
        got.iter()
            .all(|c| c["status"] == "SENT" && c["sentAt"].is_string())
    );
    // Sent but unacknowledged commands are delivered again (the device may have lost them).
    assert_eq!(fetched(&app, &device, &robot).await.len(), 3);
    assert_ok(&report(&app, &device, "acknowledgeCommand", &critical).await);
    assert_eq!(fetched(&app, &device, &robot).await.len(), 2);

    // Limits are bounded.
    let body = app
        .gql(
            Some(&device),
            "mutation($a: ID!) { fetchPendingCommands(input: { assetId: $a, limit: 0 }) { commands { id } } }",
            json!({ "a": robot }),
        )
        .await;
    assert_bad_input(&body, "limit");
}

#[tokio::test]
async fn send_command_validates_its_input() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "cmd-input").await;
    let far = (Utc::now() + chrono::Duration::days(31)).to_rfc3339();
    let cases = [
        (json!({ "command": "Reboot!" }), "input.command"),
        (json!({ "command": "" }), "input.command"),
        (json!({ "payload": "text" }), "input.payload"),
        (json!({ "ttlSeconds": 0 }), "input.ttlSeconds"),
        (json!({ "ttlSeconds": 86_401 }), "input.ttlSeconds"),
        (json!({ "notBefore": far }), "input.notBefore"),
        (json!({ "assetId": "nope" }), "input.assetId"),
    ];
    for (patch, field) in cases {
        let mut input = json!({ "assetId": robot, "command": "home" });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        assert_bad_input(&send(&app, &owner.token, input).await, field);
    }
    let body = send(
        &app,
        &owner.token,
        json!({ "assetId": Uuid::now_v7(), "command": "home" }),
    )
    .await;
    assert_code(&body, "NOT_FOUND");
}

#[tokio::test]
async fn the_worker_expires_unacknowledged_commands_on_its_clock_only() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "cmd-expire").await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;
    let pending_id = command(&app, &owner.token, &robot, "home").await;
    let sent_id = command(&app, &owner.token, &robot, "stop").await;
    fetched(&app, &device, &robot).await;
    // Acknowledge one more, which must survive expiry.
    let acked = command(&app, &owner.token, &robot, "reboot").await;
    assert_ok(&report(&app, &device, "acknowledgeCommand", &acked).await);
    let long = send(
        &app,
        &owner.token,
        json!({ "assetId": robot, "command": "home", "ttlSeconds": 3600 }),
    )
    .await;
    let long = str_of(&long["data"]["sendCommand"]["command"]["id"]);

    // Before the deadline (default ttl 300 s) nothing expires.
    assert_eq!(worker_at(&app, 4).await, 0);
    assert_eq!(worker_at(&app, 6).await, 2);
    for id in [&pending_id, &sent_id] {
        let c = status_of(&app, &owner.token, id).await;
        assert_eq!(c["status"], "EXPIRED");
        assert_eq!(c["error"], "not acknowledged in time");
    }
    assert_eq!(
        status_of(&app, &owner.token, &acked).await["status"],
        "ACKNOWLEDGED"
    );
    assert_eq!(
        status_of(&app, &owner.token, &long).await["status"],
        "PENDING"
    );
    // A second round changes nothing; later the long one goes too.
    assert_eq!(worker_at(&app, 6).await, 0);
    assert_eq!(worker_at(&app, 61).await, 1);
    assert!(fetched(&app, &device, &robot).await.is_empty());
}

#[tokio::test]
async fn the_emergency_stop_hook_expires_open_commands_of_its_assets_only() {
    let app = TestApp::spawn().await;
    let (owner, _, r1, r2) = floor(&app, "cmd-estop").await;
    let (other, _, other_robot, _) = floor(&app, "cmd-estop-x").await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;
    let sent = command(&app, &owner.token, &r1, "home").await;
    fetched(&app, &device, &r1).await;
    let pending_id = command(&app, &owner.token, &r1, "reboot").await;
    let acked = command(&app, &owner.token, &r1, "stop").await;
    assert_ok(&report(&app, &device, "acknowledgeCommand", &acked).await);
    let elsewhere = command(&app, &owner.token, &r2, "home").await;
    let foreign = command(&app, &other.token, &other_robot, "home").await;

    let org = Uuid::parse_str(&owner.organization_id).unwrap();
    let assets = [
        Uuid::parse_str(&r1).unwrap(),
        Uuid::parse_str(&other_robot).unwrap(),
    ];
    let events =
        api::domain::commands::expire_pending_for_estop(&app.db.conn, org, &assets, Utc::now())
            .await
            .unwrap();
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.payload["kind"] == "expired" && e.payload["assetId"] == r1.as_str())
    );
    for id in [&sent, &pending_id] {
        let c = status_of(&app, &owner.token, id).await;
        assert_eq!(
            c,
            json!({ "status": "EXPIRED", "error": "expired by emergency stop" })
        );
    }
    assert_eq!(
        status_of(&app, &owner.token, &acked).await["status"],
        "ACKNOWLEDGED"
    );
    assert_eq!(
        status_of(&app, &owner.token, &elsewhere).await["status"],
        "PENDING"
    );
    assert_eq!(
        status_of(&app, &other.token, &foreign).await["status"],
        "PENDING"
    );
}

#[tokio::test]
async fn roles_keys_and_other_organizations_are_held_to_their_permissions() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "cmd-roles").await;
    let (other, _, other_robot, _) = floor(&app, "cmd-roles-x").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let engineer = app.member(&owner, "ENGINEER").await;
    let (_, reader) = app.api_key(&owner, &["commands:read"], None).await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;

    let input = json!({ "assetId": robot, "command": "home" });
    for token in [&viewer.token, &operator.token, &reader, &device] {
        assert_code(&send(&app, token, input.clone()).await, "FORBIDDEN");
    }
    let id = command(&app, &engineer.token, &robot, "home").await;
    for token in [&viewer.token, &operator.token, &reader] {
        assert_code(&fetch(&app, token, &robot).await, "FORBIDDEN");
        assert_code(
            &report(&app, token, "acknowledgeCommand", &id).await,
            "FORBIDDEN",
        );
    }
    // Readers read.
    assert_eq!(pending(&app, &reader, &robot).await.len(), 1);
    assert_eq!(
        status_of(&app, &viewer.token, &id).await["status"],
        "PENDING"
    );

    // Another organization: NOT_FOUND everywhere, and nothing changes.
    assert_code(&send(&app, &other.token, input.clone()).await, "NOT_FOUND");
    assert_code(&fetch(&app, &other.token, &robot).await, "NOT_FOUND");
    for action in ACTIONS {
        assert_code(&report(&app, &other.token, action, &id).await, "NOT_FOUND");
    }
    let body = app
        .gql(
            Some(&other.token),
            "query($id: ID!) { command(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&other.token),
            "query($a: ID!) { pendingCommands(assetId: $a) { id } }",
            json!({ "a": robot }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(Some(&other.token), "{ commands { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["commands"]["totalCount"], 0);
    assert_eq!(
        status_of(&app, &owner.token, &id).await["status"],
        "PENDING"
    );
    command(&app, &other.token, &other_robot, "home").await;
}

#[tokio::test]
async fn lists_filter_commands_and_assets_show_theirs() {
    let app = TestApp::spawn().await;
    let (owner, site, r1, r2) = floor(&app, "cmd-list").await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;
    let c1 = command(&app, &owner.token, &r1, "home").await;
    let c2 = command(&app, &owner.token, &r2, "reboot").await;
    let c3 = command(&app, &owner.token, &r1, "stop").await;
    fetched(&app, &device, &r2).await;
    let q = "query($f: CommandFilter, $o: CommandOrder) { commands(filter: $f, orderBy: $o) {
        totalCount edges { node { id } } } }";
    let ids = |body: Value| -> Vec<String> {
        body["data"]["commands"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| str_of(&e["node"]["id"]))
            .collect()
    };
    let list = |f: Value| app.gql(Some(&owner.token), q, json!({ "f": f }));
    assert_eq!(
        ids(list(json!({})).await),
        [c3.clone(), c2.clone(), c1.clone()]
    );
    assert_eq!(
        ids(list(json!({ "assetId": r1 })).await),
        [c3.clone(), c1.clone()]
    );
    assert_eq!(
        ids(list(json!({ "status": ["SENT"] })).await),
        vec![c2.clone()]
    );
    assert_eq!(
        ids(list(json!({ "command": "home", "siteId": site })).await),
        vec![c1.clone()]
    );
    let body = app
        .gql(
            Some(&owner.token),
            q,
            json!({ "o": { "direction": "ASC" } }),
        )
        .await;
    assert_eq!(ids(body), [c1.clone(), c2.clone(), c3.clone()]);
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { commands(status: [PENDING]) { totalCount edges { node { command } } } } }",
            json!({ "id": r1 }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["asset"]["commands"]["totalCount"], 2);
}

const FOR_ASSET: &str = "subscription($a: ID!) {
    commandsForAsset(assetId: $a) { kind command { id command status } } }";

async fn next_update(ws: &mut WsClient, id: &str) -> Value {
    let message = ws
        .next_message(WS_WAIT)
        .await
        .unwrap_or_else(|| panic!("nothing arrived for {id}"));
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], id, "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["commandsForAsset"].clone()
}

#[tokio::test]
async fn commands_for_asset_reaches_that_asset_only_and_scheduled_ones_arrive_when_due() {
    let _bus = crate::helpers::BUS.read().await;
    // The app's own commands worker announces due commands, every second here.
    let app = TestApp::spawn_with(|c| c.commands_interval_seconds = 1).await;
    let (owner, _, r1, r2) = floor(&app, "cmd-sub").await;
    let (other, _, other_robot, _) = floor(&app, "cmd-sub-x").await;
    let (_, device) = app.api_key(&owner, &["commands:execute"], None).await;
    let (_, other_device) = app.api_key(&other, &["commands:execute"], None).await;

    let mut ws = app.ws(&device).await;
    ws.subscribe("r1", FOR_ASSET, json!({ "a": r1 })).await;
    let mut spy = app.ws(&other_device).await;
    spy.subscribe("spy", FOR_ASSET, json!({ "a": other_robot }))
        .await;
    // Another organization's asset cannot be listened to.
    spy.subscribe("theirs", FOR_ASSET, json!({ "a": r1 })).await;
    let refused = spy.next_message(WS_WAIT).await.expect("an answer");
    assert_eq!(refused["id"], "theirs", "{refused}");
    // A refused subscription answers with its error, as `error` or as `next` with errors.
    let errors = match refused["type"].as_str() {
        Some("error") => refused["payload"].clone(),
        _ => refused["payload"]["errors"].clone(),
    };
    assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{refused}");
    if refused["type"] == "next" {
        let done = spy.next_message(WS_WAIT).await.expect("complete");
        assert_eq!(done["type"], "complete", "{done}");
    }

    // Another asset's command does not arrive; this asset's does.
    command(&app, &owner.token, &r2, "reboot").await;
    let id = command(&app, &owner.token, &r1, "home").await;
    let u = next_update(&mut ws, "r1").await;
    assert_eq!(u["kind"], "CREATED");
    assert_eq!(u["command"]["id"], id.as_str());
    assert_ok(&report(&app, &device, "acknowledgeCommand", &id).await);
    let u = next_update(&mut ws, "r1").await;
    assert_eq!(
        (u["kind"].clone(), u["command"]["status"].clone()),
        (json!("ACKNOWLEDGED"), json!("ACKNOWLEDGED"))
    );

    // A scheduled command: announced as scheduled, not deliverable until its time.
    let later = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let body = send(
        &app,
        &owner.token,
        json!({ "assetId": r1, "command": "update_config", "notBefore": later }),
    )
    .await;
    assert_ok(&body);
    let c = &body["data"]["sendCommand"]["command"];
    assert!(c["releasedAt"].is_null());
    let scheduled = str_of(&c["id"]);
    let u = next_update(&mut ws, "r1").await;
    assert_eq!(u["kind"], "SCHEDULED");
    assert!(pending(&app, &device, &r1).await.is_empty());
    assert!(fetched(&app, &device, &r1).await.is_empty());
    assert_code(
        &report(&app, &device, "completeCommand", &scheduled).await,
        "BAD_USER_INPUT",
    );
    let early = report(&app, &device, "acknowledgeCommand", &scheduled).await;
    assert_bad_input(&early, "input.id");
    assert!(str_of(&early["errors"][0]["message"]).contains("not deliverable before"));

    // Its time comes (the schedule is moved into the past rather than waiting an hour): the
    // worker announces it once, and polling now delivers it.
    let id_uuid = Uuid::parse_str(&scheduled).unwrap();
    entity::commands::Entity::update_many()
        .filter(entity::commands::Column::Id.eq(id_uuid))
        .col_expr(
            entity::commands::Column::NotBefore,
            Expr::value(Some(Utc::now() - chrono::Duration::seconds(1))),
        )
        .exec(&app.db.conn)
        .await
        .unwrap();
    let u = next_update(&mut ws, "r1").await;
    assert_eq!(u["kind"], "DUE");
    assert_eq!(u["command"]["id"], scheduled.as_str());
    let got = fetched(&app, &device, &r1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], scheduled.as_str());
    let u = next_update(&mut ws, "r1").await;
    assert_eq!(u["kind"], "SENT");
    // The other organization heard none of it, and hears its own.
    let theirs = command(&app, &other.token, &other_robot, "home").await;
    let u = next_update(&mut spy, "spy").await;
    assert_eq!(u["command"]["id"], theirs.as_str());
    assert!(ws.next_message(Duration::from_millis(300)).await.is_none());
}
