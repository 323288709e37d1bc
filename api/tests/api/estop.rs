//! Emergency stops: what a stop halts, what its reset restores, who may do either, and that a
//! stop is all or nothing.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};
use entity::{AssetStatus, CommandStatus, JobStatus, Priority};

const TRIGGER: &str = "mutation($input: TriggerEmergencyStopInput!) {
    triggerEmergencyStop(input: $input) { emergencyStop {
        id scope active reason alertId triggeredBy { id }
        haltedAssets { previousStatus asset { id code status } } } } }";
const RESET: &str = "mutation($id: ID!, $note: String!) {
    resetEmergencyStop(input: { id: $id, note: $note }) { emergencyStop {
        id active resetNote resetAt resetBy { id } } } }";

/// A site with two zones: A holds a robot and a machine, B a robot.
struct Floor {
    owner: Session,
    site: String,
    zone_a: String,
    robot_a: String,
    machine_a: String,
    robot_b: String,
}

async fn floor(app: &TestApp, prefix: &str) -> Floor {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    let zone_a = app.create_zone(&owner.token, &site, "A").await;
    let zone_b = app.create_zone(&owner.token, &site, "B").await;
    let create = |kind: &'static str, zone: String, code: &'static str| {
        let (app, token, site) = (app, owner.token.clone(), site.clone());
        async move {
            let body = app
                .gql(
                    Some(&token),
                    &format!(
                        "mutation($input: Create{kind}Input!) {{ create{kind}(input: $input) {{ asset: {} {{ id }} }} }}",
                        kind.to_lowercase()
                    ),
                    json!({ "input": {
                        "siteId": site, "zoneId": zone, "code": code, "name": code,
                        "vendor": "V", "model": "M", "status": "BUSY",
                    }}),
                )
                .await;
            assert_ok(&body);
            str_of(&body["data"][format!("create{kind}")]["asset"]["id"])
        }
    };
    let robot_a = create("Robot", zone_a.clone(), "R-A").await;
    let machine_a = create("Machine", zone_a.clone(), "M-A").await;
    let robot_b = create("Robot", zone_b, "R-B").await;
    Floor {
        owner,
        site,
        zone_a,
        robot_a,
        machine_a,
        robot_b,
    }
}

fn uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap()
}

/// A running job and a pending command on `asset`, written directly.
async fn work_on(app: &TestApp, org: &str, asset: &str) -> (Uuid, Uuid) {
    let now = Utc::now();
    let job = entity::jobs::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(uuid(org)),
        asset_id: Set(uuid(asset)),
        name: Set("pick run".into()),
        kind: Set("pick_run".into()),
        priority: Set(Priority::Normal),
        status: Set(JobStatus::Running),
        payload: Set(json!({})),
        items_total: Set(Some(10)),
        items_done: Set(3),
        last_item: Set(None),
        result: Set(None),
        error: Set(None),
        created_by_user_id: Set(None),
        created_by_api_key_id: Set(None),
        started_at: Set(Some(now)),
        finished_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.conn)
    .await
    .unwrap();
    let command = entity::commands::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(uuid(org)),
        asset_id: Set(uuid(asset)),
        command: Set("home".into()),
        payload: Set(json!({})),
        priority: Set(Priority::Normal),
        status: Set(CommandStatus::Pending),
        not_before: Set(None),
        released_at: Set(Some(now)),
        expires_at: Set(now + chrono::Duration::minutes(5)),
        sent_at: Set(None),
        acknowledged_at: Set(None),
        completed_at: Set(None),
        result: Set(None),
        error: Set(None),
        created_by_user_id: Set(None),
        created_by_api_key_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.conn)
    .await
    .unwrap();
    (job.id, command.id)
}

