//! Subscriptions over graphql-transport-ws, fed by the event bus (docs/ARCHITECTURE.md §8, §6.3):
//! what each subscriber receives, what it must never receive, and events crossing app instances.
//!
//! Silence is asserted with a short wait (`QUIET`) and then, where it matters, followed by an
//! event the same subscriber does receive: the silence was not a subscription that was not live.
//! The protocol details themselves (close codes, pings, limits) are covered by the unit tests of
//! `http::ws`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WS_WAIT, WsClient, assert_ok, str_of};
use crate::telemetry::{base_time, fleet, ingest_ok, point};

/// How long a subscriber that should receive nothing is watched.
const QUIET: Duration = Duration::from_millis(300);

const TELEMETRY: &str = "subscription($assets: [ID!], $metrics: [String!]) {
    telemetry(assetIds: $assets, metrics: $metrics) { readings { assetId metric ts value quality } } }";

const STATUS: &str = "subscription($site: ID) {
    assetStatusChanged(siteId: $site) { assetId siteId code previous status reason at } }";

/// The `data` of the next `next` message, which must be for operation `id`.
async fn next_data(ws: &mut WsClient, id: &str) -> Value {
    let message = ws
        .next_message(WS_WAIT)
        .await
        .unwrap_or_else(|| panic!("nothing arrived for {id}"));
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], id, "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"].clone()
}

#[track_caller]
fn assert_quiet(message: Option<Value>, who: &str) {
    assert!(
        message.is_none(),
        "{who} should have received nothing, got {message:?}"
    );
}

/// (assetId, metric, value) of a telemetry batch, as a set.
fn readings(data: &Value) -> HashSet<(String, String, String)> {
    data["telemetry"]["readings"]
        .as_array()
        .expect("readings")
        .iter()
        .map(|r| {
            (
                str_of(&r["assetId"]),
                str_of(&r["metric"]),
                r["value"].to_string(),
            )
        })
        .collect()
}

fn reading(asset: &str, metric: &str, value: f64) -> (String, String, String) {
    (
        asset.to_owned(),
        metric.to_owned(),
        json!(value).to_string(),
    )
}

async fn set_status(app: &TestApp, token: &str, robot: &str, status: &str) {
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!, $status: AssetStatus!) {
                updateRobot(input: { id: $id, status: $status }) { robot { status } } }",
            json!({ "id": robot, "status": status }),
        )
        .await;
    assert_ok(&body);
}

/// The next message is the refusal of operation `id`: an `error` with NOT_FOUND.
async fn assert_not_found(ws: &mut WsClient, id: &str) {
    let refused = ws.next_message(WS_WAIT).await.expect("a refusal");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], id, "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
}

// ---------------------------------------------------------------------------------------------
// telemetry

#[tokio::test]
async fn a_telemetry_subscriber_receives_the_readings_of_an_ingest_in_one_message() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "sub-tm").await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("t", TELEMETRY, json!({})).await;

    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&robot, "cpu", t, 0.5),
            { "assetId": robot, "metric": "temp", "ts": t.to_rfc3339(), "value": 21.5, "quality": "BAD" },
        ]),
    )
    .await;
    let data = next_data(&mut ws, "t").await;
    assert_eq!(
        readings(&data),
        HashSet::from([reading(&robot, "cpu", 0.5), reading(&robot, "temp", 21.5)])
    );
    let temp = data["telemetry"]["readings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "temp")
        .unwrap();
    assert_eq!(temp["quality"], "BAD");
    assert_eq!(crate::telemetry::ms_of(&temp["ts"]), t.timestamp_millis());
    // One ingest call, one message.
    assert_quiet(
        ws.next_message(QUIET).await,
        "the subscriber after its one batch",
    );
}

