//! Commands: short control messages to one device (stop, home, reboot, update_config), with a
//! payload, a priority and an optional schedule.
//!
//! pending -> sent -> acknowledged -> completed | failed; pending/sent -> expired when not
//! acknowledged by `expires_at` (the commands worker moves them). There is no cancel.
//!
//! Delivery: a command is *deliverable* from `not_before` (at once without one) until
//! `expires_at`. Devices poll with `fetchPendingCommands` (a mutation: it marks what it returns
//! `sent`, the delivery receipt) or read without side effects with the `pendingCommands`
//! query, or listen on `commandsForAsset`. A device that got a command by subscription may
//! acknowledge it straight from `pending` (it was delivered; `sent_at` is then the
//! acknowledgement time). `expires_at` is `ttl` seconds after the command became deliverable.
//!
//! Sending needs `CommandsWrite` (engineer and up, `commands:write` keys); what a device does
//! (fetch, acknowledge, complete, fail) needs `CommandsExecute` (`commands:execute` keys,
//! engineers and up).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::alerts::sites_of;
use crate::domain::audit::{Audited, Change};
use crate::domain::jobs::{bounded_json, key};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{assets, now, validate};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{CommandStatus, Priority, commands};

/// Seconds a device has to acknowledge a command once it is deliverable, by default.
pub const DEFAULT_TTL_SECONDS: i64 = 300;
/// Bounds on `ttlSeconds`: a command older than a day is no longer "short".
pub const MIN_TTL_SECONDS: i64 = 1;
pub const MAX_TTL_SECONDS: i64 = 86_400;
/// How far ahead a command may be scheduled.
pub const MAX_SCHEDULE_DAYS: i64 = 30;
/// Most commands one poll returns.
pub const MAX_FETCH: u64 = 100;
pub const DEFAULT_FETCH: u64 = 20;
const ERROR_MAX: usize = 2000;

pub fn status_str(status: CommandStatus) -> &'static str {
    match status {
        CommandStatus::Pending => "pending",
        CommandStatus::Sent => "sent",
        CommandStatus::Acknowledged => "acknowledged",
        CommandStatus::Completed => "completed",
        CommandStatus::Failed => "failed",
        CommandStatus::Expired => "expired",
    }
}

fn priority_rank(priority: Priority) -> u8 {
    match priority {
        Priority::Critical => 0,
        Priority::High => 1,
        Priority::Normal => 2,
        Priority::Low => 3,
    }
}

// ---------------------------------------------------------------------------------------------
// Reads

fn visible(tenant: &Tenant) -> Select<commands::Entity> {
    let q = commands::Entity::find()
        .filter(commands::Column::OrganizationId.eq(tenant.organization_id));
    match &tenant.site_scope {
        Some(sites) => q.filter(
            commands::Column::AssetId
                .in_subquery(assets::ids_on_sites(tenant.organization_id, sites)),
        ),
        None => q,
    }
}

/// A command and the site of its asset, or NOT_FOUND.
async fn load<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<(commands::Model, Uuid)> {
    let command = commands::Entity::find_by_id(id)
        .filter(commands::Column::OrganizationId.eq(tenant.organization_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("command"))?;
    let site_id = sites_of(db, [command.asset_id])
        .await?
        .get(&command.asset_id)
        .copied()
        .ok_or(AppError::NotFound("command"))?;
    if !tenant.sees_site(site_id) {
        return Err(AppError::NotFound("command"));
    }
    Ok((command, site_id))
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<commands::Model> {
    tenant.require(Permission::CommandsRead)?;
    Ok(load(db, tenant, id).await?.0)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Option<Vec<CommandStatus>>,
    pub asset_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub command: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Asset, self.asset_id)
            .with(Kind::Site, self.site_id)
    }

    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("filter.command", self.command.as_deref())]
    }
}

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<commands::Entity> {
    use commands::Column as C;
    let mut q = visible(tenant);
    if let Some(statuses) = &filter.statuses {
        q = q.filter(C::Status.is_in(statuses.iter().copied()));
    }
    if let Some(asset) = filter.asset_id {
        q = q.filter(C::AssetId.eq(asset));
    }
    if let Some(site) = filter.site_id {
        q = q.filter(C::AssetId.in_subquery(assets::ids_on_sites(tenant.organization_id, &[site])));
    }
    if let Some(command) = filter
        .command
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        q = q.filter(C::Command.eq(command.to_owned()));
    }
    if let Some(from) = filter.created_from {
        q = q.filter(C::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        q = q.filter(C::CreatedAt.lt(to));
    }
    q
}

