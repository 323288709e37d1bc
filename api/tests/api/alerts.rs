//! Alert rules and alerts: defaults, evaluation on ingest (thresholds, hysteresis, for_seconds,
//! asset overrides), the lifecycle, manual alerts, permissions, tenancy, filters, counts and the
//! `alertEvents` resync log.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};

const ALERT: &str = "id kind severity status title message source metric value threshold
    occurrences firstSeenAt lastSeenAt acknowledgedAt acknowledgedBy { id } acknowledgeComment
    resolvedAt resolvedBy { id } resolveComment asset { id code } rule { id name }";

const RULE: &str = "id name metric direction warningThreshold criticalThreshold clearHysteresis
    forSeconds enabled organizationWide asset { id }";

/// An organization with one site and two robots.
struct Fleet {
    owner: Session,
    site: String,
    r1: String,
    r2: String,
    /// A fixed instant an hour ago: points are sent at explicit offsets from it.
    t0: DateTime<Utc>,
}

async fn fleet(app: &TestApp) -> Fleet {
    let owner = app.sign_up(&slug("alerts")).await;
    let site = app.create_site(&owner.token, "S1").await;
    let r1 = app.create_robot(&owner.token, &site, None, "R1").await;
    let r2 = app.create_robot(&owner.token, &site, None, "R2").await;
    let now = Utc::now() - Duration::hours(1);
    let t0 = DateTime::from_timestamp(now.timestamp(), 0).unwrap();
    Fleet {
        owner,
        site,
        r1,
        r2,
        t0,
    }
}

impl Fleet {
    /// A point `secs` seconds after `t0`.
    fn point(&self, asset: &str, metric: &str, value: f64, secs: i64) -> Value {
        let ts = (self.t0 + Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Millis, true);
        json!({ "assetId": asset, "metric": metric, "value": value, "ts": ts })
    }
}

async fn ingest(app: &TestApp, token: &str, points: Vec<Value>) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: IngestTelemetryInput!) {
                ingestTelemetry(input: $input) { accepted rejected { index reason } } }",
            json!({ "input": { "points": points } }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["ingestTelemetry"]["rejected"],
        json!([]),
        "every point is accepted: {body}"
    );
}

/// The alerts matching `filter`, newest first.
async fn alerts(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            &format!(
                "query($filter: AlertFilter) {{ alerts(filter: $filter, first: 200) {{
                    totalCount edges {{ node {{ {ALERT} }} }} }} }}"
            ),
            json!({ "filter": filter }),
        )
        .await;
    assert_ok(&body);
    let nodes: Vec<Value> = body["data"]["alerts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(body["data"]["alerts"]["totalCount"], nodes.len(), "{body}");
    nodes
}

async fn get_alert(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("query($id: ID!) {{ alert(id: $id) {{ {ALERT} }} }}"),
        json!({ "id": id }),
    )
    .await
}

async fn rules(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            &format!("{{ alertRules {{ {RULE} }} }}"),
            json!({}),
        )
        .await;
    assert_ok(&body);
    body["data"]["alertRules"].as_array().unwrap().clone()
}

async fn rule_id(app: &TestApp, token: &str, metric: &str) -> String {
    let all = rules(app, token).await;
    let rule = all
        .iter()
        .find(|r| r["metric"] == metric && r["organizationWide"] == true)
        .unwrap_or_else(|| panic!("no organization-wide {metric} rule in {all:?}"));
    str_of(&rule["id"])
}

