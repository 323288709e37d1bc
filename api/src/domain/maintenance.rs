//! Maintenance tasks: preventive / corrective / emergency work on one asset.
//!
//! Status machine: scheduled -> in_progress -> completed | cancelled; scheduled -> cancelled.
//! Anything else is BAD_USER_INPUT naming the transition. Engineers and up (`MaintenanceWrite`)
//! do everything; an operator (`MaintenanceWork`) starts and completes the tasks assigned to
//! them.
//!
//! Asset status: starting a task moves the asset to `maintenance` (through
//! [`status::transition`]) and remembers its former status on the task; completing or
//! cancelling an in-progress task gives the asset that status back, unless another task on the
//! asset is still in progress or the asset has left `maintenance` meanwhile (an emergency stop,
//! a person): then the newer status stands. A second task started while the asset is already
//! under maintenance inherits the former status remembered by the task in progress.
//!
//! Recurrence (preventive tasks only, at most one rule): completing a recurring task creates the
//! next one with the same asset, title, kind, priority, assignee, estimate and rule, and
//! `previous_task_id` set.
//! - every N days: due at completion + N days;
//! - every N running hours: due once the asset has accumulated N hours of running time since
//!   the previous task completed. Running time is time in status `online` or `busy` according
//!   to `asset_status_history` (`idle` is powered but not working, so it does not wear the
//!   machine; every other status is down). The future is unknown, so `dueAt` is set to
//!   completion + N hours, the earliest moment the hours can be reached; the overdue worker
//!   checks the actual running hours each round.
//!
//! Overdue: a scheduled or in-progress task is overdue when its `dueAt` has passed, except a
//! task created from a running-hours rule, which is overdue once the worker has found its
//! running hours reached (it then holds `overdue_alert_id`). Either way the rule is a plain
//! SQL condition, so lists filter on it and the summary counts it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::auth::permission::role_permissions;
use crate::auth::{Permission, Tenant};
use crate::domain::alerts::{self, SystemAlert};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{Cursor, Page, PageRequest};
use crate::domain::status::{self, Cause};
use crate::domain::{assets, members, now, validate};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{
    AlertKind, AssetStatus, MaintenanceKind, MaintenanceStatus, Priority, Severity,
    asset_status_history as history, assets as asset_rows, maintenance_tasks as tasks,
};

/// Most parts one completion may list.
pub const MAX_PARTS: usize = 50;
/// Longest recurrence in days (ten years) and in running hours.
pub const MAX_EVERY_DAYS: i32 = 3650;
pub const MAX_EVERY_RUNNING_HOURS: i32 = 100_000;
/// Longest estimate or actual duration in minutes (a year).
pub const MAX_MINUTES: i32 = 525_600;
/// Largest cost accepted, in hundredths (ten billion units): far beyond any repair, far within
/// i64.
pub const MAX_COST_CENTS: i64 = 1_000_000_000_000;

fn status_str(status: MaintenanceStatus) -> &'static str {
    match status {
        MaintenanceStatus::Scheduled => "scheduled",
        MaintenanceStatus::InProgress => "in_progress",
        MaintenanceStatus::Completed => "completed",
        MaintenanceStatus::Cancelled => "cancelled",
    }
}

const ACTIVE: [MaintenanceStatus; 2] =
    [MaintenanceStatus::Scheduled, MaintenanceStatus::InProgress];

/// What happened to a task, as published on the `maintenance` topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEventKind {
    Created,
    Updated,
    Started,
    Completed,
    Cancelled,
    Overdue,
}

impl TaskEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Overdue => "overdue",
        }
    }
}

/// The event of a task change; carries the whole task, its asset and site so that subscribers
/// filter without a read.
pub fn event(task: &tasks::Model, site_id: Uuid, kind: TaskEventKind) -> Event {
    Event::new(
        task.organization_id,
        TopicKind::Maintenance,
        json!({
            "type": kind.as_str(),
            "siteId": site_id,
            "assetId": task.asset_id,
            "task": task,
        }),
    )
}

/// A part used by a completed task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    pub part_number: String,
    pub description: Option<String>,
    pub quantity: i32,
}

/// The parts stored on a task (an empty list when the JSON is not a list of parts).
pub fn parts_of(task: &tasks::Model) -> Vec<Part> {
    serde_json::from_value(task.parts.clone()).unwrap_or_default()
}

/// How a preventive task recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    EveryDays(i32),
    EveryRunningHours(i32),
}

fn recurrence_of(task: &tasks::Model) -> Option<Recurrence> {
    match (task.recurrence_days, task.recurrence_running_hours) {
        (Some(d), _) => Some(Recurrence::EveryDays(d)),
        (None, Some(h)) => Some(Recurrence::EveryRunningHours(h)),
        (None, None) => None,
    }
}

