//! Jobs: the status machine (every legal and illegal move), progress reports, roles, API keys,
//! tenancy, filters, the `jobUpdated` subscription, the e-stop hook and DataLoader costs.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Session, TestApp, WS_WAIT, WsClient, assert_bad_input, assert_code, assert_ok, slug, str_of,
};

const JOB_FIELDS: &str = "id name kind priority status payload itemsTotal itemsDone lastItem
    percentComplete result error startedAt finishedAt durationSeconds createdByApiKeyId
    createdBy { id } asset { id code }";

/// An organization with one site and two robots: (owner, site, robot 1, robot 2).
pub async fn floor(app: &TestApp, prefix: &str) -> (Session, String, String, String) {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "plant").await;
    let r1 = app.create_robot(&owner.token, &site, None, "r-1").await;
    let r2 = app.create_robot(&owner.token, &site, None, "r-2").await;
    (owner, site, r1, r2)
}

pub async fn create_job(app: &TestApp, token: &str, asset: &str, total: Option<i32>) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateJobInput!) {{ createJob(input: $input) {{ job {{ {JOB_FIELDS} }} }} }}"
        ),
        json!({ "input": { "assetId": asset, "name": "Pick wave 7", "kind": "pick_run",
                           "payload": { "wave": 7 }, "itemsTotal": total } }),
    )
    .await
}

/// Creates a job and returns its id.
async fn job(app: &TestApp, token: &str, asset: &str, total: Option<i32>) -> String {
    let body = create_job(app, token, asset, total).await;
    assert_ok(&body);
    str_of(&body["data"]["createJob"]["job"]["id"])
}

/// The mutations of the status machine, by name: (mutation, extra input fields).
const ACTIONS: [(&str, &str); 6] = [
    ("startJob", ""),
    ("pauseJob", ", reason: \"shift change\""),
    ("resumeJob", ""),
    ("completeJob", ", result: {ok: true}"),
    ("failJob", ", error: \"gripper jammed\""),
    ("cancelJob", ", reason: \"order withdrawn\""),
];

async fn act(app: &TestApp, token: &str, action: &str, id: &str) -> Value {
    let extra = ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map_or("", |(_, e)| *e);
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!) {{ {action}(input: {{ id: $id{extra} }}) {{ job {{ {JOB_FIELDS} }} }} }}"
        ),
        json!({ "id": id }),
    )
    .await
}

async fn act_ok(app: &TestApp, token: &str, action: &str, id: &str) -> Value {
    let body = act(app, token, action, id).await;
    assert_ok(&body);
    body["data"][action]["job"].clone()
}

/// The moves that bring a new job to `status`.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "QUEUED" => &[],
        "RUNNING" => &["startJob"],
        "PAUSED" => &["startJob", "pauseJob"],
        "COMPLETED" => &["startJob", "completeJob"],
        "FAILED" => &["startJob", "failJob"],
        "CANCELLED" => &["cancelJob"],
        other => panic!("no path to {other}"),
    }
}

/// Where `action` takes a job in `from`, when it is legal.
fn legal(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("QUEUED", "startJob") => Some("RUNNING"),
        ("RUNNING", "pauseJob") => Some("PAUSED"),
        ("PAUSED", "resumeJob") => Some("RUNNING"),
        ("RUNNING" | "PAUSED", "completeJob") => Some("COMPLETED"),
        ("RUNNING" | "PAUSED", "failJob") => Some("FAILED"),
        ("QUEUED" | "RUNNING" | "PAUSED", "cancelJob") => Some("CANCELLED"),
        _ => None,
    }
}

fn target_of(action: &str) -> &'static str {
    match action {
        "startJob" | "resumeJob" => "running",
        "pauseJob" => "paused",
        "completeJob" => "completed",
        "failJob" => "failed",
        "cancelJob" => "cancelled",
        other => panic!("unknown action {other}"),
    }
}

