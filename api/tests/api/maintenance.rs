//! Maintenance tasks: the status machine, roles and tenancy, the asset going to maintenance and
//! back, recurrence by days and by running hours, the overdue worker with a chosen clock, exact
//! costs, DataLoader counts and the subscription.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Session, TestApp, WS_WAIT, assert_bad_input, assert_code, assert_ok, slug, str_of,
};
use api::events::EventBus;

const TASK_FIELDS: &str = "id status kind priority dueAt overdue startedAt completedAt
    actualMinutes cost notes previousTaskId assetPreviousStatus overdueAlertId
    recurrence { everyDays everyRunningHours } partsUsed { partNumber description quantity }
    assignee { id } asset { id status }";

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

fn time_of(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&str_of(v))
        .unwrap()
        .with_timezone(&Utc)
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateMaintenanceTaskInput!) {{
                createMaintenanceTask(input: $input) {{ maintenanceTask {{ {TASK_FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn create_ok(app: &TestApp, token: &str, input: Value) -> Value {
    let body = create(app, token, input).await;
    assert_ok(&body);
    body["data"]["createMaintenanceTask"]["maintenanceTask"].clone()
}

fn task_input(asset: &str, title: &str) -> Value {
    json!({ "assetId": asset, "title": title, "kind": "CORRECTIVE",
            "dueAt": rfc(Utc::now() + Duration::days(1)) })
}

/// Runs `start`, `complete` or `cancel` on a task.
async fn act(app: &TestApp, token: &str, action: &str, input: Value) -> Value {
    let name = format!("{action}MaintenanceTask");
    let ty = match action {
        "start" => "MaintenanceTaskIdInput".to_owned(),
        _ => format!("{}MaintenanceTaskInput", capitalise(action)),
    };
    app.gql(
        Some(token),
        &format!(
            "mutation($input: {ty}!) {{ {name}(input: $input) {{ maintenanceTask {{ {TASK_FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

async fn act_ok(app: &TestApp, token: &str, action: &str, input: Value) -> Value {
    let body = act(app, token, action, input).await;
    assert_ok(&body);
    body["data"][format!("{action}MaintenanceTask")]["maintenanceTask"].clone()
}

async fn task(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ maintenanceTask(id: $id) {{ {TASK_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await
}

async fn task_ok(app: &TestApp, token: &str, id: &str) -> Value {
    let body = task(app, token, id).await;
    assert_ok(&body);
    body["data"]["maintenanceTask"].clone()
}

async fn set_status(app: &TestApp, token: &str, robot: &str, status: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: UpdateRobotInput!) { updateRobot(input: $input) { robot { status } } }",
            json!({ "input": { "id": robot, "status": status } }),
        )
        .await;
    assert_ok(&body);
}

async fn asset_status(app: &TestApp, token: &str, asset: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { asset(id: $id) { status } }",
            json!({ "id": asset }),
        )
        .await;
    assert_ok(&body);
    str_of(&body["data"]["asset"]["status"])
}

async fn tasks(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            &format!(
                "query($filter: MaintenanceTaskFilter) {{ maintenanceTasks(filter: $filter, first: 100) {{
                    totalCount edges {{ node {{ {TASK_FIELDS} }} }} }} }}"
            ),
            json!({ "filter": filter }),
        )
        .await;
    assert_ok(&body);
    let conn = &body["data"]["maintenanceTasks"];
    let nodes: Vec<Value> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(conn["totalCount"].as_u64(), Some(nodes.len() as u64));
    nodes
}

/// An organization with a site and a robot.
async fn setup(app: &TestApp, prefix: &str) -> (Session, String, String) {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r-1").await;
    (owner, site, robot)
}

#[tokio::test]
async fn a_task_moves_the_asset_to_maintenance_and_back() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-life").await;
    let engineer = app.member(&owner, "ENGINEER").await;
    set_status(&app, &owner.token, &robot, "ONLINE").await;
    let t = create_ok(&app, &engineer.token, task_input(&robot, "Replace gripper")).await;
    assert_eq!(t["status"], "SCHEDULED");
    assert_eq!(t["priority"], "NORMAL");
    assert_eq!(t["overdue"], false);
    let id = str_of(&t["id"]);

    let started = act_ok(&app, &engineer.token, "start", json!({ "id": id })).await;
    assert_eq!(started["status"], "IN_PROGRESS");
    assert_eq!(started["assetPreviousStatus"], "ONLINE");
    assert!(started["startedAt"].is_string());
    assert_eq!(
        asset_status(&app, &owner.token, &robot).await,
        "MAINTENANCE"
    );

    let done = act_ok(
        &app,
        &engineer.token,
        "complete",
        json!({ "id": id, "cost": "12.50", "notes": "done",
                "partsUsed": [{ "partNumber": "G-1", "description": "finger", "quantity": 2 }] }),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["cost"], "12.50");
    assert_eq!(
        done["actualMinutes"], 0,
        "derived from start and completion"
    );
    assert_eq!(done["partsUsed"][0]["quantity"], 2);
    assert_eq!(done["notes"], "done");
    assert_eq!(asset_status(&app, &owner.token, &robot).await, "ONLINE");

    // The history names the reasons both ways.
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { statusHistory(first: 2) { edges { node { status reason } } } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    let edges = &body["data"]["asset"]["statusHistory"]["edges"];
    assert_eq!(edges[0]["node"]["status"], "ONLINE");
    assert_eq!(
        edges[0]["node"]["reason"],
        "maintenance done: Replace gripper"
    );
    assert_eq!(edges[1]["node"]["reason"], "maintenance: Replace gripper");

    // A reported duration wins over the derived one.
    let t2 = create_ok(&app, &engineer.token, task_input(&robot, "Oil")).await;
    let id2 = str_of(&t2["id"]);
    act_ok(&app, &engineer.token, "start", json!({ "id": id2 })).await;
    let done = act_ok(
        &app,
        &engineer.token,
        "complete",
        json!({ "id": id2, "actualMinutes": 45 }),
    )
    .await;
    assert_eq!(done["actualMinutes"], 45);
}

#[tokio::test]
async fn every_illegal_transition_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-sm").await;
    let tok = &owner.token;
    let scheduled = str_of(&create_ok(&app, tok, task_input(&robot, "a")).await["id"]);
    let bad = |body: &Value, text: &str| {
        assert_bad_input(body, "input.id");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(text), "expected '{text}' in {body}");
    };
    // scheduled: complete is illegal.
    bad(
        &act(&app, tok, "complete", json!({ "id": scheduled })).await,
        "cannot go from scheduled to completed",
    );
    // in_progress: start is illegal.
    act_ok(&app, tok, "start", json!({ "id": scheduled })).await;
    bad(
        &act(&app, tok, "start", json!({ "id": scheduled })).await,
        "cannot go from in_progress to in_progress",
    );
    // completed: everything is illegal, and updates too.
    act_ok(&app, tok, "complete", json!({ "id": scheduled })).await;
    for (action, text) in [
        ("start", "cannot go from completed to in_progress"),
        ("complete", "cannot go from completed to completed"),
        ("cancel", "cannot go from completed to cancelled"),
    ] {
        bad(
            &act(&app, tok, action, json!({ "id": scheduled })).await,
            text,
        );
    }
    let body = app
        .gql(
            Some(tok),
            "mutation($id: ID!) { updateMaintenanceTask(input: { id: $id, title: \"x\" }) { maintenanceTask { id } } }",
            json!({ "id": scheduled }),
        )
        .await;
    assert_bad_input(&body, "input.id");

    // scheduled -> cancelled; then nothing more.
    let second = str_of(&create_ok(&app, tok, task_input(&robot, "b")).await["id"]);
    let cancelled = act_ok(
        &app,
        tok,
        "cancel",
        json!({ "id": second, "note": "not needed" }),
    )
    .await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["notes"], "not needed");
    for (action, text) in [
        ("start", "cannot go from cancelled to in_progress"),
        ("complete", "cannot go from cancelled to completed"),
        ("cancel", "cannot go from cancelled to cancelled"),
    ] {
        bad(&act(&app, tok, action, json!({ "id": second })).await, text);
    }

    // in_progress -> cancelled gives the asset its status back.
    set_status(&app, tok, &robot, "BUSY").await;
    let third = str_of(&create_ok(&app, tok, task_input(&robot, "c")).await["id"]);
    act_ok(&app, tok, "start", json!({ "id": third })).await;
    assert_eq!(asset_status(&app, tok, &robot).await, "MAINTENANCE");
    act_ok(&app, tok, "cancel", json!({ "id": third })).await;
    assert_eq!(asset_status(&app, tok, &robot).await, "BUSY");
}

#[tokio::test]
async fn fields_are_validated_and_updatable_while_not_finished() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-val").await;
    let tok = &owner.token;
    let mut input = task_input(&robot, "a");
    input["recurrence"] = json!({ "everyDays": 7 });
    assert_bad_input(&create(&app, tok, input.clone()).await, "input.recurrence");
    input["kind"] = json!("PREVENTIVE");
    input["recurrence"] = json!({ "everyDays": 7, "everyRunningHours": 5 });
    assert_bad_input(&create(&app, tok, input.clone()).await, "input.recurrence");
    input["recurrence"] = json!({ "everyDays": 0 });
    assert_bad_input(
        &create(&app, tok, input.clone()).await,
        "input.recurrence.everyDays",
    );
    input["recurrence"] = json!({ "everyDays": 7 });
    input["title"] = json!("  ");
    assert_bad_input(&create(&app, tok, input.clone()).await, "input.title");
    input["title"] = json!("Lubricate");
    input["estimatedMinutes"] = json!(-5);
    assert_bad_input(
        &create(&app, tok, input.clone()).await,
        "input.estimatedMinutes",
    );
    input["estimatedMinutes"] = json!(30);
    input["priority"] = json!("HIGH");
    let t = create_ok(&app, tok, input).await;
    assert_eq!(t["recurrence"]["everyDays"], 7);
    assert_eq!(t["priority"], "HIGH");

    let body = app
        .gql(
            Some(tok),
            "mutation($input: UpdateMaintenanceTaskInput!) { updateMaintenanceTask(input: $input) {
                maintenanceTask { title priority recurrence { everyDays } estimatedMinutes } } }",
            json!({ "input": { "id": t["id"], "title": "Lubricate joints", "priority": "LOW",
                               "recurrence": null, "estimatedMinutes": null } }),
        )
        .await;
    assert_ok(&body);
    let u = &body["data"]["updateMaintenanceTask"]["maintenanceTask"];
    assert_eq!(u["title"], "Lubricate joints");
    assert_eq!(u["priority"], "LOW");
    assert!(u["recurrence"].is_null());
    assert!(u["estimatedMinutes"].is_null());
}