async fn create_rule(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateAlertRuleInput!) {{ createAlertRule(input: $input) {{ alertRule {{ {RULE} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn update_rule(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: UpdateAlertRuleInput!) {{ updateAlertRule(input: $input) {{ alertRule {{ {RULE} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn delete_rule(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!) { deleteAlertRule(input: { id: $id }) { deletedId } }",
        json!({ "id": id }),
    )
    .await
}

async fn transition(app: &TestApp, token: &str, name: &str, id: &str, comment: &str) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $comment: String) {{ {name}(input: {{ id: $id, comment: $comment }}) {{ alert {{ {ALERT} }} }} }}"
        ),
        json!({ "id": id, "comment": comment }),
    )
    .await
}

async fn raise(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: RaiseAlertInput!) {{ raiseAlert(input: $input) {{ alert {{ {ALERT} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn events(app: &TestApp, token: &str, after: Option<&str>, first: Option<i32>) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!(
                "query($after: String, $first: Int) {{ alertEvents(after: $after, first: $first) {{
                    endCursor hasMore events {{ seq kind alert {{ {ALERT} }} }} }} }}"
            ),
            json!({ "after": after, "first": first }),
        )
        .await;
    assert_ok(&body);
    body["data"]["alertEvents"].clone()
}

#[tokio::test]
async fn a_new_organization_starts_with_the_five_default_rules() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("alerts")).await;
    let mut got: Vec<(String, String, Value, Value, bool)> = rules(&app, &owner.token)
        .await
        .iter()
        .map(|r| {
            assert_eq!(r["organizationWide"], true);
            assert_eq!(r["forSeconds"], 0);
            assert!(r["clearHysteresis"].as_f64().unwrap() > 0.0);
            (
                str_of(&r["metric"]),
                str_of(&r["direction"]),
                r["warningThreshold"].clone(),
                r["criticalThreshold"].clone(),
                r["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let row =
        |m: &str, d: &str, w: f64, c: f64| (m.to_owned(), d.to_owned(), json!(w), json!(c), true);
    assert_eq!(
        got,
        vec![
            row("battery", "BELOW", 20.0, 10.0),
            row("cpu", "ABOVE", 70.0, 90.0),
            row("memory", "ABOVE", 75.0, 90.0),
            row("servo_temp", "ABOVE", 60.0, 75.0),
            row("temperature", "ABOVE", 70.0, 80.0),
        ]
    );
}

#[tokio::test]
async fn a_breach_raises_a_warning_that_escalates_to_critical_holds_in_the_band_and_clears() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    // Below the warning threshold: nothing.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 50.0, 0)]).await;
    assert!(alerts(&app, token, json!(null)).await.is_empty());

    ingest(&app, token, vec![f.point(&f.r1, "cpu", 75.0, 10)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(a["kind"], "THRESHOLD");
    assert_eq!(a["severity"], "WARNING");
    assert_eq!(a["status"], "OPEN");
    assert_eq!(a["source"], "rule");
    assert_eq!(a["metric"], "cpu");
    assert_eq!(a["value"], 75.0);
    assert_eq!(a["threshold"], 70.0);
    assert_eq!(a["occurrences"], 1);
    assert_eq!(a["asset"]["id"], f.r1.as_str());
    assert_eq!(a["rule"]["name"], "High CPU load");
    assert!(str_of(&a["title"]).contains("R1"), "{a}");
    let first_seen = str_of(&a["firstSeenAt"]);

    // Higher: the same alert escalates.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 95.0, 20)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1, "still one alert: {list:?}");
    let b = &list[0];
    assert_eq!(b["id"], a["id"]);
    assert_eq!(b["severity"], "CRITICAL");
    assert_eq!(b["value"], 95.0);
    assert_eq!(b["threshold"], 90.0);
    assert_eq!(b["occurrences"], 2);
    assert_eq!(b["firstSeenAt"], first_seen.as_str());
    assert_ne!(b["lastSeenAt"], a["lastSeenAt"]);

    // Back to a warning level: still critical (no de-escalation while open), counted.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 72.0, 30)]).await;
    let c = &alerts(&app, token, json!(null)).await[0];
    assert_eq!(c["severity"], "CRITICAL");
    assert_eq!(c["occurrences"], 3);

    // 67 is under the warning threshold but above the clear level 70 - 5: unchanged.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 67.0, 40)]).await;
    let d = &alerts(&app, token, json!(null)).await[0];
    assert_eq!(d["status"], "OPEN");
    assert_eq!(d["occurrences"], 3);
    assert_eq!(d["value"], 72.0);

    // Below the clear level: resolved by itself.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 60.0, 50)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1);
    let e = &list[0];
    assert_eq!(e["status"], "RESOLVED");
    assert!(e["resolvedAt"].is_string());
    assert!(e["resolvedBy"].is_null());
    assert_eq!(e["resolveComment"], "cleared: value back within threshold");

    // A new breach is a new alert.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 80.0, 60)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["status"], "OPEN");
    assert_ne!(list[0]["id"], e["id"]);
}

#[tokio::test]
async fn one_batch_that_breaches_and_clears_leaves_one_resolved_alert() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    ingest(
        &app,
        token,
        vec![
            f.point(&f.r1, "cpu", 75.0, 0),
            f.point(&f.r1, "cpu", 92.0, 1),
            f.point(&f.r1, "cpu", 93.0, 2),
            f.point(&f.r1, "cpu", 10.0, 3),
            f.point(&f.r2, "cpu", 71.0, 0),
        ],
    )
    .await;
    let r1 = alerts(&app, token, json!({ "assetId": f.r1 })).await;
    assert_eq!(r1.len(), 1);
    assert_eq!(r1[0]["status"], "RESOLVED");
    assert_eq!(r1[0]["severity"], "CRITICAL");
    assert_eq!(r1[0]["occurrences"], 3);
    let r2 = alerts(&app, token, json!({ "assetId": f.r2 })).await;
    assert_eq!(r2.len(), 1);
    assert_eq!(r2[0]["status"], "OPEN");
}

#[tokio::test]
async fn a_low_battery_raises_a_below_alert_and_charging_resolves_it() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    ingest(&app, token, vec![f.point(&f.r1, "battery", 50.0, 0)]).await;
    assert!(alerts(&app, token, json!(null)).await.is_empty());
    ingest(&app, token, vec![f.point(&f.r1, "battery", 18.0, 10)]).await;
    let a = &alerts(&app, token, json!(null)).await[0];
    assert_eq!(a["severity"], "WARNING");
    assert_eq!(a["threshold"], 20.0);
    ingest(&app, token, vec![f.point(&f.r1, "battery", 8.0, 20)]).await;
    let a = &alerts(&app, token, json!(null)).await[0];
    assert_eq!(a["severity"], "CRITICAL");
    assert_eq!(a["threshold"], 10.0);
    // 24 is above the warning threshold but inside 20 + 5: still open.
    ingest(&app, token, vec![f.point(&f.r1, "battery", 24.0, 30)]).await;
    assert_eq!(alerts(&app, token, json!(null)).await[0]["status"], "OPEN");
    ingest(&app, token, vec![f.point(&f.r1, "battery", 26.0, 40)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "RESOLVED");
}

#[tokio::test]
async fn a_rule_with_for_seconds_raises_only_once_the_breach_has_lasted_that_long() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let body = update_rule(
        &app,
        token,
        json!({ "id": rule_id(&app, token, "temperature").await, "forSeconds": 60 }),
    )
    .await;
    assert_ok(&body);

    ingest(&app, token, vec![f.point(&f.r1, "temperature", 75.0, 0)]).await;
    ingest(&app, token, vec![f.point(&f.r1, "temperature", 76.0, 30)]).await;
    assert!(
        alerts(&app, token, json!(null)).await.is_empty(),
        "30 s of breach is not enough"
    );
    // A clear in between restarts the clock.
    ingest(&app, token, vec![f.point(&f.r1, "temperature", 50.0, 40)]).await;
    ingest(&app, token, vec![f.point(&f.r1, "temperature", 75.0, 50)]).await;
    ingest(&app, token, vec![f.point(&f.r1, "temperature", 75.0, 100)]).await;
    assert!(
        alerts(&app, token, json!(null)).await.is_empty(),
        "50 s since the restart"
    );
    ingest(&app, token, vec![f.point(&f.r1, "temperature", 82.0, 110)]).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1, "60 s of breach raise: {list:?}");
    assert_eq!(list[0]["severity"], "CRITICAL");
    // The alert says when the breach began.
    let began = (f.t0 + Duration::seconds(50)).timestamp_millis();
    let first_seen: DateTime<Utc> = str_of(&list[0]["firstSeenAt"]).parse().unwrap();
    assert_eq!(first_seen.timestamp_millis(), began);
}

#[tokio::test]
async fn an_asset_rule_replaces_the_organization_wide_rule_for_that_asset() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let body = create_rule(
        &app,
        token,
        json!({ "name": "R1 runs hot", "metric": "cpu", "assetId": f.r1, "direction": "ABOVE",
                "criticalThreshold": 97.0, "clearHysteresis": 2.0 }),
    )
    .await;
    assert_ok(&body);
    let rule = &body["data"]["createAlertRule"]["alertRule"];
    assert_eq!(rule["organizationWide"], false);
    assert_eq!(rule["asset"]["id"], f.r1.as_str());
    assert!(rule["warningThreshold"].is_null());

    ingest(
        &app,
        token,
        vec![
            f.point(&f.r1, "cpu", 92.0, 0),
            f.point(&f.r2, "cpu", 92.0, 0),
        ],
    )
    .await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(
        list.len(),
        1,
        "only R2 breaches the organization rule: {list:?}"
    );
    assert_eq!(list[0]["asset"]["id"], f.r2.as_str());

    ingest(&app, token, vec![f.point(&f.r1, "cpu", 98.0, 10)]).await;
    let r1 = alerts(&app, token, json!({ "assetId": f.r1 })).await;
    assert_eq!(r1.len(), 1);
    assert_eq!(r1[0]["severity"], "CRITICAL");
    assert_eq!(r1[0]["rule"]["name"], "R1 runs hot");
}

#[tokio::test]
async fn a_disabled_rule_raises_nothing_and_disabling_resolves_its_open_alerts() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let cpu = rule_id(&app, token, "cpu").await;
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 95.0, 0)]).await;
    assert_eq!(alerts(&app, token, json!(null)).await[0]["status"], "OPEN");

    let body = update_rule(&app, token, json!({ "id": cpu, "enabled": false })).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateAlertRule"]["alertRule"]["enabled"],
        false
    );
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list[0]["status"], "RESOLVED");
    assert_eq!(list[0]["resolveComment"], "rule disabled");
    assert_eq!(list[0]["resolvedBy"]["id"], f.owner.user_id.as_str());

    ingest(&app, token, vec![f.point(&f.r2, "cpu", 99.0, 10)]).await;
    assert_eq!(
        alerts(&app, token, json!(null)).await.len(),
        1,
        "no new alert"
    );
    // Other rules still work.
    ingest(&app, token, vec![f.point(&f.r2, "memory", 99.0, 10)]).await;
    assert_eq!(alerts(&app, token, json!(null)).await.len(), 2);
}