/// Newest first by default; ids are UUIDv7, so id order is creation order.
const SORT: SortKey<commands::Entity> = SortKey {
    column: None,
    id: commands::Column::Id,
    key_of: |_| None,
    id_of: |c| c.id,
};

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    request: &PageRequest,
) -> Result<Page<commands::Model>> {
    tenant.require(Permission::CommandsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &SORT, request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::CommandsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

fn fetch_limit(limit: Option<i32>) -> Result<u64> {
    match limit {
        None => Ok(DEFAULT_FETCH),
        Some(n) if n < 1 || n as u64 > MAX_FETCH => Err(AppError::validation(
            "limit",
            format!("must be 1..={MAX_FETCH}"),
        )),
        Some(n) => Ok(n as u64),
    }
}

/// The deliverable commands of one asset (pending or sent, due, not expired), most urgent
/// first, then oldest first.
async fn deliverable<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_id: Uuid,
    limit: u64,
    at: DateTime<Utc>,
) -> Result<Vec<commands::Model>> {
    use commands::Column as C;
    // Visibility (organization and site scope) is the asset's.
    assets::get(db, tenant, asset_id, None).await?;
    // Every deliverable command of one asset is read and sorted here: priorities are stored as
    // text, whose order is not their urgency, and an asset has few open commands.
    let mut rows = commands::Entity::find()
        .filter(C::OrganizationId.eq(tenant.organization_id))
        .filter(C::AssetId.eq(asset_id))
        .filter(C::Status.is_in([CommandStatus::Pending, CommandStatus::Sent]))
        .filter(C::ExpiresAt.gt(at))
        .filter(
            sea_orm::Condition::any()
                .add(C::NotBefore.is_null())
                .add(C::NotBefore.lte(at)),
        )
        .order_by_asc(C::Id)
        .limit(1000)
        .all(db)
        .await?;
    rows.sort_by_key(|c| (priority_rank(c.priority), c.id));
    rows.truncate(limit as usize);
    Ok(rows)
}

/// `pendingCommands`: what `fetchPendingCommands` would return, without marking anything.
pub async fn pending<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_id: Uuid,
    limit: Option<i32>,
) -> Result<Vec<commands::Model>> {
    tenant.require(Permission::CommandsRead)?;
    deliverable(db, tenant, asset_id, fetch_limit(limit)?, now()).await
}

// ---------------------------------------------------------------------------------------------
// Writes

pub struct NewCommand {
    pub asset_id: Uuid,
    pub command: String,
    pub payload: Option<Value>,
    pub priority: Priority,
    pub not_before: Option<DateTime<Utc>>,
    pub ttl_seconds: Option<i64>,
}