#[tokio::test]
async fn every_job_transition_is_applied_or_refused_naming_it() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-sm").await;
    let statuses = [
        "QUEUED",
        "RUNNING",
        "PAUSED",
        "COMPLETED",
        "FAILED",
        "CANCELLED",
    ];
    for from in statuses {
        for (action, _) in ACTIONS {
            let id = job(&app, &owner.token, &robot, Some(10)).await;
            for step in path_to(from) {
                act_ok(&app, &owner.token, step, &id).await;
            }
            let body = act(&app, &owner.token, action, &id).await;
            match legal(from, action) {
                Some(to) => {
                    assert_ok(&body);
                    let job = &body["data"][action]["job"];
                    assert_eq!(job["status"], to, "{from} --{action}--> {body}");
                    match to {
                        "RUNNING" => assert!(job["startedAt"].is_string()),
                        "COMPLETED" | "FAILED" | "CANCELLED" => {
                            assert!(job["finishedAt"].is_string(), "{body}");
                            assert!(job["durationSeconds"].is_number() || from == "QUEUED");
                        }
                        _ => {}
                    }
                }
                None => {
                    assert_bad_input(&body, "input.id");
                    let message = str_of(&body["errors"][0]["message"]);
                    let named = match (from, action) {
                        ("PAUSED", "startJob") => "cannot start a paused job".to_owned(),
                        ("QUEUED", "resumeJob") => "cannot resume a queued job".to_owned(),
                        _ => format!(
                            "cannot go from {} to {}",
                            from.to_lowercase(),
                            target_of(action)
                        ),
                    };
                    assert!(message.contains(&named), "{from} --{action}--> {message}");
                    // Nothing changed.
                    let after = app
                        .gql(
                            Some(&owner.token),
                            "query($id: ID!) { job(id: $id) { status } }",
                            json!({ "id": id }),
                        )
                        .await;
                    assert_eq!(after["data"]["job"]["status"], from);
                }
            }
        }
    }
}

#[tokio::test]
async fn a_job_carries_its_fields_results_and_notes_through_its_life() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-life").await;
    let body = create_job(&app, &owner.token, &robot, Some(4)).await;
    assert_ok(&body);
    let j = &body["data"]["createJob"]["job"];
    assert_eq!(j["status"], "QUEUED");
    assert_eq!(j["priority"], "NORMAL");
    assert_eq!(j["kind"], "pick_run");
    assert_eq!(j["payload"], json!({ "wave": 7 }));
    assert_eq!(j["itemsDone"], 0);
    assert_eq!(j["percentComplete"], 0.0);
    assert_eq!(j["createdBy"]["id"], owner.user_id.as_str());
    assert!(j["createdByApiKeyId"].is_null());
    assert_eq!(j["asset"]["id"], robot.as_str());
    assert!(j["durationSeconds"].is_null());
    let id = str_of(&j["id"]);

    act_ok(&app, &owner.token, "startJob", &id).await;
    let paused = act_ok(&app, &owner.token, "pauseJob", &id).await;
    assert_eq!(paused["error"], "shift change");
    let resumed = act_ok(&app, &owner.token, "resumeJob", &id).await;
    assert!(resumed["error"].is_null(), "resuming clears the pause note");
    let done = act_ok(&app, &owner.token, "completeJob", &id).await;
    assert_eq!(done["result"], json!({ "ok": true }));
    assert_eq!(done["percentComplete"], 100.0);

    // Without a total there is no percentage.
    let body = create_job(&app, &owner.token, &robot, None).await;
    assert!(body["data"]["createJob"]["job"]["percentComplete"].is_null());

    let cancelled = job(&app, &owner.token, &robot, None).await;
    let c = act_ok(&app, &owner.token, "cancelJob", &cancelled).await;
    assert_eq!(c["error"], "order withdrawn");
}

#[tokio::test]
async fn create_job_validates_its_input() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-input").await;
    let q = "mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } } }";
    let base = json!({ "assetId": robot, "name": "Run", "kind": "pick_run" });
    let cases = [
        (json!({ "kind": "Pick Run" }), "input.kind"),
        (json!({ "kind": "" }), "input.kind"),
        (json!({ "kind": "a".repeat(65) }), "input.kind"),
        (json!({ "name": "  " }), "input.name"),
        (json!({ "payload": [1, 2] }), "input.payload"),
        (
            json!({ "payload": { "blob": "x".repeat(70_000) } }),
            "input.payload",
        ),
        (json!({ "itemsTotal": -1 }), "input.itemsTotal"),
        (json!({ "assetId": "not-an-id" }), "input.assetId"),
    ];
    for (patch, field) in cases {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app
            .gql(Some(&owner.token), q, json!({ "input": input }))
            .await;
        assert_bad_input(&body, field);
    }
    let body = app
        .gql(
            Some(&owner.token),
            q,
            json!({ "input": { "assetId": Uuid::now_v7(), "name": "Run", "kind": "pick_run" } }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
}

async fn progress(app: &TestApp, token: &str, id: &str, done: i32, last: Option<&str>) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $done: Int!, $last: String) {
            reportJobProgress(input: { id: $id, itemsDone: $done, lastItem: $last }) {
                job { itemsDone lastItem percentComplete status } } }",
        json!({ "id": id, "done": done, "last": last }),
    )
    .await
}

