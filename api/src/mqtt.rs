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
//! The subscription is QoS 1 in a session that outlives the connection (`clean_session` off, one
//! client id for the life of the process): while the bridge reconnects, the broker queues what
//! devices publish at QoS 1 and delivers it on the resumed session, so a short outage loses
//! nothing the broker could hold. On a clean shutdown a generated client id's session is
//! removed from the broker (no process will resume it, and the broker would queue for it
//! forever); a `client_id` from the URL keeps its session, for the next process with that id.
//! Messages are acknowledged on receipt: a message whose transaction fails is logged and
//! counted, not redelivered (the bus and the bridge are hints, the database is the truth).
//!
//! A message's payload is at most [`MAX_PAYLOAD_BYTES`]; a bigger one is refused alone, logged
//! and counted, and the connection stays up (the client accepts any packet MQTT can frame, so
//! that no message can cost the connection; the broker's own limit should keep such messages
//! from being sent at all).
//!
//! Retained messages: the broker clears the retain flag when it forwards a live publish to
//! current subscribers, so a retained publish is ingested like any other when it is published.
//! The copy the broker keeps and replays when a subscription is made (flag set) is ignored:
//! it was ingested when it was published, and a point without `ts` would be stored again as a
//! new reading at every (re)subscription.
//!
//! Messages that queue up while the database is busy are handed to the ingest writers
//! together, up to [`MAX_BATCH_MESSAGES`] at a time, each message as a call of its own: group
//! commit (`crate::ingest`) writes them in one transaction, and a message that fails fails
//! alone (its calls are retried one by one), so one bad message never costs another's points.
//! Lost data is visible: every refusal and failure is counted ([`BridgeStats`], on `/readyz`)
//! and each distinct cause is logged at WARN at once, repeats of a cause at most every 10 s.
//!
//! Every replica with `--mqtt-url` subscribes through an MQTT shared subscription
//! (`$share/<group>/fleetgraph/+/+/telemetry`, group `fleetgraph` unless the URL says
//! `?share=<group>`), so the broker hands each message to ONE replica of the group instead of to
//! all of them, and a point without `ts` is not stored once per replica. `?share=` (empty) turns
//! this off for a broker without shared subscriptions; separate deployments on one broker need
//! separate groups.
//!
//! The connection reconnects with capped exponential backoff (rumqttc reconnects on the next
//! poll after an error), and subscribes again on every ConnAck: a clean session forgets the
//! subscription, and subscribing again to a resumed one changes nothing.

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
use crate::domain::telemetry::{self, AssetRef, MAX_POINTS_PER_CALL, PointInput};
use crate::domain::validate;
use crate::error::{AppError, Result};
use crate::ingest::Ingestor;
use entity::{Quality, organizations};

/// What the bridge subscribes to: `fleetgraph/<org-slug>/<asset-code>/telemetry`.
pub const TOPIC_FILTER: &str = "fleetgraph/+/+/telemetry";
/// The shared-subscription group replicas join unless `--mqtt-url` names another.
pub const DEFAULT_SHARE_GROUP: &str = "fleetgraph";
/// Largest message payload ingested: 10,000 verbose points fit in well under half of it. A
/// bigger message is refused alone (counted, logged); the connection is kept.
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;
/// The client's limit on an incoming packet: the most MQTT can frame (a remaining length of
/// 268,435,455 bytes). rumqttc drops the connection on a packet over its limit, and with it
/// everything in flight, so the limit is one no packet can exceed and the size is judged per
/// message ([`MAX_PAYLOAD_BYTES`]). The broker's own limit (Mosquitto `message_size_limit`) is
/// what keeps a publisher from sending such messages at all.
const MAX_INCOMING_PACKET: usize = 268_435_455;
/// Most queued messages handed to the ingest writers at once (each as a call of its own).
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
/// At most one warning per this period per cause of lost data; the rest are counted.
const WARN_EVERY: Duration = Duration::from_secs(10);
/// Distinct causes warned about separately within [`WARN_EVERY`]; beyond, they share one.
const MAX_CAUSES: usize = 64;

