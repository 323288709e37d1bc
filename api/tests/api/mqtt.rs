//! The MQTT bridge against a real broker: set `TEST_MQTT_URL` (e.g. `mqtt://127.0.0.1:1883`,
//! a local Mosquitto); without it these tests return at once.
//!
//! Every test app subscribes to every organization's topics on the one broker, so each test uses
//! its own organizations (unique slugs); the other apps count those messages as unknown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, slug};
use crate::ingest::{hold_writers, refuse_boom};
use crate::telemetry::INGEST;

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

/// Host and port of the broker of `url`.
fn broker(url: &str) -> (String, u16) {
    let broker = url::Url::parse(url).expect("TEST_MQTT_URL is a URL");
    let host = broker.host_str().expect("a host").to_owned();
    (host, broker.port().unwrap_or(1883))
}

impl Device {
    fn connect(url: &str) -> Self {
        Self::connect_with_limit(url, 1 << 20)
    }

    /// A device that may publish packets of up to `max_packet` bytes.
    fn connect_with_limit(url: &str, max_packet: usize) -> Self {
        let (host, port) = broker(url);
        let id = format!("fgt-dev-{}", &Uuid::now_v7().simple().to_string()[20..]);
        let mut options = MqttOptions::new(id, host, port);
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(1 << 20, max_packet);
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

    /// A retained publish: the broker keeps it and replays it to every new subscription.
    async fn publish_retained(&self, slug: &str, code: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(
                format!("fleetgraph/{slug}/{code}/telemetry"),
                QoS::AtLeastOnce,
                true,
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

/// The bridge's counters, as `/readyz` reports them.
async fn bridge_stats(app: &TestApp) -> Value {
    let body: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("the request is sent")
        .json()
        .await
        .expect("a JSON body");
    assert!(body["mqtt"].is_object(), "no bridge counters: {body}");
    body["mqtt"].clone()
}

/// Stored points of `asset_id` whose metric starts with `prefix`.
async fn stored(app: &TestApp, asset_id: &str, prefix: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entity::telemetry_points::Entity::find()
        .filter(entity::telemetry_points::Column::AssetId.eq(Uuid::parse_str(asset_id).unwrap()))
        .filter(entity::telemetry_points::Column::Metric.starts_with(prefix))
        .count(&app.db.conn)
        .await
        .unwrap()
}

/// Waits (up to [`WAIT`]) until `asset_id` has `expected` points whose metric starts with
/// `prefix`, and asserts that it has exactly that many.
async fn wait_for_points(app: &TestApp, asset_id: &str, prefix: &str, expected: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while stored(app, asset_id, prefix).await < expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        stored(app, asset_id, prefix).await,
        expected,
        "points of {prefix}*"
    );
}

/// Ends the broker's session of `client_id` (one kept on shutdown), so that the broker does
/// not go on queueing messages for it after the test.
async fn forget_session(url: &str, client_id: &str) {
    let (host, port) = broker(url);
    let mut options = MqttOptions::new(client_id, host, port);
    options.set_clean_session(true);
    let (client, mut eventloop) = AsyncClient::new(options, 8);
    let _ = tokio::time::timeout(WAIT, async {
        while !matches!(
            eventloop.poll().await,
            Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_)))
        ) {}
        let _ = client.disconnect().await;
        while !matches!(
            eventloop.poll().await,
            Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_)
        ) {}
    })
    .await;
}

/// A Mosquitto of the test's own, on a free port, stopped (by its pid) when dropped: for a
/// test whose messages must not reach the bridges of other tests (and of other checkouts) that
/// share the `TEST_MQTT_URL` broker.
struct OwnBroker {
    child: std::process::Child,
    dir: std::path::PathBuf,
    url: String,
}