#[tokio::test]
async fn a_telemetry_subscription_only_carries_the_assets_and_metrics_it_names() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, site, r1) = fleet(&app, "sub-filter").await;
    let r2 = app.create_robot(&owner.token, &site, None, "r-2").await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe(
        "f",
        TELEMETRY,
        json!({ "assets": [r1], "metrics": ["cpu", "load"] }),
    )
    .await;

    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&r1, "cpu", t, 1.0),
            point(&r1, "temp", t, 2.0),
            point(&r2, "cpu", t, 3.0),
            point(&r1, "load", t, 4.0),
        ]),
    )
    .await;
    let data = next_data(&mut ws, "f").await;
    assert_eq!(
        readings(&data),
        HashSet::from([reading(&r1, "cpu", 1.0), reading(&r1, "load", 4.0)])
    );

    // A batch with nothing that matches sends nothing, not an empty batch.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&r2, "cpu", t, 5.0), point(&r1, "temp", t, 6.0)]),
    )
    .await;
    assert_quiet(
        ws.next_message(QUIET).await,
        "a subscriber of no matching reading",
    );

    ingest_ok(&app, &owner.token, json!([point(&r1, "cpu", t, 7.0)])).await;
    let data = next_data(&mut ws, "f").await;
    assert_eq!(readings(&data), HashSet::from([reading(&r1, "cpu", 7.0)]));
}

#[tokio::test]
async fn a_subscriber_of_another_organization_receives_nothing_of_an_ingest() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "sub-iso-a").await;
    let (other, _, theirs) = fleet(&app, "sub-iso-b").await;
    let mut ours = app.ws(&owner.token).await;
    ours.subscribe("t", TELEMETRY, json!({})).await;
    let mut spy = app.ws(&other.token).await;
    spy.subscribe("t", TELEMETRY, json!({})).await;
    // Naming the other organization's asset is refused, before any event.
    spy.subscribe("named", TELEMETRY, json!({ "assets": [robot] }))
        .await;
    assert_not_found(&mut spy, "named").await;

    let t = base_time();
    ingest_ok(&app, &owner.token, json!([point(&robot, "cpu", t, 1.0)])).await;
    let data = next_data(&mut ours, "t").await;
    assert_eq!(
        readings(&data),
        HashSet::from([reading(&robot, "cpu", 1.0)])
    );
    assert_quiet(
        spy.next_message(QUIET).await,
        "another organization's subscriber",
    );

    // The other subscriber is live: it receives its own organization's readings.
    ingest_ok(&app, &other.token, json!([point(&theirs, "cpu", t, 2.0)])).await;
    let data = next_data(&mut spy, "t").await;
    assert_eq!(
        readings(&data),
        HashSet::from([reading(&theirs, "cpu", 2.0)])
    );
    assert_quiet(
        ours.next_message(QUIET).await,
        "the first organization's subscriber",
    );
}

#[tokio::test]
async fn a_viewer_may_subscribe_to_telemetry() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "sub-viewer").await;
    let viewer = app.member(&owner, "VIEWER").await;
    let mut ws = app.ws(&viewer.token).await;
    ws.subscribe("v", TELEMETRY, json!({ "metrics": ["cpu"] }))
        .await;
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", base_time(), 3.0)]),
    )
    .await;
    let data = next_data(&mut ws, "v").await;
    assert_eq!(
        readings(&data),
        HashSet::from([reading(&robot, "cpu", 3.0)])
    );
}

#[tokio::test]
async fn a_site_restricted_member_only_receives_readings_and_status_changes_of_their_sites() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, mine, r1) = fleet(&app, "sub-sites").await;
    let elsewhere = app.create_site(&owner.token, "elsewhere").await;
    let r2 = app
        .create_robot(&owner.token, &elsewhere, None, "r-2")
        .await;
    let token = app.member_on_sites(&owner, "OPERATOR", &[&mine]).await;
    let mut ws = app.ws(&token).await;
    ws.subscribe("t", TELEMETRY, json!({})).await;
    // Naming an asset of another site does not widen the stream: it is refused, as the
    // asset's lookup is NOT_FOUND for this member.
    ws.subscribe("named", TELEMETRY, json!({ "assets": [r2] }))
        .await;
    assert_not_found(&mut ws, "named").await;
    ws.subscribe("s", STATUS, json!({})).await;

    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&r1, "cpu", t, 1.0), point(&r2, "cpu", t, 2.0)]),
    )
    .await;
    // Both robots were offline; the ingest brought both online: one status change each.
    let mut got_readings = None;
    let mut got_status = Vec::new();
    for _ in 0..2 {
        let message = ws.next_message(WS_WAIT).await.expect("a message");
        assert_eq!(message["type"], "next", "{message}");
        match message["id"].as_str() {
            Some("t") => got_readings = Some(message["payload"]["data"].clone()),
            Some("s") => got_status.push(message["payload"]["data"]["assetStatusChanged"].clone()),
            _ => panic!("unexpected {message}"),
        }
    }
    assert_eq!(
        readings(&got_readings.expect("the readings")),
        HashSet::from([reading(&r1, "cpu", 1.0)])
    );
    assert_eq!(got_status.len(), 1);
    assert_eq!(got_status[0]["assetId"], r1.as_str());
    assert_quiet(
        ws.next_message(QUIET).await,
        "a member restricted to another site",
    );
}

