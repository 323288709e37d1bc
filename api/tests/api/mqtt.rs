//! The MQTT bridge against a real broker: set `TEST_MQTT_URL` (e.g. `mqtt://127.0.0.1:1883`,
//! a local Mosquitto); without it these tests return at once.
//!
//! Every test app subscribes to every organization's topics on the one broker, so each test uses
//! its own organizations (unique slugs); the other apps count those messages as unknown.

use std::time::Duration;

use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, slug};

const WAIT: Duration = Duration::from_secs(10);

/// The broker URL with a share group of its own: concurrent tests share one broker, and apps of
/// different tests (different databases) must not take each other's messages. Apps given the
/// same URL act as replicas of one deployment.
fn mqtt_url() -> Option<String> {
    let url = std::env::var("TEST_MQTT_URL").ok()?;
    let group = format!("fgt-{}", Uuid::now_v7().simple());
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}share={group}"))
}

/// A device: a plain MQTT client publishing at QoS 1.
struct Device {
    client: AsyncClient,
    task: tokio::task::JoinHandle<()>,
}

impl Device {
    fn connect(url: &str) -> Self {
        let broker = url::Url::parse(url).expect("TEST_MQTT_URL is a URL");
        let id = format!("fgt-dev-{}", &Uuid::now_v7().simple().to_string()[20..]);
        let mut options = MqttOptions::new(
            id,
            broker.host_str().expect("a host"),
            broker.port().unwrap_or(1883),
        );
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let task = tokio::spawn(async move {
            loop {
                if eventloop.poll().await.is_err() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Self { client, task }
    }

    async fn publish(&self, slug: &str, code: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(
                format!("fleetgraph/{slug}/{code}/telemetry"),
                QoS::AtLeastOnce,
                false,
                payload,
            )
            .await
            .expect("the publish is queued");
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An organization with one site, for assets to be created in.
async fn organization(app: &TestApp, prefix: &str) -> (Session, String) {
    let owner = app.sign_up(&slug(prefix)).await;
    let site = app.create_site(&owner.token, "S1").await;
    (owner, site)
}

async fn latest(app: &TestApp, token: &str, asset_id: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!) { asset(id: $id) { latest { metric value ts quality unit } } }",
            json!({ "id": asset_id }),
        )
        .await;
    body["data"]["asset"]["latest"]
        .as_array()
        .unwrap_or_else(|| panic!("latest failed: {body}"))
        .clone()
}

fn millis(ts: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts.as_str().expect("ts is a string"))
        .expect("ts is RFC 3339")
        .timestamp_millis()
}

fn find<'a>(values: &'a [Value], metric: &str) -> Option<&'a Value> {
    values.iter().find(|v| v["metric"] == metric)
}

/// Publishes `payload` (again every second: the bridge may still be subscribing) until the
/// asset's latest `metric` equals `value`, and returns that latest value.
async fn publish_until(
    app: &TestApp,
    device: &Device,
    owner: &Session,
    (code, asset_id): (&str, &str),
    payload: &Value,
    (metric, value): (&str, f64),
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        device.publish(&owner.slug, code, payload.to_string()).await;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let values = latest(app, &owner.token, asset_id).await;
            if let Some(v) = find(&values, metric).filter(|v| v["value"] == value) {
                return v.clone();
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{metric} = {value} never arrived over MQTT (payload {payload})"
        );
    }
}

