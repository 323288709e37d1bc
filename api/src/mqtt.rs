//! The MQTT bridge (docs/ARCHITECTURE.md §9.2): devices publish telemetry to a broker; this process
//! subscribes and feeds every message through the same ingest path as the `ingestTelemetry`
//! mutation (one write transaction, commit, then publish the outcome's events on the EventBus).
//!
//! Topic: `fleetgraph/<org-slug>/<asset-code>/telemetry`. Payload: one point or an array of up
//! to 10,000 points, each
//! `{"metric": "cpu", "value": 42.5, "ts": "2025-01-01T00:00:00Z" | 1735689600000,
//! "quality": "good" | "bad" | "uncertain", "unit": "%"}`; only `metric` and `value` are
//! required, a missing `ts` means "now". Unknown fields are ignored.
//!
//! # Security
//!
//! The bridge authenticates nobody: the topic names the organization, so **the broker's ACLs are
//! the security boundary**. Anyone allowed to publish to `fleetgraph/<slug>/#` writes telemetry
//! for that organization (only to its assets: the asset code is resolved inside the organization
//! the slug names, so one organization's topic can never reach another's assets). Deployments
//! must restrict publish rights per organization (one broker user per organization or device,
//! e.g. Mosquitto's `pattern write fleetgraph/%u/+/telemetry`), and give the bridge's own user
//! read access only.
//!
//! # Delivery
//!
//! The subscription is QoS 1 and messages are acknowledged on receipt: a message whose
//! transaction fails is logged and counted, not redelivered (the bus and the bridge are hints,
//! the database is the truth). Retained messages are ignored, because the broker replays them on
//! every (re)subscription and a point without `ts` would be stored again as a new reading.
//! Messages that queue up while the database is busy are coalesced: up to
//! [`MAX_BATCH_MESSAGES`] messages (and at most [`MAX_POINTS_PER_CALL`] points) of one
//! organization go through one transaction.
//!
//! Every replica with `--mqtt-url` subscribes through an MQTT shared subscription
//! (`$share/<group>/fleetgraph/+/+/telemetry`, group `fleetgraph` unless the URL says
//! `?share=<group>`), so the broker hands each message to ONE replica of the group instead of to
//! all of them, and a point without `ts` is not stored once per replica. `?share=` (empty) turns
//! this off for a broker without shared subscriptions; separate deployments on one broker need
//! separate groups.
//!
//! The connection reconnects with capped exponential backoff; rumqttc reconnects on the next
//! poll after an error, and on every ConnAck without a resumed session the subscription is
//! issued again (a clean session forgets it).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rumqttc::{
    AsyncClient, Event as MqttEvent, EventLoop, MqttOptions, Outgoing, Packet, QoS,
    SubscribeReasonCode,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::auth::{Origin, Tenant};
use crate::db::Db;
use crate::domain::telemetry::{AssetRef, MAX_POINTS_PER_CALL, PointInput};
use crate::domain::validate;
use crate::error::{AppError, Result};
use crate::ingest::Ingestor;
use entity::{Quality, organizations};

/// What the bridge subscribes to: `fleetgraph/<org-slug>/<asset-code>/telemetry`.
pub const TOPIC_FILTER: &str = "fleetgraph/+/+/telemetry";
/// The shared-subscription group replicas join unless `--mqtt-url` names another.
pub const DEFAULT_SHARE_GROUP: &str = "fleetgraph";
/// Largest MQTT packet accepted: 10,000 verbose points fit. A bigger packet is a protocol error
/// that costs the connection, so brokers should be configured with a limit at or below this
/// (Mosquitto: `max_packet_size`).
pub const MAX_PACKET_BYTES: usize = 4 * 1024 * 1024;
/// Most messages coalesced into one round of transactions.
pub const MAX_BATCH_MESSAGES: usize = 64;
/// Messages received but not yet ingested; when full, reading from the broker waits.
const QUEUE: usize = 256;
const DEFAULT_PORT: u16 = 1883;
const KEEP_ALIVE: Duration = Duration::from_secs(30);
const MIN_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a slug -> organization answer is reused. Short, so a renamed or deleted
/// organization stops receiving soon; a deleted one is also forgotten at once when ingest
/// fails to find it.
const ORG_TTL: Duration = Duration::from_secs(60);
/// Unknown slugs are remembered too, so a misconfigured device costs no query per message.
const UNKNOWN_ORG_TTL: Duration = Duration::from_secs(10);
/// Bound on cached slugs, so that random topics cannot grow memory.
const ORG_CACHE_CAP: usize = 10_000;
/// At most one warning per this period per kind of bad input; the rest go to debug.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Where the broker is and how to log in, from `--mqtt-url`.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerSettings {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub credentials: Option<(String, String)>,
    /// The shared-subscription group of the replicas of one deployment; `None` subscribes
    /// plainly (every replica then receives every message).
    pub share_group: Option<String>,
}