#[tokio::test]
async fn progress_is_monotonic_bounded_and_only_while_running() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-progress").await;
    let id = job(&app, &owner.token, &robot, Some(40)).await;

    let body = progress(&app, &owner.token, &id, 1, None).await;
    assert_bad_input(&body, "input.id");
    assert!(str_of(&body["errors"][0]["message"]).contains("only while running"));

    act_ok(&app, &owner.token, "startJob", &id).await;
    let body = progress(&app, &owner.token, &id, 10, Some("tote-10")).await;
    assert_ok(&body);
    let j = &body["data"]["reportJobProgress"]["job"];
    assert_eq!(j["itemsDone"], 10);
    assert_eq!(j["lastItem"], "tote-10");
    assert_eq!(j["percentComplete"], 25.0);

    // Same value again is fine (a retried report); going back is not.
    assert_ok(&progress(&app, &owner.token, &id, 10, None).await);
    assert_bad_input(
        &progress(&app, &owner.token, &id, 9, None).await,
        "input.itemsDone",
    );
    assert_bad_input(
        &progress(&app, &owner.token, &id, 41, None).await,
        "input.itemsDone",
    );
    assert_bad_input(
        &progress(&app, &owner.token, &id, -1, None).await,
        "input.itemsDone",
    );
    let body = progress(&app, &owner.token, &id, 40, None).await;
    assert_ok(&body);
    let j = &body["data"]["reportJobProgress"]["job"];
    assert_eq!(j["percentComplete"], 100.0);
    assert_eq!(
        j["lastItem"], "tote-10",
        "an omitted lastItem keeps the last one"
    );

    act_ok(&app, &owner.token, "pauseJob", &id).await;
    assert_bad_input(
        &progress(&app, &owner.token, &id, 40, None).await,
        "input.id",
    );
}

#[tokio::test]
async fn roles_steer_and_report_as_the_permission_model_says() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-roles").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let operator = app.member(&owner, "OPERATOR").await;
    let engineer = app.member(&owner, "ENGINEER").await;

    assert_code(
        &create_job(&app, &viewer.token, &robot, None).await,
        "FORBIDDEN",
    );
    assert_code(
        &create_job(&app, &operator.token, &robot, None).await,
        "FORBIDDEN",
    );
    let id = job(&app, &engineer.token, &robot, Some(5)).await;

    // Steering is engineer and up.
    for token in [&viewer.token, &operator.token] {
        assert_code(&act(&app, token, "startJob", &id).await, "FORBIDDEN");
        assert_code(&act(&app, token, "cancelJob", &id).await, "FORBIDDEN");
    }
    act_ok(&app, &engineer.token, "startJob", &id).await;
    assert_code(
        &act(&app, &operator.token, "pauseJob", &id).await,
        "FORBIDDEN",
    );
    // Progress and completion are operator and up; a viewer only reads.
    assert_code(
        &progress(&app, &viewer.token, &id, 1, None).await,
        "FORBIDDEN",
    );
    assert_code(
        &act(&app, &viewer.token, "completeJob", &id).await,
        "FORBIDDEN",
    );
    assert_ok(&progress(&app, &operator.token, &id, 3, None).await);
    act_ok(&app, &operator.token, "completeJob", &id).await;

    let body = app
        .gql(
            Some(&viewer.token),
            "query($id: ID!) { job(id: $id) { status itemsDone } jobs { totalCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["job"]["status"], "COMPLETED");
    assert_eq!(body["data"]["jobs"]["totalCount"], 1);
}