#[tokio::test]
async fn single_points_and_arrays_arrive_with_and_without_timestamps() {
    let Some(url) = mqtt_url() else { return };
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(url.clone())).await;
    let (owner, site) = organization(&app, "mqtt-ok").await;
    let robot = app
        .create_robot(&owner.token, &site, None, "R-MQTT-1")
        .await;
    let device = Device::connect(&url);
    let asset = ("R-MQTT-1", robot.as_str());

    // One point, no timestamp: stamped on arrival.
    let v = publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "cpu", "value": 42.5 }),
        ("cpu", 42.5),
    )
    .await;
    assert_eq!(v["quality"], "GOOD");

    // An array, timestamps in both forms, quality and unit; the asset code is case-insensitive.
    let ts = chrono::Utc::now() - chrono::Duration::seconds(5);
    let ts_text = ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let payload = json!([
        { "metric": "temp", "value": 21.5, "ts": ts_text, "unit": "C", "quality": "uncertain" },
        { "metric": "load", "value": 0.75, "ts": ts.timestamp_millis() },
    ]);
    let v = publish_until(
        &app,
        &device,
        &owner,
        ("r-mqtt-1", robot.as_str()),
        &payload,
        ("temp", 21.5),
    )
    .await;
    assert_eq!(millis(&v["ts"]), ts.timestamp_millis());
    assert_eq!(v["unit"], "C");
    assert_eq!(v["quality"], "UNCERTAIN");
    let values = latest(&app, &owner.token, &robot).await;
    let load = find(&values, "load").expect("the second point of the array");
    assert_eq!(load["value"], 0.75);
    assert_eq!(millis(&load["ts"]), ts.timestamp_millis());
}

#[tokio::test]
async fn malformed_payloads_do_not_stop_the_bridge() {
    let Some(url) = mqtt_url() else { return };
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(url.clone())).await;
    let (owner, site) = organization(&app, "mqtt-bad").await;
    let robot = app
        .create_robot(&owner.token, &site, None, "R-MQTT-2")
        .await;
    let device = Device::connect(&url);
    let asset = ("R-MQTT-2", robot.as_str());
    publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "cpu", "value": 1 }),
        ("cpu", 1.0),
    )
    .await;

    let too_many = vec![json!({ "metric": "cpu", "value": 99 }); 10_001];
    for payload in [
        b"not json".to_vec(),
        b"[]".to_vec(),
        br#"{"metric": "cpu", "value": "99"}"#.to_vec(),
        br#"{"metric": "cpu", "value": 1e999}"#.to_vec(),
        br#"[{"metric": "cpu", "value": 99}, {"metric": "cpu"}]"#.to_vec(),
        Value::Array(too_many).to_string().into_bytes(),
        // Well-formed, but refused point by point by the ingest path.
        br#"{"metric": "Not A Key", "value": 99}"#.to_vec(),
    ] {
        device.publish(&owner.slug, "R-MQTT-2", payload).await;
    }
    // A good message sent after all of them still arrives, and none of the bad ones got in.
    publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "cpu", "value": 2 }),
        ("cpu", 2.0),
    )
    .await;
    let values = latest(&app, &owner.token, &robot).await;
    assert_eq!(values.len(), 1, "only cpu was stored: {values:?}");
}

#[tokio::test]
async fn an_organizations_topic_reaches_only_its_own_assets() {
    let Some(url) = mqtt_url() else { return };
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(url.clone())).await;
    let (a, site_a) = organization(&app, "mqtt-a").await;
    let (b, site_b) = organization(&app, "mqtt-b").await;
    let only_a = app.create_robot(&a.token, &site_a, None, "R-ONLY-A").await;
    let same_a = app.create_robot(&a.token, &site_a, None, "R-SAME").await;
    let same_b = app.create_robot(&b.token, &site_b, None, "R-SAME").await;
    let device = Device::connect(&url);

    // B's slug with A's asset code: an unknown asset in B, refused.
    device
        .publish(
            &b.slug,
            "R-ONLY-A",
            json!({ "metric": "intrusion", "value": 666 }).to_string(),
        )
        .await;
    // B's slug with a code both organizations use: B's asset, never A's.
    publish_until(
        &app,
        &device,
        &b,
        ("R-SAME", same_b.as_str()),
        &json!({ "metric": "intrusion", "value": 7 }),
        ("intrusion", 7.0),
    )
    .await;
    // A sync point on A's own topic, published after the refused message: once it is in, the
    // earlier message has been handled.
    publish_until(
        &app,
        &device,
        &a,
        ("R-ONLY-A", only_a.as_str()),
        &json!({ "metric": "cpu", "value": 3 }),
        ("cpu", 3.0),
    )
    .await;
    let values = latest(&app, &a.token, &only_a).await;
    assert!(find(&values, "intrusion").is_none(), "{values:?}");
    assert!(latest(&app, &a.token, &same_a).await.is_empty());
    // And B cannot read A's asset at all.
    let body = app
        .gql(
            Some(&b.token),
            "query($id: ID!) { asset(id: $id) { id } }",
            json!({ "id": only_a }),
        )
        .await;
    crate::helpers::assert_code(&body, "NOT_FOUND");
}