impl std::fmt::Debug for BrokerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .finish_non_exhaustive()
    }
}

impl BrokerSettings {
    /// Parses `mqtt://[user[:password]@]host[:port][?client_id=...]` (`tcp://` is accepted too).
    /// Without `client_id`, each process picks a unique one, so that replicas never take over
    /// each other's connection.
    pub fn parse(value: &str) -> std::result::Result<Self, String> {
        let url = url::Url::parse(value).map_err(|e| format!("invalid MQTT URL: {e}"))?;
        match url.scheme() {
            "mqtt" | "tcp" => {}
            "mqtts" | "ssl" => {
                return Err(
                    "TLS to the MQTT broker is not supported; use mqtt:// on a private network \
                     or through a local TLS tunnel"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "invalid MQTT URL: expected mqtt://, not {other}://"
                ));
            }
        }
        let host = url
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .filter(|h| !h.is_empty())
            .ok_or("invalid MQTT URL: no host")?
            .to_owned();
        if !matches!(url.path(), "" | "/") {
            return Err("invalid MQTT URL: a broker URL has no path".into());
        }
        let mut client_id = None;
        let mut share_group = Some(DEFAULT_SHARE_GROUP.to_owned());
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "client_id" if !value.is_empty() => client_id = Some(value.into_owned()),
                "share" if value.is_empty() => share_group = None,
                // A group name is one topic level: no wildcards, no separators.
                "share" if !value.contains(['/', '+', '#']) => {
                    share_group = Some(value.into_owned());
                }
                "share" => {
                    return Err(format!(
                        "invalid MQTT URL: share group {value:?} may not contain '/', '+' or '#'"
                    ));
                }
                other => return Err(format!("invalid MQTT URL: unknown parameter {other:?}")),
            }
        }
        let credentials = (!url.username().is_empty()).then(|| {
            (
                percent_decode(url.username()),
                url.password().map(percent_decode).unwrap_or_default(),
            )
        });
        Ok(Self {
            host,
            port: url.port().unwrap_or(DEFAULT_PORT),
            // 23 characters: the longest client id every MQTT 3.1.1 broker must accept.
            client_id: client_id.unwrap_or_else(|| {
                format!("fleetgraph-{}", &Uuid::now_v7().simple().to_string()[20..])
            }),
            credentials,
            share_group,
        })
    }

    /// The filter the bridge subscribes with: [`TOPIC_FILTER`], shared by the group if any.
    pub fn topic_filter(&self) -> String {
        match &self.share_group {
            Some(group) => format!("$share/{group}/{TOPIC_FILTER}"),
            None => TOPIC_FILTER.to_owned(),
        }
    }

    fn options(&self) -> MqttOptions {
        let mut options = MqttOptions::new(&self.client_id, &self.host, self.port);
        options
            .set_keep_alive(KEEP_ALIVE)
            .set_clean_session(true)
            .set_max_packet_size(MAX_PACKET_BYTES, 64 * 1024);
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user, password);
        }
        options
    }
}

/// `%XX` escapes of a URL's user-info, decoded; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bridge's counters, for tests and /metrics. Monotonic since start.
#[derive(Debug, Default)]
pub struct BridgeStats {
    /// Messages received on the telemetry topics.
    pub received: AtomicU64,
    /// Points stored.
    pub ingested_points: AtomicU64,
    /// Points the ingest path refused (unknown asset, bad metric key, timestamp out of range).
    pub rejected_points: AtomicU64,
    /// Messages dropped whole: bad topic, not JSON, wrong shape, too many points.
    pub malformed_payloads: AtomicU64,
    /// Messages for a slug that names no organization.
    pub unknown_orgs: AtomicU64,
    /// Connections re-established after a loss.
    pub reconnects: AtomicU64,
    /// Transactions that failed (database trouble); their messages are lost.
    pub ingest_failures: AtomicU64,
    /// Retained messages skipped.
    pub retained_ignored: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub received: u64,
    pub ingested_points: u64,
    pub rejected_points: u64,
    pub malformed_payloads: u64,
    pub unknown_orgs: u64,
    pub reconnects: u64,
    pub ingest_failures: u64,
    pub retained_ignored: u64,
}