#[tokio::test]
async fn deleting_a_rule_resolves_its_alerts_which_keep_their_history() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let cpu = rule_id(&app, token, "cpu").await;
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 95.0, 0)]).await;
    let body = delete_rule(&app, token, &cpu).await;
    assert_ok(&body);
    assert_eq!(body["data"]["deleteAlertRule"]["deletedId"], cpu.as_str());
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "RESOLVED");
    assert_eq!(list[0]["resolveComment"], "rule deleted");
    assert!(list[0]["rule"].is_null());
    assert_eq!(rules(&app, token).await.len(), 4);
}

#[tokio::test]
async fn re_sending_a_batch_changes_no_alert() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let batch = vec![
        f.point(&f.r1, "cpu", 75.0, 0),
        f.point(&f.r1, "cpu", 85.0, 1),
        f.point(&f.r2, "cpu", 95.0, 0),
        f.point(&f.r2, "cpu", 10.0, 1),
    ];
    ingest(&app, token, batch.clone()).await;
    let before = alerts(&app, token, json!(null)).await;
    let log = events(&app, token, None, None).await;
    assert_eq!(before.len(), 2);
    ingest(&app, token, batch.clone()).await;
    ingest(&app, token, batch).await;
    let after = alerts(&app, token, json!(null)).await;
    assert_eq!(after, before, "the same alerts, unchanged");
    assert_eq!(events(&app, token, None, None).await, log, "no new events");
    // A point later than what was evaluated still counts.
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 80.0, 2)]).await;
    let r1 = alerts(&app, token, json!({ "assetId": f.r1 })).await;
    assert_eq!(r1[0]["occurrences"], 3);
}