#[tokio::test]
async fn roles_viewers_read_operators_work_their_own_tasks() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-roles").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let other_operator = app.member(&owner, "OPERATOR").await;

    assert_code(
        &create(&app, &viewer.token, task_input(&robot, "x")).await,
        "FORBIDDEN",
    );
    assert_code(
        &create(&app, &operator.token, task_input(&robot, "x")).await,
        "FORBIDDEN",
    );
    // A viewer cannot be assigned: their role does not work on maintenance.
    let mut input = task_input(&robot, "x");
    input["assigneeId"] = json!(viewer.user_id);
    assert_bad_input(&create(&app, &owner.token, input).await, "input.assigneeId");

    let mut input = task_input(&robot, "Calibrate");
    input["assigneeId"] = json!(operator.user_id);
    let t = create_ok(&app, &owner.token, input).await;
    assert_eq!(t["assignee"]["id"], json!(operator.user_id));
    let id = str_of(&t["id"]);
    assert_eq!(
        str_of(&task_ok(&app, &viewer.token, &id).await["id"]),
        id,
        "viewers read tasks"
    );

    for token in [&viewer.token, &other_operator.token] {
        assert_code(
            &act(&app, token, "start", json!({ "id": id })).await,
            "FORBIDDEN",
        );
    }
    act_ok(&app, &operator.token, "start", json!({ "id": id })).await;
    for token in [&viewer.token, &other_operator.token] {
        assert_code(
            &act(&app, token, "complete", json!({ "id": id })).await,
            "FORBIDDEN",
        );
    }
    // Cancelling is for engineers, even on one's own task.
    assert_code(
        &act(&app, &operator.token, "cancel", json!({ "id": id })).await,
        "FORBIDDEN",
    );
    let body = app
        .gql(
            Some(&operator.token),
            "mutation($id: ID!) { updateMaintenanceTask(input: { id: $id, title: \"y\" }) { maintenanceTask { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    let done = act_ok(&app, &operator.token, "complete", json!({ "id": id })).await;
    assert_eq!(done["status"], "COMPLETED");

    // An API key with `maintenance:write` creates tasks; one with `maintenance:read` does not.
    let (_, writer) = app.api_key(&owner, &["maintenance:write"], None).await;
    create_ok(&app, &writer, task_input(&robot, "by key")).await;
    let (_, reader) = app.api_key(&owner, &["maintenance:read"], None).await;
    assert_code(
        &create(&app, &reader, task_input(&robot, "no")).await,
        "FORBIDDEN",
    );
}

