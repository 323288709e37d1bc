//! Asset status changes and their history (`asset_status_history`).
//!
//! Every status change, from any source (a person, a device reporting, the staleness worker, an
//! emergency stop, maintenance), goes through [`transition`] or [`record`], so the history is
//! complete and `assetStatusChanged` always carries the reason. `availability` reads the history
//! back as shares of time per status (the availability factor of OEE).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::{Actor, Permission, Tenant};
use crate::domain::assets::{self, status_event};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::validate;
use crate::error::{AppError, Result};
use crate::events::Event;
use entity::{ActorKind, AssetStatus, asset_status_history as history, assets as asset_rows};

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
}

impl Cause {
    /// A background worker or a rule of the system itself.
    pub const SYSTEM: Cause = Cause {
        kind: ActorKind::System,
        id: None,
    };

    /// The caller behind a request.
    pub fn of(tenant: &Tenant) -> Self {
        match &tenant.actor {
            Actor::User { user_id, .. } => Cause {
                kind: ActorKind::User,
                id: Some(*user_id),
            },
            Actor::ApiKey { key_id, .. } => Cause {
                kind: ActorKind::ApiKey,
                id: Some(*key_id),
            },
            Actor::Device => Cause {
                kind: ActorKind::Device,
                id: None,
            },
        }
    }
}

/// The longest reason kept; longer ones are cut (reasons are composed by the server).
const REASON_MAX: usize = 200;

fn clip(reason: &str) -> String {
    reason.chars().take(REASON_MAX).collect()
}

/// Records that `asset` (already written with its new status) changed from `previous`, and
/// returns the `assetStatusChanged` event to publish after commit.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    asset: &asset_rows::Model,
    previous: Option<AssetStatus>,
    reason: &str,
    cause: Cause,
    at: DateTime<Utc>,
) -> Result<Event> {
    history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(asset.organization_id),
        asset_id: Set(asset.id),
        previous_status: Set(previous),
        status: Set(asset.status),
        reason: Set(clip(reason)),
        actor_kind: Set(cause.kind),
        actor_id: Set(cause.id),
        at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(status_event(
        asset,
        previous.unwrap_or(asset.status),
        reason,
    ))
}

/// Moves `asset` to `status` if it still has the status it was read with (a concurrent change
/// wins), recording the history row. Returns the updated asset and its event, or `None` when the
/// asset changed meanwhile or already has `status`.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    asset: &asset_rows::Model,
    status: AssetStatus,
    reason: &str,
    cause: Cause,
    at: DateTime<Utc>,
) -> Result<Option<(asset_rows::Model, Event)>> {
    if asset.status == status {
        return Ok(None);
    }
    let updated = asset_rows::Entity::update_many()
        .filter(asset_rows::Column::Id.eq(asset.id))
        .filter(asset_rows::Column::Status.eq(asset.status))
        .col_expr(asset_rows::Column::Status, Expr::value(status))
        .col_expr(asset_rows::Column::UpdatedAt, Expr::value(at))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    let changed = asset_rows::Model {
        status,
        updated_at: at,
        ..asset.clone()
    };
    let event = record(db, &changed, Some(asset.status), reason, cause, at).await?;
    Ok(Some((changed, event)))
}

/// Which history rows to read: one asset, optionally within `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub struct HistoryFilter {
    pub asset_id: Uuid,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

async fn history_query<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &HistoryFilter,
) -> Result<sea_orm::Select<history::Entity>> {
    // Visibility (organization and site scope) is the asset's.
    assets::get(db, tenant, filter.asset_id, None).await?;
    let mut q = history::Entity::find()
        .filter(history::Column::OrganizationId.eq(tenant.organization_id))
        .filter(history::Column::AssetId.eq(filter.asset_id));
    if let Some(from) = filter.from {
        q = q.filter(history::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(history::Column::At.lt(to));
    }
    Ok(q)
}

/// The status history of one asset, newest first.
pub async fn history_of<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &HistoryFilter,
    request: &PageRequest,
) -> Result<Page<history::Model>> {
    let q = history_query(db, tenant, filter).await?;
    // Ids are UUIDv7 written at the change, so id order is time order.
    let key = SortKey {
        column: None,
        id: history::Column::Id,
        key_of: |_| None,
        id_of: |h: &history::Model| h.id,
    };
    let request = PageRequest {
        descending: true,
        ..request.clone()
    };
    page::fetch(db, q, &key, &request).await
}