#[tokio::test]
async fn subscribing_without_credentials_is_refused() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "sub-anon").await;
    let mut ws = app.ws_connect().await;
    ws.send(json!({ "type": "connection_init" })).await;
    let ack = ws.next_message(WS_WAIT).await.expect("an answer");
    assert_eq!(ack["type"], "connection_ack");
    ws.subscribe("t", TELEMETRY, json!({})).await;
    let message = ws.next_message(WS_WAIT).await.expect("a refusal");
    // An `error`, or a `next` carrying the error: either way UNAUTHENTICATED and no data.
    let errors = match message["type"].as_str() {
        Some("error") => message["payload"].clone(),
        Some("next") => {
            assert!(message["payload"]["data"].is_null(), "{message}");
            message["payload"]["errors"].clone()
        }
        _ => panic!("expected a refusal, got {message}"),
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", base_time(), 1.0)]),
    )
    .await;
    let rest = ws.next_message(QUIET).await;
    assert!(
        rest.as_ref().is_none_or(|m| m["type"] == "complete"),
        "an anonymous socket receives no readings: {rest:?}"
    );

    // A token that is not valid closes the socket at `connection_init`.
    let mut ws = app.ws_connect().await;
    ws.send(
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer nonsense" } }),
    )
    .await;
    assert_eq!(ws.closed(WS_WAIT).await.map(|c| c.0), Some(4403));
}

// ---------------------------------------------------------------------------------------------
// assetStatusChanged

#[tokio::test]
async fn asset_status_changes_are_published_on_update_and_when_telemetry_resumes() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, site, r1) = fleet(&app, "sub-status").await;
    let other_site = app.create_site(&owner.token, "other").await;
    let r2 = app
        .create_robot(&owner.token, &other_site, None, "r-2")
        .await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("site", STATUS, json!({ "site": site })).await;
    let mut all = app.ws(&owner.token).await;
    all.subscribe("all", STATUS, json!({})).await;

    // Another site's change: only the unfiltered subscriber hears it.
    set_status(&app, &owner.token, &r2, "BUSY").await;
    let change = next_data(&mut all, "all").await["assetStatusChanged"].clone();
    assert_eq!(change["assetId"], r2.as_str());
    assert_eq!(change["siteId"], other_site.as_str());
    assert_eq!(
        (change["previous"].clone(), change["status"].clone()),
        (json!("OFFLINE"), json!("BUSY"))
    );
    assert_quiet(ws.next_message(QUIET).await, "a subscriber of another site");

    set_status(&app, &owner.token, &r1, "MAINTENANCE").await;
    let change = next_data(&mut ws, "site").await["assetStatusChanged"].clone();
    assert_eq!(change["assetId"], r1.as_str());
    assert_eq!(change["siteId"], site.as_str());
    assert_eq!(change["code"], "R-1");
    assert_eq!(change["previous"], "OFFLINE");
    assert_eq!(change["status"], "MAINTENANCE");
    assert_eq!(change["reason"], "manual update");
    assert!(change["at"].is_string());

    // Not a change: nothing published.
    set_status(&app, &owner.token, &r1, "MAINTENANCE").await;
    set_status(&app, &owner.token, &r1, "OFFLINE").await;
    let change = next_data(&mut ws, "site").await["assetStatusChanged"].clone();
    assert_eq!(
        (change["previous"].clone(), change["status"].clone()),
        (json!("MAINTENANCE"), json!("OFFLINE"))
    );

    // An offline robot that reports is online again.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&r1, "cpu", Utc::now(), 1.0)]),
    )
    .await;
    let change = next_data(&mut ws, "site").await["assetStatusChanged"].clone();
    assert_eq!(change["assetId"], r1.as_str());
    assert_eq!(change["previous"], "OFFLINE");
    assert_eq!(change["status"], "ONLINE");
    assert_eq!(change["reason"], "telemetry resumed");
    // Reporting again while online changes nothing.
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&r1, "cpu", Utc::now(), 2.0)]),
    )
    .await;
    assert_quiet(
        ws.next_message(QUIET).await,
        "a subscriber of an asset that stayed online",
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials that stop being valid

/// The re-check period is shortened to one second here (`--ws-revalidate-seconds`).
#[tokio::test]
async fn logging_out_or_revoking_the_api_key_closes_the_socket_with_4403() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn_with(|c| c.ws_revalidate_seconds = 1).await;
    let (owner, _, _) = fleet(&app, "sub-revoke").await;
    let (key_id, secret) = app.api_key(&owner, &["telemetry:read"], None).await;
    let member = app.member(&owner, "VIEWER").await;
    let mut by_session = app.ws(&member.token).await;
    by_session.subscribe("t", TELEMETRY, json!({})).await;
    let mut by_key = app.ws(&secret).await;
    by_key.subscribe("t", TELEMETRY, json!({})).await;

    let body = app
        .gql(
            Some(&member.token),
            "mutation { logout { success } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }",
            json!({ "id": key_id }),
        )
        .await;
    assert_ok(&body);
    let limit = Duration::from_secs(10);
    // Both read at once: a socket nobody reads does not answer the server's pings, and would be
    // closed as dead (1001) before its credentials are checked again.
    let (session_closed, key_closed) = tokio::join!(by_session.closed(limit), by_key.closed(limit));
    assert_eq!(session_closed.map(|c| c.0), Some(4403));
    assert_eq!(key_closed.map(|c| c.0), Some(4403));
}