#[tokio::test]
async fn another_organizations_ids_are_not_found_and_its_tasks_unchanged() {
    let app = TestApp::spawn().await;
    let (a, _, robot_a) = setup(&app, "mt-ta").await;
    let (b, _, robot_b) = setup(&app, "mt-tb").await;
    let b_operator = app.member(&b, "OPERATOR").await;
    let t = create_ok(&app, &a.token, task_input(&robot_a, "A's task")).await;
    let id = str_of(&t["id"]);

    assert_code(&task(&app, &b.token, &id).await, "NOT_FOUND");
    for action in ["start", "complete", "cancel"] {
        assert_code(
            &act(&app, &b.token, action, json!({ "id": id })).await,
            "NOT_FOUND",
        );
    }
    let body = app
        .gql(
            Some(&b.token),
            "mutation($id: ID!) { updateMaintenanceTask(input: { id: $id, title: \"mine\" }) { maintenanceTask { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    // A's asset from B; B's member as A's assignee.
    assert_code(
        &create(&app, &b.token, task_input(&robot_a, "x")).await,
        "NOT_FOUND",
    );
    let mut input = task_input(&robot_a, "x");
    input["assigneeId"] = json!(b_operator.user_id);
    assert_code(&create(&app, &a.token, input).await, "NOT_FOUND");
    assert!(tasks(&app, &b.token, json!(null)).await.is_empty());
    let summary = app
        .gql(
            Some(&b.token),
            "query($a: ID) { maintenanceSummary(assetId: $a) { total } }",
            json!({ "a": robot_a }),
        )
        .await;
    assert_code(&summary, "NOT_FOUND");

    let unchanged = task_ok(&app, &a.token, &id).await;
    assert_eq!(unchanged["status"], "SCHEDULED");
    assert_eq!(
        asset_status(&app, &a.token, &robot_a).await,
        "OFFLINE",
        "A's asset untouched"
    );
    create_ok(&app, &b.token, task_input(&robot_b, "B's own")).await;
    assert_eq!(tasks(&app, &a.token, json!(null)).await.len(), 1);
}

#[tokio::test]
async fn the_asset_returns_only_when_no_other_task_is_in_progress_and_it_is_still_in_maintenance() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-two").await;
    let tok = &owner.token;
    set_status(&app, tok, &robot, "IDLE").await;
    let first = str_of(&create_ok(&app, tok, task_input(&robot, "one")).await["id"]);
    let second = str_of(&create_ok(&app, tok, task_input(&robot, "two")).await["id"]);
    act_ok(&app, tok, "start", json!({ "id": first })).await;
    let s2 = act_ok(&app, tok, "start", json!({ "id": second })).await;
    assert_eq!(
        s2["assetPreviousStatus"], "IDLE",
        "inherits the status before the first task"
    );
    act_ok(&app, tok, "complete", json!({ "id": first })).await;
    assert_eq!(
        asset_status(&app, tok, &robot).await,
        "MAINTENANCE",
        "the second task is still in progress"
    );
    act_ok(&app, tok, "complete", json!({ "id": second })).await;
    assert_eq!(asset_status(&app, tok, &robot).await, "IDLE");

    // The asset left maintenance meanwhile (a fault): completing leaves the newer status.
    let third = str_of(&create_ok(&app, tok, task_input(&robot, "three")).await["id"]);
    act_ok(&app, tok, "start", json!({ "id": third })).await;
    set_status(&app, tok, &robot, "ERROR").await;
    act_ok(&app, tok, "complete", json!({ "id": third })).await;
    assert_eq!(asset_status(&app, tok, &robot).await, "ERROR");
}

