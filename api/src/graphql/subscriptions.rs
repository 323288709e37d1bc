//! Live subscriptions, fed by the EventBus (docs/ARCHITECTURE.md §8).
//!
//! Each subscription listens on its organization's topic only, so it can never yield another
//! organization's event; a site-restricted member's stream is further narrowed to their sites.
//! A subscriber that falls more than the bus buffer behind gets one error telling it to resync
//! (from `alertEvents(after:)` or the queries) and its stream ends: memory stays bounded.
//!
//! Alert events are persisted with a per-organization `seq`, so the `alerts` stream never
//! loses one: it delivers them in `seq` order and replays from the database whatever the bus
//! did not bring (a gap in `seq`, a lag, a lost Redis subscription), see [`AlertFeed`].
//! Telemetry is not persisted as a stream: after the bus lost events, the `telemetry` stream
//! sends one batch with `missedSince` set instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use futures::stream;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::alerts::{self, AlertEventRecord, severity_rank};
use crate::domain::visibility::{Kind, Refs};
use crate::error::AppError;
use crate::events::{Event, Link, Topic, TopicKind};
use crate::graphql::alerts::{AlertEvent, AlertEventKind, Severity};
use crate::graphql::common::AssetStatus;
use crate::graphql::context::{ensure_visible, parse_ids, parse_opt_id, services, tenant};
use crate::graphql::telemetry::Quality;

/// The most assets one `telemetry` subscription may name.
const MAX_ASSET_IDS: usize = 1000;

/// Turns a bus receiver into a stream of the events `keep` maps to items. Lagging ends the
/// stream with a RESYNC-worthy error instead of buffering without bound.
pub(crate) fn events<T: Send + 'static>(
    rx: broadcast::Receiver<Arc<Event>>,
    keep: impl Fn(&Event) -> Option<T> + Send + 'static,
) -> impl Stream<Item = async_graphql::Result<T>> {
    events_or_gaps(rx, None, keep, |_| None)
}

