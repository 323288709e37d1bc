//! Machine sessions (who runs which machine) and asset status history.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Session, TestApp, WS_WAIT, assert_bad_input, assert_code, assert_ok, slug, str_of,
};
use api::events::{EventBus, Topic, TopicKind};

const START: &str = "mutation($input: StartMachineSessionInput!) {
    startMachineSession(input: $input) {
        session { id active byBadge operator { id } machine { id code } startedAt expiresAt endedBy } } }";
const END: &str = "mutation($id: ID!) {
    endMachineSession(input: { id: $id }) { session { id active endedBy endedAt } } }";
const ACTIVITY: &str = "mutation($id: ID!) {
    recordMachineActivity(input: { id: $id }) { session { id lastActivityAt warnedAt } } }";

struct Plant {
    owner: Session,
    site: String,
    machine: String,
}

/// An organization with one site and one machine that needs no badge (30 min timeout,
/// warning 5 min before).
async fn plant(app: &TestApp, prefix: &str) -> Plant {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let machine = machine(app, &owner, &site, "M-1", false).await;
    Plant {
        owner,
        site,
        machine,
    }
}

async fn machine(app: &TestApp, owner: &Session, site: &str, code: &str, badge: bool) -> String {
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateMachineInput!) { createMachine(input: $input) { machine { id } } }",
            json!({ "input": {
                "siteId": site, "code": code, "name": code, "vendor": "DMG", "model": "CTX",
                "requiresBadge": badge, "sessionTimeoutMinutes": 30, "warningMinutes": 5,
            }}),
        )
        .await;
    assert_ok(&body);
    str_of(&body["data"]["createMachine"]["machine"]["id"])
}

async fn start(app: &TestApp, token: &str, machine: &str, badge: Option<&str>) -> Value {
    app.gql(
        Some(token),
        START,
        json!({ "input": { "machineId": machine, "badgeTag": badge } }),
    )
    .await
}

async fn start_ok(app: &TestApp, token: &str, machine: &str, badge: Option<&str>) -> Value {
    let body = start(app, token, machine, badge).await;
    assert_ok(&body);
    body["data"]["startMachineSession"]["session"].clone()
}

/// The membership id of `user` in the owner's organization.
async fn membership_of(app: &TestApp, owner: &Session, user: &str) -> String {
    let body = app
        .gql(
            Some(&owner.token),
            "{ members(first: 50) { edges { node { id user { id } } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let edges = body["data"]["members"]["edges"].as_array().expect("edges");
    let node = edges
        .iter()
        .find(|e| e["node"]["user"]["id"] == user)
        .expect("membership");
    str_of(&node["node"]["id"])
}

async fn give_badge(app: &TestApp, owner: &Session, user: &str, tag: &str) {
    let member = membership_of(app, owner, user).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!, $tag: String) { updateMember(input: { id: $id, badgeTag: $tag }) { member { id } } }",
            json!({ "id": member, "tag": tag }),
        )
        .await;
    assert_ok(&body);
}

async fn active_session(app: &TestApp, token: &str, machine: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { machine(id: $id) { activeSession { id operator { id } } } }",
            json!({ "id": machine }),
        )
        .await;
    assert_ok(&body);
    body["data"]["machine"]["activeSession"].clone()
}