#[tokio::test]
async fn completing_a_task_recurring_by_days_schedules_the_next() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-days").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let tok = &owner.token;
    let mut input = task_input(&robot, "Weekly check");
    input["kind"] = json!("PREVENTIVE");
    input["priority"] = json!("HIGH");
    input["estimatedMinutes"] = json!(20);
    input["assigneeId"] = json!(operator.user_id);
    input["recurrence"] = json!({ "everyDays": 7 });
    let id = str_of(&create_ok(&app, tok, input).await["id"]);
    act_ok(&app, &operator.token, "start", json!({ "id": id })).await;
    let done = act_ok(&app, &operator.token, "complete", json!({ "id": id })).await;
    let completed_at = time_of(&done["completedAt"]);

    let next = tasks(
        &app,
        tok,
        json!({ "assetId": robot, "status": ["SCHEDULED"] }),
    )
    .await;
    assert_eq!(next.len(), 1);
    let next = &next[0];
    assert_eq!(next["previousTaskId"], json!(id));
    assert_eq!(time_of(&next["dueAt"]), completed_at + Duration::days(7));
    assert_eq!(next["kind"], "PREVENTIVE");
    assert_eq!(next["priority"], "HIGH");
    assert_eq!(next["assignee"]["id"], json!(operator.user_id));
    assert_eq!(next["recurrence"]["everyDays"], 7);

    // Cancelling does not recur; corrective tasks never do.
    act_ok(&app, tok, "cancel", json!({ "id": next["id"] })).await;
    assert!(
        tasks(&app, tok, json!({ "status": ["SCHEDULED"] }))
            .await
            .is_empty()
    );
}

