//! Jobs: work on an asset (a pick run, a weld program, a software rollout), with progress
//! reported by the device and a status machine steered by people.
//!
//! queued -> running <-> paused -> completed | failed; queued/running/paused -> cancelled.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::domain::alerts::sites_of;
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{JobStatus, jobs};

/// The note a job paused by an emergency stop carries in `error` until it is resumed.
pub const ESTOP_NOTE: &str = "paused by emergency stop";

/// What happened to a job, as the `kind` of its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobChange {
    Created,
    Started,
    Paused,
    Resumed,
    Progress,
    Completed,
    Failed,
    Cancelled,
}

impl JobChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Started => "started",
            Self::Paused => "paused",
            Self::Resumed => "resumed",
            Self::Progress => "progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The event of one job change. Payload:
/// `{ "kind": "<change>", "siteId": <uuid>, "assetId": <uuid>, "job": <jobs row> }`;
/// `siteId` and `assetId` let subscriptions filter (site scope included) without a database read.
pub fn job_event(job: &jobs::Model, site_id: Uuid, change: JobChange) -> Result<Event> {
    let job_json = serde_json::to_value(job)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("job not serialisable: {e}")))?;
    Ok(Event::new(
        job.organization_id,
        TopicKind::Jobs,
        json!({
            "kind": change.as_str(),
            "siteId": site_id,
            "assetId": job.asset_id,
            "job": job_json,
        }),
    ))
}

/// Called from the emergency-stop transaction: every `running` job of these assets becomes
/// `paused`, with [`ESTOP_NOTE`] in `error` (cleared again on resume). Returns the events to
/// publish after commit.
///
/// Each job is moved by a conditional update (`WHERE status = 'running'`), so a job that a
/// concurrent transaction completed or paused meanwhile is left as it is and yields no event.
pub async fn pause_running_for_estop<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    asset_ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<Vec<Event>> {
    if asset_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for chunk in asset_ids.chunks(500) {
        let running = jobs::Entity::find()
            .filter(jobs::Column::OrganizationId.eq(organization_id))
            .filter(jobs::Column::AssetId.is_in(chunk.iter().copied()))
            .filter(jobs::Column::Status.eq(JobStatus::Running))
            .all(db)
            .await?;
        if running.is_empty() {
            continue;
        }
        let site_of = sites_of(db, running.iter().map(|j| j.asset_id)).await?;
        for job in running {
            let updated = jobs::Entity::update_many()
                .filter(jobs::Column::Id.eq(job.id))
                .filter(jobs::Column::Status.eq(JobStatus::Running))
                .col_expr(jobs::Column::Status, Expr::value(JobStatus::Paused))
                .col_expr(jobs::Column::Error, Expr::value(ESTOP_NOTE))
                .col_expr(jobs::Column::UpdatedAt, Expr::value(at))
                .exec(db)
                .await?;
            if updated.rows_affected != 1 {
                continue;
            }
            let Some(&site_id) = site_of.get(&job.asset_id) else {
                continue;
            };
            let paused = jobs::Model {
                status: JobStatus::Paused,
                error: Some(ESTOP_NOTE.to_owned()),
                updated_at: at,
                ..job
            };
            events.push(job_event(&paused, site_id, JobChange::Paused)?);
        }
    }
    Ok(events)
}
