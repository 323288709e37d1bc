//! Telemetry over HTTP: ingest (who may, what is refused point by point, idempotence), exact
//! rollups, latest values, the metric catalog, series and their limits (docs/ARCHITECTURE.md §9.1,
//! §5.4).

use chrono::{DateTime, Duration, DurationRound, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};

pub const INGEST: &str = "mutation($points: [TelemetryPointInput!]!) {
    ingestTelemetry(input: { points: $points }) { accepted rejected { index reason } } }";

const SERIES: &str = "query($id: ID!, $metric: String!, $from: DateTime!, $to: DateTime!,
        $bucket: Int, $max: Int) {
    asset(id: $id) { telemetry(metric: $metric, from: $from, to: $to, bucket: $bucket, maxPoints: $max) {
        metric bucketSeconds points { ts value quality } buckets { start count avg min max stddev } } } }";

/// RFC 3339 with milliseconds, as devices send it.
pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn ms_of(value: &Value) -> i64 {
    DateTime::parse_from_rfc3339(&str_of(value))
        .unwrap_or_else(|e| panic!("{value} is not RFC 3339: {e}"))
        .timestamp_millis()
}

/// A recent instant on a 10-minute boundary (so 10 s, 1 min and 5 min buckets all start on it),
/// far enough back that ten minutes of points after it are all in the past.
pub fn base_time() -> DateTime<Utc> {
    (Utc::now() - Duration::hours(2))
        .duration_trunc(Duration::minutes(10))
        .unwrap()
}

pub async fn ingest(app: &TestApp, token: &str, points: Value) -> Value {
    app.gql(Some(token), INGEST, json!({ "points": points }))
        .await
}

/// Ingests and asserts that every point was accepted.
pub async fn ingest_ok(app: &TestApp, token: &str, points: Value) {
    let n = points.as_array().map_or(0, Vec::len);
    let body = ingest(app, token, points).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["ingestTelemetry"],
        json!({ "accepted": n, "rejected": [] }),
        "{body}"
    );
}

pub fn point(asset_id: &str, metric: &str, ts: DateTime<Utc>, value: f64) -> Value {
    json!({ "assetId": asset_id, "metric": metric, "ts": rfc(ts), "value": value })
}

/// An organization with one site and one robot `R-1`: (owner, site id, robot id).
pub async fn fleet(app: &TestApp, prefix: &str) -> (Session, String, String) {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r-1").await;
    (owner, site, robot)
}

#[allow(clippy::too_many_arguments)]
async fn series(
    app: &TestApp,
    token: &str,
    asset: &str,
    metric: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Option<i64>,
    max: Option<i64>,
) -> Value {
    app.gql(
        Some(token),
        SERIES,
        json!({ "id": asset, "metric": metric, "from": rfc(from), "to": rfc(to),
                "bucket": bucket, "max": max }),
    )
    .await
}

/// The series of a successful query.
pub async fn series_ok(
    app: &TestApp,
    token: &str,
    asset: &str,
    metric: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Option<i64>,
) -> Value {
    let body = series(app, token, asset, metric, from, to, bucket, None).await;
    assert_ok(&body);
    body["data"]["asset"]["telemetry"].clone()
}

/// (ts in ms, value) of the raw points of a series.
fn raw(series: &Value) -> Vec<(i64, f64)> {
    series["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| (ms_of(&p["ts"]), p["value"].as_f64().unwrap()))
        .collect()
}

/// count, avg, min, max and population stddev, the slow obvious way.
fn stats(values: &[f64]) -> (i64, f64, f64, f64, f64) {
    let n = values.len() as f64;
    let avg = values.iter().sum::<f64>() / n;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let var = values.iter().map(|v| (v - avg) * (v - avg)).sum::<f64>() / n;
    (values.len() as i64, avg, min, max, var.sqrt())
}

#[track_caller]
fn assert_close(actual: &Value, expected: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {actual}"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: expected {expected}, got {actual}"
    );
}

/// Asserts one bucket: its start and its aggregates over `values`.
#[track_caller]
fn assert_bucket(bucket: &Value, start: DateTime<Utc>, values: &[f64]) {
    let (count, avg, min, max, stddev) = stats(values);
    assert_eq!(
        ms_of(&bucket["start"]),
        start.timestamp_millis(),
        "{bucket}"
    );
    assert_eq!(bucket["count"], json!(count), "{bucket}");
    assert_close(&bucket["avg"], avg, "avg");
    assert_close(&bucket["min"], min, "min");
    assert_close(&bucket["max"], max, "max");
    assert_close(&bucket["stddev"], stddev, "stddev");
}

async fn audit_rows(app: &TestApp, owner: &Session) -> Vec<Value> {
    let body = app
        .gql(
            Some(&owner.token),
            "{ auditLogs(first: 50, filter: { action: \"ingestTelemetry\" }) {
                nodes { action success errorCode changes resourceType } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    body["data"]["auditLogs"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Ingest: who, how assets are named

#[tokio::test]
async fn points_name_their_asset_by_id_or_by_code_in_any_case() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-ref").await;
    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", t, 1.0),
            { "assetCode": "R-1", "metric": "cpu", "ts": rfc(t + Duration::seconds(1)), "value": 2.0 },
            { "assetCode": " r-1 ", "metric": "cpu", "ts": rfc(t + Duration::seconds(2)), "value": 3.0 },
        ]),
    )
    .await;
    let s = series_ok(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t,
        t + Duration::minutes(1),
        None,
    )
    .await;
    let t0 = t.timestamp_millis();
    assert_eq!(raw(&s), vec![(t0, 1.0), (t0 + 1000, 2.0), (t0 + 2000, 3.0)]);
}

#[tokio::test]
async fn the_same_code_in_two_organizations_resolves_to_the_callers_asset() {
    let app = TestApp::spawn().await;
    let (a, _, robot_a) = fleet(&app, "tm-code-a").await;
    let (b, _, robot_b) = fleet(&app, "tm-code-b").await;
    let t = base_time();
    ingest_ok(
        &app,
        &b.token,
        json!([{ "assetCode": "r-1", "metric": "cpu", "ts": rfc(t), "value": 7.0 }]),
    )
    .await;
    let to = t + Duration::minutes(1);
    let of_b = series_ok(&app, &b.token, &robot_b, "cpu", t, to, None).await;
    assert_eq!(raw(&of_b), vec![(t.timestamp_millis(), 7.0)]);
    let of_a = series_ok(&app, &a.token, &robot_a, "cpu", t, to, None).await;
    assert_eq!(raw(&of_a), vec![]);
}