/// Whether the task's due moment is its running hours rather than `dueAt`.
fn due_by_running_hours(task: &tasks::Model) -> bool {
    task.recurrence_running_hours.is_some() && task.previous_task_id.is_some()
}

/// Whether the task is overdue at `now` (see the module docs).
pub fn is_overdue(task: &tasks::Model, now: DateTime<Utc>) -> bool {
    ACTIVE.contains(&task.status)
        && (task.overdue_alert_id.is_some() || (!due_by_running_hours(task) && task.due_at < now))
}

/// The SQL form of [`is_overdue`].
fn overdue_condition(now: DateTime<Utc>) -> Condition {
    use tasks::Column as T;
    Condition::all().add(T::Status.is_in(ACTIVE)).add(
        Condition::any().add(T::OverdueAlertId.is_not_null()).add(
            Condition::all().add(T::DueAt.lt(now)).add(
                Condition::any()
                    .add(T::RecurrenceRunningHours.is_null())
                    .add(T::PreviousTaskId.is_null()),
            ),
        ),
    )
}

fn not_overdue_condition(now: DateTime<Utc>) -> Condition {
    overdue_condition(now).not()
}

/// Severity of a task's overdue alert, by its priority.
fn severity_of(priority: Priority) -> Severity {
    match priority {
        Priority::Low => Severity::Info,
        Priority::Normal => Severity::Warning,
        Priority::High => Severity::Error,
        Priority::Critical => Severity::Critical,
    }
}

/// Tasks the caller may see: their organization's, on assets of their sites.
pub fn visible(tenant: &Tenant) -> Select<tasks::Entity> {
    let q = tasks::Entity::find().filter(tasks::Column::OrganizationId.eq(tenant.organization_id));
    match &tenant.site_scope {
        Some(sites) => q.filter(
            tasks::Column::AssetId.in_subquery(assets::ids_on_sites(tenant.organization_id, sites)),
        ),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<tasks::Model> {
    tenant.require(Permission::MaintenanceRead)?;
    visible(tenant)
        .filter(tasks::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("maintenance task"))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub asset_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub statuses: Option<Vec<MaintenanceStatus>>,
    pub kind: Option<MaintenanceKind>,
    pub assignee_id: Option<Uuid>,
    pub overdue: Option<bool>,
    /// Due at or after.
    pub due_from: Option<DateTime<Utc>>,
    /// Due before.
    pub due_to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Asset, self.asset_id)
            .with(Kind::Site, self.site_id)
            .with(Kind::User, self.assignee_id)
    }
}

fn filtered(tenant: &Tenant, f: &Filter, now: DateTime<Utc>) -> Select<tasks::Entity> {
    use tasks::Column as T;
    let mut q = visible(tenant);
    if let Some(id) = f.asset_id {
        q = q.filter(T::AssetId.eq(id));
    }
    if let Some(site) = f.site_id {
        q = q.filter(T::AssetId.in_subquery(assets::ids_on_sites(tenant.organization_id, &[site])));
    }
    if let Some(statuses) = &f.statuses {
        q = q.filter(T::Status.is_in(statuses.iter().copied()));
    }
    if let Some(kind) = f.kind {
        q = q.filter(T::Kind.eq(kind));
    }
    if let Some(id) = f.assignee_id {
        q = q.filter(T::AssigneeUserId.eq(id));
    }
    match f.overdue {
        Some(true) => q = q.filter(overdue_condition(now)),
        Some(false) => q = q.filter(not_overdue_condition(now)),
        None => {}
    }
    if let Some(from) = f.due_from {
        q = q.filter(T::DueAt.gte(from));
    }
    if let Some(to) = f.due_to {
        q = q.filter(T::DueAt.lt(to));
    }
    q
}

/// How a task list is ordered; ties (and `CreatedAt`) by id, which is creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderBy {
    #[default]
    DueAt,
    CreatedAt,
}