pub async fn send<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: NewCommand,
) -> Result<Audited<commands::Model>> {
    tenant.require(Permission::CommandsWrite)?;
    let command = key("input.command", &input.command)?;
    let payload = bounded_json(
        "input.payload",
        input.payload.unwrap_or_else(|| json!({})),
        true,
    )?;
    let ttl = input.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
    if !(MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(&ttl) {
        return Err(AppError::validation(
            "input.ttlSeconds",
            format!("must be {MIN_TTL_SECONDS}..={MAX_TTL_SECONDS}"),
        ));
    }
    let at = now();
    if input
        .not_before
        .is_some_and(|nb| nb > at + chrono::Duration::days(MAX_SCHEDULE_DAYS))
    {
        return Err(AppError::validation(
            "input.notBefore",
            format!("must be at most {MAX_SCHEDULE_DAYS} days ahead"),
        ));
    }
    let asset = assets::get(db, tenant, input.asset_id, None).await?;
    if asset.archived_at.is_some() {
        return Err(AppError::validation(
            "input.assetId",
            "the asset is archived",
        ));
    }
    let scheduled = input.not_before.is_some_and(|nb| nb > at);
    let deliverable_from = input.not_before.map_or(at, |nb| nb.max(at));
    let row = commands::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        asset_id: Set(asset.id),
        command: Set(command),
        payload: Set(payload),
        priority: Set(input.priority),
        status: Set(CommandStatus::Pending),
        not_before: Set(input.not_before),
        released_at: Set((!scheduled).then_some(at)),
        expires_at: Set(deliverable_from + chrono::Duration::seconds(ttl)),
        sent_at: Set(None),
        acknowledged_at: Set(None),
        completed_at: Set(None),
        result: Set(None),
        error: Set(None),
        created_by_user_id: Set(tenant.user_id()),
        created_by_api_key_id: Set(tenant.api_key_id()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    let change_kind = if scheduled {
        CommandChange::Scheduled
    } else {
        CommandChange::Created
    };
    let event = command_event(&row, asset.site_id, change_kind)?;
    let change = Change::of("command", row.id).with(json!({
        "assetId": row.asset_id,
        "command": row.command,
        "priority": crate::domain::jobs::priority_str(row.priority),
        "notBefore": row.not_before,
        "expiresAt": row.expires_at,
    }));
    Ok(Audited::new(row, change).publish([event]))
}

/// `fetchPendingCommands`: the deliverable commands of the asset, marking pending ones `sent`.
pub async fn fetch<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_id: Uuid,
    limit: Option<i32>,
) -> Result<Audited<Vec<commands::Model>>> {
    tenant.require(Permission::CommandsExecute)?;
    let limit = fetch_limit(limit)?;
    let at = now();
    let rows = deliverable(db, tenant, asset_id, limit, at).await?;
    let site_id = sites_of(db, [asset_id])
        .await?
        .get(&asset_id)
        .copied()
        .ok_or(AppError::NotFound("asset"))?;
    let mut out = Vec::with_capacity(rows.len());
    let mut events = Vec::new();
    let mut marked = Vec::new();
    for row in rows {
        if row.status != CommandStatus::Pending {
            out.push(row);
            continue;
        }
        let updated = commands::Entity::update_many()
            .filter(commands::Column::Id.eq(row.id))
            .filter(commands::Column::Status.eq(CommandStatus::Pending))
            .col_expr(commands::Column::Status, Expr::value(CommandStatus::Sent))
            .col_expr(commands::Column::SentAt, Expr::value(at))
            .col_expr(commands::Column::UpdatedAt, Expr::value(at))
            .exec(db)
            .await?;
        if updated.rows_affected != 1 {
            // Expired or acknowledged meanwhile: no longer deliverable.
            continue;
        }
        let sent = commands::Model {
            status: CommandStatus::Sent,
            sent_at: Some(at),
            updated_at: at,
            ..row
        };
        events.push(command_event(&sent, site_id, CommandChange::Sent)?);
        marked.push(sent.id);
        out.push(sent);
    }
    let change = Change::of("asset", asset_id).with(json!({ "sent": marked }));
    Ok(Audited::new(out, change).publish(events))
}

/// What a device reports about a command.
#[derive(Debug, Clone)]
pub enum Report {
    Acknowledge,
    Complete(Option<Value>),
    Fail(String),
}

impl Report {
    fn target(&self) -> CommandStatus {
        match self {
            Self::Acknowledge => CommandStatus::Acknowledged,
            Self::Complete(_) => CommandStatus::Completed,
            Self::Fail(_) => CommandStatus::Failed,
        }
    }

    fn sources(&self) -> &'static [CommandStatus] {
        match self {
            Self::Acknowledge => &[CommandStatus::Pending, CommandStatus::Sent],
            Self::Complete(_) | Self::Fail(_) => &[CommandStatus::Acknowledged],
        }
    }

    fn change(&self) -> CommandChange {
        match self {
            Self::Acknowledge => CommandChange::Acknowledged,
            Self::Complete(_) => CommandChange::Completed,
            Self::Fail(_) => CommandChange::Failed,
        }
    }
}

pub async fn report<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    report: Report,
) -> Result<Audited<commands::Model>> {
    tenant.require(Permission::CommandsExecute)?;
    let (error, result) = match &report {
        Report::Fail(error) => (Some(validate::name("input.error", error, ERROR_MAX)?), None),
        Report::Complete(result) => (
            None,
            result
                .clone()
                .map(|r| bounded_json("input.result", r, false))
                .transpose()?,
        ),
        Report::Acknowledge => (None, None),
    };
    let (command, site_id) = load(db, tenant, id).await?;
    let to = report.target();
    if !report.sources().contains(&command.status) {
        return Err(AppError::validation(
            "input.id",
            format!(
                "cannot go from {} to {}",
                status_str(command.status),
                status_str(to)
            ),
        ));
    }
    let at = now();
    if matches!(report, Report::Acknowledge) && command.expires_at <= at {
        // Past its deadline: the commands worker is about to expire it; acting on it now
        // could run an order the sender has given up on.
        return Err(AppError::validation(
            "input.id",
            format!(
                "cannot go from {} to acknowledged: the command expired at {}",
                status_str(command.status),
                command.expires_at.to_rfc3339()
            ),
        ));
    }
    if matches!(report, Report::Acknowledge) && command.not_before.is_some_and(|nb| nb > at) {
        // Scheduled and not yet due: no device can have been given it.
        return Err(AppError::validation(
            "input.id",
            format!(
                "cannot go from pending to acknowledged: the command is not deliverable before {}",
                command
                    .not_before
                    .map(|nb| nb.to_rfc3339())
                    .unwrap_or_default()
            ),
        ));
    }
    let mut next = commands::Model {
        status: to,
        updated_at: at,
        ..command.clone()
    };
    match &report {
        Report::Acknowledge => {
            next.acknowledged_at = Some(at);
            next.sent_at = command.sent_at.or(Some(at));
        }
        Report::Complete(_) => {
            next.completed_at = Some(at);
            next.result = result;
        }
        Report::Fail(_) => {
            next.completed_at = Some(at);
            next.error = error;
        }
    }
    let updated = commands::Entity::update_many()
        .filter(commands::Column::Id.eq(command.id))
        .filter(commands::Column::Status.eq(command.status))
        .col_expr(commands::Column::Status, Expr::value(next.status))
        .col_expr(commands::Column::SentAt, Expr::value(next.sent_at))
        .col_expr(
            commands::Column::AcknowledgedAt,
            Expr::value(next.acknowledged_at),
        )
        .col_expr(
            commands::Column::CompletedAt,
            Expr::value(next.completed_at),
        )
        .col_expr(commands::Column::Result, Expr::value(next.result.clone()))
        .col_expr(commands::Column::Error, Expr::value(next.error.clone()))
        .col_expr(commands::Column::UpdatedAt, Expr::value(at))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the command changed meanwhile; read it again and retry",
        ));
    }
    let event = command_event(&next, site_id, report.change())?;
    let change = Change::of("command", next.id).with(json!({
        "from": status_str(command.status),
        "status": status_str(next.status),
        "error": next.error,
    }));
    Ok(Audited::new(next, change).publish([event]))
}