// ---------------------------------------------------------------------------------------------
// Scale-out: two app instances on one database

#[tokio::test]
async fn a_subscriber_on_a_second_instance_receives_telemetry_only_through_redis() {
    let _bus = crate::helpers::BUS.read().await;
    let a = TestApp::spawn().await;
    let b = a.spawn_sibling().await;
    let (owner, _, robot) = fleet(&a, "sub-scale").await;
    let (other, _, _) = fleet(&a, "sub-scale-other").await;

    // The instances share the database: B knows A's sessions and assets.
    let body = b
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { code } }",
            json!({ "id": robot }),
        )
        .await;
    assert_eq!(body["data"]["asset"]["code"], "R-1", "{body}");

    let mut on_a = a.ws(&owner.token).await;
    on_a.subscribe("t", TELEMETRY, json!({})).await;
    let mut on_b = b.ws(&owner.token).await;
    on_b.subscribe("t", TELEMETRY, json!({})).await;
    let mut spy_on_b = b.ws(&other.token).await;
    spy_on_b.subscribe("t", TELEMETRY, json!({})).await;

    ingest_ok(
        &a,
        &owner.token,
        json!([point(&robot, "cpu", base_time(), 1.0)]),
    )
    .await;
    let expected = HashSet::from([reading(&robot, "cpu", 1.0)]);
    assert_eq!(readings(&next_data(&mut on_a, "t").await), expected);

    if std::env::var("TEST_REDIS_URL").is_ok() {
        // Redis carries the event to every instance.
        assert_eq!(readings(&next_data(&mut on_b, "t").await), expected);
    } else {
        // The in-process bus is per process: B never hears what A published. This is why a
        // deployment of more than one instance needs --redis-url.
        assert_quiet(on_b.next_message(QUIET).await, "instance B without Redis");
    }
    assert_quiet(
        spy_on_b.next_message(QUIET).await,
        "another organization's subscriber on B",
    );
}

// ---------------------------------------------------------------------------------------------
// shared executions: identical subscriptions (same request, callers who see the same things)
// run once and share their serialised payloads. These pin that sharing never mixes up
// operation ids, selection sets, variables, organizations or site restrictions.

/// The next `next` message of each of `ids`, in whatever order they arrive.
async fn next_of_each(ws: &mut WsClient, ids: &[&str]) -> HashMap<String, Value> {
    let mut got = HashMap::new();
    while got.len() < ids.len() {
        let message = ws
            .next_message(WS_WAIT)
            .await
            .unwrap_or_else(|| panic!("only {got:?} of {ids:?} arrived"));
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        let id = str_of(&message["id"]);
        assert!(ids.contains(&id.as_str()), "unexpected {message}");
        let previous = got.insert(id, message["payload"]["data"].clone());
        assert!(previous.is_none(), "two messages for one id: {message}");
    }
    got
}