/// Where the broker is and how to log in, from `--mqtt-url`.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerSettings {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    /// The URL named the client id: another process may resume the session, which is kept on
    /// shutdown. A generated id's session is removed from the broker on shutdown.
    pub client_id_given: bool,
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
            client_id_given: client_id.is_some(),
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
            // The session (its subscription, and the QoS 1 messages queued for it while the
            // connection is down) survives reconnects.
            .set_clean_session(false)
            .set_max_packet_size(MAX_INCOMING_PACKET, 64 * 1024);
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

/// The bridge's counters, on `/readyz` and for tests. Monotonic since start.
#[derive(Debug, Default)]
pub struct BridgeStats {
    /// Messages received on the telemetry topics.
    pub received: AtomicU64,
    /// Points stored.
    pub ingested_points: AtomicU64,
    /// Points the ingest rules refused (unknown asset, bad metric key, unit or value, timestamp
    /// out of range).
    pub rejected_points: AtomicU64,
    /// Messages dropped whole: bad topic, not JSON, wrong shape, too many points.
    pub malformed_payloads: AtomicU64,
    /// Messages dropped whole for a payload over [`MAX_PAYLOAD_BYTES`].
    pub oversized_payloads: AtomicU64,
    /// Messages for a slug that names no organization.
    pub unknown_orgs: AtomicU64,
    /// Connections re-established after a loss.
    pub reconnects: AtomicU64,
    /// Messages whose transaction failed (database trouble): their points are lost.
    pub ingest_failures: AtomicU64,
    /// Points of the messages counted in `ingest_failures`.
    pub lost_points: AtomicU64,
    /// Retained messages replayed by the broker at subscription time, skipped.
    pub retained_ignored: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    pub received: u64,
    pub ingested_points: u64,
    pub rejected_points: u64,
    pub malformed_payloads: u64,
    pub oversized_payloads: u64,
    pub unknown_orgs: u64,
    pub reconnects: u64,
    pub ingest_failures: u64,
    pub lost_points: u64,
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
            oversized_payloads: get(&self.oversized_payloads),
            unknown_orgs: get(&self.unknown_orgs),
            reconnects: get(&self.reconnects),
            ingest_failures: get(&self.ingest_failures),
            lost_points: get(&self.lost_points),
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
    #[error("a payload is at most {MAX_PAYLOAD_BYTES} bytes, not {0}")]
    TooLarge(usize),
}

impl PayloadError {
    /// The cause, for warnings: one per kind, whatever the details.
    fn cause(&self) -> &'static str {
        match self {
            Self::Topic => "bad topic",
            Self::NotJson(_) => "not JSON",
            Self::Shape => "wrong shape",
            Self::Empty => "no points",
            Self::TooMany(_) => "too many points",
            Self::Point { .. } => "undecodable point",
            Self::TooLarge(_) => "payload too large",
        }
    }
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

/// `ts` as text or epoch milliseconds, by the rules every ingest path shares
/// (`telemetry::parse_timestamp`, `telemetry::epoch_millis`).
fn parse_ts(ts: &serde_json::Value) -> std::result::Result<DateTime<Utc>, String> {
    match ts {
        serde_json::Value::String(text) => telemetry::parse_timestamp(text),
        // Integers, 1.7e12 and fractions alike: every representable time is below 2^53 ms, so
        // f64 holds it exactly.
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(telemetry::epoch_millis)
            .ok_or_else(|| "ts is out of range".to_owned()),
        _ => Err("ts must be an RFC 3339 date-time or epoch milliseconds".to_owned()),
    }
}

