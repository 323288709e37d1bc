//! Retention: raw telemetry older than its organization's retention, and rollups older than a
//! year, are deleted in bounded batches, so that one sweep never holds a long lock or a huge
//! transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};
use uuid::Uuid;

use crate::db::Db;
use entity::organizations;

/// Rows deleted per statement.
pub const BATCH: i64 = 5_000;
/// How long rollups are kept.
pub const ROLLUP_RETENTION: Duration = Duration::days(366);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub points: u64,
    pub rollups: u64,
}

/// A table the sweep deletes from, and how an organization's old rows are found in it: `from`
/// names the table `t`, joined to wherever its rows' organization is, `organization`.
struct Target {
    table: &'static str,
    from: &'static str,
    organization: &'static str,
    /// The time column, epoch milliseconds.
    column: &'static str,
}

/// Raw points are found series by series: the organization's series are its `telemetry_latest`
/// rows (every point is written with its series' latest row), and each one's old points are a
/// range of the points' primary key (asset, metric, ts). `telemetry_points` has no index by
/// organization and time: it would cost every insert at device rate (about a tenth of it) to
/// serve this hourly sweep.
const POINTS: Target = Target {
    table: "telemetry_points",
    from: "telemetry_latest l JOIN telemetry_points t \
           ON t.asset_id = l.asset_id AND t.metric = l.metric",
    organization: "l.organization_id",
    column: "ts",
};

/// Rollups through their `(organization_id, bucket)` index.
const ROLLUPS: Target = Target {
    table: "telemetry_rollups",
    from: "telemetry_rollups t",
    organization: "t.organization_id",
    column: "bucket",
};

/// Deletes up to `BATCH` rows of the target older than `cutoff_ms`, repeatedly, until none are
/// left. Rows are picked by their physical id (`ctid` / `rowid`), which both backends index, so
/// each statement is bounded whatever the table size.
async fn sweep(
    db: &Db,
    target: &Target,
    organization_id: Uuid,
    cutoff_ms: i64,
) -> anyhow::Result<u64> {
    let backend = db.backend();
    let (id, placeholders) = match backend {
        DbBackend::Postgres => ("ctid", ["$1", "$2", "$3"]),
        _ => ("rowid", ["?", "?", "?"]),
    };
    let [org, cutoff, limit] = placeholders;
    let Target {
        table,
        from,
        organization,
        column,
    } = target;
    let rows = format!(
        "SELECT t.{id} FROM {from} WHERE {organization} = {org} AND t.{column} < {cutoff} \
         LIMIT {limit}"
    );
    let sql = match backend {
        DbBackend::Postgres => format!("DELETE FROM {table} WHERE ctid = ANY(ARRAY({rows}))"),
        _ => format!("DELETE FROM {table} WHERE rowid IN ({rows})"),
    };
    let mut total = 0;
    loop {
        let _gate = db.gate().await;
        let statement = Statement::from_sql_and_values(
            backend,
            &sql,
            [organization_id.into(), cutoff_ms.into(), BATCH.into()],
        );
        let deleted = db.conn.execute_raw(statement).await?.rows_affected();
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// One retention round over every organization.
pub async fn run(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Swept> {
    let orgs: Vec<(Uuid, i32)> = organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id)
        .column(organizations::Column::TelemetryRetentionDays)
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut swept = Swept::default();
    let rollup_cutoff = (now - ROLLUP_RETENTION).timestamp_millis();
    for (org, days) in orgs {
        let cutoff = (now - Duration::days(i64::from(days))).timestamp_millis();
        swept.points += sweep(db, &POINTS, org, cutoff).await?;
        swept.rollups += sweep(db, &ROLLUPS, org, rollup_cutoff).await?;
    }
    if swept != Swept::default() {
        tracing::info!(
            points = swept.points,
            rollups = swept.rollups,
            "retention sweep"
        );
    }
    Ok(swept)
}