impl BridgeStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            received: get(&self.received),
            ingested_points: get(&self.ingested_points),
            rejected_points: get(&self.rejected_points),
            malformed_payloads: get(&self.malformed_payloads),
            unknown_orgs: get(&self.unknown_orgs),
            reconnects: get(&self.reconnects),
            ingest_failures: get(&self.ingest_failures),
            retained_ignored: get(&self.retained_ignored),
        }
    }
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

/// Why a message was dropped whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    #[error("the topic is not fleetgraph/<org-slug>/<asset-code>/telemetry")]
    Topic,
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("expected a point object or an array of points")]
    Shape,
    #[error("an empty array of points")]
    Empty,
    #[error("at most {MAX_POINTS_PER_CALL} points per message, not {0}")]
    TooMany(usize),
    #[error("point {index}: {reason}")]
    Point { index: usize, reason: String },
}

/// `(org slug, asset code)` of a telemetry topic.
pub fn parse_topic(topic: &str) -> std::result::Result<(&str, &str), PayloadError> {
    let mut parts = topic.split('/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("fleetgraph"), Some(slug), Some(code), Some("telemetry"), None)
            if !slug.is_empty() && !code.trim().is_empty() =>
        {
            Ok((slug, code))
        }
        _ => Err(PayloadError::Topic),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum WireQuality {
    Good,
    Bad,
    Uncertain,
}

impl From<WireQuality> for Quality {
    fn from(q: WireQuality) -> Self {
        match q {
            WireQuality::Good => Quality::Good,
            WireQuality::Bad => Quality::Bad,
            WireQuality::Uncertain => Quality::Uncertain,
        }
    }
}

#[derive(Deserialize)]
struct WirePoint {
    metric: String,
    value: f64,
    #[serde(default)]
    ts: Option<serde_json::Value>,
    #[serde(default)]
    quality: Option<WireQuality>,
    #[serde(default)]
    unit: Option<String>,
}

/// `ts` as RFC 3339 text or epoch milliseconds.
fn parse_ts(ts: &serde_json::Value) -> std::result::Result<DateTime<Utc>, String> {
    const EXPECTED: &str = "ts must be an RFC 3339 string or epoch milliseconds";
    match ts {
        serde_json::Value::String(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("{EXPECTED}: {e}")),
        serde_json::Value::Number(n) => {
            let millis = match n.as_i64() {
                Some(ms) => Some(ms),
                // 1.7e12 and friends; range-checked before the cast, which saturates anyway.
                None => n
                    .as_f64()
                    .filter(|ms| ms.is_finite() && ms.abs() < 9.0e15)
                    .map(|ms| ms.round() as i64),
            };
            millis
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(|| "ts is out of range".to_owned())
        }
        _ => Err(EXPECTED.to_owned()),
    }
}

/// Decodes a message for the asset `asset_code`; points without `ts` are stamped `received_at`.
/// All or nothing: a device that sends one bad point is misconfigured, and storing the rest would
/// hide it.
pub fn parse_payload(
    asset_code: &str,
    payload: &[u8],
    received_at: DateTime<Utc>,
) -> std::result::Result<Vec<PointInput>, PayloadError> {
    let json: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let items = match json {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => return Err(PayloadError::Shape),
    };
    if items.is_empty() {
        return Err(PayloadError::Empty);
    }
    if items.len() > MAX_POINTS_PER_CALL {
        return Err(PayloadError::TooMany(items.len()));
    }
    let asset = AssetRef::Code(asset_code.to_owned());
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let fail = |reason: String| PayloadError::Point { index, reason };
            if !item.is_object() {
                return Err(fail("a point is a JSON object".into()));
            }
            let point = WirePoint::deserialize(item).map_err(|e| fail(e.to_string()))?;
            if !point.value.is_finite() {
                return Err(fail("value must be a finite number".into()));
            }
            let ts = match point.ts.as_ref().filter(|ts| !ts.is_null()) {
                Some(ts) => parse_ts(ts).map_err(fail)?,
                None => received_at,
            };
            Ok(PointInput {
                asset: asset.clone(),
                metric: point.metric,
                ts: Some(ts),
                value: point.value,
                quality: point.quality.map(Into::into),
                unit: point.unit,
            })
        })
        .collect()
}