#[tokio::test]
async fn an_api_key_needs_the_telemetry_write_scope_to_ingest() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-key").await;
    let (_, writer) = app.api_key(&owner, &["telemetry:write"], None).await;
    let (_, reader) = app
        .api_key(&owner, &["assets:read", "telemetry:read"], None)
        .await;
    let t = base_time();

    let refused = ingest(&app, &reader, json!([point(&robot, "cpu", t, 1.0)])).await;
    assert_code(&refused, "FORBIDDEN");
    assert!(refused["data"].is_null() || refused["data"]["ingestTelemetry"].is_null());

    ingest_ok(
        &app,
        &writer,
        json!([point(&robot, "cpu", t + Duration::seconds(1), 2.0)]),
    )
    .await;

    // Only the key with the scope wrote anything.
    let s = series_ok(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t,
        t + Duration::minutes(1),
        None,
    )
    .await;
    assert_eq!(raw(&s), vec![(t.timestamp_millis() + 1000, 2.0)]);
}

#[tokio::test]
async fn a_viewer_may_not_ingest_but_an_engineer_may() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-roles").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let engineer = app.member(&owner, "ENGINEER").await;
    let t = base_time();

    let refused = ingest(&app, &viewer.token, json!([point(&robot, "cpu", t, 1.0)])).await;
    assert_code(&refused, "FORBIDDEN");
    ingest_ok(
        &app,
        &engineer.token,
        json!([point(&robot, "cpu", t + Duration::seconds(1), 2.0)]),
    )
    .await;

    let s = series_ok(
        &app,
        &viewer.token,
        &robot,
        "cpu",
        t,
        t + Duration::minutes(1),
        None,
    )
    .await;
    assert_eq!(raw(&s), vec![(t.timestamp_millis() + 1000, 2.0)]);
}

// ---------------------------------------------------------------------------------------------
// Ingest: point-by-point rejects

#[tokio::test]
async fn invalid_points_are_reported_by_index_and_reason_while_the_valid_ones_are_stored() {
    let app = TestApp::spawn().await;
    let (owner, site, robot) = fleet(&app, "tm-rej").await;
    let archived = app.create_robot(&owner.token, &site, None, "old-1").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { archiveAsset(input: { id: $id }) { asset { archivedAt } } }",
            json!({ "id": archived }),
        )
        .await;
    assert_ok(&body);
    let (_, _, foreign) = fleet(&app, "tm-rej-other").await;
    // The other organization's robot has a code ours does not.
    let other = app.sign_up(&slug("tm-rej-third")).await;
    let other_site = app.create_site(&other.token, "elsewhere").await;
    app.create_robot(&other.token, &other_site, None, "theirs-1")
        .await;

    let t = base_time();
    let s = |n: i64| rfc(t + Duration::seconds(n));
    let points = json!([
        { "assetId": robot, "metric": "cpu", "ts": s(0), "value": 1.0 },
        { "assetId": Uuid::now_v7().to_string(), "metric": "cpu", "ts": s(1), "value": 1.0 },
        { "assetId": foreign, "metric": "cpu", "ts": s(2), "value": 1.0 },
        { "assetCode": "THEIRS-1", "metric": "cpu", "ts": s(3), "value": 1.0 },
        { "assetId": archived, "metric": "cpu", "ts": s(4), "value": 1.0 },
        { "assetId": robot, "metric": "CPU load", "ts": s(5), "value": 1.0 },
        { "assetId": robot, "metric": "cpu", "ts": rfc(Utc::now() + Duration::minutes(10)), "value": 1.0 },
        { "metric": "cpu", "ts": s(7), "value": 1.0 },
        { "assetId": "not-an-id", "metric": "cpu", "ts": s(8), "value": 1.0 },
        { "assetCode": "r-1", "metric": "cpu", "ts": s(9), "value": 9.0 },
    ]);
    let body = ingest(&app, &owner.token, points).await;
    assert_ok(&body);
    let payload = &body["data"]["ingestTelemetry"];
    assert_eq!(payload["accepted"], 2, "{body}");
    let rejected = payload["rejected"].as_array().unwrap();
    let indexes: Vec<i64> = rejected
        .iter()
        .map(|r| r["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, vec![1, 2, 3, 4, 5, 6, 7, 8], "{body}");
    let reason = |i: usize| rejected[i]["reason"].as_str().unwrap().to_lowercase();
    for i in 0..4 {
        // Unknown, another organization's (by id and by code) and archived look the same:
        // nothing tells a device that the other organization's asset exists.
        assert!(reason(i).contains("unknown asset"), "{}", reason(i));
    }
    assert!(reason(4).contains("metric"), "{}", reason(4));
    assert!(reason(5).contains("future"), "{}", reason(5));
    assert!(reason(6).contains("assetid or assetcode"), "{}", reason(6));
    assert!(reason(7).contains("assetid"), "{}", reason(7));

    let got = series_ok(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t,
        t + Duration::minutes(20),
        None,
    )
    .await;
    let t0 = t.timestamp_millis();
    assert_eq!(raw(&got), vec![(t0, 1.0), (t0 + 9000, 9.0)]);
    // Nothing reached the archived robot.
    let body = series(
        &app,
        &owner.token,
        &archived,
        "cpu",
        t,
        t + Duration::minutes(1),
        None,
        None,
    )
    .await;
    assert_ok(&body);
    assert_eq!(raw(&body["data"]["asset"]["telemetry"]), vec![]);
}

#[tokio::test]
async fn a_point_older_than_the_organizations_retention_is_rejected() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-ret").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation { updateOrganization(input: { telemetryRetentionDays: 1 }) {
                organization { telemetryRetentionDays } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateOrganization"]["organization"]["telemetryRetentionDays"],
        1
    );

    let now = Utc::now();
    let recent = now - Duration::hours(12);
    let body = ingest(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", now - Duration::days(2), 1.0),
            point(&robot, "cpu", recent, 2.0),
        ]),
    )
    .await;
    assert_ok(&body);
    let payload = &body["data"]["ingestTelemetry"];
    assert_eq!(payload["accepted"], 1, "{body}");
    assert_eq!(payload["rejected"][0]["index"], 0, "{body}");
    let reason = payload["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("retention"), "{reason}");

    let s = series_ok(
        &app,
        &owner.token,
        &robot,
        "cpu",
        now - Duration::days(3),
        now,
        None,
    )
    .await;
    assert_eq!(raw(&s), vec![(recent.timestamp_millis(), 2.0)]);
}