impl OwnBroker {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("fgt-mosquitto-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap();
        let program = ["mosquitto", "/usr/sbin/mosquitto"]
            .into_iter()
            .find(|p| std::process::Command::new(p).arg("-h").output().is_ok())
            .expect("this test runs a broker of its own: install mosquitto");
        let child = std::process::Command::new(program)
            .arg("-c")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        let broker = Self {
            child,
            dir,
            url: format!("mqtt://127.0.0.1:{port}"),
        };
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "mosquitto did not listen"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        broker
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP proxy in front of the broker that can cut the bridge off: [`Proxy::cut`] drops every
/// connection through it and closes new ones at once until [`Proxy::restore`].
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(url: &str) -> Self {
        let (host, port) = broker(url);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let proxy_port = listener.local_addr().unwrap().port();
        let task = tokio::spawn({
            let (open, connections) = (open.clone(), connections.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        continue;
                    }
                    let (host, port) = (host.clone(), port);
                    let forward = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect((host, port)).await
                        {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections.lock().unwrap().push(forward.abort_handle());
                }
            }
        });
        Self {
            port: proxy_port,
            open,
            connections,
            task,
        }
    }

    /// `url` (its query: share group, client id) through this proxy.
    fn url(&self, url: &str) -> String {
        let mut url = url::Url::parse(url).expect("a URL");
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
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
    app.shutdown().await;
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
    app.shutdown().await;
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
    app.shutdown().await;
}

#[tokio::test]
async fn the_bridge_reconnects_and_resubscribes_after_losing_its_connection() {
    let Some(url) = mqtt_url() else { return };
    let client_id = format!("fgt-bridge-{}", &Uuid::now_v7().simple().to_string()[20..]);
    let bridge_url = format!("{url}&client_id={client_id}");
    let intruder_id = client_id.clone();
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
        intruder_id,
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
    // A client id from the URL keeps its session on shutdown, for the next process with it.
    app.shutdown().await;
    forget_session(&url, &client_id).await;
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
    sibling.shutdown().await;
    app.shutdown().await;
}

/// An organization with one robot, a bridge subscribed (a first point has arrived), and a
/// device: (app, owner, robot id, device).
async fn subscribed(url: &str, prefix: &str, code: &str) -> (TestApp, Session, String, Device) {
    let app = TestApp::spawn_with(|c| c.mqtt_url = Some(url.to_owned())).await;
    let (owner, site) = organization(&app, prefix).await;
    let robot = app.create_robot(&owner.token, &site, None, code).await;
    let device = Device::connect(url);
    publish_until(
        &app,
        &device,
        &owner,
        (code, robot.as_str()),
        &json!({ "metric": "warmup", "value": 1 }),
        ("warmup", 1.0),
    )
    .await;
    (app, owner, robot, device)
}

/// A robot `code` on a second site of the organization: its id.
async fn second_robot(app: &TestApp, owner: &Session, code: &str) -> String {
    let site = app.create_site(&owner.token, "S2").await;
    app.create_robot(&owner.token, &site, None, code).await
}

/// A point of metric `metric` at `ms` (epoch milliseconds).
fn at(metric: &str, value: f64, ms: i64) -> Value {
    json!({ "metric": metric, "value": value, "ts": ms })
}

/// Issue 16: a message over rumqttc's packet limit (4 MiB) used to drop the bridge's
/// connection, and what other devices published until it was back was lost.
#[tokio::test]
async fn an_oversized_message_is_refused_alone_and_the_bridge_keeps_its_connection() {
    if mqtt_url().is_none() {
        return;
    }
    // Its own broker: bridges of other versions would lose their connection to this message.
    let broker = OwnBroker::start().await;
    let url = format!("{}?share=fgt-big", broker.url);
    let (app, owner, robot, device) = subscribed(&url, "mqtt-big", "R-BIG").await;
    let big = Device::connect_with_limit(&url, 8 << 20);
    // Well-formed, and over the limit: a point with 5 MiB of padding.
    let pad = " ".repeat(5 << 20);
    let oversized = format!(r#"{{"metric": "big", "value": 1, "pad": "{pad}"}}"#);
    let t0 = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    const SENT: i64 = 40;
    for i in 0..SENT {
        if i == 10 {
            big.publish(&owner.slug, "R-BIG", oversized.clone()).await;
        }
        let point = at("seq", i as f64, t0 + i);
        device
            .publish(&owner.slug, "R-BIG", point.to_string())
            .await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_for_points(&app, &robot, "seq", SENT as u64).await;
    assert_eq!(stored(&app, &robot, "big").await, 0);
    let stats = bridge_stats(&app).await;
    assert_eq!(stats["oversizedPayloads"], 1, "{stats}");
    assert_eq!(stats["reconnects"], 0, "{stats}");
    app.shutdown().await;
    drop(broker);
}

/// The bridge's session survives a reconnect: what devices publish while the bridge is cut
/// off is queued by the broker and delivered when it is back (before, each connection began a
/// clean session, and the broker dropped those messages for want of a subscriber).
#[tokio::test]
async fn points_published_while_the_bridge_reconnects_are_delivered_once_it_is_back() {
    let Some(url) = mqtt_url() else { return };
    let proxy = Proxy::start(&url).await;
    let (app, owner, robot, device) = subscribed(&proxy.url(&url), "mqtt-gap", "R-GAP").await;
    let device_direct = Device::connect(&url);
    drop(device);
    proxy.cut();
    let t0 = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    const SENT: i64 = 20;
    for i in 0..SENT {
        let point = at("gap", i as f64, t0 + i);
        device_direct
            .publish(&owner.slug, "R-GAP", point.to_string())
            .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stored(&app, &robot, "gap").await,
        0,
        "the bridge was cut off"
    );
    proxy.restore();
    wait_for_points(&app, &robot, "gap", SENT as u64).await;
    let stats = bridge_stats(&app).await;
    assert!(stats["reconnects"].as_u64() >= Some(1), "{stats}");
    app.shutdown().await;
}

/// Messages queued together are handed to the ingest writers as calls of their own, so a
/// message that fails in the database fails alone (group commit retries each call alone);
/// before, the bridge merged an organization's queued messages into one call, which failed
/// whole. The loss is counted, with the message's points.
#[tokio::test]
async fn a_message_that_cannot_be_stored_fails_alone_and_the_messages_queued_with_it_are_stored() {
    let Some(url) = mqtt_url() else { return };
    let (app, owner, a, device_a) = subscribed(&url, "mqtt-iso", "R-ISO-A").await;
    let b = second_robot(&app, &owner, "R-ISO-B").await;
    let device_b = Device::connect(&url);
    refuse_boom(&app).await;
    let t0 = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    let blocker = hold_writers(&app, &owner.organization_id).await;
    // The first message takes the bridge into the held writers; the others queue behind it.
    device_a
        .publish(&owner.slug, "R-ISO-A", at("first", 1.0, t0).to_string())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failing = json!([at("boom", 1.0, t0 + 1), at("load", 1.0, t0 + 1)]);
    device_a
        .publish(&owner.slug, "R-ISO-A", failing.to_string())
        .await;
    for (i, (device, code)) in [
        (&device_b, "R-ISO-B"),
        (&device_a, "R-ISO-A"),
        (&device_b, "R-ISO-B"),
        (&device_a, "R-ISO-A"),
    ]
    .into_iter()
    .enumerate()
    {
        let point = at("load", 2.0 + i as f64, t0 + 2 + i as i64);
        device.publish(&owner.slug, code, point.to_string()).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    blocker.rollback().await.unwrap();
    wait_for_points(&app, &a, "first", 1).await;
    wait_for_points(&app, &a, "load", 2).await;
    wait_for_points(&app, &b, "load", 2).await;
    assert_eq!(stored(&app, &a, "boom").await, 0);
    let stats = bridge_stats(&app).await;
    assert_eq!(stats["ingestFailures"], 1, "{stats}");
    assert_eq!(stats["lostPoints"], 2, "{stats}");
    app.shutdown().await;
}

/// README "Devices over MQTT": a retained publish is stored when it is published (the broker
/// forwards it to current subscribers with the flag cleared); the copy the broker replays to a
/// new subscription (flag set) is ignored, or a point without `ts` would be stored again.
#[tokio::test]
async fn a_retained_message_is_stored_once_and_its_replay_to_a_new_subscription_is_ignored() {
    let Some(url) = mqtt_url() else { return };
    let (app, owner, robot, device) = subscribed(&url, "mqtt-ret", "R-RET").await;
    device
        .publish_retained(
            &owner.slug,
            "R-RET",
            json!({ "metric": "kept", "value": 7 }).to_string(),
        )
        .await;
    wait_for_points(&app, &robot, "kept", 1).await;
    // A replica subscribing plainly (not shared) gets the retained copy when it subscribes.
    let plain = format!("{}share=", url.split("share=").next().unwrap());
    let sibling = app.spawn_sibling_with(|c| c.mqtt_url = Some(plain)).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while bridge_stats(&sibling).await["retainedIgnored"].as_u64() < Some(1) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no retained message was replayed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stored(&app, &robot, "kept").await, 1);
    // An empty retained message removes the broker's copy.
    device.publish_retained(&owner.slug, "R-RET", "").await;
    sibling.shutdown().await;
    app.shutdown().await;
}

/// One set of device-input rules for both paths: every case of issue 16 is sent through
/// `ingestTelemetry` (to one robot) and through MQTT (to another), and what is stored for each
/// (value, time, unit, or nothing) is the same. A case whose GraphQL request is refused whole
/// (a NUL anywhere, an unparsable time) stores nothing, as its message does over MQTT.
#[tokio::test]
async fn every_device_input_case_gets_the_same_verdict_over_mqtt_and_graphql() {
    let Some(url) = mqtt_url() else { return };
    let (app, owner, over_mqtt, device) = subscribed(&url, "mqtt-same", "R-MQTT").await;
    let over_graphql = second_robot(&app, &owner, "R-GQL").await;
    use chrono::{DurationRound, SecondsFormat};
    let t = (chrono::Utc::now() - chrono::Duration::hours(1))
        .duration_trunc(chrono::Duration::seconds(1))
        .unwrap();
    let text = |format: &str| t.format(format).to_string();
    let rfc = t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let ms = t.timestamp_millis();
    // (metric, the point over MQTT, the same point over GraphQL where the wire formats differ:
    // epoch milliseconds are MQTT's, GraphQL enums are upper-case).
    let cases: Vec<(&str, Value, Option<Value>)> = vec![
        (
            "ts_offset_without_colon",
            json!({ "value": 1, "ts": text("%Y-%m-%dT%H:%M:%S+0000") }),
            None,
        ),
        (
            "ts_utc_suffix",
            json!({ "value": 2, "ts": text("%Y-%m-%d %H:%M:%S UTC") }),
            None,
        ),
        (
            "ts_spaced_z",
            json!({ "value": 3, "ts": text("%Y-%m-%dT%H:%M:%S Z") }),
            None,
        ),
        (
            "ts_other_offset",
            json!({ "value": 4, "ts": (t + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S+02:00").to_string() }),
            None,
        ),
        (
            "ts_sub_millisecond",
            json!({ "value": 5, "ts": ms as f64 + 123.9 }),
            Some(json!({ "value": 5, "ts": text("%Y-%m-%dT%H:%M:%S.1239Z") })),
        ),
        (
            "ts_unparsable",
            json!({ "value": 6, "ts": "yesterday" }),
            None,
        ),
        (
            "ts_date_only",
            json!({ "value": 7, "ts": text("%Y-%m-%d") }),
            None,
        ),
        ("ts_future", json!({ "value": 8, "ts": future }), None),
        (
            "value_max_finite",
            json!({ "value": 1.797e308, "ts": rfc }),
            None,
        ),
        (
            "value_min_finite",
            json!({ "value": -1.797e308, "ts": rfc }),
            None,
        ),
        (
            "value_at_the_bound",
            json!({ "value": -1e100, "ts": rfc }),
            None,
        ),
        (
            "unit_bell",
            json!({ "value": 9, "ts": rfc, "unit": "\u{7}" }),
            None,
        ),
        (
            "unit_nul",
            json!({ "value": 10, "ts": rfc, "unit": "a\u{0}" }),
            None,
        ),
        (
            "unit_bidi_override",
            json!({ "value": 11, "ts": rfc, "unit": "\u{202e}C°" }),
            None,
        ),
        (
            "unit_too_long",
            json!({ "value": 12, "ts": rfc, "unit": "x".repeat(17) }),
            None,
        ),
        (
            "unit_fine",
            json!({ "value": 13, "ts": rfc, "unit": " °C ", "quality": "bad" }),
            Some(json!({ "value": 13, "ts": rfc, "unit": " °C ", "quality": "BAD" })),
        ),
        ("key_bidi\u{202e}", json!({ "value": 14, "ts": rfc }), None),
        ("key_bell\u{7}", json!({ "value": 15, "ts": rfc }), None),
    ];
    for (metric, mqtt, graphql) in &cases {
        let mut point = graphql.clone().unwrap_or_else(|| mqtt.clone());
        point["metric"] = json!(metric);
        point["assetCode"] = json!("R-GQL");
        app.gql(Some(&owner.token), INGEST, json!({ "points": [point] }))
            .await;
        let mut message = mqtt.clone();
        message["metric"] = json!(metric);
        device
            .publish(&owner.slug, "R-MQTT", message.to_string())
            .await;
    }
    // Once a later message is in, every case has been handled (a little later at most).
    publish_until(
        &app,
        &device,
        &owner,
        ("R-MQTT", over_mqtt.as_str()),
        &json!({ "metric": "warmup", "value": cases.len() }),
        ("warmup", cases.len() as f64),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_graphql = latest(&app, &owner.token, &over_graphql).await;
    let mut by_mqtt = latest(&app, &owner.token, &over_mqtt).await;
    by_mqtt.retain(|v| v["metric"] != "warmup");
    assert_eq!(by_graphql, by_mqtt, "the same points, stored the same");
    let metrics: Vec<&str> = by_graphql
        .iter()
        .map(|v| v["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        metrics,
        [
            "ts_offset_without_colon",
            "ts_other_offset",
            "ts_spaced_z",
            "ts_sub_millisecond",
            "ts_utc_suffix",
            "unit_fine",
            "value_at_the_bound",
        ]
    );
    for v in &by_graphql {
        let expected = match v["metric"].as_str() {
            Some("ts_sub_millisecond") => ms + 123,
            _ => ms,
        };
        assert_eq!(millis(&v["ts"]), expected, "{v}");
    }
    let fine = find(&by_graphql, "unit_fine").unwrap();
    assert_eq!(
        (&fine["unit"], &fine["quality"]),
        (&json!("°C"), &json!("BAD"))
    );
    // The body of a refused request says why; nothing of it was stored.
    let mut nul = cases[12].1.clone();
    nul["metric"] = json!("unit_nul");
    nul["assetCode"] = json!("R-GQL");
    let body = app
        .gql(Some(&owner.token), INGEST, json!({ "points": [nul] }))
        .await;
    crate::helpers::assert_bad_input(&body, "input.points.0.unit");
    let stats = bridge_stats(&app).await;
    assert_eq!(stats["ingestFailures"], 0, "{stats}");
    app.shutdown().await;
}