/// The running bridge; stop it with [`MqttBridge::shutdown`].
pub struct MqttBridge {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    stats: Arc<BridgeStats>,
}

impl MqttBridge {
    /// Starts connecting in the background: an unreachable broker is retried, not fatal, so the
    /// API stays up while the broker is down.
    pub fn start(url: &str, db: Db, ingest: Ingestor) -> anyhow::Result<Self> {
        let settings = BrokerSettings::parse(url).map_err(anyhow::Error::msg)?;
        let stats = Arc::new(BridgeStats::default());
        let (stop, stopped) = watch::channel(false);
        let (queue_tx, queue_rx) = mpsc::channel(QUEUE);
        let (client, eventloop) = AsyncClient::new(settings.options(), 16);
        tracing::info!(
            broker = %format!("{}:{}", settings.host, settings.port),
            client_id = %settings.client_id,
            topics = %settings.topic_filter(),
            "MQTT bridge starting"
        );
        let filter = settings.topic_filter();
        let receiver = tokio::spawn(receive(
            client,
            eventloop,
            filter,
            queue_tx,
            stats.clone(),
            stopped,
        ));
        let ingester = tokio::spawn(Ingester::new(db, ingest, stats.clone()).run(queue_rx));
        Ok(Self {
            stop,
            tasks: vec![receiver, ingester],
            stats,
        })
    }

    pub fn stats(&self) -> Arc<BridgeStats> {
        self.stats.clone()
    }

    /// Disconnects from the broker, ingests what was already received, and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        tracing::debug!("MQTT bridge stopped");
    }
}

/// One received message, as queued for ingest.
struct Message {
    publish: rumqttc::Publish,
    /// When the bridge received it: the time of its points that carry no `ts`. Stamped here
    /// rather than at ingest, because messages queued meanwhile are ingested in one call and
    /// would otherwise all get that call's time, collapsing into one point per metric.
    received_at: DateTime<Utc>,
}