/// Appends a status change to the asset's history at a chosen time (tests of running time).
async fn history_row(
    app: &TestApp,
    org: &str,
    asset: &str,
    status: entity::AssetStatus,
    at: DateTime<Utc>,
) {
    entity::asset_status_history::Entity::insert(entity::asset_status_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(Uuid::parse_str(org).unwrap()),
        asset_id: Set(Uuid::parse_str(asset).unwrap()),
        previous_status: Set(None),
        status: Set(status),
        reason: Set("test".into()),
        actor_kind: Set(entity::ActorKind::System),
        actor_id: Set(None),
        at: Set(at),
    })
    .exec_without_returning(&app.db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_running_hours_schedule_is_due_when_the_asset_has_run_that_long() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-hours").await;
    let tok = &owner.token;
    let bus = EventBus::in_process();
    let mut input = task_input(&robot, "Spindle service");
    input["kind"] = json!("PREVENTIVE");
    input["recurrence"] = json!({ "everyRunningHours": 4 });
    let id = str_of(&create_ok(&app, tok, input).await["id"]);
    act_ok(&app, tok, "start", json!({ "id": id })).await;
    let done = act_ok(&app, tok, "complete", json!({ "id": id })).await;
    let t0 = time_of(&done["completedAt"]);
    assert_eq!(asset_status(&app, tok, &robot).await, "OFFLINE");
    let next = tasks(&app, tok, json!({ "status": ["SCHEDULED"] })).await;
    assert_eq!(next.len(), 1);
    let next_id = str_of(&next[0]["id"]);
    assert_eq!(
        time_of(&next[0]["dueAt"]),
        t0 + Duration::hours(4),
        "the earliest the hours can be reached"
    );
    assert_eq!(next[0]["recurrence"]["everyRunningHours"], 4);

    // Offline until t0+1h, busy until t0+3h, idle (not running) until t0+4h, online after.
    let org = &owner.organization_id;
    history_row(
        &app,
        org,
        &robot,
        entity::AssetStatus::Busy,
        t0 + Duration::hours(1),
    )
    .await;
    history_row(
        &app,
        org,
        &robot,
        entity::AssetStatus::Idle,
        t0 + Duration::hours(3),
    )
    .await;
    history_row(
        &app,
        org,
        &robot,
        entity::AssetStatus::Online,
        t0 + Duration::hours(4),
    )
    .await;

    // At t0+5h it has run 3 h: past `dueAt`, but not due.
    let at = t0 + Duration::hours(5);
    assert_eq!(
        api::workers::maintenance::run(&app.db, &bus, at)
            .await
            .unwrap(),
        0
    );
    let t = task_ok(&app, tok, &next_id).await;
    assert_eq!(t["overdue"], false);
    assert!(t["overdueAlertId"].is_null());
    // At t0+6h1m it has run 4 h 1 min: due, alerted once.
    let at = t0 + Duration::hours(6) + Duration::minutes(1);
    assert_eq!(
        api::workers::maintenance::run(&app.db, &bus, at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        api::workers::maintenance::run(&app.db, &bus, at)
            .await
            .unwrap(),
        0
    );
    let t = task_ok(&app, tok, &next_id).await;
    assert_eq!(t["overdue"], true);
    assert!(t["overdueAlertId"].is_string());
}

async fn alert(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { alert(id: $id) { kind severity status asset { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    body["data"]["alert"].clone()
}

#[tokio::test]
async fn an_overdue_task_raises_one_alert_which_completion_resolves() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = setup(&app, "mt-over").await;
    let tok = &owner.token;
    let bus = EventBus::in_process();
    let now = Utc::now();
    let mut input = task_input(&robot, "Late");
    input["dueAt"] = json!(rfc(now + Duration::hours(2)));
    input["priority"] = json!("CRITICAL");
    let late = str_of(&create_ok(&app, tok, input).await["id"]);
    let mut input = task_input(&robot, "Later");
    input["dueAt"] = json!(rfc(now + Duration::days(3)));
    let later = str_of(&create_ok(&app, tok, input).await["id"]);

    let run = |at| {
        let (db, bus) = (app.db.clone(), bus.clone());
        async move { api::workers::maintenance::run(&db, &bus, at).await.unwrap() }
    };
    assert_eq!(run(now).await, 0, "nothing is due yet");
    assert_eq!(run(now + Duration::hours(3)).await, 1);
    assert_eq!(run(now + Duration::hours(4)).await, 0, "raised once");
    let t = task_ok(&app, tok, &late).await;
    let alert_id = str_of(&t["overdueAlertId"]);
    let a = alert(&app, tok, &alert_id).await;
    assert_eq!(a["kind"], "MAINTENANCE");
    assert_eq!(a["severity"], "CRITICAL");
    assert_eq!(a["status"], "OPEN");
    assert_eq!(a["asset"]["id"], json!(robot));
    assert!(
        task_ok(&app, tok, &later).await["overdueAlertId"].is_null(),
        "the other task is not due"
    );

    // The worker flagged it, so it reads overdue even before its dueAt passes on the real clock.
    let overdue = tasks(&app, tok, json!({ "overdue": true })).await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["id"], json!(late));
    assert_eq!(tasks(&app, tok, json!({ "overdue": false })).await.len(), 1);

    act_ok(&app, tok, "start", json!({ "id": late })).await;
    act_ok(&app, tok, "complete", json!({ "id": late })).await;
    assert_eq!(alert(&app, tok, &alert_id).await["status"], "RESOLVED");

    // Cancelling resolves it too.
    assert_eq!(run(now + Duration::days(4)).await, 1);
    let alert_id = str_of(&task_ok(&app, tok, &later).await["overdueAlertId"]);
    act_ok(&app, tok, "cancel", json!({ "id": later })).await;
    assert_eq!(alert(&app, tok, &alert_id).await["status"], "RESOLVED");
    assert_eq!(run(now + Duration::days(5)).await, 0);
}

#[tokio::test]
async fn costs_are_exact_and_the_summary_adds_them_exactly() {
    let app = TestApp::spawn().await;
    let (owner, site, robot) = setup(&app, "mt-cost").await;
    let tok = &owner.token;
    let other = app.create_robot(tok, &site, None, "r-2").await;
    let done = |asset: String, cost: &'static str, minutes: i32| {
        let app = &app;
        async move {
            let id = str_of(&create_ok(app, tok, task_input(&asset, "paid")).await["id"]);
            act_ok(app, tok, "start", json!({ "id": id })).await;
            act(
                app,
                tok,
                "complete",
                json!({ "id": id, "cost": cost, "actualMinutes": minutes }),
            )
            .await
        }
    };
    assert_ok(&done(robot.clone(), "0.10", 10).await);
    assert_ok(&done(robot.clone(), "0.20", 20).await);
    assert_ok(&done(other.clone(), "1", 60).await);
    // Refused: a third decimal, a negative amount (the task stays in progress).
    assert_bad_input(&done(robot.clone(), "0.001", 1).await, "input.cost");
    assert_bad_input(&done(robot.clone(), "-1.00", 1).await, "input.cost");
    // One scheduled, one cancelled, one overdue.
    create_ok(&app, tok, task_input(&robot, "open")).await;
    let c = str_of(&create_ok(&app, tok, task_input(&robot, "drop")).await["id"]);
    act_ok(&app, tok, "cancel", json!({ "id": c })).await;
    let mut input = task_input(&robot, "late");
    input["dueAt"] = json!(rfc(Utc::now() - Duration::hours(1)));
    create_ok(&app, tok, input).await;

    let summary = |args: Value| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(tok),
                    "query($a: ID, $s: ID) { maintenanceSummary(assetId: $a, siteId: $s) {
                        total scheduled inProgress completed cancelled overdue totalCost
                        averageDurationMinutes } }",
                    args,
                )
                .await;
            assert_ok(&body);
            body["data"]["maintenanceSummary"].clone()
        }
    };
    let s = summary(json!({ "a": robot })).await;
    assert_eq!(s["totalCost"], "0.30", "0.10 + 0.20, exactly");
    assert_eq!(s["completed"], 2);
    assert_eq!(s["inProgress"], 2, "the two refused completions");
    assert_eq!(s["scheduled"], 2);
    assert_eq!(s["cancelled"], 1);
    assert_eq!(s["overdue"], 1);
    assert_eq!(s["total"], 7);
    assert_eq!(s["averageDurationMinutes"], 15.0);
    let s = summary(json!({ "s": site })).await;
    assert_eq!(s["totalCost"], "1.30");
    assert_eq!(s["averageDurationMinutes"], 30.0);
    let s = summary(json!({})).await;
    assert_eq!(s["completed"], 3);
    assert_eq!(s["total"], 8);
}