#[tokio::test]
async fn identical_subscriptions_each_receive_every_batch_under_their_own_id() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "sub-shared").await;
    // Two operations of one socket and one of another socket: one shared execution.
    let mut first = app.ws(&owner.token).await;
    first.subscribe("a", TELEMETRY, json!({})).await;
    first.subscribe("b", TELEMETRY, json!({})).await;
    let mut second = app.ws(&owner.token).await;
    second.subscribe("c", TELEMETRY, json!({})).await;

    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", t, 1.0), point(&robot, "temp", t, 2.0)]),
    )
    .await;
    let expected = HashSet::from([reading(&robot, "cpu", 1.0), reading(&robot, "temp", 2.0)]);
    let got = next_of_each(&mut first, &["a", "b"]).await;
    assert_eq!(got["a"], got["b"]);
    assert_eq!(readings(&got["a"]), expected);
    assert_eq!(readings(&next_data(&mut second, "c").await), expected);

    // Members that leave do not end the stream of the others.
    first.send(json!({ "type": "complete", "id": "a" })).await;
    drop(second);
    let t2 = t + chrono::Duration::seconds(1);
    ingest_ok(&app, &owner.token, json!([point(&robot, "cpu", t2, 3.0)])).await;
    assert_eq!(
        readings(&next_data(&mut first, "b").await),
        HashSet::from([reading(&robot, "cpu", 3.0)])
    );
    assert_quiet(first.next_message(QUIET).await, "a completed operation");

    // Once every member has left, the same subscription starts afresh.
    first.send(json!({ "type": "complete", "id": "b" })).await;
    let mut third = app.ws(&owner.token).await;
    third.subscribe("d", TELEMETRY, json!({})).await;
    let t3 = t + chrono::Duration::seconds(2);
    ingest_ok(&app, &owner.token, json!([point(&robot, "cpu", t3, 4.0)])).await;
    assert_eq!(
        readings(&next_data(&mut third, "d").await),
        HashSet::from([reading(&robot, "cpu", 4.0)])
    );
    assert_quiet(
        first.next_message(QUIET).await,
        "a socket whose operations completed",
    );
}

#[tokio::test]
async fn subscriptions_differing_in_selection_variables_organization_or_sites_get_their_own_payloads()
 {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let (owner, mine, r1) = fleet(&app, "sub-shared-apart").await;
    let elsewhere = app.create_site(&owner.token, "elsewhere").await;
    let r2 = app
        .create_robot(&owner.token, &elsewhere, None, "r-2")
        .await;
    // Same role, so the same permissions: only the site restriction tells them apart.
    let viewer = app.member(&owner, "VIEWER").await;
    let restricted = app.member_on_sites(&owner, "VIEWER", &[&mine]).await;
    let (other, _, theirs) = fleet(&app, "sub-shared-other").await;
    const SMALL: &str = "subscription { telemetry { readings { assetId value } } }";

    let mut ours = app.ws(&viewer.token).await;
    ours.subscribe("all", TELEMETRY, json!({})).await;
    ours.subscribe("cpu", TELEMETRY, json!({ "metrics": ["cpu"] }))
        .await;
    ours.subscribe("small", SMALL, json!({})).await;
    let mut narrow = app.ws(&restricted).await;
    narrow.subscribe("all", TELEMETRY, json!({})).await;
    let mut spy = app.ws(&other.token).await;
    spy.subscribe("all", TELEMETRY, json!({})).await;
    spy.subscribe("named", TELEMETRY, json!({ "assets": [r1] }))
        .await;
    assert_not_found(&mut spy, "named").await;

    let t = base_time();
    ingest_ok(
        &app,
        &owner.token,
        json!([
            point(&r1, "cpu", t, 1.0),
            point(&r1, "temp", t, 2.0),
            point(&r2, "cpu", t, 3.0),
        ]),
    )
    .await;
    let got = next_of_each(&mut ours, &["all", "cpu", "small"]).await;
    assert_eq!(
        readings(&got["all"]),
        HashSet::from([
            reading(&r1, "cpu", 1.0),
            reading(&r1, "temp", 2.0),
            reading(&r2, "cpu", 3.0),
        ])
    );
    assert_eq!(
        readings(&got["cpu"]),
        HashSet::from([reading(&r1, "cpu", 1.0), reading(&r2, "cpu", 3.0)])
    );
    let small = got["small"]["telemetry"]["readings"]
        .as_array()
        .expect("readings");
    assert_eq!(small.len(), 3, "{small:?}");
    for r in small {
        let fields: HashSet<&str> = r
            .as_object()
            .expect("a reading")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(fields, HashSet::from(["assetId", "value"]), "{r}");
    }
    assert_eq!(
        readings(&next_data(&mut narrow, "all").await),
        HashSet::from([reading(&r1, "cpu", 1.0), reading(&r1, "temp", 2.0)])
    );
    assert_quiet(
        narrow.next_message(QUIET).await,
        "a member of one site after its batch",
    );
    assert_quiet(
        spy.next_message(QUIET).await,
        "another organization's subscriber",
    );

    // The other organization's identical subscription is live and gets only its own readings.
    ingest_ok(&app, &other.token, json!([point(&theirs, "cpu", t, 4.0)])).await;
    assert_eq!(
        readings(&next_data(&mut spy, "all").await),
        HashSet::from([reading(&theirs, "cpu", 4.0)])
    );
    assert_quiet(
        spy.next_message(QUIET).await,
        "a subscriber of another organization's asset",
    );
    assert_quiet(
        ours.next_message(QUIET).await,
        "the first organization's subscriber",
    );
    assert_quiet(
        narrow.next_message(QUIET).await,
        "the first organization's member",
    );
}