#[tokio::test]
async fn an_operator_runs_a_session_and_a_machine_has_one_active_session_at_a_time() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sess").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let other = app.member(&p.owner, "OPERATOR").await;

    let session = start_ok(&app, &operator.token, &p.machine, None).await;
    assert_eq!(session["active"], true);
    assert_eq!(session["byBadge"], false);
    assert_eq!(session["operator"]["id"], operator.user_id.as_str());
    assert_eq!(session["machine"]["code"], "M-1");
    let started: DateTime<Utc> = session["startedAt"].as_str().unwrap().parse().unwrap();
    let expires: DateTime<Utc> = session["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - started, Duration::minutes(30));
    let id = str_of(&session["id"]);
    assert_eq!(
        active_session(&app, &p.owner.token, &p.machine).await["id"],
        id.as_str()
    );

    // One active session per machine, whoever asks.
    assert_code(
        &start(&app, &other.token, &p.machine, None).await,
        "CONFLICT",
    );
    assert_code(
        &start(&app, &operator.token, &p.machine, None).await,
        "CONFLICT",
    );

    // Someone else's session is not an operator's to end.
    assert_code(
        &app.gql(Some(&other.token), END, json!({ "id": id })).await,
        "FORBIDDEN",
    );
    let body = app
        .gql(Some(&operator.token), END, json!({ "id": id }))
        .await;
    assert_ok(&body);
    let ended = &body["data"]["endMachineSession"]["session"];
    assert_eq!(ended["active"], false);
    assert_eq!(ended["endedBy"], "USER");
    assert!(
        active_session(&app, &p.owner.token, &p.machine)
            .await
            .is_null()
    );
    // Ended is ended.
    assert_bad_input(
        &app.gql(Some(&operator.token), END, json!({ "id": id }))
            .await,
        "input.id",
    );
    // The machine is free again.
    start_ok(&app, &other.token, &p.machine, None).await;
}

#[tokio::test]
async fn an_admin_ends_anyones_session_and_a_viewer_may_not_start_one() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sessadm").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let admin = app.member(&p.owner, "ADMIN").await;
    let viewer = app.member(&p.owner, "VIEWER").await;

    assert_code(
        &start(&app, &viewer.token, &p.machine, None).await,
        "FORBIDDEN",
    );
    let id = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    let body = app.gql(Some(&admin.token), END, json!({ "id": id })).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["endMachineSession"]["session"]["endedBy"],
        "ADMIN"
    );
}

#[tokio::test]
async fn a_machine_that_requires_a_badge_refuses_without_one_and_runs_for_the_badge_holder() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "badge").await;
    let gated = machine(&app, &p.owner, &p.site, "M-BADGE", true).await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let terminal = app.member(&p.owner, "OPERATOR").await;
    let viewer = app.member(&p.owner, "VIEWER").await;

    assert_bad_input(
        &start(&app, &operator.token, &gated, None).await,
        "input.badgeTag",
    );
    assert_bad_input(
        &start(&app, &terminal.token, &gated, Some("NO-SUCH-BADGE")).await,
        "input.badgeTag",
    );
    let tag = format!("RFID-{}", Uuid::now_v7().simple());
    give_badge(&app, &p.owner, &operator.user_id, &tag).await;

    // A terminal at the machine scans the operator's badge: the session is the operator's.
    let session = start_ok(&app, &terminal.token, &gated, Some(&tag)).await;
    assert_eq!(session["byBadge"], true);
    assert_eq!(session["operator"]["id"], operator.user_id.as_str());
    // The badge holder ends their own session.
    let body = app
        .gql(Some(&operator.token), END, json!({ "id": session["id"] }))
        .await;
    assert_ok(&body);

    // A viewer's badge does not run machines.
    let viewer_tag = format!("RFID-{}", Uuid::now_v7().simple());
    give_badge(&app, &p.owner, &viewer.user_id, &viewer_tag).await;
    assert_code(
        &start(&app, &terminal.token, &gated, Some(&viewer_tag)).await,
        "FORBIDDEN",
    );
    // A badge is one member's: giving the same tag to another member is a CONFLICT.
    let member = membership_of(&app, &p.owner, &terminal.user_id).await;
    let body = app
        .gql(
            Some(&p.owner.token),
            "mutation($id: ID!, $tag: String) { updateMember(input: { id: $id, badgeTag: $tag }) { member { id } } }",
            json!({ "id": member, "tag": tag }),
        )
        .await;
    assert_code(&body, "CONFLICT");
}