/// One page of tasks. `DueAt` pages carry the due time in the cursor (keyset on
/// `(due_at, id)`), compared as a timestamp, not as text.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    order: OrderBy,
    request: &PageRequest,
) -> Result<Page<tasks::Model>> {
    use tasks::Column as T;
    tenant.require(Permission::MaintenanceRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let limit = request.limit()?;
    let desc = request.descending;
    let dir = if desc { Order::Desc } else { Order::Asc };
    let mut q = filtered(tenant, filter, now());
    let after = request
        .after
        .as_deref()
        .map(|a| Cursor::decode("after", a))
        .transpose()?;
    if let Some(cursor) = &after {
        let id_past = if desc {
            T::Id.lt(cursor.id)
        } else {
            T::Id.gt(cursor.id)
        };
        q = match order {
            OrderBy::CreatedAt => q.filter(id_past),
            OrderBy::DueAt => {
                let due = cursor
                    .key
                    .as_deref()
                    .and_then(|k| DateTime::parse_from_rfc3339(k).ok())
                    .map(|d| d.with_timezone(&Utc))
                    .ok_or_else(|| {
                        AppError::validation("after", "cursor does not match the ordering")
                    })?;
                let due_past = if desc {
                    T::DueAt.lt(due)
                } else {
                    T::DueAt.gt(due)
                };
                q.filter(
                    Condition::any()
                        .add(due_past)
                        .add(Condition::all().add(T::DueAt.eq(due)).add(id_past)),
                )
            }
        };
    }
    if order == OrderBy::DueAt {
        q = q.order_by(T::DueAt, dir.clone());
    }
    let rows = q.order_by(T::Id, dir).limit(limit + 1).all(db).await?;
    let has_next_page = rows.len() as u64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| {
            let key = (order == OrderBy::DueAt).then(|| row.due_at.to_rfc3339());
            (Cursor { key, id: row.id }, row)
        })
        .collect();
    Ok(Page {
        items,
        has_next_page,
        has_previous_page: after.is_some(),
    })
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::MaintenanceRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    Ok(filtered(tenant, filter, now()).count(db).await?)
}

// ---------------------------------------------------------------------------------------------
// Summary

/// Totals over the tasks of one asset, one site or the organization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub scheduled: i64,
    pub in_progress: i64,
    pub completed: i64,
    pub cancelled: i64,
    pub overdue: i64,
    /// Hundredths.
    pub total_cost_cents: i64,
    /// Average `actual_minutes` of completed tasks; `None` when none is completed.
    pub average_minutes: Option<f64>,
}

impl Summary {
    pub fn total(&self) -> i64 {
        self.scheduled + self.in_progress + self.completed + self.cancelled
    }
}

/// The summary, computed by the database: one grouped aggregate and one count.
pub async fn summary<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_id: Option<Uuid>,
    site_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Summary> {
    tenant.require(Permission::MaintenanceRead)?;
    let filter = Filter {
        asset_id,
        site_id,
        ..Filter::default()
    };
    // Visible IDs only, as for every list; reading a summary needs no `SitesRead` or
    // `AssetsRead` (a `maintenance:read` key).
    crate::domain::visibility::check(db, tenant, &filter).await?;
    // PostgreSQL sums BIGINT into NUMERIC and averages into NUMERIC: cast both back so the two
    // backends decode the same types.
    let rows: Vec<(MaintenanceStatus, i64, i64, Option<f64>)> = filtered(tenant, &filter, now)
        .select_only()
        .column(tasks::Column::Status)
        .column_as(tasks::Column::Id.count(), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT)"),
            "cost",
        )
        .column_as(
            Expr::cust("CAST(AVG(actual_minutes) AS DOUBLE PRECISION)"),
            "minutes",
        )
        .group_by(tasks::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Summary::default();
    for (status, n, cost, minutes) in rows {
        match status {
            MaintenanceStatus::Scheduled => out.scheduled = n,
            MaintenanceStatus::InProgress => out.in_progress = n,
            MaintenanceStatus::Completed => {
                out.completed = n;
                out.average_minutes = minutes;
            }
            MaintenanceStatus::Cancelled => out.cancelled = n,
        }
        out.total_cost_cents += cost;
    }
    out.overdue = filtered(tenant, &filter, now)
        .filter(overdue_condition(now))
        .count(db)
        .await? as i64;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Writes

/// The editable fields. `None` leaves a field as it is; for nullable fields `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub kind: Option<MaintenanceKind>,
    pub priority: Option<Priority>,
    pub due_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub estimated_minutes: Option<Option<i32>>,
    pub notes: Option<Option<String>>,
    pub recurrence: Option<Option<Recurrence>>,
}

pub struct Create {
    pub asset_id: Uuid,
    pub fields: Fields,
}

fn check_minutes(field: &str, value: Option<i32>) -> Result<Option<i32>> {
    value
        .map(|m| validate::int_range(field, m, 0, MAX_MINUTES))
        .transpose()
}

/// The assignee must be a member of the organization whose role may work on maintenance and
/// who may work on the asset's site. A user outside the organization is NOT_FOUND, like any
/// other organization's id.
async fn check_assignee<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset: &asset_rows::Model,
    user_id: Uuid,
) -> Result<()> {
    let (membership, _) = members::membership_of(db, tenant.organization_id, user_id)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    if !role_permissions(membership.role).contains(Permission::MaintenanceWork) {
        return Err(AppError::validation(
            "input.assigneeId",
            "the member's role may not work on maintenance",
        ));
    }
    if let Some(sites) = members::site_restriction(db, membership.id).await?
        && !sites.contains(&asset.site_id)
    {
        return Err(AppError::validation(
            "input.assigneeId",
            "the member may not work on this asset's site",
        ));
    }
    Ok(())
}