#[tokio::test]
async fn more_than_ten_thousand_points_in_one_call_is_bad_user_input_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-max").await;
    let t = base_time();
    let points: Vec<Value> = (0..10_001)
        .map(|i| point(&robot, "cpu", t + Duration::milliseconds(i), 1.0))
        .collect();
    let body = ingest(&app, &owner.token, json!(points)).await;
    assert_bad_input(&body, "input.points");

    let s = series_ok(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t,
        t + Duration::minutes(1),
        None,
    )
    .await;
    assert_eq!(raw(&s), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Idempotence and exact rollups

#[tokio::test]
async fn re_sending_a_batch_leaves_the_points_and_the_rollups_exactly_as_they_were() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-idem").await;
    let t = base_time();
    let batch: Vec<Value> = (0..30)
        .map(|i| {
            point(
                &robot,
                "temp",
                t + Duration::seconds(i * 7),
                20.0 + (i % 7) as f64 * 0.5,
            )
        })
        .collect();
    ingest_ok(&app, &owner.token, json!(batch)).await;

    let to = t + Duration::minutes(10);
    let raw_before = series_ok(&app, &owner.token, &robot, "temp", t, to, None).await;
    let minutes_before = series_ok(&app, &owner.token, &robot, "temp", t, to, Some(60)).await;
    assert_eq!(raw(&raw_before).len(), 30);
    let counts: i64 = minutes_before["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counts, 30);

    ingest_ok(&app, &owner.token, json!(batch)).await;
    ingest_ok(&app, &owner.token, json!(batch)).await;
    let raw_after = series_ok(&app, &owner.token, &robot, "temp", t, to, None).await;
    let minutes_after = series_ok(&app, &owner.token, &robot, "temp", t, to, Some(60)).await;
    assert_eq!(raw_after, raw_before);
    assert_eq!(minutes_after, minutes_before);
}

#[tokio::test]
async fn a_point_re_sent_with_a_new_value_replaces_it_and_its_minute_rollup_follows_exactly() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-repl").await;
    let t = base_time();
    let s = |n: i64| t + Duration::seconds(n);
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "temp", s(0), 1.0),
            point(&robot, "temp", s(10), 2.0),
            point(&robot, "temp", s(20), 3.0)
        ]),
    )
    .await;
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "temp", s(10), 10.0)]),
    )
    .await;

    let to = t + Duration::minutes(1);
    let points = series_ok(&app, &owner.token, &robot, "temp", t, to, None).await;
    let t0 = t.timestamp_millis();
    assert_eq!(
        raw(&points),
        vec![(t0, 1.0), (t0 + 10_000, 10.0), (t0 + 20_000, 3.0)]
    );

    let minute = series_ok(&app, &owner.token, &robot, "temp", t, to, Some(60)).await;
    let buckets = minute["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1, "{minute}");
    // 1, 10, 3: mean 14/3; population variance ((1-14/3)^2 + (10-14/3)^2 + (3-14/3)^2) / 3 = 134/9.
    assert_eq!(buckets[0]["count"], 3);
    assert_close(&buckets[0]["avg"], 14.0 / 3.0, "avg");
    assert_close(&buckets[0]["min"], 1.0, "min");
    assert_close(&buckets[0]["max"], 10.0, "max");
    assert_close(&buckets[0]["stddev"], (134.0f64 / 9.0).sqrt(), "stddev");
}

#[tokio::test]
async fn a_batch_of_new_changed_and_identical_points_in_one_minute_leaves_its_rollup_exact() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-mixed").await;
    let t = base_time();
    let s = |n: i64| t + Duration::seconds(n);
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "temp", s(0), 1.0),
            point(&robot, "temp", s(10), 9.0),
            point(&robot, "temp", s(20), 3.0)
        ]),
    )
    .await;
    // One identical re-send, one re-send that lowers the minute's maximum, two new points (one
    // in the same minute, one in the next).
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "temp", s(0), 1.0),
            point(&robot, "temp", s(10), 2.0),
            point(&robot, "temp", s(30), 4.0),
            point(&robot, "temp", s(70), 5.0)
        ]),
    )
    .await;
    let minutes = series_ok(
        &app,
        &owner.token,
        &robot,
        "temp",
        t,
        t + Duration::minutes(2),
        Some(60),
    )
    .await;
    let buckets = minutes["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 2, "{minutes}");
    assert_bucket(&buckets[0], t, &[1.0, 2.0, 3.0, 4.0]);
    assert_bucket(&buckets[1], t + Duration::minutes(1), &[5.0]);
}

#[tokio::test]
async fn an_asset_with_telemetry_cannot_be_deleted_and_keeps_its_points() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-keep").await;
    let t = base_time();
    ingest_ok(&app, &owner.token, json!([point(&robot, "temp", t, 1.0)])).await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { deleteAsset(input: { id: $id }) { deletedId } }",
            json!({ "id": robot }),
        )
        .await;
    assert_code(&body, "CONFLICT");
    let points = series_ok(
        &app,
        &owner.token,
        &robot,
        "temp",
        t,
        t + Duration::minutes(1),
        None,
    )
    .await;
    assert_eq!(raw(&points), vec![(t.timestamp_millis(), 1.0)]);
}

// ---------------------------------------------------------------------------------------------
// Latest values, catalog, assets