// ---------------------------------------------------------------------------------------------
// The commands worker's steps (see `workers::commands`)

/// Most commands one worker step handles; the rest wait for the next round.
pub const WORKER_BATCH: u64 = 500;

/// Expires up to one batch of pending/sent commands whose `expires_at` is before `now`.
/// Returns the events to publish after commit.
pub async fn expire_due<C: ConnectionTrait>(db: &C, at: DateTime<Utc>) -> Result<Vec<Event>> {
    use commands::Column as C;
    let due = commands::Entity::find()
        .filter(C::Status.is_in([CommandStatus::Pending, CommandStatus::Sent]))
        .filter(C::ExpiresAt.lt(at))
        .order_by_asc(C::ExpiresAt)
        .limit(WORKER_BATCH)
        .all(db)
        .await?;
    let site_of = sites_of(db, due.iter().map(|c| c.asset_id)).await?;
    let mut events = Vec::new();
    for command in due {
        let updated = commands::Entity::update_many()
            .filter(C::Id.eq(command.id))
            .filter(C::Status.eq(command.status))
            .filter(C::ExpiresAt.lt(at))
            .col_expr(C::Status, Expr::value(CommandStatus::Expired))
            .col_expr(C::Error, Expr::value("not acknowledged in time"))
            .col_expr(C::UpdatedAt, Expr::value(at))
            .exec(db)
            .await?;
        let Some(&site_id) = site_of.get(&command.asset_id) else {
            continue;
        };
        if updated.rows_affected != 1 {
            continue;
        }
        let expired = commands::Model {
            status: CommandStatus::Expired,
            error: Some("not acknowledged in time".to_owned()),
            updated_at: at,
            ..command
        };
        events.push(command_event(&expired, site_id, CommandChange::Expired)?);
    }
    Ok(events)
}

/// Releases up to one batch of scheduled commands whose `not_before` has passed: marks them
/// released (once, whichever replica gets there first) and returns their `due` events.
pub async fn release_due<C: ConnectionTrait>(db: &C, at: DateTime<Utc>) -> Result<Vec<Event>> {
    use commands::Column as C;
    let due = commands::Entity::find()
        .filter(C::Status.eq(CommandStatus::Pending))
        .filter(C::ReleasedAt.is_null())
        .filter(C::NotBefore.lte(at))
        .filter(C::ExpiresAt.gte(at))
        .order_by_asc(C::NotBefore)
        .limit(WORKER_BATCH)
        .all(db)
        .await?;
    let site_of = sites_of(db, due.iter().map(|c| c.asset_id)).await?;
    let mut events = Vec::new();
    for command in due {
        let updated = commands::Entity::update_many()
            .filter(C::Id.eq(command.id))
            .filter(C::Status.eq(CommandStatus::Pending))
            .filter(C::ReleasedAt.is_null())
            .col_expr(C::ReleasedAt, Expr::value(at))
            .exec(db)
            .await?;
        let Some(&site_id) = site_of.get(&command.asset_id) else {
            continue;
        };
        if updated.rows_affected != 1 {
            continue;
        }
        let released = commands::Model {
            released_at: Some(at),
            ..command
        };
        events.push(command_event(&released, site_id, CommandChange::Due)?);
    }
    Ok(events)
}

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