async fn status_of(app: &TestApp, asset: &str) -> AssetStatus {
    entity::assets::Entity::find_by_id(uuid(asset))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn job_status(app: &TestApp, id: Uuid) -> JobStatus {
    entity::jobs::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn command_status(app: &TestApp, id: Uuid) -> CommandStatus {
    entity::commands::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn start_session(app: &TestApp, token: &str, machine: &str) -> String {
    // The floor's machine needs no badge.
    let body = app
        .gql(
            Some(token),
            "mutation($m: ID!) { startMachineSession(input: { machineId: $m }) { session { id } } }",
            json!({ "m": machine }),
        )
        .await;
    assert_ok(&body);
    str_of(&body["data"]["startMachineSession"]["session"]["id"])
}

async fn session_ended_by(app: &TestApp, id: &str) -> Option<entity::SessionEnd> {
    entity::machine_sessions::Entity::find_by_id(uuid(id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .ended_by
}

async fn alert(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { alert(id: $id) { kind severity status title } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    body["data"]["alert"].clone()
}

#[tokio::test]
async fn a_zone_stop_halts_its_assets_sessions_jobs_and_commands_and_the_reset_restores_them() {
    let app = TestApp::spawn().await;
    let f = floor(&app, "estop").await;
    let operator = app.member(&f.owner, "OPERATOR").await;
    let engineer = app.member(&f.owner, "ENGINEER").await;
    let session = start_session(&app, &operator.token, &f.machine_a).await;
    let (job, command) = work_on(&app, &f.owner.organization_id, &f.robot_a).await;
    let (other_job, other_command) = work_on(&app, &f.owner.organization_id, &f.robot_b).await;

    let body = app
        .gql(
            Some(&operator.token),
            TRIGGER,
            json!({ "input": { "zoneId": f.zone_a, "reason": "person in the cell" } }),
        )
        .await;
    assert_ok(&body);
    let stop = &body["data"]["triggerEmergencyStop"]["emergencyStop"];
    assert_eq!(stop["scope"], "ZONE");
    assert_eq!(stop["active"], true);
    assert_eq!(stop["triggeredBy"]["id"], operator.user_id.as_str());
    let halted = stop["haltedAssets"].as_array().unwrap();
    assert_eq!(halted.len(), 2, "{stop}");
    for h in halted {
        assert_eq!(h["previousStatus"], "BUSY");
        assert_eq!(h["asset"]["status"], "E_STOPPED");
    }

    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::EStopped);
    assert_eq!(status_of(&app, &f.machine_a).await, AssetStatus::EStopped);
    assert_eq!(status_of(&app, &f.robot_b).await, AssetStatus::Busy);
    assert_eq!(
        session_ended_by(&app, &session).await,
        Some(entity::SessionEnd::Estop)
    );
    assert_eq!(job_status(&app, job).await, JobStatus::Paused);
    assert_eq!(command_status(&app, command).await, CommandStatus::Expired);
    assert_eq!(job_status(&app, other_job).await, JobStatus::Running);
    assert_eq!(
        command_status(&app, other_command).await,
        CommandStatus::Pending
    );
    let raised = alert(&app, &operator.token, &stop["alertId"]).await;
    assert_eq!(raised["kind"], "ESTOP");
    assert_eq!(raised["severity"], "CRITICAL");
    assert_eq!(raised["status"], "OPEN");
    // The stopped machine takes no new session.
    let body = app
        .gql(
            Some(&operator.token),
            "mutation($m: ID!) { startMachineSession(input: { machineId: $m }) { session { id } } }",
            json!({ "m": f.machine_a }),
        )
        .await;
    assert_code(&body, "CONFLICT");

    // Operators trigger, engineers reset, with a note.
    let id = stop["id"].clone();
    assert_code(
        &app.gql(
            Some(&operator.token),
            RESET,
            json!({ "id": id, "note": "ok" }),
        )
        .await,
        "FORBIDDEN",
    );
    assert_bad_input(
        &app.gql(
            Some(&engineer.token),
            RESET,
            json!({ "id": id, "note": "  " }),
        )
        .await,
        "input.note",
    );
    let body = app
        .gql(
            Some(&engineer.token),
            RESET,
            json!({ "id": id, "note": "cell cleared, guard closed" }),
        )
        .await;
    assert_ok(&body);
    let reset = &body["data"]["resetEmergencyStop"]["emergencyStop"];
    assert_eq!(reset["active"], false);
    assert_eq!(reset["resetBy"]["id"], engineer.user_id.as_str());
    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::Busy);
    assert_eq!(status_of(&app, &f.machine_a).await, AssetStatus::Busy);
    assert_eq!(
        alert(&app, &operator.token, &stop["alertId"]).await["status"],
        "RESOLVED"
    );
    // Once.
    assert_bad_input(
        &app.gql(
            Some(&engineer.token),
            RESET,
            json!({ "id": id, "note": "again" }),
        )
        .await,
        "input.id",
    );

    // The history: both directions recorded, with reasons.
    let body = app
        .gql(
            Some(&f.owner.token),
            "query($id: ID!) {
                emergencyStops(filter: { active: false }) { totalCount edges { node { id resetNote } } }
                robot(id: $id) { statusHistory(first: 2) { edges { node { status reason } } } } }",
            json!({ "id": f.robot_a }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["emergencyStops"]["totalCount"], 1);
    let history = &body["data"]["robot"]["statusHistory"]["edges"];
    assert_eq!(history[0]["node"]["status"], "BUSY");
    assert_eq!(
        history[0]["node"]["reason"],
        "emergency stop reset: cell cleared, guard closed"
    );
    assert_eq!(history[1]["node"]["status"], "E_STOPPED");
    assert_eq!(
        history[1]["node"]["reason"],
        "emergency stop: person in the cell"
    );
}

#[tokio::test]
async fn an_asset_held_by_two_stops_returns_only_when_both_are_reset() {
    let app = TestApp::spawn().await;
    let f = floor(&app, "estop2").await;
    let trigger = |input: Value| {
        let (app, token) = (&app, f.owner.token.clone());
        async move {
            let body = app
                .gql(Some(&token), TRIGGER, json!({ "input": input }))
                .await;
            assert_ok(&body);
            body["data"]["triggerEmergencyStop"]["emergencyStop"].clone()
        }
    };
    let asset_stop = trigger(json!({ "assetId": f.robot_a, "reason": "jam" })).await;
    let site_stop = trigger(json!({ "siteId": f.site, "reason": "fire alarm" })).await;
    assert_eq!(site_stop["haltedAssets"].as_array().unwrap().len(), 3);
    // The robot was already stopped: the site stop remembers what it had before any stop.
    let robot = site_stop["haltedAssets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["asset"]["id"] == f.robot_a.as_str())
        .unwrap();
    assert_eq!(robot["previousStatus"], "BUSY");

    let reset = |id: Value| {
        let (app, token) = (&app, f.owner.token.clone());
        async move {
            let body = app
                .gql(Some(&token), RESET, json!({ "id": id, "note": "checked" }))
                .await;
            assert_ok(&body);
        }
    };
    reset(site_stop["id"].clone()).await;
    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::EStopped);
    assert_eq!(status_of(&app, &f.robot_b).await, AssetStatus::Busy);
    assert_eq!(status_of(&app, &f.machine_a).await, AssetStatus::Busy);
    reset(asset_stop["id"].clone()).await;
    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::Busy);
}

#[tokio::test]
async fn a_stop_names_exactly_one_target_and_needs_the_role() {
    let app = TestApp::spawn().await;
    let f = floor(&app, "estop3").await;
    let viewer = app.member(&f.owner, "VIEWER").await;
    for input in [
        json!({ "reason": "r" }),
        json!({ "assetId": f.robot_a, "zoneId": f.zone_a, "reason": "r" }),
    ] {
        assert_bad_input(
            &app.gql(Some(&f.owner.token), TRIGGER, json!({ "input": input }))
                .await,
            "input",
        );
    }
    assert_bad_input(
        &app.gql(
            Some(&f.owner.token),
            TRIGGER,
            json!({ "input": { "assetId": f.robot_a, "reason": "" } }),
        )
        .await,
        "input.reason",
    );
    assert_code(
        &app.gql(
            Some(&viewer.token),
            TRIGGER,
            json!({ "input": { "assetId": f.robot_a, "reason": "r" } }),
        )
        .await,
        "FORBIDDEN",
    );
    // A safety controller's key with estop:trigger may.
    let (_, key) = app.api_key(&f.owner, &["estop:trigger"], None).await;
    let body = app
        .gql(
            Some(&key),
            TRIGGER,
            json!({ "input": { "assetId": f.robot_a, "reason": "light curtain" } }),
        )
        .await;
    assert_ok(&body);
    assert!(body["data"]["triggerEmergencyStop"]["emergencyStop"]["triggeredBy"].is_null());
    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::EStopped);
}

#[tokio::test]
async fn another_organizations_places_and_stops_are_not_found_and_stay_untouched() {
    let app = TestApp::spawn().await;
    let f = floor(&app, "estop4").await;
    let intruder = app.sign_up(&slug("estopx")).await;
    for input in [
        json!({ "assetId": f.robot_a, "reason": "r" }),
        json!({ "zoneId": f.zone_a, "reason": "r" }),
        json!({ "siteId": f.site, "reason": "r" }),
    ] {
        assert_code(
            &app.gql(Some(&intruder.token), TRIGGER, json!({ "input": input }))
                .await,
            "NOT_FOUND",
        );
    }
    let body = app
        .gql(
            Some(&f.owner.token),
            TRIGGER,
            json!({ "input": { "assetId": f.robot_b, "reason": "r" } }),
        )
        .await;
    assert_ok(&body);
    let id = body["data"]["triggerEmergencyStop"]["emergencyStop"]["id"].clone();
    assert_code(
        &app.gql(
            Some(&intruder.token),
            RESET,
            json!({ "id": id, "note": "n" }),
        )
        .await,
        "NOT_FOUND",
    );
    let body = app
        .gql(
            Some(&intruder.token),
            "{ emergencyStops { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["emergencyStops"]["totalCount"], 0);
    assert_eq!(status_of(&app, &f.robot_a).await, AssetStatus::Busy);
    assert_eq!(status_of(&app, &f.robot_b).await, AssetStatus::EStopped);
}

/// Makes the database refuse e-stop alerts: the last write of a stop fails.
async fn refuse_estop_alerts(app: &TestApp) {
    let conn = &app.db.conn;
    let statements: &[&str] = match conn.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_estop_alert() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_estop_alert BEFORE INSERT ON alerts FOR EACH ROW \
             WHEN (NEW.kind = 'estop') EXECUTE FUNCTION refuse_estop_alert()",
        ],
        _ => &["CREATE TRIGGER refuse_estop_alert BEFORE INSERT ON alerts \
             WHEN NEW.kind = 'estop' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"],
    };
    for sql in statements {
        conn.execute_unprepared(sql).await.unwrap();
    }
}

#[tokio::test]
async fn a_stop_that_fails_part_way_changes_nothing() {
    let app = TestApp::spawn().await;
    let f = floor(&app, "estop5").await;
    let operator = app.member(&f.owner, "OPERATOR").await;
    let session = start_session(&app, &operator.token, &f.machine_a).await;
    let (job, command) = work_on(&app, &f.owner.organization_id, &f.robot_a).await;
    let history_before = entity::asset_status_history::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    refuse_estop_alerts(&app).await;

    let body = app
        .gql(
            Some(&operator.token),
            TRIGGER,
            json!({ "input": { "siteId": f.site, "reason": "test" } }),
        )
        .await;
    assert_code(&body, "INTERNAL");
    assert!(
        !body.to_string().contains("injected failure"),
        "internal detail leaked: {body}"
    );

    for asset in [&f.robot_a, &f.machine_a, &f.robot_b] {
        assert_eq!(status_of(&app, asset).await, AssetStatus::Busy);
    }
    assert_eq!(session_ended_by(&app, &session).await, None);
    assert_eq!(job_status(&app, job).await, JobStatus::Running);
    assert_eq!(command_status(&app, command).await, CommandStatus::Pending);
    let stops = entity::estop_events::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(stops, 0);
    let halted = entity::estop_assets::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(halted, 0);
    let history_after = entity::asset_status_history::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(history_after, history_before);
    let alerts = entity::alerts::Entity::find()
        .filter(entity::alerts::Column::OrganizationId.eq(uuid(&f.owner.organization_id)))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(alerts, 0);
    // The refusal is audited.
    let body = app
        .gql(
            Some(&f.owner.token),
            "{ auditLogs(first: 5, filter: { action: \"triggerEmergencyStop\" }) { edges { node { success errorCode } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let rows = body["data"]["auditLogs"]["edges"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["node"]["success"], false);
    assert_eq!(rows[0]["node"]["errorCode"], "INTERNAL");
}
