//! Commands: short control messages to one device (stop, home, reboot, update_config), with a
//! payload, a priority and an optional schedule.
//!
//! pending -> sent -> acknowledged -> completed | failed; pending/sent -> expired when not
//! acknowledged by `expires_at`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::domain::alerts::sites_of;
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{CommandStatus, commands};

/// The error an emergency stop leaves on the commands it expired.
pub const ESTOP_NOTE: &str = "expired by emergency stop";

/// What happened to a command, as the `kind` of its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandChange {
    /// Created and deliverable now.
    Created,
    /// Created with a `notBefore` in the future: not yet deliverable.
    Scheduled,
    /// A scheduled command whose `notBefore` has passed: deliverable from now on.
    Due,
    Sent,
    Acknowledged,
    Completed,
    Failed,
    Expired,
}

impl CommandChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Scheduled => "scheduled",
            Self::Due => "due",
            Self::Sent => "sent",
            Self::Acknowledged => "acknowledged",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }
}

/// The event of one command change. Payload:
/// `{ "kind": "<change>", "siteId": <uuid>, "assetId": <uuid>, "command": <commands row> }`;
/// `siteId` and `assetId` let subscriptions filter (site scope included) without a database read.
pub fn command_event(
    command: &commands::Model,
    site_id: Uuid,
    change: CommandChange,
) -> Result<Event> {
    let command_json = serde_json::to_value(command)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("command not serialisable: {e}")))?;
    Ok(Event::new(
        command.organization_id,
        TopicKind::Commands,
        json!({
            "kind": change.as_str(),
            "siteId": site_id,
            "assetId": command.asset_id,
            "command": command_json,
        }),
    ))
}

/// Called from the emergency-stop transaction: every `pending` or `sent` command of these
/// assets becomes `expired` with [`ESTOP_NOTE`] as its error (a stopped device must not act on
/// stale orders once it is reset). Acknowledged commands are already being carried out and are
/// left to the device to complete or fail. Returns the events to publish after commit.
///
/// Each command is moved by a conditional update on the status it was read with, so one that a
/// device acknowledged concurrently is left as it is and yields no event.
pub async fn expire_pending_for_estop<C: ConnectionTrait>(
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
        let open = commands::Entity::find()
            .filter(commands::Column::OrganizationId.eq(organization_id))
            .filter(commands::Column::AssetId.is_in(chunk.iter().copied()))
            .filter(commands::Column::Status.is_in([CommandStatus::Pending, CommandStatus::Sent]))
            .all(db)
            .await?;
        if open.is_empty() {
            continue;
        }
        let site_of = sites_of(db, open.iter().map(|c| c.asset_id)).await?;
        for command in open {
            let updated = commands::Entity::update_many()
                .filter(commands::Column::Id.eq(command.id))
                .filter(commands::Column::Status.eq(command.status))
                .col_expr(
                    commands::Column::Status,
                    Expr::value(CommandStatus::Expired),
                )
                .col_expr(commands::Column::Error, Expr::value(ESTOP_NOTE))
                .col_expr(commands::Column::UpdatedAt, Expr::value(at))
                .exec(db)
                .await?;
            if updated.rows_affected != 1 {
                continue;
            }
            let Some(&site_id) = site_of.get(&command.asset_id) else {
                continue;
            };
            let expired = commands::Model {
                status: CommandStatus::Expired,
                error: Some(ESTOP_NOTE.to_owned()),
                updated_at: at,
                ..command
            };
            events.push(command_event(&expired, site_id, CommandChange::Expired)?);
        }
    }
    Ok(events)
}