#[tokio::test]
async fn bad_quality_points_are_not_evaluated() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let mut p = f.point(&f.r1, "cpu", 99.0, 0);
    p["quality"] = json!("BAD");
    ingest(&app, token, vec![p]).await;
    assert!(alerts(&app, token, json!(null)).await.is_empty());
}

#[tokio::test]
async fn an_alert_is_acknowledged_then_resolved_recording_who_when_and_why() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let operator = app.member(&f.owner, "OPERATOR").await;
    ingest(&app, &f.owner.token, vec![f.point(&f.r1, "cpu", 95.0, 0)]).await;
    let id = str_of(&alerts(&app, &operator.token, json!(null)).await[0]["id"]);

    let body = transition(&app, &operator.token, "acknowledgeAlert", &id, "on my way").await;
    assert_ok(&body);
    let a = &body["data"]["acknowledgeAlert"]["alert"];
    assert_eq!(a["status"], "ACKNOWLEDGED");
    assert_eq!(a["acknowledgedBy"]["id"], operator.user_id.as_str());
    assert_eq!(a["acknowledgeComment"], "on my way");
    assert!(a["acknowledgedAt"].is_string());

    // Acknowledged alerts still follow the readings.
    ingest(&app, &f.owner.token, vec![f.point(&f.r1, "cpu", 96.0, 10)]).await;
    let read = get_alert(&app, &operator.token, &id).await;
    assert_eq!(read["data"]["alert"]["status"], "ACKNOWLEDGED");
    assert_eq!(read["data"]["alert"]["occurrences"], 2);

    let body = transition(&app, &operator.token, "acknowledgeAlert", &id, "again").await;
    assert_bad_input(&body, "input.id");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot acknowledge an acknowledged alert"),
        "{body}"
    );

    let body = transition(&app, &operator.token, "resolveAlert", &id, "fan replaced").await;
    assert_ok(&body);
    let a = &body["data"]["resolveAlert"]["alert"];
    assert_eq!(a["status"], "RESOLVED");
    assert_eq!(a["resolvedBy"]["id"], operator.user_id.as_str());
    assert_eq!(a["resolveComment"], "fan replaced");
    assert!(a["resolvedAt"].is_string());
    assert_eq!(a["acknowledgeComment"], "on my way");

    for (name, message) in [
        ("resolveAlert", "cannot resolve a resolved alert"),
        ("acknowledgeAlert", "cannot acknowledge a resolved alert"),
    ] {
        let body = transition(&app, &operator.token, name, &id, "x").await;
        assert_bad_input(&body, "input.id");
        let got = str_of(&body["errors"][0]["message"]);
        assert!(got.contains(message), "{name}: {body}");
    }
    // The breach still going on after a manual resolution raises a fresh alert.
    ingest(&app, &f.owner.token, vec![f.point(&f.r1, "cpu", 97.0, 20)]).await;
    let list = alerts(&app, &operator.token, json!({ "status": ["OPEN"] })).await;
    assert_eq!(list.len(), 1);
    assert_ne!(list[0]["id"], id.as_str());
}

#[tokio::test]
async fn an_open_alert_can_be_resolved_without_acknowledging_it() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let body = raise(
        &app,
        &f.owner.token,
        json!({ "severity": "INFO", "title": "Shift change" }),
    )
    .await;
    let id = str_of(&body["data"]["raiseAlert"]["alert"]["id"]);
    let body = transition(&app, &f.owner.token, "resolveAlert", &id, "").await;
    assert_ok(&body);
    let a = &body["data"]["resolveAlert"]["alert"];
    assert_eq!(a["status"], "RESOLVED");
    assert!(a["resolveComment"].is_null(), "an empty comment is none");
    assert!(a["acknowledgedAt"].is_null());
}

#[tokio::test]
async fn an_operator_raises_a_manual_alert_with_or_without_an_asset() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let operator = app.member(&f.owner, "OPERATOR").await;
    let body = raise(
        &app,
        &operator.token,
        json!({ "assetId": f.r2, "severity": "ERROR", "title": "  Gripper jammed  ",
                "message": "Part stuck in the left jaw" }),
    )
    .await;
    assert_ok(&body);
    let a = &body["data"]["raiseAlert"]["alert"];
    assert_eq!(a["kind"], "MANUAL");
    assert_eq!(a["source"], "manual");
    assert_eq!(a["severity"], "ERROR");
    assert_eq!(a["status"], "OPEN");
    assert_eq!(a["title"], "Gripper jammed");
    assert_eq!(a["message"], "Part stuck in the left jaw");
    assert_eq!(a["asset"]["id"], f.r2.as_str());
    assert_eq!(a["occurrences"], 1);
    assert!(a["rule"].is_null());

    let body = raise(
        &app,
        &operator.token,
        json!({ "severity": "WARNING", "title": "Fire drill at 14:00" }),
    )
    .await;
    assert_ok(&body);
    assert!(body["data"]["raiseAlert"]["alert"]["asset"].is_null());

    for (input, field) in [
        (json!({ "severity": "INFO", "title": "  " }), "input.title"),
        (
            json!({ "severity": "INFO", "title": "t".repeat(201) }),
            "input.title",
        ),
        (
            json!({ "severity": "INFO", "title": "t", "message": "m".repeat(1001) }),
            "input.message",
        ),
        (
            json!({ "severity": "INFO", "title": "t", "assetId": "nope" }),
            "input.assetId",
        ),
    ] {
        assert_bad_input(&raise(&app, &operator.token, input).await, field);
    }
    assert_eq!(alerts(&app, &operator.token, json!(null)).await.len(), 2);
}