#[tokio::test]
async fn a_device_key_with_jobs_write_reports_progress_and_one_without_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-key").await;
    let (key_id, device) = app.api_key(&owner, &["jobs:write"], None).await;
    let (_, reader) = app.api_key(&owner, &["jobs:read"], None).await;

    let body = create_job(&app, &device, &robot, Some(3)).await;
    assert_ok(&body);
    let j = &body["data"]["createJob"]["job"];
    assert_eq!(j["createdByApiKeyId"], key_id.as_str());
    assert!(j["createdBy"].is_null());
    let id = str_of(&j["id"]);
    act_ok(&app, &device, "startJob", &id).await;
    assert_ok(&progress(&app, &device, &id, 2, Some("item-2")).await);

    assert_code(&progress(&app, &reader, &id, 3, None).await, "FORBIDDEN");
    assert_code(&act(&app, &reader, "completeJob", &id).await, "FORBIDDEN");
    assert_code(&create_job(&app, &reader, &robot, None).await, "FORBIDDEN");
    let body = app
        .gql(
            Some(&reader),
            "query($id: ID!) { job(id: $id) { itemsDone lastItem } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["job"]["itemsDone"], 2);
}

#[tokio::test]
async fn another_organizations_jobs_and_assets_are_not_found_and_stay_unchanged() {
    let app = TestApp::spawn().await;
    let (owner, _, robot, _) = floor(&app, "job-ten-a").await;
    let (other, _, other_robot, _) = floor(&app, "job-ten-b").await;
    let id = job(&app, &owner.token, &robot, Some(10)).await;
    act_ok(&app, &owner.token, "startJob", &id).await;

    // Creating a job on another organization's asset.
    assert_code(
        &create_job(&app, &other.token, &robot, None).await,
        "NOT_FOUND",
    );
    // Every move and report of another organization's job.
    for (action, _) in ACTIONS {
        assert_code(&act(&app, &other.token, action, &id).await, "NOT_FOUND");
    }
    assert_code(
        &progress(&app, &other.token, &id, 5, None).await,
        "NOT_FOUND",
    );
    let body = app
        .gql(
            Some(&other.token),
            "query($id: ID!) { job(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            Some(&other.token),
            "query($a: ID!) { jobs(filter: { assetId: $a }) { totalCount edges { node { id } } } }",
            json!({ "a": robot }),
        )
        .await;
    // Another organization's asset in a filter is NOT_FOUND, as in a lookup.
    assert_code(&body, "NOT_FOUND");

    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { job(id: $id) { status itemsDone } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["job"]["status"], "RUNNING");
    assert_eq!(body["data"]["job"]["itemsDone"], 0);
    // And their own job works for them.
    job(&app, &other.token, &other_robot, None).await;
}