#[tokio::test]
async fn members_restricted_to_other_sites_are_refused() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sesssite").await;
    let other_site = app.create_site(&p.owner.token, "OTHER").await;
    let member = app
        .member_with_sites(&p.owner, "OPERATOR", Some(&[other_site.as_str()]))
        .await;
    let (elsewhere_user, elsewhere) = (member.user_id, member.token);

    // The machine is on a site they cannot see: NOT_FOUND, as for any unseen asset.
    assert_code(
        &start(&app, &elsewhere, &p.machine, None).await,
        "NOT_FOUND",
    );

    // Their badge, scanned at the machine by someone who may, is refused too.
    let tag = format!("RFID-{}", Uuid::now_v7().simple());
    give_badge(&app, &p.owner, &elsewhere_user, &tag).await;
    let terminal = app.member(&p.owner, "OPERATOR").await;
    assert_code(
        &start(&app, &terminal.token, &p.machine, Some(&tag)).await,
        "FORBIDDEN",
    );
    assert!(
        active_session(&app, &p.owner.token, &p.machine)
            .await
            .is_null()
    );
}

#[tokio::test]
async fn another_organizations_machines_and_sessions_are_not_found() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sessown").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let id = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    let intruder = app.sign_up(&slug("sessintr")).await;

    assert_code(
        &start(&app, &intruder.token, &p.machine, None).await,
        "NOT_FOUND",
    );
    for mutation in [END, ACTIVITY] {
        assert_code(
            &app.gql(Some(&intruder.token), mutation, json!({ "id": id }))
                .await,
            "NOT_FOUND",
        );
    }
    let body = app
        .gql(
            Some(&intruder.token),
            "query($id: ID!) { machineSession(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&intruder.token),
            "{ machineSessions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["machineSessions"]["totalCount"], 0);
    // Untouched.
    let session = active_session(&app, &p.owner.token, &p.machine).await;
    assert_eq!(session["id"], id.as_str());
}

async fn session_row(app: &TestApp, id: &str) -> entity::machine_sessions::Model {
    entity::machine_sessions::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.db.conn)
        .await
        .unwrap()
        .expect("session row")
}

