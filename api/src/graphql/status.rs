//! Status history and availability of an asset over GraphQL (fields of `Robot` and `Machine`).

use async_graphql::{Context, ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::now;
use crate::domain::page::PageRequest;
use crate::domain::status::{self, HistoryFilter};
use crate::graphql::common::{ActorKind, AssetStatus, Conn, TotalCount, connection};
use crate::graphql::context::{services, tenant};
use entity::asset_status_history as history;

/// One status change of an asset.
#[derive(SimpleObject)]
pub struct StatusChange {
    pub id: ID,
    /// Null for the asset's first row (its creation).
    pub previous: Option<AssetStatus>,
    pub status: AssetStatus,
    /// Why: `created`, `manual update`, `telemetry resumed`, `no telemetry for N s`,
    /// `emergency stop: ...`, `maintenance: ...`, ...
    pub reason: String,
    pub actor_kind: ActorKind,
    /// The user or API key, when a person or an integration caused it.
    pub actor_id: Option<ID>,
    pub at: DateTime<Utc>,
}

impl From<history::Model> for StatusChange {
    fn from(row: history::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            previous: row.previous_status.map(Into::into),
            status: row.status.into(),
            reason: row.reason,
            actor_kind: row.actor_kind.into(),
            actor_id: row.actor_id.map(|id| ID(id.to_string())),
            at: row.at,
        }
    }
}

/// Time spent in one status.
#[derive(SimpleObject)]
pub struct StatusShare {
    pub status: AssetStatus,
    pub seconds: f64,
    /// `seconds` over the observed time, in [0, 1].
    pub share: f64,
}

/// How an asset spent a time range.
#[derive(SimpleObject)]
pub struct Availability {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The part of the range that is observed: after the asset was created and not in the
    /// future.
    pub observed_seconds: f64,
    /// Time per status, most first.
    pub statuses: Vec<StatusShare>,
    /// The availability factor of OEE: the share of observed time in a status where the asset
    /// could work (online, idle, busy). Null when nothing was observed.
    pub factor: Option<f64>,
}

pub async fn history_connection(
    ctx: &Context<'_>,
    filter: HistoryFilter,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Conn<StatusChange>> {
    let tenant = tenant(ctx)?;
    let db = services(ctx).db.clone();
    let request = PageRequest {
        first,
        after,
        descending: true,
    };
    let page = status::history_of(&db.conn, tenant, &filter, &request).await?;
    let t = tenant.clone();
    let total = TotalCount::new(async move { status::history_count(&db.conn, &t, &filter).await });
    Ok(connection(page, total, StatusChange::from))
}

pub async fn availability(
    ctx: &Context<'_>,
    asset_id: uuid::Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> async_graphql::Result<Availability> {
    let a = status::availability(
        &services(ctx).db.conn,
        tenant(ctx)?,
        asset_id,
        from,
        to,
        now(),
    )
    .await?;
    let factor = a.factor();
    let observed = a.observed_seconds;
    Ok(Availability {
        from: a.from,
        to: a.to,
        observed_seconds: observed,
        statuses: a
            .statuses
            .into_iter()
            .map(|s| StatusShare {
                status: s.status.into(),
                seconds: s.seconds,
                share: if observed > 0.0 {
                    s.seconds / observed
                } else {
                    0.0
                },
            })
            .collect(),
        factor,
    })
}