fn v(ids: &[&String]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// A member restricted to `sites`, signed in.
async fn restricted(app: &TestApp, owner: &Session, role: &str, sites: &[&str]) -> String {
    app.member_with_sites(owner, role, Some(sites)).await.token
}

#[tokio::test]
async fn lists_filter_by_status_asset_site_kind_and_time_and_respect_site_scope() {
    let app = TestApp::spawn().await;
    let (owner, site_a, r1, r2) = floor(&app, "job-list").await;
    let site_b = app.create_site(&owner.token, "north").await;
    let rb = app.create_robot(&owner.token, &site_b, None, "r-b").await;
    let j1 = job(&app, &owner.token, &r1, None).await;
    let j2 = job(&app, &owner.token, &r2, None).await;
    let jb = job(&app, &owner.token, &rb, None).await;
    act_ok(&app, &owner.token, "startJob", &j2).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($a: ID!) { createJob(input: { assetId: $a, name: \"Weld\", kind: \"weld_program\", priority: HIGH }) { job { id priority } } }",
            json!({ "a": r1 }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["createJob"]["job"]["priority"], "HIGH");
    let weld = str_of(&body["data"]["createJob"]["job"]["id"]);

    let ids = |body: &Value| -> Vec<String> {
        body["data"]["jobs"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| str_of(&e["node"]["id"]))
            .collect()
    };
    let q = "query($f: JobFilter, $o: JobOrder, $first: Int, $after: String) {
        jobs(filter: $f, orderBy: $o, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    let list = |f: Value| app.gql(Some(&owner.token), q, json!({ "f": f }));
    // Newest first by default.
    assert_eq!(ids(&list(json!({})).await), v(&[&weld, &jb, &j2, &j1]));
    assert_eq!(
        ids(&list(json!({ "status": ["RUNNING"] })).await),
        v(&[&j2])
    );
    assert_eq!(
        ids(&list(json!({ "status": ["QUEUED"], "assetId": r1 })).await),
        v(&[&weld, &j1])
    );
    assert_eq!(ids(&list(json!({ "siteId": site_b })).await), v(&[&jb]));
    assert_eq!(
        ids(&list(json!({ "siteId": site_a, "kind": "weld_program" })).await),
        v(&[&weld])
    );
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(ids(&list(json!({ "createdFrom": future })).await).len(), 0);
    assert_eq!(ids(&list(json!({ "createdTo": future })).await).len(), 4);

    // Keyset pages, oldest first.
    let page = app
        .gql(
            Some(&owner.token),
            q,
            json!({ "o": { "direction": "ASC" }, "first": 3 }),
        )
        .await;
    assert_eq!(ids(&page), v(&[&j1, &j2, &jb]));
    assert_eq!(page["data"]["jobs"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["data"]["jobs"]["totalCount"], 4);
    let after = str_of(&page["data"]["jobs"]["pageInfo"]["endCursor"]);
    let next = app
        .gql(
            Some(&owner.token),
            q,
            json!({ "o": { "direction": "ASC" }, "first": 3, "after": after }),
        )
        .await;
    assert_eq!(ids(&next), v(&[&weld]));

    // Per-asset history on the Asset interface.
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { jobs(status: [QUEUED]) { totalCount edges { node { id } } } } }",
            json!({ "id": r1 }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["asset"]["jobs"]["totalCount"], 2);

    // A member restricted to site B sees its job only, and another site's job is NOT_FOUND.
    let token = restricted(&app, &owner, "ENGINEER", &[&site_b]).await;
    let body = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(ids(&body), v(&[&jb]));
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { job(id: $id) { id } }",
            json!({ "id": j1 }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    assert_code(&act(&app, &token, "startJob", &j1).await, "NOT_FOUND");
    assert_code(&create_job(&app, &token, &r1, None).await, "NOT_FOUND");
}

const JOB_UPDATED: &str = "subscription($asset: ID, $site: ID) {
    jobUpdated(assetId: $asset, siteId: $site) { kind job { id status itemsDone error } } }";

async fn next_update(ws: &mut WsClient, id: &str) -> Value {
    let message = ws
        .next_message(WS_WAIT)
        .await
        .unwrap_or_else(|| panic!("nothing arrived for {id}"));
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], id, "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["jobUpdated"].clone()
}

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn job_updated_delivers_each_change_to_its_organization_asset_and_sites_only() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, r1, r2) = floor(&app, "job-sub").await;
    let site_b = app.create_site(&owner.token, "north").await;
    let rb = app.create_robot(&owner.token, &site_b, None, "r-b").await;
    let (other, _, other_robot, _) = floor(&app, "job-sub-x").await;

    let mut all = app.ws(&owner.token).await;
    all.subscribe("all", JOB_UPDATED, json!({})).await;
    let mut one = app.ws(&owner.token).await;
    one.subscribe("r2", JOB_UPDATED, json!({ "asset": r2 }))
        .await;
    let token_b = restricted(&app, &owner, "VIEWER", &[&site_b]).await;
    let mut scoped = app.ws(&token_b).await;
    scoped.subscribe("b", JOB_UPDATED, json!({})).await;
    let mut spy = app.ws(&other.token).await;
    spy.subscribe("spy", JOB_UPDATED, json!({})).await;

    let j1 = job(&app, &owner.token, &r1, Some(10)).await;
    let u = next_update(&mut all, "all").await;
    assert_eq!(
        (u["kind"].clone(), u["job"]["id"].clone()),
        (json!("CREATED"), json!(j1))
    );

    let j2 = job(&app, &owner.token, &r2, Some(10)).await;
    act_ok(&app, &owner.token, "startJob", &j2).await;
    assert_ok(&progress(&app, &owner.token, &j2, 4, None).await);
    for kind in ["CREATED", "STARTED", "PROGRESS"] {
        let u = next_update(&mut all, "all").await;
        assert_eq!(u["kind"], kind);
        let u = next_update(&mut one, "r2").await;
        assert_eq!(u["kind"], kind);
        assert_eq!(u["job"]["id"], j2.as_str());
    }

    // The restricted member heard nothing of site A, and hears site B.
    let jb = job(&app, &owner.token, &rb, None).await;
    let u = next_update(&mut scoped, "b").await;
    assert_eq!(u["job"]["id"], jb.as_str());
    // The other organization heard nothing of all this, and hears its own.
    let jo = job(&app, &other.token, &other_robot, None).await;
    let u = next_update(&mut spy, "spy").await;
    assert_eq!(u["job"]["id"], jo.as_str());
    assert!(one.next_message(QUIET).await.is_none());
}

#[tokio::test]
async fn the_emergency_stop_hook_pauses_running_jobs_of_its_assets_only() {
    let app = TestApp::spawn().await;
    let (owner, _, r1, r2) = floor(&app, "job-estop").await;
    let (other, _, other_robot, _) = floor(&app, "job-estop-x").await;
    let running = job(&app, &owner.token, &r1, None).await;
    act_ok(&app, &owner.token, "startJob", &running).await;
    let queued = job(&app, &owner.token, &r1, None).await;
    let elsewhere = job(&app, &owner.token, &r2, None).await;
    act_ok(&app, &owner.token, "startJob", &elsewhere).await;
    let foreign = job(&app, &other.token, &other_robot, None).await;
    act_ok(&app, &other.token, "startJob", &foreign).await;

    let org = Uuid::parse_str(&owner.organization_id).unwrap();
    let assets = [
        Uuid::parse_str(&r1).unwrap(),
        // Another organization's asset named by mistake is left alone.
        Uuid::parse_str(&other_robot).unwrap(),
    ];
    let events = api::domain::jobs::pause_running_for_estop(&app.db.conn, org, &assets, Utc::now())
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload["kind"], "paused");
    assert_eq!(events[0].payload["job"]["id"], running.as_str());
    assert_eq!(events[0].payload["assetId"], r1.as_str());
    assert!(events[0].payload["siteId"].is_string());

    let status = |id: String, token: String| {
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                "query($id: ID!) { job(id: $id) { status error } }",
                json!({ "id": id }),
            )
            .await["data"]["job"]
                .clone()
        }
    };
    let j = status(running.clone(), owner.token.clone()).await;
    assert_eq!(
        j,
        json!({ "status": "PAUSED", "error": "paused by emergency stop" })
    );
    assert_eq!(
        status(queued, owner.token.clone()).await["status"],
        "QUEUED"
    );
    assert_eq!(
        status(elsewhere, owner.token.clone()).await["status"],
        "RUNNING"
    );
    assert_eq!(
        status(foreign, other.token.clone()).await["status"],
        "RUNNING"
    );

    // A second stop finds nothing running; resuming clears the note.
    let again = api::domain::jobs::pause_running_for_estop(&app.db.conn, org, &assets, Utc::now())
        .await
        .unwrap();
    assert!(again.is_empty());
    let resumed = act_ok(&app, &owner.token, "resumeJob", &running).await;
    assert!(resumed["error"].is_null());
    // Nothing for no assets.
    assert!(
        api::domain::jobs::pause_running_for_estop(&app.db.conn, org, &[], Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn measured(app: &TestApp, token: &str) -> (u64, Value) {
    let before = app.sql_statements();
    let body = app.gql(Some(token), JOBS_NESTED, json!({})).await;
    assert_ok(&body);
    (app.sql_statements() - before, body)
}

const JOBS_NESTED: &str = "{ jobs(first: 200) { edges { node { name percentComplete
    createdBy { email }
    asset { code site { name } zone { code } ... on Robot { firmwareVersion } } } } } }";

