//! Events and the EventBus (docs/ARCHITECTURE.md §8).
//!
//! Domain code commits, then publishes. Topics are per organization (`org.<id>.alerts`, ...), so
//! a subscriber only ever receives its own organization's events. Two backends:
//! - in-process (default): a hub of tokio broadcast channels;
//! - Redis (`--redis-url`): publishes go to Redis; ONE pattern subscription per process
//!   receives every replica's events and fans them out through the same local hub. The
//!   subscriber reconnects with backoff and resubscribes after Redis restarts or kills it.
//!
//! Redis pub/sub is at-most-once, so the bus is a hint and the database the truth: clients that
//! miss events resync from the database (alert events carry a cursor).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// What an event is about; one topic per kind per organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    Telemetry,
    Alerts,
    Assets,
    Jobs,
    Commands,
    Maintenance,
    Sessions,
}

impl TopicKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telemetry => "telemetry",
            Self::Alerts => "alerts",
            Self::Assets => "assets",
            Self::Jobs => "jobs",
            Self::Commands => "commands",
            Self::Maintenance => "maintenance",
            Self::Sessions => "sessions",
        }
    }

    const ALL: [Self; 7] = [
        Self::Telemetry,
        Self::Alerts,
        Self::Assets,
        Self::Jobs,
        Self::Commands,
        Self::Maintenance,
        Self::Sessions,
    ];
}

/// A topic: `org.<organization id>.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    pub organization_id: Uuid,
    pub kind: TopicKind,
}

impl Topic {
    pub fn new(organization_id: Uuid, kind: TopicKind) -> Self {
        Self {
            organization_id,
            kind,
        }
    }

    pub fn name(&self) -> String {
        format!("org.{}.{}", self.organization_id, self.kind.as_str())
    }

    /// The topic a [`Topic::name`] names.
    pub fn parse(name: &str) -> Option<Self> {
        let (organization, kind) = name.strip_prefix("org.")?.split_once('.')?;
        Some(Self {
            organization_id: organization.parse().ok()?,
            kind: TopicKind::ALL.into_iter().find(|k| k.as_str() == kind)?,
        })
    }
}

/// One event: its topic and a JSON payload whose shape belongs to the topic's domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub organization_id: Uuid,
    pub kind: TopicKind,
    pub payload: serde_json::Value,
}

impl Event {
    pub fn new(organization_id: Uuid, kind: TopicKind, payload: serde_json::Value) -> Self {
        Self {
            organization_id,
            kind,
            payload,
        }
    }

    pub fn topic(&self) -> Topic {
        Topic::new(self.organization_id, self.kind)
    }
}

/// How many events a subscriber may fall behind before it is dropped (it then resyncs from the
/// database); bounded so that a slow client cannot grow the server's memory.
pub const SUBSCRIBER_BUFFER: usize = 1024;

/// Redis channel prefix, so that Fleetgraph shares a Redis with other users safely.
const CHANNEL_PREFIX: &str = "fleetgraph:";

/// Local fan-out: one broadcast channel per topic with subscribers.
#[derive(Default)]
struct Hub {
    topics: DashMap<Topic, broadcast::Sender<Arc<Event>>>,
}

impl Hub {
    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<Event>> {
        self.topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(SUBSCRIBER_BUFFER).0)
            .subscribe()
    }

    /// Whether anyone in this process receives the topic's events.
    fn listens(&self, topic: &Topic) -> bool {
        self.topics
            .get(topic)
            .is_some_and(|sender| sender.receiver_count() > 0)
    }

    fn dispatch(&self, event: Arc<Event>) {
        let topic = event.topic();
        let mut stale = false;
        if let Some(sender) = self.topics.get(&topic) {
            // No receivers left: forget the channel so idle topics cost nothing.
            stale = sender.send(event).is_err();
        }
        if stale {
            self.topics
                .remove_if(&topic, |_, s| s.receiver_count() == 0);
        }
    }
}

/// Counters for /readyz and /metrics.
#[derive(Default)]
pub struct BusStats {
    pub published: AtomicU64,
    pub publish_failures: AtomicU64,
    pub received: AtomicU64,
    pub malformed: AtomicU64,
    pub reconnects: AtomicU64,
}

enum Backend {
    InProcess,
    Redis {
        publisher: redis::aio::ConnectionManager,
    },
}

struct Inner {
    hub: Hub,
    backend: Backend,
    /// Whether the Redis subscription is live (always true in-process).
    subscribed: AtomicBool,
    stats: BusStats,
    stop: watch::Sender<bool>,
}

/// The event bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