#[tokio::test]
async fn invalid_rules_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let base = json!({ "name": "Hot", "metric": "motor_temp", "direction": "ABOVE",
                       "warningThreshold": 60.0, "criticalThreshold": 80.0 });
    let with = |patch: Value| {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let cases = [
        (with(json!({ "metric": "Motor Temp" })), "input.metric"),
        (with(json!({ "metric": "" })), "input.metric"),
        (with(json!({ "name": " " })), "input.name"),
        (
            with(json!({ "criticalThreshold": 50.0 })),
            "input.criticalThreshold",
        ),
        (
            with(json!({ "criticalThreshold": 60.0 })),
            "input.criticalThreshold",
        ),
        (
            with(json!({ "direction": "BELOW" })),
            "input.criticalThreshold",
        ),
        (
            with(json!({ "warningThreshold": null, "criticalThreshold": null })),
            "input.warningThreshold",
        ),
        (
            with(json!({ "clearHysteresis": -1.0 })),
            "input.clearHysteresis",
        ),
        (with(json!({ "forSeconds": -1 })), "input.forSeconds"),
        (with(json!({ "forSeconds": 86401 })), "input.forSeconds"),
        (with(json!({ "assetId": "not-an-id" })), "input.assetId"),
    ];
    for (input, field) in cases {
        let body = create_rule(&app, token, input.clone()).await;
        assert_bad_input(&body, field);
    }
    // A BELOW rule wants its critical threshold under the warning one.
    let body = create_rule(
        &app,
        token,
        with(
            json!({ "direction": "BELOW", "warningThreshold": 30.0, "criticalThreshold": 10.0,
                    "forSeconds": 86400, "clearHysteresis": 0.0 }),
        ),
    )
    .await;
    assert_ok(&body);
    let id = str_of(&body["data"]["createAlertRule"]["alertRule"]["id"]);
    // An update is checked against the stored values.
    let body = update_rule(&app, token, json!({ "id": id, "criticalThreshold": 40.0 })).await;
    assert_bad_input(&body, "input.criticalThreshold");
    let body = update_rule(
        &app,
        token,
        json!({ "id": id, "warningThreshold": null, "criticalThreshold": 5.0, "name": "Cold" }),
    )
    .await;
    assert_ok(&body);
    let rule = &body["data"]["updateAlertRule"]["alertRule"];
    assert!(rule["warningThreshold"].is_null());
    assert_eq!(rule["criticalThreshold"], 5.0);
    assert_eq!(rule["name"], "Cold");
    assert_eq!(rule["metric"], "motor_temp");
    assert_eq!(rules(&app, token).await.len(), 6);
}

#[tokio::test]
async fn viewers_cannot_change_alerts_and_operators_cannot_change_rules() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let viewer = app.member(&f.owner, "VIEWER").await;
    let operator = app.member(&f.owner, "OPERATOR").await;
    let engineer = app.member(&f.owner, "ENGINEER").await;
    ingest(&app, &f.owner.token, vec![f.point(&f.r1, "cpu", 95.0, 0)]).await;
    let id = str_of(&alerts(&app, &viewer.token, json!(null)).await[0]["id"]);
    assert_ok(&get_alert(&app, &viewer.token, &id).await);
    assert_eq!(rules(&app, &viewer.token).await.len(), 5);

    for name in ["acknowledgeAlert", "resolveAlert"] {
        assert_code(
            &transition(&app, &viewer.token, name, &id, "x").await,
            "FORBIDDEN",
        );
    }
    let manual = json!({ "severity": "INFO", "title": "x" });
    assert_code(
        &raise(&app, &viewer.token, manual.clone()).await,
        "FORBIDDEN",
    );

    let cpu = rule_id(&app, &f.owner.token, "cpu").await;
    let new_rule =
        json!({ "name": "x", "metric": "cpu", "direction": "ABOVE", "warningThreshold": 1.0 });
    for token in [&viewer.token, &operator.token] {
        assert_code(
            &create_rule(&app, token, new_rule.clone()).await,
            "FORBIDDEN",
        );
        assert_code(
            &update_rule(&app, token, json!({ "id": cpu, "enabled": false })).await,
            "FORBIDDEN",
        );
        assert_code(&delete_rule(&app, token, &cpu).await, "FORBIDDEN");
    }
    assert_ok(&create_rule(&app, &engineer.token, new_rule).await);
    // The alert is untouched by the refused calls.
    let read = get_alert(&app, &viewer.token, &id).await;
    assert_eq!(read["data"]["alert"]["status"], "OPEN");
    assert_ok(&transition(&app, &operator.token, "acknowledgeAlert", &id, "ok").await);
}

