//! Live subscriptions, fed by the EventBus (docs/ARCHITECTURE.md §8).
//!
//! Each subscription listens on its organization's topic only, so it can never yield another
//! organization's event; a site-restricted member's stream is further narrowed to their sites.
//! A subscriber that falls more than the bus buffer behind gets one error telling it to resync
//! (from `alertEvents(after:)` or the queries) and its stream ends: memory stays bounded.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use futures::stream;
use serde::Deserialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::alerts::{AlertEventRecord, severity_rank};
use crate::domain::visibility::{Kind, Refs};
use crate::error::AppError;
use crate::events::{Event, Topic, TopicKind};
use crate::graphql::alerts::{AlertEvent, Severity};
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
    stream::unfold((rx, keep, false), |(mut rx, keep, done)| async move {
        if done {
            return None;
        }
        loop {
            match rx.recv().await {
                Ok(event) => {
                    if let Some(item) = keep(&event) {
                        return Some((Ok(item), (rx, keep, false)));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let err = AppError::conflict(format!(
                        "subscriber too slow: {missed} events dropped; resubscribe and resync from the API"
                    ));
                    return Some((Err(err.into()), (rx, keep, true)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
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

/// The readings of one ingest call that match the subscription.
#[derive(SimpleObject)]
pub struct TelemetryBatch {
    pub readings: Vec<TelemetryReading>,
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
        Ok(events(rx, move |event| {
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
            (!readings.is_empty()).then_some(TelemetryBatch { readings })
        }))
    }

    /// Alerts as they are raised, updated, acknowledged and resolved. After a reconnect, fetch
    /// what was missed with `alertEvents(after:)` (events carry the same `seq` cursor) and
    /// de-duplicate by alert id.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only alerts at least this severe.")] min_severity: Option<Severity>,
        site_id: Option<ID>,
        asset_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AlertEvent>> + use<>> {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::AlertsRead)?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        let asset = parse_opt_id("assetId", asset_id.as_ref())?;
        let refs = Refs::new().with(Kind::Site, site).with(Kind::Asset, asset);
        ensure_visible(ctx, refs).await?;
        let min_rank = min_severity.map(|s| severity_rank(s.into()));
        let rx = subscribe(ctx, &tenant, TopicKind::Alerts);
        Ok(events(rx, move |event| {
            let p = AlertPayload::deserialize(&event.payload).ok()?;
            if min_rank.is_some_and(|min| severity_rank(p.alert.severity) < min)
                || asset.is_some_and(|a| p.alert.asset_id != Some(a))
                || site.is_some_and(|s| p.site_id != Some(s))
                || p.site_id.is_some_and(|s| !tenant.sees_site(s))
                || (p.site_id.is_none()
                    && tenant.site_scope.is_some()
                    && p.alert.asset_id.is_some())
            {
                return None;
            }
            Some(AlertEvent(AlertEventRecord {
                seq: p.seq,
                kind: p.kind,
                alert: p.alert,
            }))
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
}