pub async fn history_count<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &HistoryFilter,
) -> Result<u64> {
    page::count(db, history_query(db, tenant, filter).await?).await
}

/// Time spent in one status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusTime {
    pub status: AssetStatus,
    pub seconds: f64,
}

/// Shares of `[from, to)` per status; time before the asset existed or after `now` is not
/// counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub observed_seconds: f64,
    pub statuses: Vec<StatusTime>,
}

impl Availability {
    /// Share of observed time in a status where the asset could work (online, idle, busy).
    pub fn factor(&self) -> Option<f64> {
        (self.observed_seconds > 0.0).then(|| {
            let up: f64 = self
                .statuses
                .iter()
                .filter(|s| {
                    matches!(
                        s.status,
                        AssetStatus::Online | AssetStatus::Idle | AssetStatus::Busy
                    )
                })
                .map(|s| s.seconds)
                .sum();
            up / self.observed_seconds
        })
    }
}

/// The longest range `availability` accepts.
pub const MAX_AVAILABILITY_DAYS: i64 = 366;

pub async fn availability<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Availability> {
    tenant.require(Permission::AssetsRead)?;
    if to <= from {
        return Err(AppError::validation("to", "must be after from"));
    }
    if to - from > chrono::Duration::days(MAX_AVAILABILITY_DAYS) {
        return Err(AppError::validation(
            "to",
            format!("the range must be at most {MAX_AVAILABILITY_DAYS} days"),
        ));
    }
    let asset = assets::get(db, tenant, asset_id, None).await?;
    let start = from.max(asset.created_at);
    let end = to.min(now);
    let mut result = Availability {
        from,
        to,
        observed_seconds: 0.0,
        statuses: Vec::new(),
    };
    if end <= start {
        return Ok(result);
    }
    let before = history::Entity::find()
        .filter(history::Column::AssetId.eq(asset.id))
        .filter(history::Column::At.lte(start))
        .order_by_desc(history::Column::At)
        .order_by_desc(history::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    let changes = history::Entity::find()
        .filter(history::Column::AssetId.eq(asset.id))
        .filter(history::Column::At.gt(start))
        .filter(history::Column::At.lt(end))
        .order_by_asc(history::Column::At)
        .order_by_asc(history::Column::Id)
        .all(db)
        .await?;
    // The status at `start`: the last change before it; else what the first change in range
    // changed from; else (no history at all, e.g. an asset older than the history) its status.
    let mut current = match (&before, changes.first()) {
        (Some(b), _) => b.status,
        (None, Some(first)) => first.previous_status.unwrap_or(first.status),
        (None, None) => asset.status,
    };
    let mut since = start;
    let mut add = |status: AssetStatus, seconds: f64| match result
        .statuses
        .iter_mut()
        .find(|s| s.status == status)
    {
        Some(s) => s.seconds += seconds,
        None => result.statuses.push(StatusTime { status, seconds }),
    };
    for change in &changes {
        add(current, seconds_between(since, change.at));
        current = change.status;
        since = change.at;
    }
    add(current, seconds_between(since, end));
    result.statuses.retain(|s| s.seconds > 0.0);
    result
        .statuses
        .sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    result.observed_seconds = seconds_between(start, end);
    Ok(result)
}

fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    // Microseconds, the precision both backends store, so the segments add up to the whole.
    (b - a).num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6
}

/// Reasons are free text from people in a few places (e-stop, reset, manual status).
pub fn reason(field: &str, value: &str) -> Result<String> {
    validate::name(field, value, REASON_MAX)
}