#[tokio::test]
async fn the_latest_value_is_the_newest_even_when_an_older_point_arrives_later() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-latest").await;
    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            { "assetId": robot, "metric": "temp", "ts": rfc(t + Duration::seconds(30)), "value": 30.0, "unit": "°C" },
            { "assetId": robot, "metric": "cpu", "ts": rfc(t), "value": 0.5, "quality": "UNCERTAIN" },
        ]),
    )
    .await;
    // Late, older: kept as a point, but not the latest value.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "temp", t + Duration::seconds(10), 10.0)]),
    )
    .await;

    let query = "query($id: ID!) { asset(id: $id) {
        all: latest { metric ts value quality unit }
        temp: latest(metrics: [\"temp\"]) { metric value } } }";
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_ok(&body);
    let all = &body["data"]["asset"]["all"];
    assert_eq!(all.as_array().unwrap().len(), 2, "{body}");
    let temp = all
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["metric"] == "temp")
        .unwrap();
    assert_eq!(temp["value"], 30.0);
    assert_eq!(
        ms_of(&temp["ts"]),
        (t + Duration::seconds(30)).timestamp_millis()
    );
    assert_eq!(temp["unit"], "°C");
    let cpu = all
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["metric"] == "cpu")
        .unwrap();
    assert_eq!(cpu["quality"], "UNCERTAIN");
    assert_eq!(
        body["data"]["asset"]["temp"],
        json!([{ "metric": "temp", "value": 30.0 }])
    );

    // A newer point does replace it.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "temp", t + Duration::seconds(40), 40.0)]),
    )
    .await;
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_eq!(
        body["data"]["asset"]["temp"],
        json!([{ "metric": "temp", "value": 40.0 }])
    );
}

#[tokio::test]
async fn the_metric_catalog_lists_every_ingested_key_with_its_unit_and_display_name() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-cat").await;
    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            { "assetId": robot, "metric": "servo_temp", "ts": rfc(t), "value": 40.0, "unit": "°C" },
            { "assetId": robot, "metric": "cpu", "ts": rfc(t), "value": 0.5 },
        ]),
    )
    .await;
    // A later point without a unit keeps the known one; a new unit replaces it.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "servo_temp", t + Duration::seconds(1), 41.0)]),
    )
    .await;
    ingest_ok(
        &app,
        &owner.token,
        json!([{ "assetId": robot, "metric": "cpu", "ts": rfc(t + Duration::seconds(1)), "value": 50.0, "unit": "%" }]),
    )
    .await;
    let body = app
        .gql(
            Some(&owner.token),
            "{ metrics { key unit displayName } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["metrics"],
        json!([
            { "key": "cpu", "unit": "%", "displayName": "Cpu" },
            { "key": "servo_temp", "unit": "°C", "displayName": "Servo temp" },
        ])
    );
    // Another organization's catalog is its own.
    let other = app.sign_up(&slug("tm-cat-other")).await;
    let body = app
        .gql(Some(&other.token), "{ metrics { key } }", json!({}))
        .await;
    assert_eq!(body["data"]["metrics"], json!([]));
}

#[tokio::test]
async fn ingest_sets_last_seen_at_and_brings_an_offline_asset_back_online() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-online").await;
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateRobot(input: { id: $id, status: OFFLINE }) { robot { status lastSeenAt } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateRobot"]["robot"]["status"], "OFFLINE");
    assert!(body["data"]["updateRobot"]["robot"]["lastSeenAt"].is_null());

    let t = Utc::now() - Duration::seconds(5);
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", t - Duration::seconds(10), 1.0),
            point(&robot, "cpu", t, 2.0)
        ]),
    )
    .await;
    let query = "query($id: ID!) { asset(id: $id) { status lastSeenAt } }";
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_eq!(body["data"]["asset"]["status"], "ONLINE", "{body}");
    assert_eq!(
        ms_of(&body["data"]["asset"]["lastSeenAt"]),
        t.timestamp_millis()
    );

    // An older point does not move lastSeenAt back; a busy asset stays busy.
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateRobot(input: { id: $id, status: BUSY }) { robot { status } } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", t - Duration::minutes(1), 3.0)]),
    )
    .await;
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_eq!(body["data"]["asset"]["status"], "BUSY");
    assert_eq!(
        ms_of(&body["data"]["asset"]["lastSeenAt"]),
        t.timestamp_millis()
    );
}

// ---------------------------------------------------------------------------------------------
// Series

#[tokio::test]
async fn a_raw_series_holds_the_points_in_from_to_oldest_first() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-raw").await;
    let t = base_time();
    let s = |n: i64| t + Duration::seconds(n);
    // Sent out of order; one before `from`, one exactly at `to`, one of another metric.
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", s(30), 3.0),
            point(&robot, "cpu", s(60), 6.0),
            point(&robot, "cpu", s(0), 0.0),
            point(&robot, "cpu", s(-1), -1.0),
            point(&robot, "cpu", s(15), 1.5),
            point(&robot, "temp", s(20), 99.0),
        ]),
    )
    .await;
    let got = series_ok(&app, &owner.token, &robot, "cpu", t, s(60), None).await;
    let t0 = t.timestamp_millis();
    assert_eq!(
        raw(&got),
        vec![(t0, 0.0), (t0 + 15_000, 1.5), (t0 + 30_000, 3.0)]
    );
    assert_eq!(got["metric"], "cpu");
    assert!(got["bucketSeconds"].is_null());
    assert_eq!(got["buckets"], json!([]));
    assert_eq!(got["points"][0]["quality"], "GOOD");
}

#[tokio::test]
async fn a_raw_series_with_more_points_than_max_points_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-maxp").await;
    let t = base_time();
    let points: Vec<Value> = (0..5)
        .map(|i| point(&robot, "cpu", t + Duration::seconds(i), 1.0))
        .collect();
    ingest_ok(&app, &owner.token, json!(points)).await;
    let to = t + Duration::minutes(1);
    let body = series(&app, &owner.token, &robot, "cpu", t, to, None, Some(4)).await;
    assert_bad_input(&body, "maxPoints");
    let body = series(&app, &owner.token, &robot, "cpu", t, to, None, Some(5)).await;
    assert_ok(&body);
    assert_eq!(raw(&body["data"]["asset"]["telemetry"]).len(), 5);
}