#[tokio::test]
async fn nested_task_relations_cost_the_same_statements_for_more_tasks() {
    let app = TestApp::spawn().await;
    let (owner, site, robot) = setup(&app, "mt-dl").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let query = "{ maintenanceTasks(first: 100) { edges { node { id
        asset { id code site { id } } assignee { id email } createdBy { id } } } } }";
    let add = |from: usize, n: usize| {
        let (app, owner, site, operator, robot) = (&app, &owner, &site, &operator, &robot);
        async move {
            for i in from..from + n {
                let asset = if i % 2 == 0 {
                    robot.clone()
                } else {
                    app.create_robot(&owner.token, site, None, &format!("x-{i}"))
                        .await
                };
                let mut input = task_input(&asset, &format!("t{i}"));
                input["assigneeId"] = json!(operator.user_id);
                create_ok(app, &owner.token, input).await;
            }
        }
    };
    add(0, 2).await;
    let before = app.sql_statements();
    let body = app.gql(Some(&owner.token), query, json!({})).await;
    let few = app.sql_statements() - before;
    assert_ok(&body);
    add(2, 8).await;
    let before = app.sql_statements();
    let body = app.gql(Some(&owner.token), query, json!({})).await;
    let many = app.sql_statements() - before;
    assert_ok(&body);
    assert_eq!(
        body["data"]["maintenanceTasks"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(few, many, "statements must not grow with the list");

    // The per-asset field.
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { maintenanceTasks(first: 50) { totalCount } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["asset"]["maintenanceTasks"]["totalCount"], 5);
}

#[tokio::test]
async fn the_subscription_delivers_only_its_organizations_changes() {
    let app = TestApp::spawn().await;
    let (a, site_a, robot_a) = setup(&app, "mt-sa").await;
    let (b, _, robot_b) = setup(&app, "mt-sb").await;
    let other_robot_a = app.create_robot(&a.token, &site_a, None, "r-2").await;
    let mut ws = app.ws(&a.token).await;
    ws.subscribe(
        "m",
        "subscription { maintenanceUpdated { kind task { id status asset { id } } } }",
        json!({}),
    )
    .await;
    let mut ws_asset = app.ws(&a.token).await;
    // An asset that does not exist (or is another organization's) is refused at once.
    ws_asset
        .subscribe(
            "none",
            "subscription($a: ID) { maintenanceUpdated(assetId: $a) { kind } }",
            json!({ "a": Uuid::now_v7().to_string() }),
        )
        .await;
    let refused = ws_asset.next_message(WS_WAIT).await.expect("a refusal");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "NOT_FOUND");
    ws_asset
        .subscribe(
            "m",
            "subscription($a: ID) { maintenanceUpdated(assetId: $a) { kind } }",
            json!({ "a": other_robot_a }),
        )
        .await;
    create_ok(&app, &b.token, task_input(&robot_b, "B's")).await;
    let t = create_ok(&app, &a.token, task_input(&robot_a, "A's")).await;
    let msg = ws.next_message(WS_WAIT).await.expect("an event");
    assert_eq!(msg["type"], "next", "{msg}");
    let data = &msg["payload"]["data"]["maintenanceUpdated"];
    assert_eq!(data["kind"], "CREATED");
    assert_eq!(data["task"]["id"], t["id"], "A's task, not B's");
    assert_eq!(data["task"]["asset"]["id"], json!(robot_a));
    act_ok(&app, &a.token, "start", json!({ "id": t["id"] })).await;
    let msg = ws.next_message(WS_WAIT).await.expect("an event");
    assert_eq!(
        msg["payload"]["data"]["maintenanceUpdated"]["kind"],
        "STARTED"
    );
    assert_eq!(
        msg["payload"]["data"]["maintenanceUpdated"]["task"]["status"],
        "IN_PROGRESS"
    );
    assert!(
        ws_asset
            .next_message(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "another asset's subscription hears nothing"
    );
}

/// A member of `owner`'s organization with `role`, restricted to `site`.
async fn restricted(app: &TestApp, owner: &Session, role: &str, site: &str) -> (String, String) {
    let member = app.member_with_sites(owner, role, Some(&[site])).await;
    (member.token, member.user_id)
}

#[tokio::test]
async fn a_member_restricted_to_a_site_sees_and_works_only_there() {
    let app = TestApp::spawn().await;
    let (owner, s1, r1) = setup(&app, "mt-scope").await;
    let s2 = app.create_site(&owner.token, "other").await;
    let r2 = app.create_robot(&owner.token, &s2, None, "r-2").await;
    let (engineer, _) = restricted(&app, &owner, "ENGINEER", &s1).await;
    let (_, operator_s2) = restricted(&app, &owner, "OPERATOR", &s2).await;
    let t2 = str_of(&create_ok(&app, &owner.token, task_input(&r2, "there")).await["id"]);

    // An asset or a task on another site is NOT_FOUND, in reads and writes.
    assert_code(
        &create(&app, &engineer, task_input(&r2, "x")).await,
        "NOT_FOUND",
    );
    assert_code(&task(&app, &engineer, &t2).await, "NOT_FOUND");
    for action in ["start", "cancel"] {
        assert_code(
            &act(&app, &engineer, action, json!({ "id": t2 })).await,
            "NOT_FOUND",
        );
    }
    assert_code(
        &app.gql(
            Some(&engineer),
            "query($s: ID) { maintenanceSummary(siteId: $s) { total } }",
            json!({ "s": s2 }),
        )
        .await,
        "NOT_FOUND",
    );
    // An assignee who may not work on the asset's site is refused.
    let mut input = task_input(&r1, "here");
    input["assigneeId"] = json!(operator_s2);
    assert_bad_input(&create(&app, &engineer, input).await, "input.assigneeId");

    let t1 = create_ok(&app, &engineer, task_input(&r1, "here")).await;
    let listed = tasks(&app, &engineer, json!(null)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], t1["id"]);

    // Their subscription hears their site only.
    let mut ws = app.ws(&engineer).await;
    ws.subscribe(
        "m",
        "subscription { maintenanceUpdated { kind task { id } } }",
        json!({}),
    )
    .await;
    act_ok(&app, &owner.token, "start", json!({ "id": t2 })).await;
    act_ok(&app, &owner.token, "start", json!({ "id": t1["id"] })).await;
    let msg = ws.next_message(WS_WAIT).await.expect("an event");
    assert_eq!(
        msg["payload"]["data"]["maintenanceUpdated"]["task"]["id"], t1["id"],
        "the other site's start was not delivered: {msg}"
    );
}