#[tokio::test]
async fn another_organizations_alerts_rules_and_assets_are_not_found() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let other = app.sign_up(&slug("alerts-other")).await;
    ingest(&app, &f.owner.token, vec![f.point(&f.r1, "cpu", 95.0, 0)]).await;
    let id = str_of(&alerts(&app, &f.owner.token, json!(null)).await[0]["id"]);
    let cpu = rule_id(&app, &f.owner.token, "cpu").await;
    let t = &other.token;

    assert_code(&get_alert(&app, t, &id).await, "NOT_FOUND");
    for name in ["acknowledgeAlert", "resolveAlert"] {
        assert_code(&transition(&app, t, name, &id, "x").await, "NOT_FOUND");
    }
    let body = app
        .gql(
            Some(t),
            "query($id: ID!) { alertRule(id: $id) { id } }",
            json!({ "id": cpu }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    assert_code(
        &update_rule(&app, t, json!({ "id": cpu, "enabled": false })).await,
        "NOT_FOUND",
    );
    assert_code(&delete_rule(&app, t, &cpu).await, "NOT_FOUND");
    let body = create_rule(
        &app,
        t,
        json!({ "name": "x", "metric": "cpu", "assetId": f.r1, "direction": "ABOVE", "warningThreshold": 1.0 }),
    )
    .await;
    assert_code(&body, "NOT_FOUND");
    let body = raise(
        &app,
        t,
        json!({ "assetId": f.r1, "severity": "INFO", "title": "x" }),
    )
    .await;
    assert_code(&body, "NOT_FOUND");

    // Nothing of the first organization shows in the second's lists.
    assert!(alerts(&app, t, json!(null)).await.is_empty());
    assert_eq!(events(&app, t, None, None).await["events"], json!([]));
    assert!(rules(&app, t).await.iter().all(|r| r["id"] != cpu.as_str()));
    // And the first organization's alert and rule are untouched.
    let read = get_alert(&app, &f.owner.token, &id).await;
    assert_eq!(read["data"]["alert"]["status"], "OPEN");
    assert_eq!(rules(&app, &f.owner.token).await.len(), 5);
}

#[tokio::test]
async fn alerts_are_filtered_and_counted_by_severity() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let site2 = app.create_site(token, "S2").await;
    let r3 = app.create_robot(token, &site2, None, "R3").await;
    let since = Utc::now() - Duration::seconds(1);
    ingest(
        &app,
        token,
        vec![
            f.point(&f.r1, "cpu", 95.0, 0),
            f.point(&f.r1, "memory", 80.0, 0),
            f.point(&f.r2, "temperature", 71.0, 0),
            f.point(&r3, "battery", 5.0, 0),
        ],
    )
    .await;
    let manual = raise(
        &app,
        token,
        json!({ "severity": "INFO", "title": "Inventory" }),
    )
    .await;
    let manual_id = str_of(&manual["data"]["raiseAlert"]["alert"]["id"]);
    let temp = str_of(&alerts(&app, token, json!({ "assetId": f.r2 })).await[0]["id"]);
    assert_ok(&transition(&app, token, "resolveAlert", &temp, "ok").await);

    let count = |filter: Value| {
        let app = &app;
        async move { alerts(app, token, filter).await.len() }
    };
    assert_eq!(count(json!(null)).await, 5);
    assert_eq!(count(json!({ "status": ["OPEN"] })).await, 4);
    assert_eq!(count(json!({ "status": ["RESOLVED"] })).await, 1);
    assert_eq!(count(json!({ "severity": ["CRITICAL"] })).await, 2);
    assert_eq!(count(json!({ "minSeverity": "WARNING" })).await, 4);
    assert_eq!(count(json!({ "minSeverity": "CRITICAL" })).await, 2);
    assert_eq!(count(json!({ "assetId": f.r1 })).await, 2);
    assert_eq!(count(json!({ "siteId": f.site })).await, 3);
    assert_eq!(count(json!({ "siteId": site2 })).await, 1);
    assert_eq!(count(json!({ "kind": "MANUAL" })).await, 1);
    assert_eq!(
        count(json!({ "kind": "THRESHOLD", "status": ["OPEN"] })).await,
        3
    );
    assert_eq!(count(json!({ "from": since.to_rfc3339() })).await, 5);
    assert_eq!(count(json!({ "to": since.to_rfc3339() })).await, 0);

    // Newest first by default, oldest first on request, paged by cursor.
    let page = |order: Value, after: Option<String>| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(token),
                    "query($order: AlertOrder, $after: String) {
                        alerts(first: 2, orderBy: $order, after: $after) {
                            pageInfo { hasNextPage endCursor } edges { node { id } } } }",
                    json!({ "order": order, "after": after }),
                )
                .await;
            assert_ok(&body);
            body["data"]["alerts"].clone()
        }
    };
    let newest = page(json!(null), None).await;
    assert_eq!(newest["edges"][0]["node"]["id"], manual_id.as_str());
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = page(json!({ "direction": "ASC" }), after).await;
        seen.extend(
            p["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| str_of(&e["node"]["id"])),
        );
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(str_of(&p["pageInfo"]["endCursor"]));
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.last().unwrap(), &manual_id);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ascending ids are raise order");

    let counts = |filter: Value| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(token),
                    "query($filter: AlertFilter) { alertCounts(filter: $filter) {
                        info warning error critical total } }",
                    json!({ "filter": filter }),
                )
                .await;
            assert_ok(&body);
            body["data"]["alertCounts"].clone()
        }
    };
    // Unresolved by default: cpu and battery critical, memory warning, the manual info.
    assert_eq!(
        counts(json!(null)).await,
        json!({ "info": 1, "warning": 1, "error": 0, "critical": 2, "total": 4 })
    );
    assert_eq!(
        counts(json!({ "status": ["OPEN", "ACKNOWLEDGED", "RESOLVED"] })).await,
        json!({ "info": 1, "warning": 2, "error": 0, "critical": 2, "total": 5 })
    );
    assert_eq!(
        counts(json!({ "siteId": site2 })).await,
        json!({ "info": 0, "warning": 0, "error": 0, "critical": 1, "total": 1 })
    );
    assert_bad_input(
        &app.gql(
            Some(token),
            "{ alerts(filter: { assetId: \"x\" }) { totalCount } }",
            json!({}),
        )
        .await,
        "filter.assetId",
    );
}