#[tokio::test]
async fn the_worker_warns_before_the_timeout_activity_extends_and_idle_sessions_end() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sesswork").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let id = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    let bus = EventBus::in_process();
    let org = Uuid::parse_str(&p.owner.organization_id).unwrap();
    let mut rx = bus.subscribe(Topic::new(org, TopicKind::Sessions));
    let last = session_row(&app, &id).await.last_activity_at;

    // 24 minutes idle: nothing yet (the warning comes 5 minutes before 30).
    let n = api::workers::sessions::run(&app.db, &bus, last + Duration::minutes(24))
        .await
        .unwrap();
    assert_eq!(n, 0);
    // 26 minutes: warned, once.
    let at = last + Duration::minutes(26);
    assert_eq!(
        api::workers::sessions::run(&app.db, &bus, at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        api::workers::sessions::run(&app.db, &bus, at)
            .await
            .unwrap(),
        0
    );
    let event = rx.try_recv().expect("an expiring event");
    assert_eq!(event.payload["type"], "expiring");
    let expires: DateTime<Utc> =
        serde_json::from_value(event.payload["expiresAt"].clone()).unwrap();
    assert_eq!(expires, last + Duration::minutes(30));
    assert!(session_row(&app, &id).await.warned_at.is_some());

    // Activity extends it and clears the warning.
    let body = app
        .gql(Some(&operator.token), ACTIVITY, json!({ "id": id }))
        .await;
    assert_ok(&body);
    assert!(body["data"]["recordMachineActivity"]["session"]["warnedAt"].is_null());
    let last = session_row(&app, &id).await.last_activity_at;
    assert_eq!(
        api::workers::sessions::run(&app.db, &bus, last + Duration::minutes(29))
            .await
            .unwrap(),
        1,
        "warned again before the new deadline"
    );
    // Past the deadline: ended by timeout.
    let n = api::workers::sessions::run(&app.db, &bus, last + Duration::minutes(31))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let row = session_row(&app, &id).await;
    assert_eq!(row.ended_by, Some(entity::SessionEnd::Timeout));
    assert!(
        active_session(&app, &p.owner.token, &p.machine)
            .await
            .is_null()
    );
    // An ended session is left alone.
    let n = api::workers::sessions::run(&app.db, &bus, last + Duration::hours(5))
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn utilization_sums_session_time_per_machine_and_per_operator() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sessutil").await;
    let second = machine(&app, &p.owner, &p.site, "M-2", false).await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let from = Utc::now() - Duration::hours(1);
    let a = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    start_ok(&app, &operator.token, &second, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_ok(
        &app.gql(Some(&operator.token), END, json!({ "id": a }))
            .await,
    );
    let to = Utc::now() + Duration::hours(1);

    let body = app
        .gql(
            Some(&p.owner.token),
            "query($from: DateTime!, $to: DateTime!) {
                machineUtilization(from: $from, to: $to) { machine { code } sessions seconds share }
                operatorUtilization(from: $from, to: $to) { operator { id } sessions seconds share } }",
            json!({ "from": from, "to": to }),
        )
        .await;
    assert_ok(&body);
    let machines = body["data"]["machineUtilization"].as_array().unwrap();
    assert_eq!(machines.len(), 2);
    for m in machines {
        assert_eq!(m["sessions"], 1);
        assert!(m["seconds"].as_f64().unwrap() > 0.0);
        let share = m["share"].as_f64().unwrap();
        assert!(share > 0.0 && share < 1.0, "{m}");
    }
    let operators = body["data"]["operatorUtilization"].as_array().unwrap();
    assert_eq!(operators.len(), 1);
    assert_eq!(operators[0]["operator"]["id"], operator.user_id.as_str());
    assert_eq!(operators[0]["sessions"], 2);
    let total: f64 = machines
        .iter()
        .map(|m| m["seconds"].as_f64().unwrap())
        .sum();
    assert!((operators[0]["seconds"].as_f64().unwrap() - total).abs() < 1.0);

    // Range checks name the argument.
    let body = app
        .gql(
            Some(&p.owner.token),
            "query($from: DateTime!, $to: DateTime!) { machineUtilization(from: $from, to: $to) { sessions } }",
            json!({ "from": to, "to": from }),
        )
        .await;
    assert_bad_input(&body, "to");
}

#[tokio::test]
async fn session_events_reach_subscribers_of_the_organization_only() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sessws").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let stranger = plant(&app, "sesswsx").await;
    const SUB: &str = "subscription($m: ID) { machineSessionEvents(machineId: $m) {
        type expiresAt session { id active endedBy operator { id } } } }";
    let mut ws = app.ws(&p.owner.token).await;
    ws.subscribe("s", SUB, json!({ "m": p.machine })).await;
    let mut other = app.ws(&stranger.owner.token).await;
    other.subscribe("s", SUB, json!({})).await;

    let id = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    let message = ws.next_message(WS_WAIT).await.expect("started");
    let event = &message["payload"]["data"]["machineSessionEvents"];
    assert_eq!(event["type"], "STARTED", "{message}");
    assert_eq!(event["session"]["id"], id.as_str());
    assert_eq!(
        event["session"]["operator"]["id"],
        operator.user_id.as_str()
    );

    assert_ok(
        &app.gql(Some(&operator.token), END, json!({ "id": id }))
            .await,
    );
    let message = ws.next_message(WS_WAIT).await.expect("ended");
    let event = &message["payload"]["data"]["machineSessionEvents"];
    assert_eq!(event["type"], "ENDED");
    assert_eq!(event["session"]["endedBy"], "USER");

    assert!(
        other
            .next_message(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "another organization's subscriber received a session event"
    );
}