#[tokio::test]
async fn lists_filter_and_page_by_due_time() {
    let app = TestApp::spawn().await;
    let (owner, site, robot) = setup(&app, "mt-list").await;
    let tok = &owner.token;
    let operator = app.member(&owner, "OPERATOR").await;
    let other_site = app.create_site(tok, "two").await;
    let other = app.create_robot(tok, &other_site, None, "r-9").await;
    let base = Utc::now() + Duration::days(1);
    // Due times out of creation order, two of them equal.
    let offsets = [5, 1, 3, 3, 2, 4];
    let mut ids = Vec::new();
    for (i, h) in offsets.iter().enumerate() {
        let asset = if i == 5 { &other } else { &robot };
        let mut input = task_input(asset, &format!("t{i}"));
        input["dueAt"] = json!(rfc(base + Duration::hours(*h)));
        if i % 2 == 0 {
            input["kind"] = json!("EMERGENCY");
            input["assigneeId"] = json!(operator.user_id);
        }
        ids.push(str_of(&create_ok(&app, tok, input).await["id"]));
    }
    let page = |first: i64, after: Option<String>, dir: &'static str| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(tok),
                    "query($first: Int, $after: String, $dir: OrderDirection!) {
                        maintenanceTasks(first: $first, after: $after, orderBy: { field: DUE_AT, direction: $dir }) {
                            pageInfo { hasNextPage endCursor } edges { node { id dueAt } } } }",
                    json!({ "first": first, "after": after, "dir": dir }),
                )
                .await;
            assert_ok(&body);
            body["data"]["maintenanceTasks"].clone()
        }
    };
    for dir in ["ASC", "DESC"] {
        let mut seen: Vec<(DateTime<Utc>, String)> = Vec::new();
        let mut after = None;
        loop {
            let conn = page(2, after.clone(), dir).await;
            for e in conn["edges"].as_array().unwrap() {
                seen.push((time_of(&e["node"]["dueAt"]), str_of(&e["node"]["id"])));
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = Some(str_of(&conn["pageInfo"]["endCursor"]));
        }
        assert_eq!(seen.len(), 6, "{dir}: every task once");
        let mut sorted = seen.clone();
        sorted.sort();
        if dir == "DESC" {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{dir}: ordered by due time, then id");
    }

    assert_eq!(
        tasks(&app, tok, json!({ "kind": "EMERGENCY" })).await.len(),
        3
    );
    assert_eq!(
        tasks(&app, tok, json!({ "assigneeId": operator.user_id }))
            .await
            .len(),
        3
    );
    assert_eq!(tasks(&app, tok, json!({ "siteId": site })).await.len(), 5);
    assert_eq!(
        tasks(&app, tok, json!({ "siteId": other_site }))
            .await
            .len(),
        1
    );
    assert_eq!(tasks(&app, tok, json!({ "assetId": other })).await.len(), 1);
    let window = tasks(
        &app,
        tok,
        json!({ "dueFrom": rfc(base + Duration::hours(2)), "dueTo": rfc(base + Duration::hours(4)) }),
    )
    .await;
    assert_eq!(window.len(), 3, "due at +2 h and twice at +3 h");
    act_ok(&app, tok, "cancel", json!({ "id": ids[0] })).await;
    assert_eq!(
        tasks(&app, tok, json!({ "status": ["CANCELLED"] }))
            .await
            .len(),
        1
    );
    assert_eq!(
        tasks(&app, tok, json!({ "status": ["SCHEDULED", "IN_PROGRESS"] }))
            .await
            .len(),
        5
    );
}

#[tokio::test]
async fn the_demo_seeds_a_recurring_and_an_overdue_task_once() {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let hasher = api::auth::PasswordHasher::new(2).unwrap();
    let count = || async {
        entity::maintenance_tasks::Entity::find()
            .count(&app.db.conn)
            .await
            .unwrap()
    };
    api::demo::seed(&app.db, &hasher).await.unwrap();
    // Three tasks, the completed weekly one having scheduled its successor.
    assert_eq!(count().await, 4);
    let successor = entity::maintenance_tasks::Entity::find()
        .filter(entity::maintenance_tasks::Column::PreviousTaskId.is_not_null())
        .one(&app.db.conn)
        .await
        .unwrap()
        .expect("the recurring task's successor");
    assert_eq!(successor.recurrence_days, Some(7));
    api::workers::maintenance::run(&app.db, &EventBus::in_process(), Utc::now())
        .await
        .unwrap();
    // Counted in the table: the app's own worker may have got there first.
    let alerts = entity::alerts::Entity::find()
        .filter(entity::alerts::Column::Kind.eq(entity::AlertKind::Maintenance))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(alerts, 1, "the overdue repair");
    api::demo::seed(&app.db, &hasher).await.unwrap();
    assert_eq!(count().await, 4, "a second start adds nothing");
}
