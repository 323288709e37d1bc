//! Maintenance tasks over GraphQL: the task list and summary, the create / update / start /
//! complete / cancel mutations, and the `maintenanceUpdated` subscription.

use async_graphql::{
    Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use futures::Stream;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Permission;
use crate::domain::maintenance::{self as domain, Completion, Create, Fields, Part, Recurrence};
use crate::domain::now;
use crate::domain::page::PageRequest;
use crate::events::TopicKind;
use crate::graphql::assets::Asset;
use crate::graphql::common::{AssetStatus, Conn, OrderDirection, Priority, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AssetKey, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::subscriptions::{events, subscribe};
use entity::maintenance_tasks as tasks;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::MaintenanceKind")]
pub enum MaintenanceKind {
    /// Scheduled upkeep; may recur.
    Preventive,
    /// Fixing a fault found.
    Corrective,
    /// Fixing a breakdown now.
    Emergency,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::MaintenanceStatus")]
pub enum MaintenanceStatus {
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

/// A part used by a completed task.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PartUsedInput")]
pub struct PartUsed {
    pub part_number: String,
    pub description: Option<String>,
    /// At least 1.
    pub quantity: i32,
}

/// How a preventive task recurs: exactly one of the two.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "RecurrenceInput")]
pub struct MaintenanceRecurrence {
    /// The next task is due this many days after completion.
    pub every_days: Option<i32>,
    /// The next task is due once the asset has run this many hours (time `ONLINE` or `BUSY`)
    /// since completion.
    pub every_running_hours: Option<i32>,
}

impl MaintenanceRecurrence {
    fn into_domain(self) -> crate::error::Result<Option<Recurrence>> {
        match (self.every_days, self.every_running_hours) {
            (Some(d), None) => Ok(Some(Recurrence::EveryDays(d))),
            (None, Some(h)) => Ok(Some(Recurrence::EveryRunningHours(h))),
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(crate::error::AppError::validation(
                "input.recurrence",
                "give everyDays or everyRunningHours, not both",
            )),
        }
    }
}

pub struct MaintenanceTask(pub tasks::Model);

#[Object]
impl MaintenanceTask {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn kind(&self) -> MaintenanceKind {
        self.0.kind.into()
    }
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    async fn status(&self) -> MaintenanceStatus {
        self.0.status.into()
    }
    /// The schedule. For a task created by a running-hours rule, the earliest moment the hours
    /// can be reached (completion of the previous task + N hours).
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// Scheduled or in progress and past due: `dueAt` has passed, or, for a task created by a
    /// running-hours rule, the overdue worker found the running hours reached.
    async fn overdue(&self) -> bool {
        domain::is_overdue(&self.0, now())
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it was completed or cancelled.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn estimated_minutes(&self) -> Option<i32> {
        self.0.estimated_minutes
    }
    /// As reported at completion, else the minutes from start to completion.
    async fn actual_minutes(&self) -> Option<i32> {
        self.0.actual_minutes
    }
    /// Exact, two decimals.
    async fn cost(&self) -> Option<Decimal> {
        self.0.cost_cents.map(domain::cost_of)
    }
    async fn parts_used(&self) -> Vec<PartUsed> {
        domain::parts_of(&self.0)
            .into_iter()
            .map(|p| PartUsed {
                part_number: p.part_number,
                description: p.description,
                quantity: p.quantity,
            })
            .collect()
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    async fn recurrence(&self) -> Option<MaintenanceRecurrence> {
        (self.0.recurrence_days.is_some() || self.0.recurrence_running_hours.is_some()).then_some(
            MaintenanceRecurrence {
                every_days: self.0.recurrence_days,
                every_running_hours: self.0.recurrence_running_hours,
            },
        )
    }
    /// The task whose completion created this one.
    async fn previous_task_id(&self) -> Option<ID> {
        self.0.previous_task_id.map(|id| ID(id.to_string()))
    }
    /// The asset's status before the task started, given back when it ends.
    async fn asset_previous_status(&self) -> Option<AssetStatus> {
        self.0.asset_previous_status.map(Into::into)
    }
    /// The alert raised when it became overdue.
    async fn overdue_alert_id(&self) -> Option<ID> {
        self.0.overdue_alert_id.map(|id| ID(id.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        tenant(ctx)?.require(Permission::AssetsRead)?;
        Ok(loader(ctx)?
            .load_one(AssetKey(self.0.asset_id))
            .await?
            .map(Asset::from))
    }
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.assignee_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.created_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
}

#[derive(InputObject, Default)]
pub struct MaintenanceTaskFilter {
    pub asset_id: Option<ID>,
    /// Tasks of the site's assets.
    pub site_id: Option<ID>,
    /// Any of these statuses.
    pub status: Option<Vec<MaintenanceStatus>>,
    pub kind: Option<MaintenanceKind>,
    /// The assignee's user id.
    pub assignee_id: Option<ID>,
    pub overdue: Option<bool>,
    /// Due at or after.
    pub due_from: Option<DateTime<Utc>>,
    /// Due before.
    pub due_to: Option<DateTime<Utc>>,
}

impl MaintenanceTaskFilter {
    fn into_domain(self) -> crate::error::Result<domain::Filter> {
        Ok(domain::Filter {
            asset_id: parse_opt_id("filter.assetId", self.asset_id.as_ref())?,
            site_id: parse_opt_id("filter.siteId", self.site_id.as_ref())?,
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            kind: self.kind.map(Into::into),
            assignee_id: parse_opt_id("filter.assigneeId", self.assignee_id.as_ref())?,
            overdue: self.overdue,
            due_from: self.due_from,
            due_to: self.due_to,
        })
    }
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum MaintenanceTaskOrderField {
    #[default]
    DueAt,
    CreatedAt,
}

#[derive(InputObject)]
pub struct MaintenanceTaskOrder {
    #[graphql(default)]
    pub field: MaintenanceTaskOrderField,
    /// Soonest due (or oldest) first unless told otherwise.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// A task connection, for the root query and the per-asset field.
pub async fn task_connection(
    ctx: &Context<'_>,
    filter: domain::Filter,
    first: Option<i32>,
    after: Option<String>,
    order_by: Option<MaintenanceTaskOrder>,
) -> async_graphql::Result<Conn<MaintenanceTask>> {
    let tenant = tenant(ctx)?;
    let db = services(ctx).db.clone();
    let (field, direction) = order_by.map_or(
        (MaintenanceTaskOrderField::DueAt, OrderDirection::Asc),
        |o| (o.field, o.direction),
    );
    let order = match field {
        MaintenanceTaskOrderField::DueAt => domain::OrderBy::DueAt,
        MaintenanceTaskOrderField::CreatedAt => domain::OrderBy::CreatedAt,
    };
    let request = PageRequest {
        first,
        after,
        descending: direction == OrderDirection::Desc,
    };
    let page = domain::list(&db.conn, tenant, &filter, order, &request).await?;
    let t = tenant.clone();
    let total = TotalCount::new(async move { domain::count(&db.conn, &t, &filter).await });
    Ok(connection(page, total, MaintenanceTask))
}

/// Maintenance of an asset, a site or the organization.
#[derive(SimpleObject)]
pub struct MaintenanceSummary {
    pub total: i64,
    pub scheduled: i64,
    pub in_progress: i64,
    pub completed: i64,
    pub cancelled: i64,
    /// Scheduled or in-progress tasks that are overdue.
    pub overdue: i64,
    /// Sum of the costs of the tasks, exact.
    pub total_cost: Decimal,
    /// Average actual minutes of completed tasks; null when none is completed.
    pub average_duration_minutes: Option<f64>,
}

#[derive(Default)]
pub struct MaintenanceQuery;

#[Object]
impl MaintenanceQuery {
    async fn maintenance_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<MaintenanceTask> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(MaintenanceTask(
            domain::get(&services(ctx).db.conn, tenant, id).await?,
        ))
    }

    /// Maintenance tasks, soonest due first by default.
    async fn maintenance_tasks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<MaintenanceTaskFilter>,
        order_by: Option<MaintenanceTaskOrder>,
    ) -> async_graphql::Result<Conn<MaintenanceTask>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        task_connection(ctx, filter, first, after, order_by).await
    }

    /// Totals of one asset, one site, or (neither given) the organization.
    async fn maintenance_summary(
        &self,
        ctx: &Context<'_>,
        asset_id: Option<ID>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<MaintenanceSummary> {
        let tenant = tenant(ctx)?;
        let asset = parse_opt_id("assetId", asset_id.as_ref())?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        let s = domain::summary(&services(ctx).db.conn, tenant, asset, site, now()).await?;
        Ok(MaintenanceSummary {
            total: s.total(),
            scheduled: s.scheduled,
            in_progress: s.in_progress,
            completed: s.completed,
            cancelled: s.cancelled,
            overdue: s.overdue,
            total_cost: domain::cost_of(s.total_cost_cents),
            average_duration_minutes: s.average_minutes,
        })
    }
}

#[derive(InputObject)]
pub struct CreateMaintenanceTaskInput {
    pub asset_id: ID,
    pub title: String,
    pub description: Option<String>,
    pub kind: MaintenanceKind,
    #[graphql(default)]
    pub priority: Priority,
    pub due_at: DateTime<Utc>,
    /// The user id of a member who may work on maintenance on the asset's site.
    pub assignee_id: Option<ID>,
    pub estimated_minutes: Option<i32>,
    pub notes: Option<String>,
    /// Preventive tasks only.
    pub recurrence: Option<MaintenanceRecurrence>,
}

/// Only while the task is scheduled or in progress. Omitted fields stay; null clears.
#[derive(InputObject)]
pub struct UpdateMaintenanceTaskInput {
    pub id: ID,
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub kind: Option<MaintenanceKind>,
    pub priority: Option<Priority>,
    pub due_at: Option<DateTime<Utc>>,
    pub assignee_id: MaybeUndefined<ID>,
    pub estimated_minutes: MaybeUndefined<i32>,
    pub notes: MaybeUndefined<String>,
    pub recurrence: MaybeUndefined<MaintenanceRecurrence>,
}

#[derive(InputObject)]
pub struct MaintenanceTaskIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct CompleteMaintenanceTaskInput {
    pub id: ID,
    /// Else the minutes from start to completion.
    pub actual_minutes: Option<i32>,
    /// At most two decimals, not negative. Send it as a string (`"12.50"`) to keep it exact;
    /// a JSON number goes through a binary float first.
    pub cost: Option<Decimal>,
    /// At most 50.
    pub parts_used: Option<Vec<PartUsed>>,
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct CancelMaintenanceTaskInput {
    pub id: ID,
    /// Why; kept as the task's notes.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct MaintenanceTaskPayload {
    pub maintenance_task: MaintenanceTask,
}

fn maybe<T, U>(
    value: MaybeUndefined<T>,
    f: impl FnOnce(T) -> crate::error::Result<U>,
) -> crate::error::Result<Option<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => Ok(Some(Some(f(v)?))),
    }
}

fn payload(task: tasks::Model) -> MaintenanceTaskPayload {
    MaintenanceTaskPayload {
        maintenance_task: MaintenanceTask(task),
    }
}

#[derive(Default)]
pub struct MaintenanceMutation;

#[Object]
impl MaintenanceMutation {
    /// A scheduled task on an asset (engineer and up, or a `maintenance:write` key).
    async fn create_maintenance_task(
        &self,
        ctx: &Context<'_>,
        input: CreateMaintenanceTaskInput,
    ) -> async_graphql::Result<MaintenanceTaskPayload> {
        let (m, tenant) = Mutation::begin(ctx, "createMaintenanceTask").await?;
        let result = async {
            let recurrence = input
                .recurrence
                .map(MaintenanceRecurrence::into_domain)
                .transpose()?
                .flatten();
            let create = Create {
                asset_id: parse_id("input.assetId", &input.asset_id)?,
                fields: Fields {
                    title: Some(input.title),
                    description: Some(input.description),
                    kind: Some(input.kind.into()),
                    priority: Some(input.priority.into()),
                    due_at: Some(input.due_at),
                    assignee_id: Some(parse_opt_id(
                        "input.assigneeId",
                        input.assignee_id.as_ref(),
                    )?),
                    estimated_minutes: Some(input.estimated_minutes),
                    notes: Some(input.notes),
                    recurrence: Some(recurrence),
                },
            };
            domain::create(m.tx(), tenant, create).await
        }
        .await;
        m.finish(result).await.map(payload)
    }

    async fn update_maintenance_task(
        &self,
        ctx: &Context<'_>,
        input: UpdateMaintenanceTaskInput,
    ) -> async_graphql::Result<MaintenanceTaskPayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateMaintenanceTask").await?;
        let m = m.aim("maintenance_task", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let fields = Fields {
                title: input.title,
                description: maybe(input.description, Ok)?,
                kind: input.kind.map(Into::into),
                priority: input.priority.map(Into::into),
                due_at: input.due_at,
                assignee_id: maybe(input.assignee_id, |id| parse_id("input.assigneeId", &id))?,
                estimated_minutes: maybe(input.estimated_minutes, Ok)?,
                notes: maybe(input.notes, Ok)?,
                recurrence: maybe(input.recurrence, MaintenanceRecurrence::into_domain)?
                    .map(Option::flatten),
            };
            domain::update(m.tx(), tenant, id, fields).await
        }
        .await;
        m.finish(result).await.map(payload)
    }

    /// Scheduled -> in progress; the asset goes to MAINTENANCE. Engineers, or the assignee.
    async fn start_maintenance_task(
        &self,
        ctx: &Context<'_>,
        input: MaintenanceTaskIdInput,
    ) -> async_graphql::Result<MaintenanceTaskPayload> {
        let (m, tenant) = Mutation::begin(ctx, "startMaintenanceTask").await?;
        let m = m.aim("maintenance_task", &input.id);
        let result =
            async { domain::start(m.tx(), tenant, parse_id("input.id", &input.id)?).await }.await;
        m.finish(result).await.map(payload)
    }

    /// In progress -> completed; the asset gets its former status back, an overdue alert is
    /// resolved and a recurring task schedules the next. Engineers, or the assignee.
    async fn complete_maintenance_task(
        &self,
        ctx: &Context<'_>,
        input: CompleteMaintenanceTaskInput,
    ) -> async_graphql::Result<MaintenanceTaskPayload> {
        let (m, tenant) = Mutation::begin(ctx, "completeMaintenanceTask").await?;
        let m = m.aim("maintenance_task", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let completion = Completion {
                actual_minutes: input.actual_minutes,
                cost: input.cost,
                parts: input.parts_used.map(|parts| {
                    parts
                        .into_iter()
                        .map(|p| Part {
                            part_number: p.part_number,
                            description: p.description,
                            quantity: p.quantity,
                        })
                        .collect()
                }),
                notes: input.notes,
            };
            domain::complete(m.tx(), tenant, id, completion).await
        }
        .await;
        m.finish(result).await.map(payload)
    }

    /// Scheduled or in progress -> cancelled (engineer and up).
    async fn cancel_maintenance_task(
        &self,
        ctx: &Context<'_>,
        input: CancelMaintenanceTaskInput,
    ) -> async_graphql::Result<MaintenanceTaskPayload> {
        let (m, tenant) = Mutation::begin(ctx, "cancelMaintenanceTask").await?;
        let m = m.aim("maintenance_task", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            domain::cancel(m.tx(), tenant, id, input.note).await
        }
        .await;
        m.finish(result).await.map(payload)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskPayload {
    #[serde(rename = "type")]
    kind: String,
    site_id: Uuid,
    asset_id: Uuid,
    task: tasks::Model,
}

/// What happened to a task.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MaintenanceEventKind {
    Created,
    Updated,
    Started,
    Completed,
    Cancelled,
    /// The overdue worker found it overdue and raised its alert.
    Overdue,
}

impl MaintenanceEventKind {
    fn parse(kind: &str) -> Option<Self> {
        Some(match kind {
            "created" => Self::Created,
            "updated" => Self::Updated,
            "started" => Self::Started,
            "completed" => Self::Completed,
            "cancelled" => Self::Cancelled,
            "overdue" => Self::Overdue,
            _ => return None,
        })
    }
}

/// A change of a maintenance task, with the task as it was right after it.
#[derive(SimpleObject)]
pub struct MaintenanceUpdate {
    pub kind: MaintenanceEventKind,
    pub task: MaintenanceTask,
}

#[derive(Default)]
pub struct MaintenanceSubscription;

#[Subscription]
impl MaintenanceSubscription {
    /// Task changes as they commit, optionally of one asset or one site.
    async fn maintenance_updated(
        &self,
        ctx: &Context<'_>,
        asset_id: Option<ID>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MaintenanceUpdate>> + use<>>
    {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::MaintenanceRead)?;
        let asset = parse_opt_id("assetId", asset_id.as_ref())?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        let refs = crate::domain::visibility::Refs::new()
            .with(crate::domain::visibility::Kind::Asset, asset)
            .with(crate::domain::visibility::Kind::Site, site);
        crate::graphql::context::ensure_visible(ctx, refs).await?;
        let rx = subscribe(ctx, &tenant, TopicKind::Maintenance);
        Ok(events(rx, move |event| {
            let p: TaskPayload = serde_json::from_value(event.payload.clone()).ok()?;
            if asset.is_some_and(|a| a != p.asset_id)
                || site.is_some_and(|s| s != p.site_id)
                || !tenant.sees_site(p.site_id)
            {
                return None;
            }
            Some(MaintenanceUpdate {
                kind: MaintenanceEventKind::parse(&p.kind)?,
                task: MaintenanceTask(p.task),
            })
        }))
    }
}

/// The `maintenanceTasks` field of an asset.
pub async fn asset_tasks(
    ctx: &Context<'_>,
    asset_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<MaintenanceTaskFilter>,
    order_by: Option<MaintenanceTaskOrder>,
) -> async_graphql::Result<Conn<MaintenanceTask>> {
    let filter = domain::Filter {
        asset_id: Some(asset_id),
        ..filter.unwrap_or_default().into_domain()?
    };
    task_connection(ctx, filter, first, after, order_by).await
}