#[tokio::test]
async fn a_nested_job_list_costs_the_same_statements_for_3_and_30_jobs() {
    let app = TestApp::spawn().await;
    let (owner, site, r1, r2) = floor(&app, "job-loader").await;
    let zone = app.create_zone(&owner.token, &site, "z1").await;
    let r3 = app
        .create_robot(&owner.token, &site, Some(&zone), "r-3")
        .await;
    let robots = [r1, r2, r3];
    let engineer = app.member(&owner, "ENGINEER").await;
    for (i, robot) in robots.iter().enumerate() {
        let token = if i % 2 == 0 {
            &owner.token
        } else {
            &engineer.token
        };
        job(&app, token, robot, Some(10)).await;
    }
    let (small, body) = measured(&app, &owner.token).await;
    assert_eq!(body["data"]["jobs"]["edges"].as_array().unwrap().len(), 3);
    for i in 3..30 {
        let token = if i % 2 == 0 {
            &owner.token
        } else {
            &engineer.token
        };
        job(&app, token, &robots[i % 3], Some(10)).await;
    }
    let (large, body) = measured(&app, &owner.token).await;
    assert_eq!(body["data"]["jobs"]["edges"].as_array().unwrap().len(), 30);
    assert_eq!(
        small, large,
        "statements grew with the list: {small} vs {large}"
    );
}