/// Decodes a message for the asset `asset_code`; points without `ts` are stamped `received_at`.
/// All or nothing, as a GraphQL request that cannot be decoded: a device that sends an
/// undecodable point is misconfigured, and storing the rest would hide it. What decodes is
/// judged point by point by the ingest rules (`telemetry::prepare`), as over GraphQL.
pub fn parse_payload(
    asset_code: &str,
    payload: &[u8],
    received_at: DateTime<Utc>,
) -> std::result::Result<Vec<PointInput>, PayloadError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(PayloadError::TooLarge(payload.len()));
    }
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
        // A generated client id's session is ended on shutdown by connecting once more with a
        // clean session, which replaces it (and is not kept itself).
        let end_session = (!settings.client_id_given).then(|| {
            let mut options = settings.options();
            options.set_clean_session(true);
            options
        });
        let receiver = Receiver {
            client,
            eventloop,
            filter: settings.topic_filter(),
            end_session,
            queue: queue_tx,
            stats: stats.clone(),
            warnings: Warnings::new(),
        };
        let receiver = tokio::spawn(receiver.run(stopped));
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
    /// rather than at ingest, because messages queued meanwhile are ingested together and
    /// would otherwise all get the same time, collapsing into one point per metric.
    received_at: DateTime<Utc>,
}

/// Reads from the broker: (re)connects, (re)subscribes, queues telemetry messages.
struct Receiver {
    client: AsyncClient,
    eventloop: EventLoop,
    filter: String,
    /// How to end the session on shutdown; `None` keeps it (the client id is the URL's, see
    /// [`BrokerSettings::client_id_given`]).
    end_session: Option<MqttOptions>,
    queue: mpsc::Sender<Message>,
    stats: Arc<BridgeStats>,
    warnings: Warnings,
}

/// What became of a received publish.
enum Taken {
    Queued,
    Skipped,
    /// The ingester is gone: nothing more can be ingested.
    Closed,
}

impl Receiver {
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut backoff = MIN_BACKOFF;
        let mut connected_before = false;
        let mut connected = false;
        loop {
            let event = tokio::select! {
                _ = stop.changed() => break,
                event = self.eventloop.poll() => event,
            };
            match event {
                Ok(MqttEvent::Incoming(Packet::ConnAck(ack))) => {
                    backoff = MIN_BACKOFF;
                    connected = true;
                    if connected_before {
                        bump(&self.stats.reconnects, 1);
                        tracing::info!(
                            session_resumed = ack.session_present,
                            "MQTT bridge reconnected"
                        );
                    } else {
                        connected_before = true;
                        tracing::info!(
                            session_resumed = ack.session_present,
                            "MQTT bridge connected"
                        );
                    }
                    // A new session has no subscription; a resumed one may have lost it (a
                    // shutdown removes it) or hold another filter; subscribing again to the
                    // same filter replaces it with itself.
                    if let Err(e) = self
                        .client
                        .try_subscribe(self.filter.as_str(), QoS::AtLeastOnce)
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
                            topics = %self.filter,
                            "the MQTT broker refused the bridge's subscription; check its ACL \
                             (and that it supports shared subscriptions, or use ?share= to turn them off)"
                        );
                    } else {
                        tracing::debug!(topics = %self.filter, "MQTT bridge subscribed");
                    }
                }
                Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                    // Waiting here is the backpressure: while the database is behind, the
                    // broker holds the messages (and eventually the TCP window does).
                    let taken = tokio::select! {
                        _ = stop.changed() => break,
                        taken = self.take(publish) => taken,
                    };
                    if matches!(taken, Taken::Closed) {
                        break;
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
        if connected {
            let _ = tokio::time::timeout(Duration::from_secs(2), self.goodbye()).await;
        }
    }