/// Like [`events`], and when the bus recovers from a lost subscription (`link`), yields what
/// `gap` makes of the time it was lost: events may have been missed since then.
fn events_or_gaps<T: Send + 'static>(
    rx: broadcast::Receiver<Arc<Event>>,
    link: Option<watch::Receiver<Link>>,
    keep: impl Fn(&Event) -> Option<T> + Send + 'static,
    gap: impl Fn(Option<DateTime<Utc>>) -> Option<T> + Send + 'static,
) -> impl Stream<Item = async_graphql::Result<T>> {
    let generation = link.as_ref().map_or(0, |l| l.borrow().generation);
    let state = (rx, link, generation, keep, gap, false);
    stream::unfold(
        state,
        |(mut rx, mut link, mut generation, keep, gap, done)| async move {
            if done {
                return None;
            }
            loop {
                tokio::select! {
                    biased;
                    recovered = recovery(&mut link, &mut generation) => {
                        if let Some(item) = gap(recovered.lost_at) {
                            return Some((Ok(item), (rx, link, generation, keep, gap, false)));
                        }
                    }
                    received = rx.recv() => match received {
                        Ok(event) => {
                            if let Some(item) = keep(&event) {
                                return Some((Ok(item), (rx, link, generation, keep, gap, false)));
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            let err = AppError::conflict(format!(
                                "subscriber too slow: {missed} events dropped; resubscribe and resync from the API"
                            ));
                            return Some((Err(err.into()), (rx, link, generation, keep, gap, true)));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        },
    )
}

/// Waits until the bus is subscribed again after a loss: a connected [`Link`] of another
/// generation than `generation`, which it records, is returned. Never ends without a link, nor
/// once the bus is gone (its receivers close next). Cancel-safe, as `watch::Receiver::changed`.
async fn recovery(link: &mut Option<watch::Receiver<Link>>, generation: &mut u64) -> Link {
    loop {
        let Some(watched) = link.as_mut() else {
            return std::future::pending().await;
        };
        if watched.changed().await.is_err() {
            *link = None;
            continue;
        }
        let now = *watched.borrow_and_update();
        if now.connected && now.generation != *generation {
            *generation = now.generation;
            return now;
        }
    }
}

pub(crate) fn subscribe(
    ctx: &Context<'_>,
    tenant: &Tenant,
    kind: TopicKind,
) -> broadcast::Receiver<Arc<Event>> {
    services(ctx)
        .events
        .subscribe(Topic::new(tenant.organization_id, kind))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PointPayload {
    asset_id: Uuid,
    #[serde(default)]
    site_id: Option<Uuid>,
    metric: String,
    ts: i64,
    value: f64,
    quality: entity::Quality,
}

#[derive(Debug, Deserialize)]
struct TelemetryPayload {
    points: Vec<PointPayload>,
}

/// A reading as it arrives.
#[derive(SimpleObject, Clone)]
pub struct TelemetryReading {
    pub asset_id: ID,
    pub metric: String,
    pub ts: DateTime<Utc>,
    pub value: f64,
    pub quality: Quality,
}

/// The readings of one ingest call that match the subscription; or, with `missedSince` set
/// and no readings, the notice that readings may have been missed.
#[derive(SimpleObject)]
pub struct TelemetryBatch {
    pub readings: Vec<TelemetryReading>,
    /// Set (on a batch without readings) when the event bus lost readings: those ingested
    /// since this time may not have been sent on this subscription (null when the server does
    /// not know since when). Fetch them with the `telemetry` query. Null on every batch of
    /// readings.
    pub missed_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusPayload {
    asset_id: Uuid,
    site_id: Uuid,
    code: String,
    previous: entity::AssetStatus,
    status: entity::AssetStatus,
    reason: String,
    at: DateTime<Utc>,
}

/// An asset changed status.
#[derive(SimpleObject)]
pub struct AssetStatusChange {
    pub asset_id: ID,
    pub site_id: ID,
    pub code: String,
    pub previous: AssetStatus,
    pub status: AssetStatus,
    /// Why: `manual update`, `telemetry resumed`, `no telemetry for N s`, ...
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertPayload {
    seq: i64,
    kind: entity::AlertEventKind,
    #[serde(default)]
    site_id: Option<Uuid>,
    alert: entity::alerts::Model,
}

#[derive(Default)]
pub struct TelemetrySubscription;

#[Subscription]
impl TelemetrySubscription {
    /// Readings as they are ingested, optionally only of some assets and metrics.
    async fn telemetry(
        &self,
        ctx: &Context<'_>,
        asset_ids: Option<Vec<ID>>,
        metrics: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<TelemetryBatch>> + use<>>
    {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::TelemetryRead)?;
        let assets: Option<HashSet<Uuid>> = asset_ids
            .as_deref()
            .map(|ids| parse_ids("assetIds", ids))
            .transpose()?
            .map(|ids| ids.into_iter().collect());
        if let Some(ids) = &assets {
            if ids.len() > MAX_ASSET_IDS {
                return Err(AppError::validation(
                    "assetIds",
                    format!("at most {MAX_ASSET_IDS} assets per subscription"),
                )
                .into());
            }
            ensure_visible(ctx, Refs::new().with_all(Kind::Asset, ids.iter().copied())).await?;
        }
        let metrics: Option<HashSet<String>> = metrics.map(|m| m.into_iter().collect());
        let rx = subscribe(ctx, &tenant, TopicKind::Telemetry);
        let link = Some(services(ctx).events.link());
        let missed = |since: Option<DateTime<Utc>>| {
            Some(TelemetryBatch {
                readings: Vec::new(),
                missed_since: since,
            })
        };
        let keep = move |event: &Event| {
            let payload = TelemetryPayload::deserialize(&event.payload).ok()?;
            let readings: Vec<TelemetryReading> = payload
                .points
                .into_iter()
                .filter(|p| assets.as_ref().is_none_or(|a| a.contains(&p.asset_id)))
                .filter(|p| metrics.as_ref().is_none_or(|m| m.contains(&p.metric)))
                .filter(|p| p.site_id.is_none_or(|s| tenant.sees_site(s)))
                .map(|p| TelemetryReading {
                    asset_id: ID(p.asset_id.to_string()),
                    metric: p.metric,
                    ts: DateTime::from_timestamp_millis(p.ts).unwrap_or_default(),
                    value: p.value,
                    quality: p.quality.into(),
                })
                .collect();
            (!readings.is_empty()).then_some(TelemetryBatch {
                readings,
                missed_since: None,
            })
        };
        Ok(events_or_gaps(rx, link, keep, missed))
    }

    /// Alert events as alerts are raised, updated, acknowledged and resolved, in `seq` order
    /// and without gaps: events the live bus did not bring (a lost Redis subscription, a slow
    /// consumer) are replayed from the log first. With `after` (a `seq` from an earlier event
    /// or `alertEvents`), the stream starts with the events after it: resume there after a
    /// reconnect. UPDATED events that change only the value of an alert (not its severity,
    /// status or acknowledgement) are sent at most once per interval per alert (60 s unless
    /// the server is configured otherwise); `alertEvents` has every one.
    #[allow(clippy::too_many_arguments)]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only alerts at least this severe.")] min_severity: Option<Severity>,
        site_id: Option<ID>,
        asset_id: Option<ID>,
        #[graphql(desc = "Only events of these kinds (all kinds when omitted).")] kinds: Option<
            Vec<AlertEventKind>,
        >,
        #[graphql(desc = "Start after this event cursor (`seq`), replaying from the log.")]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AlertEvent>> + use<>> {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::AlertsRead)?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        let asset = parse_opt_id("assetId", asset_id.as_ref())?;
        let refs = Refs::new().with(Kind::Site, site).with(Kind::Asset, asset);
        ensure_visible(ctx, refs).await?;
        let after = after
            .as_deref()
            .map(|a| alerts::parse_event_cursor("after", a))
            .transpose()?;
        let filter = AlertFilter {
            min_rank: min_severity.map(|s| severity_rank(s.into())),
            site,
            asset,
            kinds: kinds.map(|k| k.into_iter().map(Into::into).collect()),
            tenant: tenant.clone(),
        };
        let services = services(ctx);
        // Subscribed (and the link's generation noted) before the position is read: whatever
        // is committed after that read reaches this stream live or by replay.
        let rx = subscribe(ctx, &tenant, TopicKind::Alerts);
        let link = services.events.link();
        let generation = link.borrow().generation;
        let db = services.db.conn.clone();
        let newest = alerts::last_seq(&db, tenant.organization_id).await?;
        let (last, behind) = match after {
            // A cursor comes from an event the client received, so it was committed before
            // this read. One beyond it was never written: the stream would skip every event up
            // to it without a word.
            Some(after) if after > newest => {
                return Err(AppError::validation(
                    "after",
                    "is beyond the organization's newest alert event",
                )
                .into());
            }
            Some(after) => (after, true),
            None => (newest, false),
        };
        let feed = AlertFeed {
            rx,
            link: Some(link),
            generation,
            db,
            filter,
            update_interval: chrono::Duration::from_std(services.alert_update_interval)
                .unwrap_or(chrono::Duration::MAX),
            last,
            floor: last,
            behind,
            ready: VecDeque::new(),
            sent: HashMap::new(),
            waited: 0,
            done: false,
        };
        Ok(stream::unfold(feed, |mut feed| async move {
            let item = feed.next().await?;
            Some((item, feed))
        }))
    }

    /// Status changes of assets, optionally of one site.
    async fn asset_status_changed(
        &self,
        ctx: &Context<'_>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AssetStatusChange>> + use<>>
    {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::AssetsRead)?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        ensure_visible(ctx, Refs::new().with(Kind::Site, site)).await?;
        let rx = subscribe(ctx, &tenant, TopicKind::Assets);
        Ok(events(rx, move |event| {
            let p = StatusPayload::deserialize(&event.payload).ok()?;
            if site.is_some_and(|s| s != p.site_id) || !tenant.sees_site(p.site_id) {
                return None;
            }
            Some(AssetStatusChange {
                asset_id: ID(p.asset_id.to_string()),
                site_id: ID(p.site_id.to_string()),
                code: p.code,
                previous: p.previous.into(),
                status: p.status.into(),
                reason: p.reason,
                at: p.at,
            })
        }))
    }
}

/// What an `alerts` subscriber asked for.
struct AlertFilter {
    min_rank: Option<u8>,
    site: Option<Uuid>,
    asset: Option<Uuid>,
    kinds: Option<HashSet<entity::AlertEventKind>>,
    tenant: Tenant,
}

impl AlertFilter {
    fn passes(&self, event: &AlertEventRecord) -> bool {
        let alert = &event.alert;
        !(self
            .kinds
            .as_ref()
            .is_some_and(|k| !k.contains(&event.kind))
            || self
                .min_rank
                .is_some_and(|min| severity_rank(alert.severity) < min)
            || self.asset.is_some_and(|a| alert.asset_id != Some(a))
            || self.site.is_some_and(|s| event.site_id != Some(s))
            || event.site_id.is_some_and(|s| !self.tenant.sees_site(s))
            || (event.site_id.is_none()
                && self.tenant.site_scope.is_some()
                && alert.asset_id.is_some()))
    }
}

/// What a subscriber was last sent of one alert.
struct Sent {
    severity: entity::Severity,
    status: entity::AlertStatus,
    acknowledged_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

/// One `alerts` subscription: the organization's alert events in `seq` order, none missing.
///
/// `seq` is gap-free per organization and taken in commit order, and events are published
/// after commit. So an event with `seq` N on the bus proves that every event up to N is
/// committed: when the bus brings N while the stream stands at `last` < N - 1 (an event lost,
/// or published late by another replica), the stream reads the events after `last` from the
/// database, delivers them, and skips their late copies from the bus. The same replay runs
/// after the bus lost and regained its Redis subscription (a new [`Link`] generation) and
/// after this subscriber lagged, so a client connected throughout misses nothing.
struct AlertFeed {
    rx: broadcast::Receiver<Arc<Event>>,
    link: Option<watch::Receiver<Link>>,
    /// The link generation this stream is caught up with.
    generation: u64,
    db: DatabaseConnection,
    filter: AlertFilter,
    /// Least time between two value-only UPDATED events of one alert.
    update_interval: chrono::Duration,
    /// The newest `seq` handled (delivered, or not for this subscriber).
    last: i64,
    /// A `seq` seen on the bus, so committed: the replay reaches at least it.
    floor: i64,
    /// Whether the database may hold events after `last` that the bus did not bring.
    behind: bool,
    /// Events read and not yet delivered, in `seq` order.
    ready: VecDeque<AlertEventRecord>,
    /// What was last sent of each alert that is not resolved (for the UPDATED throttle).
    sent: HashMap<Uuid, Sent>,
    /// Replays in a row that found `floor` not yet readable.
    waited: u32,
    done: bool,
}

/// How long a replay waits for an event the bus brought to become readable, and how often.
const REPLAY_RETRY: std::time::Duration = std::time::Duration::from_millis(20);
const REPLAY_PATIENCE: u32 = 50;

impl AlertFeed {
    async fn next(&mut self) -> Option<async_graphql::Result<AlertEvent>> {
        if self.done {
            return None;
        }
        loop {
            while let Some(event) = self.ready.pop_front() {
                if self.worth_sending(&event) {
                    return Some(Ok(AlertEvent(event)));
                }
            }
            if self.behind {
                if let Err(e) = self.replay().await {
                    // The client resumes with `after:` from the last event it received.
                    self.done = true;
                    return Some(Err(e.into()));
                }
                continue;
            }
            tokio::select! {
                biased;
                _ = recovery(&mut self.link, &mut self.generation) => self.behind = true,
                received = self.rx.recv() => match received {
                    Ok(event) => self.on_event(&event),
                    Err(broadcast::error::RecvError::Lagged(_)) => self.behind = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    }

    fn on_event(&mut self, event: &Event) {
        let Ok(p) = AlertPayload::deserialize(&event.payload) else {
            return;
        };
        if p.seq <= self.last {
            // Already replayed from the database.
            return;
        }
        if p.seq == self.last + 1 && !self.behind {
            self.last = p.seq;
            self.ready.push_back(AlertEventRecord {
                seq: p.seq,
                kind: p.kind,
                site_id: p.site_id,
                alert: p.alert,
            });
        } else {
            self.floor = self.floor.max(p.seq);
            self.behind = true;
        }
    }

    /// Reads the next page of events after `last` from the database.
    async fn replay(&mut self) -> crate::error::Result<()> {
        let page = alerts::events_after(
            &self.db,
            &self.filter.tenant,
            Some(self.last),
            Some(alerts::MAX_EVENT_PAGE),
            None,
        )
        .await?;
        if let Some(end) = page.end_cursor {
            self.last = self.last.max(end);
        }
        self.ready.extend(page.events);
        if page.has_more {
            return Ok(());
        }
        if self.last < self.floor {
            // The bus brought `floor`, yet the page stops short of it: either the events in
            // between are not this member's (other sites), or `floor` is not visible to this
            // connection yet. Only in the first case may the stream move past them.
            let organization_id = self.filter.tenant.organization_id;
            if !alerts::event_exists(&self.db, organization_id, self.floor).await?
                && self.waited < REPLAY_PATIENCE
            {
                self.waited += 1;
                tokio::time::sleep(REPLAY_RETRY).await;
                return Ok(());
            }
            self.last = self.floor;
        }
        self.waited = 0;
        self.behind = false;
        Ok(())
    }

    /// Whether the event passes the subscriber's filter and, for an UPDATED event, changes
    /// what a client shows or brings a value older than the interval.
    fn worth_sending(&mut self, event: &AlertEventRecord) -> bool {
        let alert = &event.alert;
        if event.kind == entity::AlertEventKind::Resolved {
            self.sent.remove(&alert.id);
            return self.filter.passes(event);
        }
        if !self.filter.passes(event) {
            return false;
        }
        let now = Sent {
            severity: alert.severity,
            status: alert.status,
            acknowledged_at: alert.acknowledged_at,
            updated_at: alert.updated_at,
        };
        if event.kind == entity::AlertEventKind::Updated
            && let Some(before) = self.sent.get(&alert.id)
            && before.severity == now.severity
            && before.status == now.status
            && before.acknowledged_at == now.acknowledged_at
            && now.updated_at - before.updated_at < self.update_interval
        {
            return false;
        }
        self.sent.insert(alert.id, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use serde_json::json;

    #[tokio::test]
    async fn a_lagging_stream_ends_with_one_error() {
        let bus = crate::events::EventBus::in_process();
        let org = Uuid::now_v7();
        let rx = bus.subscribe(Topic::new(org, TopicKind::Assets));
        let mut stream = Box::pin(events(rx, |e| Some(e.payload.clone())));
        for i in 0..(crate::events::SUBSCRIBER_BUFFER + 5) {
            bus.publish(Event::new(org, TopicKind::Assets, json!(i)))
                .await;
        }
        assert!(stream.next().await.is_some_and(|r| r.is_err()));
        assert!(stream.next().await.is_none());
    }

    /// Alert events that reach the bus late, twice, or not at all still reach an `alerts`
    /// subscriber once each, in `seq` order: the feed fills every gap from the log.
    #[tokio::test]
    async fn an_alert_feed_delivers_late_duplicate_and_lost_events_once_each_in_seq_order() {
        use entity::organizations;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let file = std::env::temp_dir().join(format!("fg-feed-{}.db", Uuid::now_v7().simple()));
        let db = crate::db::Db::connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let org = Uuid::now_v7();
        let now = Utc::now();
        organizations::ActiveModel {
            id: Set(org),
            name: Set("O".into()),
            slug: Set(format!("o-{}", org.simple())),
            plan: Set(entity::Plan::Free),
            settings: Set(json!({})),
            telemetry_retention_days: Set(30),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&db.conn)
        .await
        .unwrap();
        let origin = crate::auth::Origin {
            ip: None,
            user_agent: None,
            request_id: "t".into(),
        };
        let tenant = Tenant::user(
            org,
            Uuid::now_v7(),
            Uuid::now_v7(),
            entity::Role::Owner,
            None,
            origin,
        );
        let mut published = Vec::new();
        for n in 1..=4 {
            let raised = alerts::raise(
                &db.conn,
                &tenant,
                alerts::ManualAlert {
                    asset_id: None,
                    severity: entity::Severity::Info,
                    title: format!("a{n}"),
                    message: None,
                },
            )
            .await
            .unwrap();
            published.extend(raised.events);
        }
        let bus = crate::events::EventBus::in_process();
        let mut feed = AlertFeed {
            rx: bus.subscribe(Topic::new(org, TopicKind::Alerts)),
            link: Some(bus.link()),
            generation: bus.link().borrow().generation,
            db: db.conn.clone(),
            filter: AlertFilter {
                min_rank: None,
                site: None,
                asset: None,
                kinds: None,
                tenant,
            },
            update_interval: chrono::Duration::seconds(60),
            last: 0,
            floor: 0,
            behind: false,
            ready: VecDeque::new(),
            sent: HashMap::new(),
            waited: 0,
            done: false,
        };
        // 3 first (1 and 2 late), 3 again, 1 late, 2 and 4 never.
        for i in [2, 2, 0] {
            bus.publish(published[i].clone()).await;
        }
        let mut seqs = Vec::new();
        for _ in 0..3 {
            let event = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next())
                .await
                .expect("an event in time")
                .expect("the stream goes on")
                .expect("no error");
            seqs.push(event.0.seq);
        }
        assert_eq!(seqs, [1, 2, 3]);
        // 4 was lost: the next event on the bus after it fills it in.
        let fifth = alerts::raise(
            &db.conn,
            &feed.filter.tenant.clone(),
            alerts::ManualAlert {
                asset_id: None,
                severity: entity::Severity::Info,
                title: "a5".into(),
                message: None,
            },
        )
        .await
        .unwrap();
        bus.publish(fifth.events[0].clone()).await;
        for want in [4, 5] {
            let event = feed.next().await.expect("more").expect("no error");
            assert_eq!(event.0.seq, want);
        }
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(200), feed.next())
                .await
                .is_err(),
            "nothing else"
        );
        let _ = std::fs::remove_file(file);
    }
}