#[tokio::test]
async fn alert_events_replay_every_change_in_order_and_resume_from_a_cursor() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    // Raise, escalate (in one batch: one `raised`), then update, acknowledge, clear.
    ingest(
        &app,
        token,
        vec![
            f.point(&f.r1, "cpu", 75.0, 0),
            f.point(&f.r1, "cpu", 91.0, 1),
        ],
    )
    .await;
    ingest(
        &app,
        token,
        vec![
            f.point(&f.r1, "cpu", 92.0, 2),
            f.point(&f.r1, "cpu", 93.0, 3),
        ],
    )
    .await;
    let id = str_of(&alerts(&app, token, json!(null)).await[0]["id"]);
    assert_ok(&transition(&app, token, "acknowledgeAlert", &id, "looking").await);
    ingest(&app, token, vec![f.point(&f.r1, "cpu", 20.0, 4)]).await;
    let manual = raise(&app, token, json!({ "severity": "INFO", "title": "x" })).await;
    let manual_id = str_of(&manual["data"]["raiseAlert"]["alert"]["id"]);

    let all = events(&app, token, None, None).await;
    let list = all["events"].as_array().unwrap();
    let kinds: Vec<&str> = list.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["RAISED", "UPDATED", "ACKNOWLEDGED", "RESOLVED", "RAISED"]
    );
    let seqs: Vec<i64> = list
        .iter()
        .map(|e| str_of(&e["seq"]).parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    assert_eq!(all["hasMore"], false);
    assert_eq!(all["endCursor"], list[4]["seq"]);
    // Each event carries the alert as it was then.
    assert_eq!(list[0]["alert"]["severity"], "CRITICAL");
    assert_eq!(list[0]["alert"]["occurrences"], 2);
    assert_eq!(list[0]["alert"]["status"], "OPEN");
    assert_eq!(list[1]["alert"]["occurrences"], 4);
    assert_eq!(list[2]["alert"]["status"], "ACKNOWLEDGED");
    assert_eq!(list[2]["alert"]["acknowledgeComment"], "looking");
    assert_eq!(list[3]["alert"]["status"], "RESOLVED");
    assert_eq!(list[3]["alert"]["asset"]["id"], f.r1.as_str());
    assert!(list[..4].iter().all(|e| e["alert"]["id"] == id.as_str()));
    assert_eq!(list[4]["alert"]["id"], manual_id.as_str());

    // Paging by two, resuming from each end cursor, yields the same events once each.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = events(&app, token, cursor.as_deref(), Some(2)).await;
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        cursor = page["endCursor"].as_str().map(str::to_owned);
        if page["hasMore"] != true {
            break;
        }
    }
    assert_eq!(&paged, list);
    // Resuming from the last cursor: nothing new, and the cursor stays put.
    let tail = events(&app, token, cursor.as_deref(), None).await;
    assert_eq!(tail["events"], json!([]));
    assert_eq!(tail["endCursor"].as_str(), cursor.as_deref());
    // A later change shows up after it.
    assert_ok(&transition(&app, token, "resolveAlert", &manual_id, "done").await);
    let tail = events(&app, token, cursor.as_deref(), None).await;
    assert_eq!(tail["events"].as_array().unwrap().len(), 1);
    assert_eq!(tail["events"][0]["kind"], "RESOLVED");

    for (after, first, field) in [
        (Some("abc"), None, "after"),
        (Some("-5"), None, "after"),
        (None, Some(501), "first"),
    ] {
        let body = app
            .gql(
                Some(token),
                "query($after: String, $first: Int) { alertEvents(after: $after, first: $first) { hasMore } }",
                json!({ "after": after, "first": first }),
            )
            .await;
        assert_bad_input(&body, field);
    }
}

#[tokio::test]
async fn concurrent_ingests_for_one_asset_share_one_alert_and_a_gapless_event_order() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    // Eight batches race for the same alert: none may fail on the one-open-alert index, and
    // the log must come out in one order.
    let calls = (0..8).map(|i| {
        let points = vec![f.point(&f.r1, "cpu", 91.0 + f64::from(i), i64::from(i))];
        let app = &app;
        async move { ingest(app, token, points).await }
    });
    futures::future::join_all(calls).await;
    let list = alerts(&app, token, json!(null)).await;
    assert_eq!(list.len(), 1, "one alert: {list:?}");
    assert_eq!(list[0]["status"], "OPEN");
    let occurrences = list[0]["occurrences"].as_i64().unwrap();
    // Points older than one already evaluated are late and not counted again.
    assert!((1..=8).contains(&occurrences), "{occurrences}");
    let log = events(&app, token, None, None).await;
    let seqs: Vec<i64> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["seq"]).parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(log["events"][0]["kind"], "RAISED");
    // The last event shows the alert as it is now.
    let last = log["events"].as_array().unwrap().last().unwrap();
    assert_eq!(last["alert"]["occurrences"], occurrences);
}