    /// Queues a telemetry message for ingest, unless it is a retained one replayed at
    /// subscription time or too large.
    async fn take(&mut self, publish: rumqttc::Publish) -> Taken {
        bump(&self.stats.received, 1);
        if publish.retain {
            bump(&self.stats.retained_ignored, 1);
            tracing::debug!(topic = %publish.topic, "retained MQTT message ignored");
            return Taken::Skipped;
        }
        // Refused here, before it waits in the queue.
        if publish.payload.len() > MAX_PAYLOAD_BYTES {
            let error = PayloadError::TooLarge(publish.payload.len());
            refuse(&self.stats, &mut self.warnings, &publish.topic, &error);
            return Taken::Skipped;
        }
        let message = Message {
            publish,
            received_at: crate::domain::now(),
        };
        match self.queue.send(message).await {
            Ok(()) => Taken::Queued,
            Err(_) => Taken::Closed,
        }
    }

    /// Ends the connection politely. A generated client id's session will never be resumed,
    /// so its subscription goes first (the broker would otherwise queue, for nobody, a share of
    /// every message); what arrives until the broker confirms is still ingested. Then
    /// DISCONNECT, so the broker ends the connection now rather than at the keep-alive timeout,
    /// and, for a generated id, the session itself ([`end_session`]).
    async fn goodbye(&mut self) {
        let Some(end) = self.end_session.take() else {
            disconnect(&self.client, &mut self.eventloop).await;
            return;
        };
        if self.client.try_unsubscribe(self.filter.as_str()).is_ok() {
            loop {
                match self.eventloop.poll().await {
                    Ok(MqttEvent::Incoming(Packet::UnsubAck(_))) => break,
                    Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                        if matches!(self.take(publish).await, Taken::Closed) {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }
        disconnect(&self.client, &mut self.eventloop).await;
        end_session(end).await;
    }
}

/// Sends DISCONNECT and waits until it is out (or the connection is gone).
async fn disconnect(client: &AsyncClient, eventloop: &mut EventLoop) {
    if client.try_disconnect().is_ok() {
        loop {
            match eventloop.poll().await {
                Ok(MqttEvent::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

/// Removes a persistent session from the broker: a connection with its client id and a clean
/// session discards it, and leaves nothing behind when it ends (MQTT 3.1.1, 3.1.2.4).
async fn end_session(options: MqttOptions) {
    let (client, mut eventloop) = AsyncClient::new(options, 1);
    loop {
        match eventloop.poll().await {
            Ok(MqttEvent::Incoming(Packet::ConnAck(_))) => break,
            Ok(_) => {}
            Err(_) => return,
        }
    }
    disconnect(&client, &mut eventloop).await;
}

/// A message dropped whole: counted, and warned about (per cause, see [`Warnings`]).
fn refuse(stats: &BridgeStats, warnings: &mut Warnings, topic: &str, error: &PayloadError) {
    let counter = match error {
        PayloadError::TooLarge(_) => &stats.oversized_payloads,
        _ => &stats.malformed_payloads,
    };
    bump(counter, 1);
    match warnings.allow(error.cause()) {
        Some(suppressed) => tracing::warn!(
            %topic, %error, suppressed, "MQTT telemetry message dropped"
        ),
        None => tracing::debug!(%topic, %error, "MQTT telemetry message dropped"),
    }
}

/// A decoded message, its organization resolved.
struct Parsed {
    organization_id: Uuid,
    slug: String,
    points: Vec<PointInput>,
}

/// When a cause of lost data was last warned about, and how often it recurred since.
struct Seen {
    last: Instant,
    suppressed: u64,
}

/// Rate-limits warnings per cause: bad input from devices must not flood the log, yet no cause
/// may hide behind another. Each distinct cause is warned about the first time, then at most
/// once per [`WARN_EVERY`] (with how many times it recurred meanwhile, which went to debug);
/// the counters count every one. Past [`MAX_CAUSES`] recent causes, new ones share one entry.
struct Warnings {
    causes: HashMap<String, Seen>,
}

impl Warnings {
    const OTHER: &'static str = "other causes";

    fn new() -> Self {
        Self {
            causes: HashMap::new(),
        }
    }

    /// `Some(how many were suppressed since the cause's last warning)` when one may be logged.
    fn allow(&mut self, cause: &str) -> Option<u64> {
        let now = Instant::now();
        if !self.causes.contains_key(cause) && self.causes.len() >= MAX_CAUSES {
            self.causes
                .retain(|_, seen| now.duration_since(seen.last) < WARN_EVERY);
        }
        let key = if self.causes.contains_key(cause) || self.causes.len() < MAX_CAUSES {
            cause
        } else {
            Self::OTHER
        };
        match self.causes.get_mut(key) {
            Some(seen) if now.duration_since(seen.last) < WARN_EVERY => {
                seen.suppressed += 1;
                None
            }
            Some(seen) => {
                seen.last = now;
                Some(std::mem::take(&mut seen.suppressed))
            }
            None => {
                self.causes.insert(
                    key.to_owned(),
                    Seen {
                        last: now,
                        suppressed: 0,
                    },
                );
                Some(0)
            }
        }
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

/// Turns queued messages into ingest calls, one per message.
struct Ingester {
    db: Db,
    ingest: Ingestor,
    stats: Arc<BridgeStats>,
    orgs: OrgCache,
    warnings: Warnings,
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
            warnings: Warnings::new(),
        }
    }

    /// Runs until the queue is closed and drained: each round takes the next message and what
    /// queued up behind it (up to [`MAX_BATCH_MESSAGES`]) and hands them to the writers at once.
    async fn run(mut self, mut queue: mpsc::Receiver<Message>) {
        while let Some(message) = queue.recv().await {
            let mut batch = Vec::new();
            batch.extend(self.prepare(message).await);
            for _ in 1..MAX_BATCH_MESSAGES {
                let Ok(message) = queue.try_recv() else { break };
                batch.extend(self.prepare(message).await);
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
                refuse(&self.stats, &mut self.warnings, &message.topic, &e);
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
                // Not decoded, so its points are not known: one message lost.
                self.failed(slug, &e, 0);
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
                refuse(&self.stats, &mut self.warnings, &message.topic, &e);
                None
            }
        }
    }

    /// A message that could not be stored: counted with its points, and warned about.
    fn failed(&mut self, slug: &str, error: &AppError, points: usize) {
        bump(&self.stats.ingest_failures, 1);
        bump(&self.stats.lost_points, points as u64);
        let cause = format!("{error:#}");
        match self.warnings.allow(&cause) {
            Some(suppressed) => tracing::warn!(
                %slug, error = %cause, points, suppressed,
                "MQTT telemetry could not be stored; dropped"
            ),
            None => tracing::debug!(
                %slug, error = %cause, points, "MQTT telemetry could not be stored; dropped"
            ),
        }
    }

    /// One ingest call per message, all queued at once: the writers commit them together
    /// (group commit), and a call that fails there is retried alone, so a message's failure is
    /// its own (`crate::ingest`).
    async fn ingest(&mut self, batch: Vec<Parsed>) {
        let tenants: Vec<Tenant> = batch
            .iter()
            .map(|parsed| {
                Tenant::device(
                    parsed.organization_id,
                    Origin {
                        ip: None,
                        user_agent: Some("mqtt bridge".into()),
                        request_id: format!("mqtt-{}", Uuid::now_v7().simple()),
                    },
                )
            })
            .collect();
        let mut sent = Vec::with_capacity(batch.len());
        let mut calls = Vec::with_capacity(batch.len());
        for (parsed, tenant) in batch.into_iter().zip(&tenants) {
            sent.push((parsed.slug, parsed.points.len()));
            calls.push(self.ingest.ingest(tenant, parsed.points, None));
        }
        let results = futures::future::join_all(calls).await;
        for ((slug, points), result) in sent.into_iter().zip(results) {
            match result {
                Ok(outcome) => {
                    bump(&self.stats.ingested_points, outcome.accepted as u64);
                    bump(&self.stats.rejected_points, outcome.rejected.len() as u64);
                    for rejected in &outcome.rejected {
                        match self.warnings.allow(&rejected.reason) {
                            Some(suppressed) => tracing::warn!(
                                %slug, reason = %rejected.reason, suppressed,
                                "MQTT telemetry point refused"
                            ),
                            None => tracing::debug!(
                                %slug, reason = %rejected.reason, "MQTT telemetry point refused"
                            ),
                        }
                    }
                }
                // The organization was deleted since its slug was cached.
                Err(AppError::NotFound(_)) => {
                    self.orgs.forget(&slug);
                    bump(&self.stats.unknown_orgs, 1);
                }
                Err(e) => self.failed(&slug, &e, points),
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
    fn each_distinct_cause_is_warned_about_even_while_another_is_throttled() {
        let mut warnings = Warnings::new();
        assert_eq!(warnings.allow("NUL in a unit"), Some(0));
        assert_eq!(warnings.allow("NUL in a unit"), None);
        // Another cause in the same window is warned about at once, not hidden behind the first.
        assert_eq!(warnings.allow("rollup overflow"), Some(0));
        assert_eq!(warnings.allow("rollup overflow"), None);
        assert_eq!(warnings.allow("NUL in a unit"), None);
        // Once the window is over, the next one says how many went unwarned meanwhile.
        warnings.causes.get_mut("NUL in a unit").unwrap().last = Instant::now() - WARN_EVERY;
        assert_eq!(warnings.allow("NUL in a unit"), Some(2));
        // However many causes there are, the map stays bounded: the excess shares one entry.
        for i in 0..2 * MAX_CAUSES {
            warnings.allow(&format!("cause {i}"));
        }
        assert!(warnings.causes.len() <= MAX_CAUSES + 1);
        assert!(warnings.causes.contains_key(Warnings::OTHER));
    }

    #[test]
    fn timestamps_take_every_form_graphql_takes_and_drop_what_is_below_the_millisecond() {
        let at = |ts: serde_json::Value| {
            let payload = serde_json::json!({ "metric": "cpu", "value": 1, "ts": ts });
            parse(&payload.to_string()).map(|points| points[0].ts.unwrap().timestamp_millis())
        };
        let expected = 1_796_408_755_000;
        for text in [
            "2026-12-04T18:25:55Z",
            "2026-12-04T18:25:55+0000",
            "2026-12-04T18:25:55+00:00",
            "2026-12-04T19:25:55+01:00",
            "2026-12-04 18:25:55 UTC",
            "2026-12-04T18:25:55 Z",
            "2026-12-04 18:25:55z",
        ] {
            assert_eq!(at(text.into()), Ok(expected), "{text}");
        }
        // One rounding rule: down to the millisecond, written as text or as a number.
        assert_eq!(at("2026-12-04T18:25:55.1239Z".into()), Ok(expected + 123));
        assert_eq!(
            at(serde_json::json!(1_796_408_755_123.9_f64)),
            Ok(expected + 123)
        );
        assert_eq!(
            at(serde_json::json!(1_796_408_755_123_i64)),
            Ok(expected + 123)
        );
        for bad in ["04.12.2026 18:25", "2026-12-04", "yesterday"] {
            assert!(
                matches!(at(bad.into()), Err(PayloadError::Point { index: 0, .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_payload_over_the_size_limit_is_refused_whole() {
        let payload = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        assert_eq!(
            parse_payload("R-1", &payload, received()).err(),
            Some(PayloadError::TooLarge(MAX_PAYLOAD_BYTES + 1))
        );
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
        assert_eq!(s.oversized_payloads + s.lost_points, 0, "{s:?}");
        // Each message was a call of its own, committed (alone or grouped with the others)
        // and published before the bridge moved on: the stored points were all published.
        let mut published = 0;
        while let Ok(event) = telemetry.try_recv() {
            published += event.payload["points"].as_array().map_or(0, Vec::len);
        }
        assert_eq!(published, 3);
        db.conn.close().await.ok();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