#[tokio::test]
async fn the_apps_own_worker_warns_session_expiring_subscribers() {
    // Sessions swept every second; a machine that times out after two minutes and warns one
    // minute ahead. The session's last activity is moved 90 s into the past, so the next sweep
    // warns.
    let app = TestApp::spawn_with(|c| c.sessions_interval_seconds = 1).await;
    let owner = app.sign_up(&slug("sessexp")).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateMachineInput!) { createMachine(input: $input) { machine { id } } }",
            json!({ "input": {
                "siteId": site, "code": "M-QUICK", "name": "quick", "vendor": "v", "model": "m",
                "sessionTimeoutMinutes": 2, "warningMinutes": 1,
            }}),
        )
        .await;
    assert_ok(&body);
    let machine = str_of(&body["data"]["createMachine"]["machine"]["id"]);
    let stranger = app.sign_up(&slug("sessexpx")).await;
    const SUB: &str = "subscription { sessionExpiring { type expiresAt session { id } } }";
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("e", SUB, json!({})).await;
    let mut other = app.ws(&stranger.token).await;
    other.subscribe("e", SUB, json!({})).await;

    let operator = app.member(&owner, "OPERATOR").await;
    let id = str_of(&start_ok(&app, &operator.token, &machine, None).await["id"]);
    entity::machine_sessions::Entity::update_many()
        .filter(entity::machine_sessions::Column::Id.eq(Uuid::parse_str(&id).unwrap()))
        .col_expr(
            entity::machine_sessions::Column::LastActivityAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::seconds(90)),
        )
        .exec(&app.db.conn)
        .await
        .unwrap();
    // STARTED is not an expiry: the first message is the warning.
    let message = ws
        .next_message(WS_WAIT)
        .await
        .expect("a sessionExpiring event");
    let event = &message["payload"]["data"]["sessionExpiring"];
    assert_eq!(event["type"], "EXPIRING", "{message}");
    assert_eq!(event["session"]["id"], id.as_str());
    assert!(event["expiresAt"].is_string());
    assert!(
        other
            .next_message(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "another organization's subscriber was warned"
    );
}

#[tokio::test]
async fn only_the_operator_or_an_admin_records_activity() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "sessact").await;
    let operator = app.member(&p.owner, "OPERATOR").await;
    let other = app.member(&p.owner, "OPERATOR").await;
    let viewer = app.member(&p.owner, "VIEWER").await;
    let admin = app.member(&p.owner, "ADMIN").await;
    let id = str_of(&start_ok(&app, &operator.token, &p.machine, None).await["id"]);
    for token in [&viewer.token, &other.token] {
        assert_code(
            &app.gql(Some(token), ACTIVITY, json!({ "id": id })).await,
            "FORBIDDEN",
        );
    }
    for token in [&operator.token, &admin.token] {
        assert_ok(&app.gql(Some(token), ACTIVITY, json!({ "id": id })).await);
    }
}

// ---------------------------------------------------------------------------------------------
// Status history and availability

