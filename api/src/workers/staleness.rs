//! Staleness: an asset that has reported before but has been silent for the staleness window
//! goes `offline`, with an offline alert; ingest brings it back `online` and resolves the alert.
//! Assets under maintenance or emergency stop keep their status: silence is expected there.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::Db;
use crate::domain::alerts;
use crate::domain::status::{self, Cause};
use crate::events::EventBus;
use entity::{AssetStatus, assets};

/// Most assets handled per round; the rest wait for the next round.
pub const BATCH: u64 = 500;

/// One round: returns how many assets went offline.
pub async fn run(
    db: &Db,
    events: &EventBus,
    window: Duration,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let cutoff = now - chrono::Duration::from_std(window)?;
    let stale = assets::Entity::find()
        .filter(assets::Column::ArchivedAt.is_null())
        .filter(assets::Column::LastSeenAt.lt(cutoff))
        .filter(assets::Column::Status.is_not_in([
            AssetStatus::Offline,
            AssetStatus::Maintenance,
            AssetStatus::EStopped,
        ]))
        .order_by_asc(assets::Column::LastSeenAt)
        .limit(BATCH)
        .all(&db.conn)
        .await?;
    let mut went_offline = 0;
    for asset in stale {
        let tx = db.begin_write().await?;
        // Conditional on what was read: an ingest that raced this round wins.
        let updated = assets::Entity::update_many()
            .filter(assets::Column::Id.eq(asset.id))
            .filter(assets::Column::Status.eq(asset.status))
            .filter(assets::Column::LastSeenAt.lt(cutoff))
            .col_expr(assets::Column::Status, Expr::value(AssetStatus::Offline))
            .col_expr(assets::Column::UpdatedAt, Expr::value(now))
            .exec(&tx.tx)
            .await?;
        if updated.rows_affected != 1 {
            tx.rollback().await?;
            continue;
        }
        let offline = assets::Model {
            status: AssetStatus::Offline,
            updated_at: now,
            ..asset.clone()
        };
        let reason = format!("no telemetry for {} s", window.as_secs());
        let event = status::record(
            &tx.tx,
            &offline,
            Some(asset.status),
            &reason,
            Cause::SYSTEM,
            now,
        )
        .await?;
        let mut published = vec![event];
        published.extend(alerts::raise_offline(&tx.tx, &offline, window).await?);
        tx.commit().await?;
        for event in published {
            events.publish(event).await;
        }
        went_offline += 1;
    }
    if went_offline > 0 {
        tracing::info!(assets = went_offline, "assets went offline");
    }
    Ok(went_offline)
}