/// Applies `fields` to `task`, validating each; returns the audit's view of what changed.
async fn apply<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset: &asset_rows::Model,
    task: &mut tasks::Model,
    fields: Fields,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut changed = serde_json::Map::new();
    if let Some(title) = fields.title {
        task.title = validate::name("input.title", &title, 200)?;
        changed.insert("title".into(), json!(task.title));
    }
    if let Some(description) = fields.description {
        task.description =
            validate::optional_text("input.description", description.as_deref(), 4000)?;
        changed.insert("description".into(), json!(task.description));
    }
    if let Some(kind) = fields.kind {
        task.kind = kind;
        changed.insert("kind".into(), json!(kind));
    }
    if let Some(priority) = fields.priority {
        task.priority = priority;
        changed.insert("priority".into(), json!(priority));
    }
    if let Some(due) = fields.due_at {
        task.due_at = due;
        changed.insert("dueAt".into(), json!(due));
    }
    if let Some(assignee) = fields.assignee_id {
        if let Some(user) = assignee {
            check_assignee(db, tenant, asset, user).await?;
        }
        task.assignee_user_id = assignee;
        changed.insert("assigneeId".into(), json!(assignee));
    }
    if let Some(minutes) = fields.estimated_minutes {
        task.estimated_minutes = check_minutes("input.estimatedMinutes", minutes)?;
        changed.insert("estimatedMinutes".into(), json!(task.estimated_minutes));
    }
    if let Some(notes) = fields.notes {
        task.notes = validate::optional_text("input.notes", notes.as_deref(), 4000)?;
        changed.insert("notes".into(), json!(task.notes));
    }
    if let Some(recurrence) = fields.recurrence {
        let (days, hours) = match recurrence {
            None => (None, None),
            Some(Recurrence::EveryDays(d)) => (
                Some(validate::int_range(
                    "input.recurrence.everyDays",
                    d,
                    1,
                    MAX_EVERY_DAYS,
                )?),
                None,
            ),
            Some(Recurrence::EveryRunningHours(h)) => (
                None,
                Some(validate::int_range(
                    "input.recurrence.everyRunningHours",
                    h,
                    1,
                    MAX_EVERY_RUNNING_HOURS,
                )?),
            ),
        };
        task.recurrence_days = days;
        task.recurrence_running_hours = hours;
        changed.insert(
            "recurrence".into(),
            json!({ "everyDays": days, "everyRunningHours": hours }),
        );
    }
    if task.kind != MaintenanceKind::Preventive && recurrence_of(task).is_some() {
        return Err(AppError::validation(
            "input.recurrence",
            "only preventive tasks recur",
        ));
    }
    Ok(changed)
}

/// Creates a scheduled task (engineer and up, or a `maintenance:write` key).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: Create,
) -> Result<Audited<tasks::Model>> {
    tenant.require(Permission::MaintenanceWrite)?;
    let asset = assets::get(db, tenant, input.asset_id, None).await?;
    if asset.archived_at.is_some() {
        return Err(AppError::validation(
            "input.assetId",
            "the asset is archived",
        ));
    }
    let (Some(_), Some(_), Some(due)) = (
        input.fields.title.as_ref(),
        input.fields.kind,
        input.fields.due_at,
    ) else {
        return Err(AppError::validation(
            "input",
            "title, kind and dueAt are required",
        ));
    };
    let at = now();
    let mut task = tasks::Model {
        id: Uuid::now_v7(),
        organization_id: tenant.organization_id,
        asset_id: asset.id,
        title: String::new(),
        description: None,
        kind: MaintenanceKind::Corrective,
        priority: Priority::Normal,
        status: MaintenanceStatus::Scheduled,
        assignee_user_id: None,
        due_at: due,
        started_at: None,
        completed_at: None,
        estimated_minutes: None,
        actual_minutes: None,
        cost_cents: None,
        parts: json!([]),
        notes: None,
        recurrence_days: None,
        recurrence_running_hours: None,
        previous_task_id: None,
        asset_previous_status: None,
        overdue_alert_id: None,
        created_by_user_id: tenant.user_id(),
        created_at: at,
        updated_at: at,
    };
    let changed = apply(db, tenant, &asset, &mut task, input.fields).await?;
    let task = task.into_active_model().reset_all().insert(db).await?;
    let mut changes = changed;
    changes.insert("assetId".into(), json!(asset.id));
    let change = Change::of("maintenance_task", task.id).with(changes.into());
    let event = event(&task, asset.site_id, TaskEventKind::Created);
    Ok(Audited::new(task, change).publish([event]))
}

fn finished(task: &tasks::Model) -> bool {
    !ACTIVE.contains(&task.status)
}