#[tokio::test]
async fn buckets_of_10_60_and_300_seconds_have_exact_aggregates_and_start_on_epoch_multiples() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-buckets").await;
    let t = base_time();
    let ms = |n: i64| t + Duration::milliseconds(n);
    let data: [(i64, f64); 8] = [
        (0, 2.0),
        (3_000, 4.0),
        (9_999, 6.0),
        (10_000, 8.0),
        (60_000, 10.0),
        (90_000, 20.0),
        (299_999, 1.0),
        (300_000, 100.0),
    ];
    let points: Vec<Value> = data
        .iter()
        .map(|(o, v)| point(&robot, "load", ms(*o), *v))
        .collect();
    ingest_ok(&app, &owner.token, json!(points)).await;
    let to = t + Duration::minutes(10);

    // 10 s, from the raw points.
    let ten = series_ok(&app, &owner.token, &robot, "load", t, to, Some(10)).await;
    assert_eq!(ten["bucketSeconds"], 10);
    let b = ten["buckets"].as_array().unwrap();
    assert_eq!(b.len(), 6, "{ten}");
    assert_bucket(&b[0], t, &[2.0, 4.0, 6.0]);
    // By hand: mean 4, population variance (4 + 0 + 4) / 3.
    assert_close(&b[0]["stddev"], (8.0f64 / 3.0).sqrt(), "stddev by hand");
    assert_bucket(&b[1], ms(10_000), &[8.0]);
    assert_bucket(&b[2], ms(60_000), &[10.0]);
    assert_bucket(&b[3], ms(90_000), &[20.0]);
    assert_bucket(&b[4], ms(290_000), &[1.0]);
    assert_bucket(&b[5], ms(300_000), &[100.0]);

    // 60 s, from the rollups.
    let minute = series_ok(&app, &owner.token, &robot, "load", t, to, Some(60)).await;
    let b = minute["buckets"].as_array().unwrap();
    assert_eq!(b.len(), 4, "{minute}");
    assert_bucket(&b[0], t, &[2.0, 4.0, 6.0, 8.0]);
    // By hand: mean 5, variance (9 + 1 + 1 + 9) / 4 = 5.
    assert_close(&b[0]["stddev"], 5.0f64.sqrt(), "stddev by hand");
    assert_bucket(&b[1], ms(60_000), &[10.0, 20.0]);
    assert_close(&b[1]["stddev"], 5.0, "stddev by hand");
    assert_bucket(&b[2], ms(240_000), &[1.0]);
    assert_bucket(&b[3], ms(300_000), &[100.0]);

    // 300 s, rollups merged.
    let five = series_ok(&app, &owner.token, &robot, "load", t, to, Some(300)).await;
    let b = five["buckets"].as_array().unwrap();
    assert_eq!(b.len(), 2, "{five}");
    assert_bucket(&b[0], t, &[2.0, 4.0, 6.0, 8.0, 10.0, 20.0, 1.0]);
    assert_eq!(b[0]["avg"].as_f64().map(|a| (a * 7.0).round()), Some(51.0));
    assert_bucket(&b[1], ms(300_000), &[100.0]);

    for (width, s) in [(10, &ten), (60, &minute), (300, &five)] {
        for bucket in s["buckets"].as_array().unwrap() {
            assert_eq!(ms_of(&bucket["start"]) % (width * 1000), 0, "{bucket}");
        }
    }
}

#[tokio::test]
async fn series_windows_that_are_empty_too_long_or_too_fine_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-win").await;
    let t = base_time();
    let body = series(&app, &owner.token, &robot, "cpu", t, t, None, None).await;
    assert_bad_input(&body, "to");
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t,
        t - Duration::minutes(1),
        None,
        None,
    )
    .await;
    assert_bad_input(&body, "to");
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t - Duration::days(401),
        t,
        Some(86_400),
        None,
    )
    .await;
    assert_bad_input(&body, "to");
    // A day of 1-second buckets is 86,400 buckets: more than the default 1,000 and the cap.
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t - Duration::days(1),
        t,
        Some(1),
        None,
    )
    .await;
    assert_bad_input(&body, "bucket");
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t - Duration::hours(1),
        t,
        Some(1),
        Some(3_000),
    )
    .await;
    assert_bad_input(&body, "bucket");
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t - Duration::hours(1),
        t,
        Some(1),
        Some(3_600),
    )
    .await;
    assert_ok(&body);
    let body = series(
        &app,
        &owner.token,
        &robot,
        "cpu",
        t - Duration::hours(1),
        t,
        None,
        Some(10_001),
    )
    .await;
    assert_bad_input(&body, "maxPoints");
    let body = series(
        &app,
        &owner.token,
        &robot,
        "Bad Metric",
        t - Duration::hours(1),
        t,
        None,
        None,
    )
    .await;
    assert_bad_input(&body, "metric");
}

const MULTI: &str = "query($series: [SeriesInput!]!, $from: DateTime!, $to: DateTime!,
        $bucket: Int, $max: Int) {
    telemetrySeries(series: $series, from: $from, to: $to, bucket: $bucket, maxPoints: $max) {
        asset { id code } metric bucketSeconds points { ts value } buckets { start count avg } } }";