/// Reads from the broker: (re)connects, (re)subscribes, queues telemetry messages.
async fn receive(
    client: AsyncClient,
    mut eventloop: EventLoop,
    filter: String,
    queue: mpsc::Sender<Message>,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = MIN_BACKOFF;
    let mut connected_before = false;
    let mut connected = false;
    loop {
        let event = tokio::select! {
            _ = stop.changed() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(MqttEvent::Incoming(Packet::ConnAck(ack))) => {
                backoff = MIN_BACKOFF;
                connected = true;
                if connected_before {
                    bump(&stats.reconnects, 1);
                    tracing::info!("MQTT bridge reconnected");
                } else {
                    connected_before = true;
                    tracing::info!("MQTT bridge connected");
                }
                // A clean session starts without subscriptions; a resumed one keeps them.
                if !ack.session_present
                    && let Err(e) = client.try_subscribe(filter.as_str(), QoS::AtLeastOnce)
                {
                    tracing::error!(error = %e, "MQTT bridge could not queue its subscription");
                }
            }
            Ok(MqttEvent::Incoming(Packet::SubAck(ack))) => {
                if ack
                    .return_codes
                    .iter()
                    .any(|c| matches!(c, SubscribeReasonCode::Failure))
                {
                    tracing::error!(
                        topics = %filter,
                        "the MQTT broker refused the bridge's subscription; check its ACL \
                         (and that it supports shared subscriptions, or use ?share= to turn them off)"
                    );
                } else {
                    tracing::debug!(topics = %filter, "MQTT bridge subscribed");
                }
            }
            Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                bump(&stats.received, 1);
                if publish.retain {
                    bump(&stats.retained_ignored, 1);
                    tracing::debug!(topic = %publish.topic, "retained MQTT message ignored");
                    continue;
                }
                // Waiting here is the backpressure: while the database is behind, the broker
                // holds the messages (and eventually the TCP window does).
                tokio::select! {
                    _ = stop.changed() => break,
                    sent = queue.send(Message { publish, received_at: crate::domain::now() }) => {
                        if sent.is_err() { break }
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                connected = false;
                tracing::warn!(
                    error = %e,
                    retry_in_ms = backoff.as_millis() as u64,
                    "MQTT connection failed; reconnecting"
                );
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    // Say goodbye, so the broker ends the session now rather than at the keep-alive timeout.
    if connected && client.try_disconnect().is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                match eventloop.poll().await {
                    Ok(MqttEvent::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
    }
}

/// A decoded message, its organization resolved.
struct Parsed {
    organization_id: Uuid,
    slug: String,
    points: Vec<PointInput>,
}

/// Rate-limits one kind of warning: bad input from devices must not flood the log.
struct Throttle {
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    fn new() -> Self {
        Self {
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(how many were suppressed since the last warning)` when a warning may be logged.
    fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now - last < WARN_EVERY) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

/// Slug -> organization id, with negative answers, for a short while.
struct OrgCache {
    entries: HashMap<String, (Option<Uuid>, Instant)>,
}

impl OrgCache {
    async fn resolve(&mut self, db: &Db, slug: &str) -> Result<Option<Uuid>> {
        if let Some((id, at)) = self.entries.get(slug) {
            let ttl = if id.is_some() {
                ORG_TTL
            } else {
                UNKNOWN_ORG_TTL
            };
            if at.elapsed() < ttl {
                return Ok(*id);
            }
        }
        // Not a slug at all: no query, and nothing cached for a topic anyone can invent.
        if validate::slug("slug", slug).is_err() {
            return Ok(None);
        }
        let id: Option<Uuid> = organizations::Entity::find()
            .select_only()
            .column(organizations::Column::Id)
            .filter(organizations::Column::Slug.eq(slug))
            .into_tuple()
            .one(&db.conn)
            .await?;
        if self.entries.len() >= ORG_CACHE_CAP {
            self.entries.clear();
        }
        self.entries.insert(slug.to_owned(), (id, Instant::now()));
        Ok(id)
    }

    fn forget(&mut self, slug: &str) {
        self.entries.remove(slug);
    }
}

/// Turns queued messages into ingest calls.
struct Ingester {
    db: Db,
    ingest: Ingestor,
    stats: Arc<BridgeStats>,
    orgs: OrgCache,
    malformed_warnings: Throttle,
    failure_warnings: Throttle,
}

impl Ingester {
    fn new(db: Db, ingest: Ingestor, stats: Arc<BridgeStats>) -> Self {
        Self {
            db,
            ingest,
            stats,
            orgs: OrgCache {
                entries: HashMap::new(),
            },
            malformed_warnings: Throttle::new(),
            failure_warnings: Throttle::new(),
        }
    }

    /// Runs until the queue is closed and drained.
    async fn run(mut self, mut queue: mpsc::Receiver<Message>) {
        let mut carry: Option<Parsed> = None;
        loop {
            let first = match carry.take() {
                Some(parsed) => parsed,
                None => {
                    let Some(message) = queue.recv().await else {
                        break;
                    };
                    match self.prepare(message).await {
                        Some(parsed) => parsed,
                        None => continue,
                    }
                }
            };
            let mut total = first.points.len();
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH_MESSAGES {
                let Ok(message) = queue.try_recv() else { break };
                let Some(parsed) = self.prepare(message).await else {
                    continue;
                };
                if total + parsed.points.len() > MAX_POINTS_PER_CALL {
                    carry = Some(parsed);
                    break;
                }
                total += parsed.points.len();
                batch.push(parsed);
            }
            self.ingest(batch).await;
        }
    }

    /// Topic, organization and payload of one message; `None` (counted, logged) if unusable.
    async fn prepare(&mut self, message: Message) -> Option<Parsed> {
        let Message {
            publish: message,
            received_at,
        } = message;
        let (slug, code) = match parse_topic(&message.topic) {
            Ok(parts) => parts,
            Err(e) => {
                self.malformed(&message.topic, &e);
                return None;
            }
        };
        let organization_id = match self.orgs.resolve(&self.db, slug).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                bump(&self.stats.unknown_orgs, 1);
                tracing::debug!(topic = %message.topic, "MQTT message for an unknown organization");
                return None;
            }
            Err(e) => {
                self.failed(&e);
                return None;
            }
        };
        match parse_payload(code, &message.payload, received_at) {
            Ok(points) => Some(Parsed {
                organization_id,
                slug: slug.to_owned(),
                points,
            }),
            Err(e) => {
                self.malformed(&message.topic, &e);
                None
            }
        }
    }

    fn malformed(&mut self, topic: &str, error: &PayloadError) {
        bump(&self.stats.malformed_payloads, 1);
        match self.malformed_warnings.allow() {
            Some(suppressed) => tracing::warn!(
                %topic, %error, suppressed, "malformed MQTT telemetry message dropped"
            ),
            None => tracing::debug!(%topic, %error, "malformed MQTT telemetry message dropped"),
        }
    }

    fn failed(&mut self, error: &AppError) {
        bump(&self.stats.ingest_failures, 1);
        match self.failure_warnings.allow() {
            Some(suppressed) => tracing::warn!(
                %error, suppressed, "MQTT telemetry could not be stored; dropped"
            ),
            None => tracing::debug!(%error, "MQTT telemetry could not be stored; dropped"),
        }
    }

    /// One ingest call per organization in the batch (the ingest writers commit it, possibly
    /// together with other calls, before its events go out).
    async fn ingest(&mut self, batch: Vec<Parsed>) {
        let mut groups: Vec<Parsed> = Vec::new();
        for parsed in batch {
            match groups
                .iter_mut()
                .find(|g| g.organization_id == parsed.organization_id)
            {
                Some(group) => group.points.extend(parsed.points),
                None => groups.push(parsed),
            }
        }
        for group in groups {
            let tenant = Tenant::device(
                group.organization_id,
                Origin {
                    ip: None,
                    user_agent: Some("mqtt bridge".into()),
                    request_id: format!("mqtt-{}", Uuid::now_v7().simple()),
                },
            );
            match self.ingest.ingest(&tenant, group.points, None).await {
                Ok(outcome) => {
                    bump(&self.stats.ingested_points, outcome.accepted as u64);
                    bump(&self.stats.rejected_points, outcome.rejected.len() as u64);
                    if let Some(first) = outcome.rejected.first() {
                        tracing::debug!(
                            slug = %group.slug,
                            rejected = outcome.rejected.len(),
                            first_reason = %first.reason,
                            "MQTT telemetry points rejected"
                        );
                    }
                }
                // The organization was deleted since its slug was cached.
                Err(AppError::NotFound(_)) => {
                    self.orgs.forget(&group.slug);
                    bump(&self.stats.unknown_orgs, 1);
                }
                Err(e) => self.failed(&e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Permission;
    use crate::events::{EventBus, Topic, TopicKind};

    /// When the test messages were "received".
    fn received() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_764_000_000_000).unwrap()
    }

    fn parse(payload: &str) -> std::result::Result<Vec<PointInput>, PayloadError> {
        parse_payload("R-1", payload.as_bytes(), received())
    }

    #[test]
    fn one_point_with_only_metric_and_value() {
        let points = parse(r#"{"metric": "cpu", "value": 42.5}"#).unwrap();
        assert_eq!(points.len(), 1);
        let p = &points[0];
        assert_eq!(p.asset, AssetRef::Code("R-1".into()));
        assert_eq!(p.metric, "cpu");
        assert_eq!(p.value, 42.5);
        // Without `ts` a point is of the moment the bridge received it.
        assert_eq!(p.ts, Some(received()));
        assert!(p.quality.is_none() && p.unit.is_none());
    }

    #[test]
    fn an_array_with_every_field_and_both_timestamp_forms() {
        let points = parse(
            r#"[
                {"metric": "cpu", "value": 1, "ts": "2025-01-02T03:04:05.678+01:00", "quality": "bad", "unit": "%"},
                {"metric": "temp", "value": -3.5, "ts": 1735689600000, "quality": "uncertain"},
                {"metric": "rpm", "value": 7, "ts": 1.7356896e12, "extra": "ignored"},
                {"metric": "load", "value": 0, "ts": null, "quality": "good"}
            ]"#,
        )
        .unwrap();
        assert_eq!(points.len(), 4);
        assert_eq!(
            points[0].ts.unwrap().to_rfc3339(),
            "2025-01-02T02:04:05.678+00:00"
        );
        assert_eq!(points[0].quality, Some(Quality::Bad));
        assert_eq!(points[0].unit.as_deref(), Some("%"));
        assert_eq!(points[1].ts.unwrap().timestamp_millis(), 1_735_689_600_000);
        assert_eq!(points[1].quality, Some(Quality::Uncertain));
        assert_eq!(points[2].ts.unwrap().timestamp_millis(), 1_735_689_600_000);
        assert_eq!(points[3].ts, Some(received()));
        assert_eq!(points[3].quality, Some(Quality::Good));
    }

    #[test]
    fn bad_payloads_are_refused_whole() {
        assert!(matches!(parse("cpu=42"), Err(PayloadError::NotJson(_))));
        assert!(matches!(parse(""), Err(PayloadError::NotJson(_))));
        assert_eq!(parse("42").err(), Some(PayloadError::Shape));
        assert_eq!(parse(r#""cpu""#).err(), Some(PayloadError::Shape));
        assert_eq!(parse("[]").err(), Some(PayloadError::Empty));
        // A value beyond f64 is not finite: serde_json refuses it while parsing.
        assert!(matches!(
            parse(r#"{"metric": "cpu", "value": 1e999}"#),
            Err(PayloadError::NotJson(_))
        ));
        for (payload, index) in [
            (r#"{"metric": "cpu"}"#, 0),
            (r#"{"value": 1}"#, 0),
            (r#"{"metric": "cpu", "value": "42"}"#, 0),
            (r#"[{"metric": "cpu", "value": 1}, 7]"#, 1),
            (
                r#"[{"metric": "cpu", "value": 1}, {"metric": "cpu", "value": 2, "ts": "yesterday"}]"#,
                1,
            ),
            (r#"{"metric": "cpu", "value": 1, "ts": true}"#, 0),
            (r#"{"metric": "cpu", "value": 1, "ts": 1e300}"#, 0),
            (r#"{"metric": "cpu", "value": 1, "quality": "great"}"#, 0),
        ] {
            match parse(payload) {
                Err(PayloadError::Point { index: i, .. }) => assert_eq!(i, index, "{payload}"),
                other => panic!("{payload}: {other:?}"),
            }
        }
    }

    #[test]
    fn more_than_the_ingest_limit_is_refused() {
        let point = r#"{"metric":"cpu","value":1}"#;
        let payload = format!("[{}]", vec![point; MAX_POINTS_PER_CALL + 1].join(","));
        assert_eq!(
            parse(&payload).err(),
            Some(PayloadError::TooMany(MAX_POINTS_PER_CALL + 1))
        );
        let payload = format!("[{}]", vec![point; MAX_POINTS_PER_CALL].join(","));
        assert_eq!(parse(&payload).unwrap().len(), MAX_POINTS_PER_CALL);
    }

    #[test]
    fn topics_name_an_organization_and_an_asset() {
        assert_eq!(
            parse_topic("fleetgraph/acme/R-1/telemetry"),
            Ok(("acme", "R-1"))
        );
        for bad in [
            "fleetgraph/acme/telemetry",
            "fleetgraph//R-1/telemetry",
            "fleetgraph/acme/ /telemetry",
            "fleetgraph/acme/R-1/telemetry/x",
            "other/acme/R-1/telemetry",
            "fleetgraph/acme/R-1/status",
        ] {
            assert_eq!(parse_topic(bad), Err(PayloadError::Topic), "{bad}");
        }
    }

    #[test]
    fn broker_urls() {
        let s = BrokerSettings::parse("mqtt://127.0.0.1").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 1883));
        assert!(s.credentials.is_none());
        assert!(s.client_id.starts_with("fleetgraph-") && s.client_id.len() == 23);
        let s = BrokerSettings::parse("tcp://bridge:p%40ss%3Aw@broker.local:1884/?client_id=fg-1")
            .unwrap();
        assert_eq!((s.host.as_str(), s.port), ("broker.local", 1884));
        assert_eq!(s.client_id, "fg-1");
        assert_eq!(
            s.topic_filter(),
            "$share/fleetgraph/fleetgraph/+/+/telemetry"
        );
        assert_eq!(
            s.credentials,
            Some(("bridge".to_owned(), "p@ss:w".to_owned()))
        );
        assert!(
            !format!("{s:?}").contains("p@ss"),
            "the password is not logged"
        );
        let s = BrokerSettings::parse("mqtt://[::1]:1883").unwrap();
        assert_eq!(s.host, "::1");
        let s = BrokerSettings::parse("mqtt://broker?share=plant-a").unwrap();
        assert_eq!(s.topic_filter(), "$share/plant-a/fleetgraph/+/+/telemetry");
        let s = BrokerSettings::parse("mqtt://broker?share=").unwrap();
        assert_eq!(s.topic_filter(), TOPIC_FILTER);
        for bad in [
            "mqtt://broker?share=a/b",
            "mqtt://broker?share=%23",
            "http://broker",
            "mqtts://broker",
            "mqtt://",
            "mqtt://broker/path",
            "mqtt://broker?qos=2",
            "broker:1883",
        ] {
            assert!(BrokerSettings::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
    }

    #[test]
    fn a_device_may_write_telemetry_and_nothing_else() {
        let device = Tenant::device(Uuid::now_v7(), Origin::default());
        for p in [
            Permission::TelemetryWrite,
            Permission::AssetsRead,
            Permission::SitesRead,
        ] {
            assert!(device.can(p), "{p:?}");
        }
        for p in [
            Permission::AssetsWrite,
            Permission::TelemetryRead,
            Permission::AlertsAck,
            Permission::OrgRead,
            Permission::MembersManage,
        ] {
            assert!(!device.can(p), "{p:?}");
        }
        assert!(device.user_id().is_none() && device.api_key_id().is_none());
    }

    #[test]
    fn warnings_are_throttled() {
        let mut throttle = Throttle::new();
        assert_eq!(throttle.allow(), Some(0));
        assert_eq!(throttle.allow(), None);
        assert_eq!(throttle.allow(), None);
        throttle.last = Some(Instant::now() - WARN_EVERY);
        assert_eq!(throttle.allow(), Some(2));
    }

    /// The ingest half without a broker: the demo organization on a scratch SQLite file.
    #[tokio::test]
    async fn messages_are_ingested_counted_and_published() {
        let path =
            std::env::temp_dir().join(format!("fleetgraph-mqtt-{}.db", Uuid::now_v7().simple()));
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let hasher = crate::auth::PasswordHasher::new(1).unwrap();
        crate::demo::seed(&db, &hasher).await.unwrap();
        let org: Uuid = organizations::Entity::find()
            .select_only()
            .column(organizations::Column::Id)
            .filter(organizations::Column::Slug.eq(crate::demo::DEMO_SLUG))
            .into_tuple()
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap();
        let events = EventBus::in_process();
        let mut telemetry = events.subscribe(Topic::new(org, TopicKind::Telemetry));
        let stats = Arc::new(BridgeStats::default());
        let (tx, rx) = mpsc::channel(16);
        let message = |topic: &str, payload: &str| Message {
            publish: rumqttc::Publish::new(topic, QoS::AtLeastOnce, payload),
            received_at: crate::domain::now(),
        };
        let demo = |code: &str| format!("fleetgraph/demo/{code}/telemetry");
        for m in [
            message(&demo("R-WELD-01"), r#"{"metric": "cpu", "value": 1}"#),
            message(
                &demo("r-weld-02"),
                r#"[{"metric": "cpu", "value": 2}, {"metric": "temp", "value": 3, "unit": "C"}]"#,
            ),
            message(&demo("NO-SUCH-ASSET"), r#"{"metric": "cpu", "value": 4}"#),
            message(&demo("R-WELD-01"), r#"{"metric": "Bad Key", "value": 5}"#),
            message(&demo("R-WELD-01"), "not json"),
            message(
                "fleetgraph/demo/R-WELD-01",
                r#"{"metric": "cpu", "value": 6}"#,
            ),
            message(
                "fleetgraph/no-such-org/R-WELD-01/telemetry",
                r#"{"metric": "cpu", "value": 7}"#,
            ),
            message(
                "fleetgraph/NOT A SLUG/R-WELD-01/telemetry",
                r#"{"metric": "cpu", "value": 8}"#,
            ),
        ] {
            tx.send(m).await.unwrap();
        }
        drop(tx);
        Ingester::new(
            db.clone(),
            Ingestor::start(db.clone(), events.clone(), 1).unwrap(),
            stats.clone(),
        )
        .run(rx)
        .await;
        let s = stats.snapshot();
        assert_eq!(s.ingested_points, 3, "{s:?}");
        assert_eq!(s.rejected_points, 2, "{s:?}");
        assert_eq!(s.malformed_payloads, 2, "{s:?}");
        assert_eq!(s.unknown_orgs, 2, "{s:?}");
        assert_eq!(s.ingest_failures, 0, "{s:?}");
        // Queued together, the demo organization's messages went through one transaction.
        let event = telemetry.try_recv().expect("a telemetry event");
        assert_eq!(event.payload["points"].as_array().map(Vec::len), Some(3));
        assert!(telemetry.try_recv().is_err());
        db.conn.close().await.ok();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