/// Changes the editable fields of a task that is not finished.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    fields: Fields,
) -> Result<Audited<tasks::Model>> {
    let task = get(db, tenant, id).await?;
    tenant.require(Permission::MaintenanceWrite)?;
    if finished(&task) {
        return Err(AppError::validation(
            "input.id",
            format!("cannot update a {} task", status_str(task.status)),
        ));
    }
    let asset = asset_of(db, &task).await?;
    let before = task.clone();
    let mut task = task;
    let changed = apply(db, tenant, &asset, &mut task, fields).await?;
    task.updated_at = now();
    let task = write_if_unchanged(db, &before, task).await?;
    let change = Change::of("maintenance_task", task.id).with(changed.into());
    let event = event(&task, asset.site_id, TaskEventKind::Updated);
    Ok(Audited::new(task, change).publish([event]))
}

/// Writes `task` if its row still has the status it was read with (a concurrent transition
/// wins and this change is refused as a conflict).
async fn write_if_unchanged<C: ConnectionTrait>(
    db: &C,
    before: &tasks::Model,
    task: tasks::Model,
) -> Result<tasks::Model> {
    let mut active = task.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::Unchanged(task.id);
    let updated = tasks::Entity::update_many()
        .set(active)
        .filter(tasks::Column::Id.eq(before.id))
        .filter(tasks::Column::Status.eq(before.status))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the task changed meanwhile; read it again",
        ));
    }
    Ok(task)
}

/// The task's asset, locked for the rest of the transaction on PostgreSQL: the transitions of
/// tasks on one asset then run one after the other, so that two tasks completing at once
/// cannot both see the other still in progress and leave the asset in `maintenance`. (SQLite
/// serialises write transactions anyway.)
async fn asset_of<C: ConnectionTrait>(db: &C, task: &tasks::Model) -> Result<asset_rows::Model> {
    let mut q = asset_rows::Entity::find_by_id(task.asset_id)
        .filter(asset_rows::Column::OrganizationId.eq(task.organization_id));
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or(AppError::NotFound("asset"))
}

fn illegal(from: MaintenanceStatus, to: MaintenanceStatus) -> AppError {
    AppError::validation(
        "input.id",
        format!("cannot go from {} to {}", status_str(from), status_str(to)),
    )
}

/// A task the caller may start or complete: anyone with `MaintenanceWrite`, or the assignee
/// with `MaintenanceWork`.
async fn workable<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<tasks::Model> {
    let task = get(db, tenant, id).await?;
    if tenant.can(Permission::MaintenanceWrite) {
        return Ok(task);
    }
    tenant.require(Permission::MaintenanceWork)?;
    if task.assignee_user_id.is_none() || task.assignee_user_id != tenant.user_id() {
        return Err(AppError::forbidden(
            "only the task's assignee or an engineer may do this",
        ));
    }
    Ok(task)
}

/// scheduled -> in_progress; the asset goes to `maintenance`.
pub async fn start<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<tasks::Model>> {
    let task = workable(db, tenant, id).await?;
    if task.status != MaintenanceStatus::Scheduled {
        return Err(illegal(task.status, MaintenanceStatus::InProgress));
    }
    let asset = asset_of(db, &task).await?;
    let at = now();
    let mut events = Vec::new();
    let previous = match asset.status {
        AssetStatus::EStopped => {
            return Err(AppError::conflict(
                "the asset is emergency-stopped; reset it first",
            ));
        }
        // Already under maintenance: by another task in progress (whose remembered status is
        // the one to return to), or set by hand (then nothing is known to return to).
        AssetStatus::Maintenance => tasks::Entity::find()
            .filter(tasks::Column::AssetId.eq(asset.id))
            .filter(tasks::Column::Status.eq(MaintenanceStatus::InProgress))
            .filter(tasks::Column::AssetPreviousStatus.is_not_null())
            .order_by_asc(tasks::Column::StartedAt)
            .one(db)
            .await?
            .and_then(|t| t.asset_previous_status),
        former => {
            let reason = format!("maintenance: {}", task.title);
            let (_, e) = status::transition(
                db,
                &asset,
                AssetStatus::Maintenance,
                &reason,
                Cause::of(tenant),
                at,
            )
            .await?
            .ok_or_else(|| AppError::conflict("the asset changed status meanwhile; try again"))?;
            events.push(e);
            Some(former)
        }
    };
    let before = task.clone();
    let task = tasks::Model {
        status: MaintenanceStatus::InProgress,
        started_at: Some(at),
        asset_previous_status: previous,
        updated_at: at,
        ..task
    };
    let task = write_if_unchanged(db, &before, task).await?;
    events.push(event(&task, asset.site_id, TaskEventKind::Started));
    let change = Change::of("maintenance_task", task.id).with(json!({
        "status": status_str(task.status), "assetPreviousStatus": previous,
    }));
    Ok(Audited::new(task, change).publish(events))
}