const ALERT_EVENTS: &str = "subscription($kinds: [AlertEventKind!], $after: String) {
    alerts(kinds: $kinds, after: $after) { seq kind alert { id severity status value } } }";

/// (seq, kind, severity, status) of the next `alerts` event of operation `id`.
async fn next_alert(ws: &mut WsClient, id: &str) -> (String, String, String, String) {
    let data = next_data(ws, id).await;
    let e = &data["alerts"];
    (
        str_of(&e["seq"]),
        str_of(&e["kind"]),
        str_of(&e["alert"]["severity"]),
        str_of(&e["alert"]["status"]),
    )
}

async fn raise_manual(app: &TestApp, token: &str, title: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($title: String!) { raiseAlert(input: { severity: INFO, title: $title }) { alert { id } } }",
            json!({ "title": title }),
        )
        .await;
    assert_ok(&body);
    str_of(&body["data"]["raiseAlert"]["alert"]["id"])
}

async fn alert_transition(app: &TestApp, token: &str, mutation: &str, id: &str) {
    let body = app
        .gql(
            Some(token),
            &format!(
                "mutation($id: ID!) {{ {mutation}(input: {{ id: $id }}) {{ alert {{ id }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await;
    assert_ok(&body);
}

/// Raises a cpu alert on a fresh robot of `app` and walks it through value-only updates, an
/// escalation, an acknowledgement and a clearance; returns (seq, kind, severity, status) of
/// every event a subscriber received, up to the RESOLVED one.
async fn alert_events_of_a_noisy_breach(app: &TestApp) -> Vec<(String, String, String, String)> {
    let (owner, _site, robot) = fleet(app, "alert-noise").await;
    let token = &owner.token;
    let mut ws = app.ws(token).await;
    ws.subscribe("a", ALERT_EVENTS, json!({})).await;
    let t0 = base_time();
    let cpu = |s: i64, value: f64| {
        json!([point(
            &robot,
            "cpu",
            t0 + chrono::Duration::seconds(s),
            value
        )])
    };
    // The default cpu rule: warning at 70, critical at 90, clear below 65.
    ingest_ok(app, token, cpu(0, 75.0)).await; // 1 RAISED
    for s in 1..=3 {
        ingest_ok(app, token, cpu(s, 75.0 + s as f64)).await; // 2-4 UPDATED, value only
    }
    ingest_ok(app, token, cpu(4, 95.0)).await; // 5 UPDATED, critical now
    let body = app
        .gql(
            Some(token),
            "{ alerts(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let id = str_of(&body["data"]["alerts"]["edges"][0]["node"]["id"]);
    alert_transition(app, token, "acknowledgeAlert", &id).await; // 6 ACKNOWLEDGED
    ingest_ok(app, token, cpu(5, 96.0)).await; // 7 UPDATED, value only
    ingest_ok(app, token, cpu(6, 20.0)).await; // 8 RESOLVED
    let mut received = Vec::new();
    loop {
        let event = next_alert(&mut ws, "a").await;
        let resolved = event.1 == "RESOLVED";
        received.push(event);
        if resolved {
            assert_quiet(ws.next_message(QUIET).await, "a subscriber after RESOLVED");
            return received;
        }
    }
}

#[tokio::test]
async fn value_only_alert_updates_are_held_back_while_changes_of_severity_status_or_acknowledgement_come_at_once()
 {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let event = |seq: &str, kind: &str, severity: &str, status: &str| {
        (
            seq.to_owned(),
            kind.to_owned(),
            severity.to_owned(),
            status.to_owned(),
        )
    };
    assert_eq!(
        alert_events_of_a_noisy_breach(&app).await,
        [
            event("1", "RAISED", "WARNING", "OPEN"),
            event("5", "UPDATED", "CRITICAL", "OPEN"),
            event("6", "ACKNOWLEDGED", "CRITICAL", "ACKNOWLEDGED"),
            event("8", "RESOLVED", "CRITICAL", "RESOLVED"),
        ]
    );
    // With an interval of 0 every update is sent, as the log has them.
    let eager = TestApp::spawn_with(|c| c.alert_update_interval_seconds = 0).await;
    let kinds: Vec<String> = alert_events_of_a_noisy_breach(&eager)
        .await
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(
        kinds,
        [
            "RAISED",
            "UPDATED",
            "UPDATED",
            "UPDATED",
            "UPDATED",
            "ACKNOWLEDGED",
            "UPDATED",
            "RESOLVED"
        ]
    );
}

#[tokio::test]
async fn an_alerts_subscription_can_be_limited_to_some_event_kinds() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&crate::helpers::slug("alert-kinds")).await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe(
        "a",
        ALERT_EVENTS,
        json!({ "kinds": ["ACKNOWLEDGED", "RESOLVED"] }),
    )
    .await;
    let id = raise_manual(&app, &owner.token, "one").await;
    alert_transition(&app, &owner.token, "acknowledgeAlert", &id).await;
    alert_transition(&app, &owner.token, "resolveAlert", &id).await;
    assert_eq!(next_alert(&mut ws, "a").await.1, "ACKNOWLEDGED");
    assert_eq!(next_alert(&mut ws, "a").await.1, "RESOLVED");
    assert_quiet(ws.next_message(QUIET).await, "a subscriber of two kinds");
}

#[tokio::test]
async fn an_alerts_subscription_resumes_after_a_cursor_from_the_log_then_goes_live() {
    let _bus = crate::helpers::BUS.read().await;
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&crate::helpers::slug("alert-resume")).await;
    for n in 1..=3 {
        raise_manual(&app, &owner.token, &format!("a{n}")).await;
    }
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("a", ALERT_EVENTS, json!({ "after": "1" }))
        .await;
    assert_eq!(next_alert(&mut ws, "a").await.0, "2");
    assert_eq!(next_alert(&mut ws, "a").await.0, "3");
    raise_manual(&app, &owner.token, "a4").await;
    assert_eq!(next_alert(&mut ws, "a").await.0, "4");
    assert_quiet(ws.next_message(QUIET).await, "a resumed subscriber");
    // A forged cursor is refused before any event.
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe("b", ALERT_EVENTS, json!({ "after": "x" }))
        .await;
    let message = ws.next_message(WS_WAIT).await.expect("an answer");
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{message}"
    );
    assert_eq!(message["payload"][0]["extensions"]["field"], "after");
    // So is one the organization never reached (4 events so far), which would otherwise
    // silently skip every event up to it.
    ws.subscribe("c", ALERT_EVENTS, json!({ "after": "40" }))
        .await;
    let message = ws.next_message(WS_WAIT).await.expect("an answer");
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{message}"
    );
    assert_eq!(message["payload"][0]["extensions"]["field"], "after");
}