#[tokio::test]
async fn telemetry_series_returns_two_assets_by_two_metrics_in_one_request() {
    let app = TestApp::spawn().await;
    let (owner, site, r1) = fleet(&app, "tm-multi").await;
    let r2 = app.create_robot(&owner.token, &site, None, "r-2").await;
    let t = base_time();
    let mut points = Vec::new();
    for (i, robot) in [&r1, &r2].into_iter().enumerate() {
        for (j, metric) in ["cpu", "temp"].into_iter().enumerate() {
            let v = (i * 10 + j) as f64;
            points.push(point(robot, metric, t + Duration::seconds(1), v));
            points.push(point(robot, metric, t + Duration::seconds(2), v + 1.0));
        }
    }
    ingest_ok(&app, &owner.token, json!(points)).await;

    let series_in = json!([
        { "assetId": r1, "metric": "cpu" }, { "assetId": r1, "metric": "temp" },
        { "assetId": r2, "metric": "cpu" }, { "assetId": r2, "metric": "temp" },
    ]);
    let window =
        json!({ "series": series_in, "from": rfc(t), "to": rfc(t + Duration::minutes(1)) });
    let body = app.gql(Some(&owner.token), MULTI, window.clone()).await;
    assert_ok(&body);
    let out = body["data"]["telemetrySeries"].as_array().unwrap();
    assert_eq!(out.len(), 4);
    let expected = [
        ("R-1", "cpu", 0.0),
        ("R-1", "temp", 1.0),
        ("R-2", "cpu", 10.0),
        ("R-2", "temp", 11.0),
    ];
    for (s, (code, metric, v)) in out.iter().zip(expected) {
        assert_eq!(s["asset"]["code"], code);
        assert_eq!(s["metric"], metric);
        let values: Vec<f64> = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64().unwrap())
            .collect();
        assert_eq!(values, vec![v, v + 1.0], "{s}");
    }

    let mut bucketed = window;
    bucketed["bucket"] = json!(60);
    let body = app.gql(Some(&owner.token), MULTI, bucketed).await;
    assert_ok(&body);
    let out = body["data"]["telemetrySeries"].as_array().unwrap();
    for (s, (_, _, v)) in out.iter().zip(expected) {
        assert_eq!(s["bucketSeconds"], 60);
        assert_eq!(s["buckets"].as_array().unwrap().len(), 1, "{s}");
        assert_eq!(s["buckets"][0]["count"], 2);
        assert_close(&s["buckets"][0]["avg"], v + 0.5, "avg");
    }
}

#[tokio::test]
async fn telemetry_series_window_errors_name_the_argument() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-multi-err").await;
    let t = base_time();
    let series_in = json!([{ "assetId": robot, "metric": "cpu" }]);
    let body = app
        .gql(
            Some(&owner.token),
            MULTI,
            json!({ "series": series_in, "from": rfc(t), "to": rfc(t) }),
        )
        .await;
    assert_bad_input(&body, "to");
    let body = app
        .gql(
            Some(&owner.token),
            MULTI,
            json!({ "series": series_in, "from": rfc(t - Duration::days(1)), "to": rfc(t), "bucket": 1 }),
        )
        .await;
    assert_bad_input(&body, "bucket");
    let bad_metric =
        json!([{ "assetId": robot, "metric": "cpu" }, { "assetId": robot, "metric": "No Good" }]);
    let body = app
        .gql(
            Some(&owner.token),
            MULTI,
            json!({ "series": bad_metric, "from": rfc(t - Duration::hours(1)), "to": rfc(t) }),
        )
        .await;
    assert_bad_input(&body, "series.1.metric");
    // More raw points than maxPoints: the argument to change is maxPoints.
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", t + Duration::seconds(1), 1.0),
            point(&robot, "cpu", t + Duration::seconds(2), 2.0)
        ]),
    )
    .await;
    let body = app
        .gql(
            Some(&owner.token),
            MULTI,
            json!({ "series": series_in, "from": rfc(t), "to": rfc(t + Duration::minutes(1)), "max": 1 }),
        )
        .await;
    assert_bad_input(&body, "maxPoints");
}

#[tokio::test]
async fn another_organizations_asset_in_telemetry_series_is_not_found() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-multi-nf").await;
    let (other, _, theirs) = fleet(&app, "tm-multi-nf2").await;
    let t = base_time();
    ingest_ok(
        &app,
        &other.token,
        json!([point(&theirs, "cpu", t + Duration::seconds(1), 42.0)]),
    )
    .await;
    let series_in =
        json!([{ "assetId": robot, "metric": "cpu" }, { "assetId": theirs, "metric": "cpu" }]);
    let body = app
        .gql(
            Some(&owner.token),
            MULTI,
            json!({ "series": series_in, "from": rfc(t), "to": rfc(t + Duration::minutes(1)) }),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    assert!(!body.to_string().contains("42"), "{body}");
}

// ---------------------------------------------------------------------------------------------
// Audit and DataLoader

#[tokio::test]
async fn every_ingest_call_writes_one_audit_row_with_its_accepted_and_rejected_counts() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-audit").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", t, 1.0),
            point(&robot, "cpu", t + Duration::seconds(1), 2.0)
        ]),
    )
    .await;
    let body = ingest(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", t + Duration::seconds(2), 3.0), point(&robot, "BAD", t, 0.0), { "metric": "cpu", "value": 1.0 }]),
    )
    .await;
    assert_eq!(body["data"]["ingestTelemetry"]["accepted"], 1, "{body}");
    assert_code(
        &ingest(&app, &viewer.token, json!([point(&robot, "cpu", t, 1.0)])).await,
        "FORBIDDEN",
    );

    let rows = audit_rows(&app, &owner).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    // Newest first.
    assert_eq!(rows[0]["success"], false);
    assert_eq!(rows[0]["errorCode"], "FORBIDDEN");
    assert_eq!(rows[1]["success"], true);
    assert_eq!(rows[1]["changes"], json!({ "accepted": 1, "rejected": 2 }));
    assert_eq!(rows[2]["changes"], json!({ "accepted": 2, "rejected": 0 }));
    assert_eq!(rows[2]["resourceType"], "telemetry");
}

const LATEST_OF_ALL: &str = "{ assets(first: 100) { nodes { code latest { metric value }
    hot: latest(metrics: [\"temp\"]) { value } } } }";

async fn robots_with_telemetry(app: &TestApp, owner: &Session, site: &str, from: usize, to: usize) {
    let t = base_time();
    let mut points = Vec::new();
    for i in from..to {
        let id = app
            .create_robot(&owner.token, site, None, &format!("dl-{i:03}"))
            .await;
        points.push(point(&id, "cpu", t, i as f64));
        points.push(point(&id, "temp", t, 20.0 + i as f64));
    }
    ingest_ok(app, &owner.token, json!(points)).await;
}

#[tokio::test]
async fn the_latest_values_of_5_and_of_50_assets_cost_the_same_statements() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("tm-loader")).await;
    let site = app.create_site(&owner.token, "plant").await;
    robots_with_telemetry(&app, &owner, &site, 0, 5).await;

    let measure = |app: &TestApp| app.sql_statements();
    let before = measure(&app);
    let small = app.gql(Some(&owner.token), LATEST_OF_ALL, json!({})).await;
    let small_cost = measure(&app) - before;
    assert_ok(&small);
    assert_eq!(
        small["data"]["assets"]["nodes"].as_array().unwrap().len(),
        5
    );

    robots_with_telemetry(&app, &owner, &site, 5, 50).await;
    let before = measure(&app);
    let large = app.gql(Some(&owner.token), LATEST_OF_ALL, json!({})).await;
    let large_cost = measure(&app) - before;
    assert_ok(&large);
    let nodes = large["data"]["assets"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 50);
    for node in nodes {
        let i: f64 = node["code"].as_str().unwrap()[3..].parse().unwrap();
        assert_eq!(node["latest"].as_array().unwrap().len(), 2, "{node}");
        assert_eq!(node["hot"], json!([{ "value": 20.0 + i }]), "{node}");
    }
    assert_eq!(
        small_cost, large_cost,
        "5 assets: {small_cost} statements, 50: {large_cost}"
    );
}