/// Gives the asset of a task that stops being in progress its former status back, unless
/// another task on it is still in progress or it left `maintenance` meanwhile.
async fn release_asset<C: ConnectionTrait>(
    db: &C,
    task: &tasks::Model,
    asset: &asset_rows::Model,
    reason: &str,
    cause: Cause,
    at: DateTime<Utc>,
) -> Result<Option<Event>> {
    let Some(former) = task.asset_previous_status else {
        return Ok(None);
    };
    if asset.status != AssetStatus::Maintenance {
        return Ok(None);
    }
    let others = tasks::Entity::find()
        .filter(tasks::Column::AssetId.eq(asset.id))
        .filter(tasks::Column::Status.eq(MaintenanceStatus::InProgress))
        .filter(tasks::Column::Id.ne(task.id))
        .count(db)
        .await?;
    if others > 0 {
        return Ok(None);
    }
    Ok(status::transition(db, asset, former, reason, cause, at)
        .await?
        .map(|(_, e)| e))
}

/// An exact amount of money with at most two decimals, in hundredths.
pub fn cost_cents(field: &str, cost: Decimal) -> Result<i64> {
    if cost.is_sign_negative() && !cost.is_zero() {
        return Err(AppError::validation(field, "must not be negative"));
    }
    let normalized = cost.normalize();
    if normalized.scale() > 2 {
        return Err(AppError::validation(
            field,
            "must have at most 2 decimal places",
        ));
    }
    let cents = normalized
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|c| i64::try_from(c).ok())
        .filter(|c| *c <= MAX_COST_CENTS)
        .ok_or_else(|| AppError::validation(field, "is too large"))?;
    Ok(cents)
}

/// Hundredths back to an exact decimal with two places.
pub fn cost_of(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

pub struct Completion {
    pub actual_minutes: Option<i32>,
    pub cost: Option<Decimal>,
    pub parts: Option<Vec<Part>>,
    pub notes: Option<String>,
}

fn check_parts(parts: Vec<Part>) -> Result<Vec<Part>> {
    if parts.len() > MAX_PARTS {
        return Err(AppError::validation(
            "input.partsUsed",
            format!("at most {MAX_PARTS} parts"),
        ));
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let field = |name: &str| format!("input.partsUsed.{i}.{name}");
            Ok(Part {
                part_number: validate::name(&field("partNumber"), &p.part_number, 64)?,
                description: validate::optional_text(
                    &field("description"),
                    p.description.as_deref(),
                    200,
                )?,
                quantity: validate::int_range(&field("quantity"), p.quantity, 1, 100_000)?,
            })
        })
        .collect()
}

/// in_progress -> completed; the asset gets its former status back, the overdue alert is
/// resolved, and a recurring task schedules its successor.
pub async fn complete<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    input: Completion,
) -> Result<Audited<tasks::Model>> {
    let task = workable(db, tenant, id).await?;
    if task.status != MaintenanceStatus::InProgress {
        return Err(illegal(task.status, MaintenanceStatus::Completed));
    }
    let actual = check_minutes("input.actualMinutes", input.actual_minutes)?;
    let cost = input
        .cost
        .map(|c| cost_cents("input.cost", c))
        .transpose()?;
    let parts = input.parts.map(check_parts).transpose()?;
    let notes = validate::optional_text("input.notes", input.notes.as_deref(), 4000)?;
    let at = now();
    let asset = asset_of(db, &task).await?;
    // Derived from the timing when not reported: whole minutes, rounded to the nearest.
    let derived = task.started_at.map(|s| {
        let secs = (at - s).num_seconds().max(0);
        i32::try_from((secs + 30) / 60).unwrap_or(MAX_MINUTES)
    });
    let before = task.clone();
    let mut done = task;
    done.status = MaintenanceStatus::Completed;
    done.completed_at = Some(at);
    done.actual_minutes = actual.or(derived);
    if cost.is_some() {
        done.cost_cents = cost;
    }
    if let Some(parts) = parts {
        done.parts = json!(parts);
    }
    if notes.is_some() {
        done.notes = notes;
    }
    done.updated_at = at;
    let done = write_if_unchanged(db, &before, done).await?;
    let mut events = Vec::new();
    let reason = format!("maintenance done: {}", done.title);
    events.extend(release_asset(db, &done, &asset, &reason, Cause::of(tenant), at).await?);
    if let Some(alert) = done.overdue_alert_id {
        events.extend(
            alerts::resolve_system(
                db,
                done.organization_id,
                alert,
                tenant.user_id(),
                "maintenance task completed",
            )
            .await?,
        );
    }
    events.push(event(&done, asset.site_id, TaskEventKind::Completed));
    let next = match (done.kind, recurrence_of(&done)) {
        (MaintenanceKind::Preventive, Some(rule)) => {
            let next = next_task(&done, rule, at).into_active_model().reset_all();
            let next = next.insert(db).await?;
            events.push(event(&next, asset.site_id, TaskEventKind::Created));
            Some(next.id)
        }
        _ => None,
    };
    let change = Change::of("maintenance_task", done.id).with(json!({
        "status": status_str(done.status),
        "actualMinutes": done.actual_minutes,
        "costCents": done.cost_cents,
        "nextTaskId": next,
    }));
    Ok(Audited::new(done, change).publish(events))
}