#[tokio::test]
async fn every_status_change_is_recorded_with_reason_and_actor_and_availability_adds_up() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "history").await;
    let engineer = app.member(&p.owner, "ENGINEER").await;
    for status in ["ONLINE", "BUSY", "ERROR"] {
        let body = app
            .gql(
                Some(&engineer.token),
                "mutation($id: ID!, $s: AssetStatus!) { updateMachine(input: { id: $id, status: $s }) { machine { status } } }",
                json!({ "id": p.machine, "s": status }),
            )
            .await;
        assert_ok(&body);
    }
    let from = Utc::now() - Duration::hours(1);
    let body = app
        .gql(
            Some(&p.owner.token),
            "query($id: ID!, $from: DateTime!, $to: DateTime!) { machine(id: $id) {
                statusHistory(first: 10) { totalCount edges { node { previous status reason actorKind actorId at } } }
                availability(from: $from, to: $to) { observedSeconds factor statuses { status seconds share } } } }",
            json!({ "id": p.machine, "from": from, "to": Utc::now() + Duration::hours(1) }),
        )
        .await;
    assert_ok(&body);
    let history = &body["data"]["machine"]["statusHistory"];
    assert_eq!(history["totalCount"], 4);
    let rows: Vec<&Value> = history["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    // Newest first.
    assert_eq!(rows[0]["previous"], "BUSY");
    assert_eq!(rows[0]["status"], "ERROR");
    assert_eq!(rows[0]["reason"], "manual update");
    assert_eq!(rows[0]["actorKind"], "USER");
    assert_eq!(rows[0]["actorId"], engineer.user_id.as_str());
    assert_eq!(rows[3]["previous"], Value::Null);
    assert_eq!(rows[3]["status"], "OFFLINE");
    assert_eq!(rows[3]["reason"], "created");

    let availability = &body["data"]["machine"]["availability"];
    let observed = availability["observedSeconds"].as_f64().unwrap();
    let statuses = availability["statuses"].as_array().unwrap();
    let sum: f64 = statuses
        .iter()
        .map(|s| s["seconds"].as_f64().unwrap())
        .sum();
    assert!((sum - observed).abs() < 0.01, "{availability}");
    let shares: f64 = statuses.iter().map(|s| s["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-6, "{availability}");
    // Every status the machine was in appears, and the factor is the share of time in the
    // statuses where it could work.
    let seconds_in = |status: &str| {
        statuses
            .iter()
            .find(|s| s["status"] == status)
            .map_or(0.0, |s| s["seconds"].as_f64().unwrap())
    };
    for status in ["OFFLINE", "ONLINE", "BUSY", "ERROR"] {
        assert!(seconds_in(status) > 0.0, "{status} missing: {availability}");
    }
    let factor = availability["factor"].as_f64().unwrap();
    let expected = (seconds_in("ONLINE") + seconds_in("BUSY")) / observed;
    assert!((factor - expected).abs() < 1e-9, "{availability}");

    // A bad range names its argument.
    let body = app
        .gql(
            Some(&p.owner.token),
            "query($id: ID!, $t: DateTime!) { machine(id: $id) { availability(from: $t, to: $t) { factor } } }",
            json!({ "id": p.machine, "t": Utc::now() }),
        )
        .await;
    assert_bad_input(&body, "to");
}

#[tokio::test]
async fn worker_and_telemetry_status_changes_are_recorded_as_system_and_caller() {
    let app = TestApp::spawn().await;
    let p = plant(&app, "histsys").await;
    let ingest = |value: f64| json!({ "input": { "points": [{ "assetId": p.machine, "metric": "cpu", "value": value }] } });
    const INGEST: &str =
        "mutation($input: IngestTelemetryInput!) { ingestTelemetry(input: $input) { accepted } }";
    assert_ok(&app.gql(Some(&p.owner.token), INGEST, ingest(1.0)).await);
    let bus = EventBus::in_process();
    let later = Utc::now() + Duration::minutes(5);
    let n = api::workers::staleness::run(&app.db, &bus, std::time::Duration::from_secs(60), later)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_ok(&app.gql(Some(&p.owner.token), INGEST, ingest(2.0)).await);

    let rows = entity::asset_status_history::Entity::find()
        .filter(
            entity::asset_status_history::Column::AssetId.eq(Uuid::parse_str(&p.machine).unwrap()),
        )
        .all(&app.db.conn)
        .await
        .unwrap();
    let offline = rows
        .iter()
        .find(|r| r.status == entity::AssetStatus::Offline && r.previous_status.is_some())
        .expect("went offline");
    assert_eq!(offline.actor_kind, entity::ActorKind::System);
    assert!(offline.reason.starts_with("no telemetry for"));
    assert!((offline.at - later).num_milliseconds().abs() < 1);
    let online = rows
        .iter()
        .rfind(|r| r.status == entity::AssetStatus::Online)
        .expect("back online");
    assert_eq!(online.reason, "telemetry resumed");
    assert_eq!(online.actor_kind, entity::ActorKind::User);
}