// ---------------------------------------------------------------------------------------------
// Batches of many series: the set-based write path

/// `n` robots of one site, named `prefix-0` onwards.
async fn robots(app: &TestApp, owner: &Session, site: &str, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(
            app.create_robot(&owner.token, site, None, &format!("{prefix}-{i}"))
                .await,
        );
    }
    ids
}

#[tokio::test]
async fn one_batch_sets_the_last_seen_at_of_each_of_its_assets_to_that_assets_newest_point() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("tm-seen")).await;
    let site = app.create_site(&owner.token, "plant").await;
    let ids = robots(&app, &owner, &site, "seen", 4).await;
    let t = Utc::now() - Duration::minutes(10);
    // The last robot already reported later than anything in the batch below.
    let later = t + Duration::minutes(5);
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&ids[3], "cpu", later, 1.0)]),
    )
    .await;

    // Robot i's newest point is t + i seconds, sent before its older points.
    let mut batch = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let newest = t + Duration::seconds(i as i64);
        batch.push(point(id, "cpu", newest, 1.0));
        batch.push(point(id, "temp", newest - Duration::seconds(30), 2.0));
        batch.push(point(id, "cpu", newest - Duration::seconds(60), 3.0));
    }
    ingest_ok(&app, &owner.token, json!(batch)).await;

    let query = "query($id: ID!) { asset(id: $id) { lastSeenAt } }";
    for (i, id) in ids.iter().enumerate() {
        let body = app
            .gql(Some(&owner.token), query, json!({ "id": id }))
            .await;
        assert_ok(&body);
        let expected = if i == 3 {
            later
        } else {
            t + Duration::seconds(i as i64)
        };
        assert_eq!(
            ms_of(&body["data"]["asset"]["lastSeenAt"]),
            expected.timestamp_millis(),
            "robot {i}: {body}"
        );
    }
}

#[tokio::test]
async fn a_batch_of_many_series_re_sent_with_changes_keeps_points_latest_values_and_rollups_exact()
{
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("tm-many")).await;
    let site = app.create_site(&owner.token, "plant").await;
    let ids = robots(&app, &owner, &site, "many", 3).await;
    let t = base_time();
    let metrics = ["cpu", "temp"];
    let value = |a: usize, m: usize, s: i64, round: i64| {
        (a * 100 + m * 10) as f64 + s as f64 * 0.5 + round as f64
    };
    // Two minutes of points every 20 s for 3 robots x 2 metrics, with a quality and a unit.
    let batch = |round: i64, seconds: &[i64]| -> Vec<Value> {
        let mut points = Vec::new();
        for (a, id) in ids.iter().enumerate() {
            for (m, metric) in metrics.iter().enumerate() {
                for &s in seconds {
                    points.push(json!({
                        "assetId": id, "metric": metric, "ts": rfc(t + Duration::seconds(s)),
                        "value": value(a, m, s, round), "quality": "UNCERTAIN", "unit": "u",
                    }));
                }
            }
        }
        points
    };
    let first: Vec<i64> = (0..6).map(|i| i * 20).collect();
    ingest_ok(&app, &owner.token, json!(batch(0, &first))).await;
    // Re-sent: the first two minutes with new values, plus a third minute of new points.
    let second: Vec<i64> = (0..9).map(|i| i * 20).collect();
    ingest_ok(&app, &owner.token, json!(batch(1, &second))).await;

    let to = t + Duration::minutes(10);
    for (a, id) in ids.iter().enumerate() {
        for (m, metric) in metrics.iter().enumerate() {
            let raw_series = series_ok(&app, &owner.token, id, metric, t, to, None).await;
            let expected: Vec<(i64, f64)> = second
                .iter()
                .map(|&s| (t.timestamp_millis() + s * 1000, value(a, m, s, 1)))
                .collect();
            assert_eq!(raw(&raw_series), expected, "{metric} of robot {a}");
            assert!(
                raw_series["points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["quality"] == "UNCERTAIN"),
                "{raw_series}"
            );
            let minutes = series_ok(&app, &owner.token, id, metric, t, to, Some(60)).await;
            let buckets = minutes["buckets"].as_array().unwrap();
            assert_eq!(buckets.len(), 3, "{minutes}");
            for (minute, bucket) in buckets.iter().enumerate() {
                let values: Vec<f64> = second
                    .iter()
                    .filter(|&&s| s / 60 == minute as i64)
                    .map(|&s| value(a, m, s, 1))
                    .collect();
                assert_bucket(bucket, t + Duration::minutes(minute as i64), &values);
            }
        }
    }
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { latest { metric ts value quality unit } } }",
            json!({ "id": ids[1] }),
        )
        .await;
    assert_ok(&body);
    let newest = (t + Duration::seconds(160)).timestamp_millis();
    let latest = body["data"]["asset"]["latest"].as_array().unwrap();
    assert_eq!(latest.len(), 2, "{body}");
    for (m, (row, metric)) in latest.iter().zip(metrics).enumerate() {
        assert_eq!(row["metric"], metric, "{body}");
        assert_eq!(ms_of(&row["ts"]), newest, "{body}");
        assert_eq!(row["value"], value(1, m, 160, 1), "{body}");
        assert_eq!(row["quality"], "UNCERTAIN", "{body}");
        assert_eq!(row["unit"], "u", "{body}");
    }
}