#[tokio::test]
async fn the_bridge_reconnects_and_resubscribes_after_losing_its_connection() {
    let Some(url) = mqtt_url() else { return };
    let client_id = format!("fgt-bridge-{}", &Uuid::now_v7().simple().to_string()[20..]);
    let bridge_url = format!("{url}&client_id={client_id}");
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(bridge_url)).await;
    let (owner, site) = organization(&app, "mqtt-re").await;
    let robot = app
        .create_robot(&owner.token, &site, None, "R-MQTT-3")
        .await;
    let device = Device::connect(&url);
    let asset = ("R-MQTT-3", robot.as_str());
    publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "cpu", "value": 1 }),
        ("cpu", 1.0),
    )
    .await;

    // A client with the bridge's id takes its session over: the broker drops the bridge, whose
    // new session (clean) has no subscription until the bridge issues it again.
    let broker = url::Url::parse(&url).expect("TEST_MQTT_URL is a URL");
    let options = MqttOptions::new(
        client_id,
        broker.host_str().expect("a host"),
        broker.port().unwrap_or(1883),
    );
    let (_intruder, mut eventloop) = AsyncClient::new(options, 8);
    tokio::time::timeout(WAIT, async {
        while !matches!(
            eventloop.poll().await,
            Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_)))
        ) {}
    })
    .await
    .expect("the intruder connects");
    drop(eventloop);

    publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "cpu", "value": 2 }),
        ("cpu", 2.0),
    )
    .await;
}

#[tokio::test]
async fn two_replicas_sharing_the_subscription_store_each_message_once() {
    let Some(url) = mqtt_url() else { return };
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(url.clone())).await;
    let (owner, site) = organization(&app, "mqtt-share").await;
    let robot = app
        .create_robot(&owner.token, &site, None, "R-MQTT-S")
        .await;
    let device = Device::connect(&url);
    let asset = ("R-MQTT-S", robot.as_str());
    // The first replica is subscribed once this arrives.
    publish_until(
        &app,
        &device,
        &owner,
        asset,
        &json!({ "metric": "warmup", "value": 1 }),
        ("warmup", 1.0),
    )
    .await;
    // A second replica of the same deployment: same database, same broker URL (same group).
    let sibling = app
        .spawn_sibling_with(|c| c.mqtt_url = Some(url.clone()))
        .await;
    let robot_id = Uuid::parse_str(&robot).unwrap();
    // Until the sibling has subscribed the broker delivers everything to the first replica; give
    // it time, then send points without `ts`. Each message has its own metric, so two messages
    // never meet in one (asset, metric, ts) row: every message must be stored, exactly once.
    // (The broker gives each message to one replica of the group. Without the group both would
    // ingest it, but each stamps it with its arrival time, usually the same millisecond, so a
    // duplicate mostly collapses into one row: this test cannot tell sharing from not sharing,
    // and the filter itself is checked by the bridge's unit tests.)
    tokio::time::sleep(Duration::from_secs(2)).await;
    const SENT: usize = 20;
    for i in 0..SENT {
        device
            .publish(
                &owner.slug,
                "R-MQTT-S",
                json!({ "metric": format!("shared_{i}"), "value": i }).to_string(),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let count = || async {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::telemetry_points::Entity::find()
            .filter(entity::telemetry_points::Column::AssetId.eq(robot_id))
            .filter(entity::telemetry_points::Column::Metric.starts_with("shared_"))
            .count(&app.db.conn)
            .await
            .unwrap()
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while count().await < SENT as u64 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Anything delivered twice would show up within a moment of the last one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count().await,
        SENT as u64,
        "each message stored exactly once"
    );
    drop(sibling);
}