#[tokio::test]
async fn a_site_restricted_member_sees_only_alerts_of_their_sites_and_organization_wide_ones() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let site2 = app.create_site(token, "S2").await;
    let r3 = app.create_robot(token, &site2, None, "R3").await;
    ingest(
        &app,
        token,
        vec![f.point(&f.r1, "cpu", 95.0, 0), f.point(&r3, "cpu", 95.0, 0)],
    )
    .await;
    assert_ok(
        &raise(
            &app,
            token,
            json!({ "severity": "INFO", "title": "Everyone" }),
        )
        .await,
    );
    let restricted = app
        .member_with_sites(&f.owner, "OPERATOR", Some(&[site2.as_str()]))
        .await
        .token;

    let seen = alerts(&app, &restricted, json!(null)).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|a| a["asset"].is_null() || a["asset"]["id"] == r3.as_str())
    );
    let hidden = str_of(&alerts(&app, token, json!({ "assetId": f.r1 })).await[0]["id"]);
    assert_code(&get_alert(&app, &restricted, &hidden).await, "NOT_FOUND");
    assert_code(
        &transition(&app, &restricted, "acknowledgeAlert", &hidden, "x").await,
        "NOT_FOUND",
    );
    let log = events(&app, &restricted, None, None).await;
    assert_eq!(log["events"].as_array().unwrap().len(), 2);
    assert!(
        log["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["alert"]["id"] != hidden.as_str())
    );
}

/// The `seq` of every event of the caller's organization, in order.
async fn event_seqs(app: &TestApp, token: &str) -> Vec<i64> {
    let mut seqs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = events(app, token, cursor.as_deref(), Some(500)).await;
        for e in page["events"].as_array().unwrap() {
            seqs.push(str_of(&e["seq"]).parse().unwrap());
        }
        cursor = page["endCursor"].as_str().map(str::to_owned);
        if page["hasMore"] != true {
            return seqs;
        }
    }
}

#[tokio::test]
async fn each_organization_numbers_its_alert_events_from_one_and_sees_nothing_of_another() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(&slug("seq-a")).await;
    let b = app.sign_up(&slug("seq-b")).await;
    let manual = json!({ "severity": "WARNING", "title": "check" });
    assert_ok(&raise(&app, &b.token, manual.clone()).await);
    let first = events(&app, &b.token, None, None).await;
    assert_eq!(first["endCursor"], "1", "{first}");
    // A's activity meanwhile ...
    for _ in 0..5 {
        assert_ok(&raise(&app, &a.token, manual.clone()).await);
    }
    // ... does not move B's cursor: B's next event is its second.
    assert_ok(&raise(&app, &b.token, manual.clone()).await);
    let next = events(&app, &b.token, Some("1"), None).await;
    let list = next["events"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{next}");
    assert_eq!(list[0]["seq"], "2", "{next}");
    assert_eq!(event_seqs(&app, &a.token).await, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn concurrent_alert_writes_of_two_organizations_on_two_replicas_take_each_cursor_once() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let a = app.sign_up(&slug("seq-race-a")).await;
    let b = app.sign_up(&slug("seq-race-b")).await;
    // Manual alerts, acknowledgements and ingest-raised alerts of both organizations at once,
    // through both replicas: every event of one organization gets its own cursor, 1..=n.
    let site = app.create_site(&a.token, "S1").await;
    let robot = app.create_robot(&a.token, &site, None, "R1").await;
    let t0 = Utc::now() - Duration::hours(1);
    let (a, b) = (&a, &b);
    let calls = (0..24).map(|i| {
        let replica = if i % 2 == 0 { &app } else { &sibling };
        let session = if i % 3 == 0 { b } else { a };
        let robot = robot.clone();
        async move {
            if i % 5 == 4 && session.token == a.token {
                let ts = (t0 + Duration::seconds(i)).to_rfc3339_opts(SecondsFormat::Millis, true);
                let point = json!({ "assetId": robot, "metric": "cpu", "value": 95.0, "ts": ts });
                ingest(replica, &session.token, vec![point]).await;
            } else {
                let body = raise(
                    replica,
                    &session.token,
                    json!({ "severity": "INFO", "title": format!("n{i}") }),
                )
                .await;
                assert_ok(&body);
                let id = str_of(&body["data"]["raiseAlert"]["alert"]["id"]);
                assert_ok(&transition(replica, &session.token, "acknowledgeAlert", &id, "x").await);
            }
        }
    });
    futures::future::join_all(calls).await;
    for session in [a, b] {
        let seqs = event_seqs(&app, &session.token).await;
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert_eq!(seqs, expected);
        assert!(seqs.len() >= 8, "{seqs:?}");
    }
}

#[tokio::test]
async fn alert_events_can_be_limited_to_some_kinds() {
    let app = TestApp::spawn().await;
    let f = fleet(&app).await;
    let token = &f.owner.token;
    let body = raise(&app, token, json!({ "severity": "INFO", "title": "x" })).await;
    let id = str_of(&body["data"]["raiseAlert"]["alert"]["id"]);
    assert_ok(&transition(&app, token, "acknowledgeAlert", &id, "seen").await);
    assert_ok(&transition(&app, token, "resolveAlert", &id, "done").await);
    let body = app
        .gql(
            Some(token),
            "{ alertEvents(kinds: [RAISED, RESOLVED]) { endCursor events { seq kind } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["alertEvents"],
        json!({ "endCursor": "3", "events": [
            { "seq": "1", "kind": "RAISED" }, { "seq": "3", "kind": "RESOLVED" },
        ] })
    );
}