/// The successor of a completed recurring task.
fn next_task(done: &tasks::Model, rule: Recurrence, completed_at: DateTime<Utc>) -> tasks::Model {
    let due = match rule {
        Recurrence::EveryDays(d) => completed_at + chrono::Duration::days(i64::from(d)),
        // A lower bound: the asset cannot run N hours in less than N hours.
        Recurrence::EveryRunningHours(h) => completed_at + chrono::Duration::hours(i64::from(h)),
    };
    tasks::Model {
        id: Uuid::now_v7(),
        organization_id: done.organization_id,
        asset_id: done.asset_id,
        title: done.title.clone(),
        description: done.description.clone(),
        kind: done.kind,
        priority: done.priority,
        status: MaintenanceStatus::Scheduled,
        assignee_user_id: done.assignee_user_id,
        due_at: due,
        started_at: None,
        completed_at: None,
        estimated_minutes: done.estimated_minutes,
        actual_minutes: None,
        cost_cents: None,
        parts: json!([]),
        notes: None,
        recurrence_days: done.recurrence_days,
        recurrence_running_hours: done.recurrence_running_hours,
        previous_task_id: Some(done.id),
        asset_previous_status: None,
        overdue_alert_id: None,
        created_by_user_id: done.created_by_user_id,
        created_at: completed_at,
        updated_at: completed_at,
    }
}

/// scheduled | in_progress -> cancelled (engineer and up).
pub async fn cancel<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    note: Option<String>,
) -> Result<Audited<tasks::Model>> {
    let task = get(db, tenant, id).await?;
    tenant.require(Permission::MaintenanceWrite)?;
    if finished(&task) {
        return Err(illegal(task.status, MaintenanceStatus::Cancelled));
    }
    let note = validate::optional_text("input.note", note.as_deref(), 4000)?;
    let at = now();
    let asset = asset_of(db, &task).await?;
    let was_in_progress = task.status == MaintenanceStatus::InProgress;
    let before = task.clone();
    let mut cancelled = task;
    cancelled.status = MaintenanceStatus::Cancelled;
    cancelled.completed_at = Some(at);
    if note.is_some() {
        cancelled.notes = note.clone();
    }
    cancelled.updated_at = at;
    let cancelled = write_if_unchanged(db, &before, cancelled).await?;
    let mut events = Vec::new();
    if was_in_progress {
        let reason = format!("maintenance cancelled: {}", cancelled.title);
        events.extend(release_asset(db, &cancelled, &asset, &reason, Cause::of(tenant), at).await?);
    }
    if let Some(alert) = cancelled.overdue_alert_id {
        events.extend(
            alerts::resolve_system(
                db,
                cancelled.organization_id,
                alert,
                tenant.user_id(),
                "maintenance task cancelled",
            )
            .await?,
        );
    }
    events.push(event(&cancelled, asset.site_id, TaskEventKind::Cancelled));
    let change = Change::of("maintenance_task", cancelled.id).with(json!({
        "status": status_str(cancelled.status), "note": note,
    }));
    Ok(Audited::new(cancelled, change).publish(events))
}

// ---------------------------------------------------------------------------------------------
// Running time and the overdue check

/// Whether time in `status` counts as running time (see the module docs).
pub fn is_running(status: AssetStatus) -> bool {
    matches!(status, AssetStatus::Online | AssetStatus::Busy)
}