impl EventBus {
    pub fn in_process() -> Self {
        let (stop, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                hub: Hub::default(),
                backend: Backend::InProcess,
                subscribed: AtomicBool::new(true),
                stats: BusStats::default(),
                stop,
            }),
        }
    }

    /// Connects to Redis and starts the process's one subscriber task.
    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        use anyhow::Context;
        use redis::IntoConnectionInfo;
        // TCP_NODELAY (redis-rs leaves it off): publishes from concurrent requests share the
        // connection, and a small command queued behind an unacknowledged one would otherwise
        // wait for the server's delayed ACK (see `db::nodelay` for the same on PostgreSQL).
        let info = url.into_connection_info().context("invalid Redis URL")?;
        let tcp = info.tcp_settings().clone().set_nodelay(true);
        let client =
            redis::Client::open(info.set_tcp_settings(tcp)).context("invalid Redis URL")?;
        let publisher = redis::aio::ConnectionManager::new(client.clone())
            .await
            .context("failed to connect to Redis")?;
        let (stop, stopped) = watch::channel(false);
        let bus = Self {
            inner: Arc::new(Inner {
                hub: Hub::default(),
                backend: Backend::Redis { publisher },
                subscribed: AtomicBool::new(false),
                stats: BusStats::default(),
                stop,
            }),
        };
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(subscriber(
            client,
            Arc::downgrade(&bus.inner),
            stopped,
            ready_tx,
        ));
        // Start-up waits for the first subscription, so that nothing published after start is
        // missed by this process; later reconnects happen in the background.
        tokio::time::timeout(Duration::from_secs(10), ready_rx)
            .await
            .context("timed out subscribing to Redis")?
            .context("the Redis subscriber stopped")?;
        Ok(bus)
    }

    pub async fn connect(redis_url: Option<&str>) -> anyhow::Result<Self> {
        match redis_url {
            Some(url) => Self::redis(url).await,
            None => Ok(Self::in_process()),
        }
    }

    /// Receives the topic's events from now on.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<Event>> {
        self.inner.hub.subscribe(topic)
    }

    /// Publishes after commit. Failure is logged, counted and otherwise ignored: the change is
    /// committed, and subscribers resync from the database.
    pub async fn publish(&self, event: Event) {
        self.inner.stats.published.fetch_add(1, Ordering::Relaxed);
        match &self.inner.backend {
            Backend::InProcess => self.inner.hub.dispatch(Arc::new(event)),
            Backend::Redis { publisher } => {
                let channel = format!("{CHANNEL_PREFIX}{}", event.topic().name());
                let payload = match serde_json::to_string(&event) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::error!(error = %e, "event not serialisable");
                        return;
                    }
                };
                let mut conn = publisher.clone();
                let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(payload)
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = result {
                    self.inner
                        .stats
                        .publish_failures
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, %channel, "failed to publish an event to Redis");
                }
            }
        }
    }

    /// Whether events from other replicas are arriving (always true in-process).
    pub fn is_subscribed(&self) -> bool {
        self.inner.subscribed.load(Ordering::Relaxed)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.inner.backend {
            Backend::InProcess => "in-process",
            Backend::Redis { .. } => "redis",
        }
    }

    pub fn stats(&self) -> &BusStats {
        &self.inner.stats
    }

    /// Stops the Redis subscriber task.
    pub fn shutdown(&self) {
        let _ = self.inner.stop.send(true);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The subscriber loop: subscribe, fan out, and on any failure reconnect with capped
/// exponential backoff. Holds only a weak reference, so it ends with the bus.
async fn subscriber(
    client: redis::Client,
    bus: std::sync::Weak<Inner>,
    mut stop: watch::Receiver<bool>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    let pattern = format!("{CHANNEL_PREFIX}org.*");
    loop {
        let connected = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            redis::RedisResult::Ok(pubsub)
        };
        let pubsub = tokio::select! {
            _ = stop.changed() => return,
            result = connected => result,
        };
        match pubsub {
            Ok(mut pubsub) => {
                let Some(inner) = bus.upgrade() else { return };
                inner.subscribed.store(true, Ordering::Relaxed);
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                } else {
                    inner.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("resubscribed to Redis after a disconnect");
                }
                drop(inner);
                backoff = Duration::from_millis(100);
                let mut messages = pubsub.on_message();
                loop {
                    let message = tokio::select! {
                        _ = stop.changed() => return,
                        m = messages.next() => m,
                    };
                    let Some(message) = message else { break };
                    let Some(inner) = bus.upgrade() else { return };
                    inner.stats.received.fetch_add(1, Ordering::Relaxed);
                    // An event nobody here listens to is not parsed: a replica serving no
                    // dashboard of an organization pays nothing for its telemetry (a 1,000-point
                    // batch is about 100 KB of JSON).
                    let topic = message
                        .get_channel_name()
                        .strip_prefix(CHANNEL_PREFIX)
                        .and_then(Topic::parse);
                    if topic.is_some_and(|topic| !inner.hub.listens(&topic)) {
                        continue;
                    }
                    let parsed = message
                        .get_payload::<String>()
                        .ok()
                        .and_then(|p| serde_json::from_str::<Event>(&p).ok());
                    match parsed {
                        Some(event) => inner.hub.dispatch(Arc::new(event)),
                        None => {
                            inner.stats.malformed.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(channel = %message.get_channel_name(), "malformed event ignored");
                        }
                    }
                }
                if let Some(inner) = bus.upgrade() {
                    inner.subscribed.store(false, Ordering::Relaxed);
                }
                tracing::warn!("Redis subscription lost; reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot subscribe to Redis");
            }
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn next(rx: &mut broadcast::Receiver<Arc<Event>>) -> Arc<Event> {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an event in time")
            .expect("open")
    }

    #[test]
    fn topic_names_parse_back() {
        let organization_id = Uuid::new_v4();
        for kind in TopicKind::ALL {
            let topic = Topic::new(organization_id, kind);
            assert_eq!(Topic::parse(&topic.name()), Some(topic));
        }
        for bad in [
            "",
            "org.",
            "org.not-a-uuid.alerts",
            &format!("org.{organization_id}"),
            &format!("org.{organization_id}.nothing"),
            &format!("x.{organization_id}.alerts"),
        ] {
            assert_eq!(Topic::parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn in_process_events_reach_subscribers_of_their_topic_only() {
        let bus = EventBus::in_process();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut alerts_a = bus.subscribe(Topic::new(a, TopicKind::Alerts));
        let mut alerts_b = bus.subscribe(Topic::new(b, TopicKind::Alerts));
        bus.publish(Event::new(a, TopicKind::Alerts, json!({ "n": 1 })))
            .await;
        bus.publish(Event::new(a, TopicKind::Telemetry, json!({ "n": 2 })))
            .await;
        assert_eq!(next(&mut alerts_a).await.payload, json!({ "n": 1 }));
        assert!(alerts_b.try_recv().is_err());
        assert!(alerts_a.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_lagging_subscriber_is_told_it_lagged() {
        let bus = EventBus::in_process();
        let org = Uuid::now_v7();
        let mut rx = bus.subscribe(Topic::new(org, TopicKind::Telemetry));
        for i in 0..(SUBSCRIBER_BUFFER + 10) {
            bus.publish(Event::new(org, TopicKind::Telemetry, json!(i)))
                .await;
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }

    async fn publish_until_received(
        bus: &EventBus,
        rx: &mut broadcast::Receiver<Arc<Event>>,
        event: Event,
    ) -> Arc<Event> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            bus.publish(event.clone()).await;
            if let Ok(Ok(received)) =
                tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the event never arrived"
            );
        }
    }

    fn redis_url() -> Option<String> {
        std::env::var("TEST_REDIS_URL").ok()
    }

    #[tokio::test]
    async fn redis_carries_events_between_two_buses() {
        let Some(url) = redis_url() else { return };
        let (a, b) = (
            EventBus::redis(&url).await.unwrap(),
            EventBus::redis(&url).await.unwrap(),
        );
        let org = Uuid::now_v7();
        let mut rx = b.subscribe(Topic::new(org, TopicKind::Alerts));
        // Retried because the kill test below may drop this process's subscriptions meanwhile
        // (CLIENT KILL TYPE pubsub is server-wide); every delivered event must be ours.
        let event = publish_until_received(
            &a,
            &mut rx,
            Event::new(org, TopicKind::Alerts, json!("hello")),
        )
        .await;
        assert_eq!(event.payload, json!("hello"));
        a.shutdown();
        b.shutdown();
    }

    #[tokio::test]
    async fn the_redis_subscriber_resubscribes_after_its_connection_is_killed() {
        let Some(url) = redis_url() else { return };
        let bus = EventBus::redis(&url).await.unwrap();
        let org = Uuid::now_v7();
        let mut rx = bus.subscribe(Topic::new(org, TopicKind::Alerts));
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut admin = client.get_multiplexed_async_connection().await.unwrap();
        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut admin)
            .await
            .unwrap();
        assert!(killed >= 1);
        // Events sent during the gap are lost (at-most-once; the database resync covers them),
        // so publish until the resubscribed connection delivers.
        let event = publish_until_received(
            &bus,
            &mut rx,
            Event::new(org, TopicKind::Alerts, json!("after")),
        )
        .await;
        assert_eq!(event.payload, json!("after"));
        assert!(bus.is_subscribed());
        assert!(bus.stats().reconnects.load(Ordering::Relaxed) >= 1);
        bus.shutdown();
    }
}