#[tokio::test]
async fn concurrent_batches_into_the_same_minutes_leave_every_rollup_exact() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("tm-race")).await;
    let site = app.create_site(&owner.token, "plant").await;
    let ids = robots(&app, &owner, &site, "race", 5).await;
    let t = base_time();
    // Eight batches, each one second of every series, all in the same two minutes: on
    // PostgreSQL they run in concurrent transactions that recompute the same buckets.
    const BATCHES: i64 = 8;
    let value = |a: usize, s: i64| (a as i64 * 1000 + s) as f64;
    let batches: Vec<Value> = (0..BATCHES)
        .map(|b| {
            let mut points = Vec::new();
            for (a, id) in ids.iter().enumerate() {
                for metric in ["cpu", "temp", "load"] {
                    for k in 0..20 {
                        // Seconds b, b + 8, b + 16, ...: every batch spans both minutes.
                        let s = b + k * BATCHES;
                        points.push(point(id, metric, t + Duration::seconds(s), value(a, s)));
                    }
                }
            }
            json!(points)
        })
        .collect();
    let calls = batches
        .iter()
        .map(|b| ingest(&app, &owner.token, b.clone()));
    for body in futures::future::join_all(calls).await {
        assert_ok(&body);
        assert_eq!(body["data"]["ingestTelemetry"]["accepted"], 300, "{body}");
    }

    let to = t + Duration::minutes(10);
    let seconds = 20 * BATCHES;
    for (a, id) in ids.iter().enumerate() {
        for metric in ["cpu", "temp", "load"] {
            let minutes = series_ok(&app, &owner.token, id, metric, t, to, Some(60)).await;
            let buckets = minutes["buckets"].as_array().unwrap();
            assert_eq!(buckets.len(), ((seconds + 59) / 60) as usize, "{minutes}");
            for (minute, bucket) in buckets.iter().enumerate() {
                let values: Vec<f64> = (0..seconds)
                    .filter(|s| s / 60 == minute as i64)
                    .map(|s| value(a, s))
                    .collect();
                assert_bucket(bucket, t + Duration::minutes(minute as i64), &values);
            }
        }
    }
}

#[tokio::test]
async fn an_ingest_call_costs_the_same_statements_for_one_asset_and_for_twenty() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("tm-cost")).await;
    let site = app.create_site(&owner.token, "plant").await;
    let ids = robots(&app, &owner, &site, "cost", 20).await;
    let t = base_time();
    let batch = |assets: &[String], offset: i64| -> Value {
        let mut points = Vec::new();
        for id in assets {
            for metric in ["cpu", "temp"] {
                for s in 0..3 {
                    points.push(point(id, metric, t + Duration::seconds(offset + s), 1.0));
                }
            }
        }
        json!(points)
    };
    // Warm-up: the catalog and every asset's first values exist before measuring.
    ingest_ok(&app, &owner.token, batch(&ids, 0)).await;

    let before = app.sql_statements();
    ingest_ok(&app, &owner.token, batch(&ids[..1], 10)).await;
    let one = app.sql_statements() - before;
    let before = app.sql_statements();
    ingest_ok(&app, &owner.token, batch(&ids, 20)).await;
    let twenty = app.sql_statements() - before;
    assert_eq!(
        one, twenty,
        "1 asset: {one} statements, 20 assets: {twenty}"
    );
}

/// docs/ARCHITECTURE.md §9.1: a value is stored only if every aggregate of every bucket that can
/// hold it stays finite (|v| <= 1e100). Before, ±1.797e308 overflowed the minute's sum: SQLite
/// failed the whole call (NOT NULL on `sum`), PostgreSQL stored NaN or failed with "value out of
/// range", and bucket queries answered `avg: null` in a `Float!`.
#[tokio::test]
async fn values_beyond_the_representable_range_are_rejected_per_point_and_every_bucket_stays_finite()
 {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "tm-range").await;
    let t = base_time();
    let at = |s: i64| t + Duration::seconds(s);
    let body = ingest(
        &app,
        &owner.token,
        json!([
            point(&robot, "flow", at(1), 1.797e308),
            point(&robot, "flow", at(2), 1e100),
            point(&robot, "flow", at(3), -1.797e308),
            point(&robot, "flow", at(4), -1e100),
            point(&robot, "flow", at(5), 1.0000001e100),
            point(&robot, "flow", at(6), 1e100),
            point(&robot, "flow", at(7), -1e100),
            point(&robot, "flow", at(8), 1.797e308),
        ]),
    )
    .await;
    assert_ok(&body);
    let payload = &body["data"]["ingestTelemetry"];
    assert_eq!(payload["accepted"], 4, "{body}");
    let rejected = payload["rejected"].as_array().unwrap();
    let indexes: Vec<i64> = rejected
        .iter()
        .map(|r| r["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, [0, 2, 4, 7], "{body}");
    for r in rejected {
        assert_eq!(
            r["reason"], "value must be a finite number between -1e100 and 1e100",
            "{body}"
        );
    }
    // A second call into the same minute adds to the stored rollup.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "flow", at(9), 1e100)]),
    )
    .await;
    let values = [1e100, -1e100, 1e100, -1e100, 1e100];
    // From the rollups (whole minutes, also summed over minutes) and from the raw points.
    for bucket in [60, 600, 30] {
        let got = series_ok(&app, &owner.token, &robot, "flow", t, at(600), Some(bucket)).await;
        let buckets = got["buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), 1, "{bucket}: {got}");
        let b = &buckets[0];
        assert_eq!(b["count"], 5, "{bucket}: {got}");
        for field in ["avg", "min", "max", "stddev"] {
            assert!(
                b[field].as_f64().is_some_and(f64::is_finite),
                "{bucket} {field}: {got}"
            );
        }
        let (_, avg, min, max, stddev) = stats(&values);
        assert!(
            (b["avg"].as_f64().unwrap() - avg).abs() <= 1e85,
            "{bucket}: {got}"
        );
        assert_eq!(b["min"].as_f64(), Some(min), "{bucket}: {got}");
        assert_eq!(b["max"].as_f64(), Some(max), "{bucket}: {got}");
        let relative = (b["stddev"].as_f64().unwrap() - stddev).abs() / stddev;
        assert!(relative < 1e-9, "{bucket}: {got}");
    }
}