/// Seconds the asset spent running within `[from, to)`, from its status history.
pub async fn running_seconds<C: ConnectionTrait>(
    db: &C,
    asset: &asset_rows::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    if to <= from {
        return Ok(0);
    }
    let before = history::Entity::find()
        .filter(history::Column::AssetId.eq(asset.id))
        .filter(history::Column::At.lte(from))
        .order_by_desc(history::Column::At)
        .order_by_desc(history::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    let changes = history::Entity::find()
        .filter(history::Column::AssetId.eq(asset.id))
        .filter(history::Column::At.gt(from))
        .filter(history::Column::At.lt(to))
        .order_by_asc(history::Column::At)
        .order_by_asc(history::Column::Id)
        .all(db)
        .await?;
    // The status at `from`, as `status::availability` decides it.
    let mut current = match (&before, changes.first()) {
        (Some(b), _) => b.status,
        (None, Some(first)) => first.previous_status.unwrap_or(first.status),
        (None, None) => asset.status,
    };
    let mut since = from;
    let mut total = 0;
    for change in &changes {
        if is_running(current) {
            total += (change.at - since).num_seconds().max(0);
        }
        current = change.status;
        since = change.at;
    }
    if is_running(current) {
        total += (to - since).num_seconds().max(0);
    }
    Ok(total)
}

/// Whether an active task without an overdue alert is due at `now`.
async fn due_now<C: ConnectionTrait>(
    db: &C,
    task: &tasks::Model,
    assets_by_id: &HashMap<Uuid, asset_rows::Model>,
    now: DateTime<Utc>,
) -> Result<bool> {
    if task.due_at >= now {
        return Ok(false);
    }
    let (Some(hours), Some(previous)) = (task.recurrence_running_hours, task.previous_task_id)
    else {
        return Ok(true);
    };
    let Some(asset) = assets_by_id.get(&task.asset_id) else {
        return Ok(false);
    };
    let since = tasks::Entity::find_by_id(previous)
        .one(db)
        .await?
        .and_then(|p| p.completed_at)
        .unwrap_or(task.created_at);
    let ran = running_seconds(db, asset, since, now).await?;
    Ok(ran >= i64::from(hours) * 3600)
}

/// Most tasks one worker round looks at.
pub const OVERDUE_BATCH: u64 = 500;

/// One round of the overdue worker at `now`: raises one maintenance alert per task that became
/// due, remembers it on the task and publishes the alert and an `overdue` task event. Each task
/// commits on its own. Returns the events to publish.
pub async fn raise_overdue(db: &crate::db::Db, now: DateTime<Utc>) -> Result<Vec<Event>> {
    let candidates = tasks::Entity::find()
        .filter(tasks::Column::Status.is_in(ACTIVE))
        .filter(tasks::Column::OverdueAlertId.is_null())
        .filter(tasks::Column::DueAt.lt(now))
        .order_by_asc(tasks::Column::DueAt)
        .order_by_asc(tasks::Column::Id)
        .limit(OVERDUE_BATCH)
        .all(&db.conn)
        .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let asset_ids: Vec<Uuid> = candidates.iter().map(|t| t.asset_id).collect();
    let assets_by_id: HashMap<Uuid, asset_rows::Model> = asset_rows::Entity::find()
        .filter(asset_rows::Column::Id.is_in(asset_ids))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out = Vec::new();
    for task in candidates {
        if !due_now(&db.conn, &task, &assets_by_id, now).await? {
            continue;
        }
        let Some(asset) = assets_by_id.get(&task.asset_id) else {
            continue;
        };
        let tx = db.begin_write().await?;
        // Read again inside the transaction: a completion or another replica's round that
        // raced this one wins, and the alert is raised once.
        // On PostgreSQL the row is locked before the alert log, the order completion takes
        // them in too, so the two cannot deadlock.
        let mut current = tasks::Entity::find_by_id(task.id)
            .filter(tasks::Column::Status.is_in(ACTIVE))
            .filter(tasks::Column::OverdueAlertId.is_null());
        if tx.tx.get_database_backend() == sea_orm::DbBackend::Postgres {
            current = current.lock_exclusive();
        }
        let Some(current) = current.one(&tx.tx).await? else {
            tx.rollback().await?;
            continue;
        };
        let due = if due_by_running_hours(&current) {
            format!(
                "{} running hours reached",
                current.recurrence_running_hours.unwrap_or_default()
            )
        } else {
            format!("was due {}", current.due_at.to_rfc3339())
        };
        let (alert, mut events) = alerts::raise_system(
            &tx.tx,
            SystemAlert {
                organization_id: current.organization_id,
                asset: Some(asset),
                kind: AlertKind::Maintenance,
                severity: severity_of(current.priority),
                title: format!("Maintenance overdue on {}: {}", asset.code, current.title),
                message: Some(due),
                source: "maintenance",
            },
        )
        .await?;
        let updated = tasks::Entity::update_many()
            .filter(tasks::Column::Id.eq(current.id))
            .filter(tasks::Column::OverdueAlertId.is_null())
            .col_expr(tasks::Column::OverdueAlertId, Expr::value(Some(alert.id)))
            .exec(&tx.tx)
            .await?;
        if updated.rows_affected != 1 {
            tx.rollback().await?;
            continue;
        }
        tx.commit().await?;
        let flagged = tasks::Model {
            overdue_alert_id: Some(alert.id),
            ..current
        };
        events.push(event(&flagged, asset.site_id, TaskEventKind::Overdue));
        out.extend(events);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn costs_are_exact_hundredths() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(cost_cents("c", d("0.10")).unwrap(), 10);
        assert_eq!(cost_cents("c", d("12.5")).unwrap(), 1250);
        assert_eq!(cost_cents("c", d("3.000")).unwrap(), 300);
        assert_eq!(cost_cents("c", d("0")).unwrap(), 0);
        assert!(cost_cents("c", d("0.001")).is_err());
        assert!(cost_cents("c", d("-1")).is_err());
        assert_eq!(cost_of(30).to_string(), "0.30");
    }
}
