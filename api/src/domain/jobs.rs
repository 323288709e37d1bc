//! Jobs: work on an asset (a pick run, a weld program, a software rollout), with progress
//! reported by the device and a status machine steered by people.
//!
//! queued -> running <-> paused -> completed | failed; queued/running/paused -> cancelled.
//! A paused job may also be completed or failed (a device may finish or give up while held).
//! Anything else is BAD_USER_INPUT naming the transition. Every change is a conditional update
//! on the status it was read with, so two concurrent changes never both apply.
//!
//! Steering (create, start, pause, resume, cancel) needs `JobsWrite` (engineer and up, or a
//! `jobs:write` key); progress, completion and failure need `JobsProgress` (operator and up, or
//! a `jobs:write` key: what a device reporting on its job holds).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::alerts::sites_of;
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{assets, now, validate};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{JobStatus, Priority, jobs};

/// The largest `payload` or `result` accepted, serialised (bytes).
pub const MAX_JSON_BYTES: usize = 64 * 1024;
const NAME_MAX: usize = 200;
const LAST_ITEM_MAX: usize = 500;
const ERROR_MAX: usize = 2000;

pub fn priority_str(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Critical => "critical",
    }
}

pub fn status_str(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "queued",
        JobStatus::Running => "running",
        JobStatus::Paused => "paused",
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "cancelled",
    }
}

/// A kind or command key: 1-64 lower-case letters, digits and `_`, starting with a letter.
pub fn key(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let valid = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(AppError::validation(
            field,
            "must be 1-64 lower-case letters, digits or '_', starting with a letter",
        ));
    }
    Ok(value.to_owned())
}

/// A JSON value of bounded size; `object` requires a JSON object.
pub fn bounded_json(field: &str, value: Value, object: bool) -> Result<Value> {
    if object && !value.is_object() {
        return Err(AppError::validation(field, "must be a JSON object"));
    }
    let size = serde_json::to_vec(&value).map_or(usize::MAX, |v| v.len());
    if size > MAX_JSON_BYTES {
        return Err(AppError::validation(
            field,
            format!("must be at most {MAX_JSON_BYTES} bytes of JSON"),
        ));
    }
    Ok(value)
}

/// The refusal of an illegal move, naming the transition (and the right mutation when the move
/// is legal by another one: a paused job is resumed, not started).
fn illegal(from: JobStatus, transition: &Transition) -> AppError {
    let to = transition.target();
    let message = match (from, transition) {
        (JobStatus::Paused, Transition::Start) => {
            "cannot start a paused job (paused to running is resumeJob)".to_owned()
        }
        (JobStatus::Queued, Transition::Resume) => {
            "cannot resume a queued job (queued to running is startJob)".to_owned()
        }
        _ => format!("cannot go from {} to {}", status_str(from), status_str(to)),
    };
    AppError::validation("input.id", message)
}

// ---------------------------------------------------------------------------------------------
// Reads

/// Jobs of the assets this caller may see (organization and site scope).
fn visible(tenant: &Tenant) -> Select<jobs::Entity> {
    let q = jobs::Entity::find().filter(jobs::Column::OrganizationId.eq(tenant.organization_id));
    match &tenant.site_scope {
        Some(sites) => q.filter(
            jobs::Column::AssetId.in_subquery(assets::ids_on_sites(tenant.organization_id, sites)),
        ),
        None => q,
    }
}

/// A job and the site of its asset, or NOT_FOUND (another organization's, or outside the
/// caller's sites).
async fn load<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<(jobs::Model, Uuid)> {
    let job = jobs::Entity::find_by_id(id)
        .filter(jobs::Column::OrganizationId.eq(tenant.organization_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("job"))?;
    let site_id = sites_of(db, [job.asset_id])
        .await?
        .get(&job.asset_id)
        .copied()
        .ok_or(AppError::NotFound("job"))?;
    if !tenant.sees_site(site_id) {
        return Err(AppError::NotFound("job"));
    }
    Ok((job, site_id))
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<jobs::Model> {
    tenant.require(Permission::JobsRead)?;
    Ok(load(db, tenant, id).await?.0)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Option<Vec<JobStatus>>,
    pub asset_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub kind: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
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
        vec![("filter.kind", self.kind.as_deref())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    CreatedAt,
    Name,
}

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<jobs::Entity> {
    use jobs::Column as C;
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
    if let Some(kind) = filter
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        q = q.filter(C::Kind.eq(kind.to_owned()));
    }
    if let Some(from) = filter.created_from {
        q = q.filter(C::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        q = q.filter(C::CreatedAt.lt(to));
    }
    q
}

fn sort_key(order: Order) -> SortKey<jobs::Entity> {
    match order {
        // Ids are UUIDv7 taken at creation, so id order is creation order.
        Order::CreatedAt => SortKey {
            column: None,
            id: jobs::Column::Id,
            key_of: |_| None,
            id_of: |j| j.id,
        },
        Order::Name => SortKey {
            column: Some(jobs::Column::Name),
            id: jobs::Column::Id,
            key_of: |j| Some(j.name.clone()),
            id_of: |j| j.id,
        },
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    order: Order,
    request: &PageRequest,
) -> Result<Page<jobs::Model>> {
    tenant.require(Permission::JobsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &sort_key(order), request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::JobsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

// ---------------------------------------------------------------------------------------------
// Writes

pub struct NewJob {
    pub asset_id: Uuid,
    pub name: String,
    pub kind: String,
    pub priority: Priority,
    pub payload: Option<Value>,
    pub items_total: Option<i32>,
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: NewJob,
) -> Result<Audited<jobs::Model>> {
    tenant.require(Permission::JobsWrite)?;
    let name = validate::name("input.name", &input.name, NAME_MAX)?;
    let kind = key("input.kind", &input.kind)?;
    let payload = bounded_json(
        "input.payload",
        input.payload.unwrap_or_else(|| json!({})),
        true,
    )?;
    if input.items_total.is_some_and(|t| t < 0) {
        return Err(AppError::validation(
            "input.itemsTotal",
            "must not be negative",
        ));
    }
    let asset = assets::get(db, tenant, input.asset_id, None).await?;
    if asset.archived_at.is_some() {
        return Err(AppError::validation(
            "input.assetId",
            "the asset is archived",
        ));
    }
    let at = now();
    let job = jobs::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        asset_id: Set(asset.id),
        name: Set(name),
        kind: Set(kind),
        priority: Set(input.priority),
        status: Set(JobStatus::Queued),
        payload: Set(payload),
        items_total: Set(input.items_total),
        items_done: Set(0),
        last_item: Set(None),
        result: Set(None),
        error: Set(None),
        created_by_user_id: Set(tenant.user_id()),
        created_by_api_key_id: Set(tenant.api_key_id()),
        started_at: Set(None),
        finished_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    let event = job_event(&job, asset.site_id, JobChange::Created)?;
    let change = Change::of("job", job.id).with(json!({
        "assetId": job.asset_id,
        "name": job.name,
        "kind": job.kind,
        "priority": priority_str(job.priority),
        "status": "queued",
        "itemsTotal": job.items_total,
    }));
    Ok(Audited::new(job, change).publish([event]))
}

/// A move of the status machine.
#[derive(Debug, Clone)]
pub enum Transition {
    Start,
    /// With an optional note, kept in `error` while paused.
    Pause(Option<String>),
    Resume,
    Complete(Option<Value>),
    Fail(String),
    /// With an optional reason, kept in `error`.
    Cancel(Option<String>),
}

impl Transition {
    fn target(&self) -> JobStatus {
        match self {
            Self::Start | Self::Resume => JobStatus::Running,
            Self::Pause(_) => JobStatus::Paused,
            Self::Complete(_) => JobStatus::Completed,
            Self::Fail(_) => JobStatus::Failed,
            Self::Cancel(_) => JobStatus::Cancelled,
        }
    }

    /// Statuses the move may start from.
    fn sources(&self) -> &'static [JobStatus] {
        use JobStatus::*;
        match self {
            Self::Start => &[Queued],
            Self::Pause(_) => &[Running],
            Self::Resume => &[Paused],
            Self::Complete(_) | Self::Fail(_) => &[Running, Paused],
            Self::Cancel(_) => &[Queued, Running, Paused],
        }
    }

    fn permission(&self) -> Permission {
        match self {
            Self::Complete(_) | Self::Fail(_) => Permission::JobsProgress,
            _ => Permission::JobsWrite,
        }
    }

    fn change(&self) -> JobChange {
        match self {
            Self::Start => JobChange::Started,
            Self::Pause(_) => JobChange::Paused,
            Self::Resume => JobChange::Resumed,
            Self::Complete(_) => JobChange::Completed,
            Self::Fail(_) => JobChange::Failed,
            Self::Cancel(_) => JobChange::Cancelled,
        }
    }
}

pub async fn transition<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    transition: Transition,
) -> Result<Audited<jobs::Model>> {
    tenant.require(transition.permission())?;
    // Validate what the client sent before reading anything.
    let (error, result) = match &transition {
        Transition::Pause(note) => (
            validate::optional_text("input.reason", note.as_deref(), ERROR_MAX)?,
            None,
        ),
        Transition::Cancel(reason) => (
            validate::optional_text("input.reason", reason.as_deref(), ERROR_MAX)?,
            None,
        ),
        Transition::Fail(error) => (Some(validate::name("input.error", error, ERROR_MAX)?), None),
        Transition::Complete(result) => (
            None,
            result
                .clone()
                .map(|r| bounded_json("input.result", r, false))
                .transpose()?,
        ),
        Transition::Start | Transition::Resume => (None, None),
    };
    let (job, site_id) = load(db, tenant, id).await?;
    let to = transition.target();
    if !transition.sources().contains(&job.status) {
        return Err(illegal(job.status, &transition));
    }
    let at = now();
    let mut next = jobs::Model {
        status: to,
        updated_at: at,
        ..job.clone()
    };
    match &transition {
        Transition::Start => next.started_at = Some(at),
        // Resuming clears the pause note (an emergency stop's included).
        Transition::Resume => next.error = None,
        Transition::Pause(_) => next.error = error,
        Transition::Complete(_) => {
            next.finished_at = Some(at);
            next.result = result;
            next.error = None;
        }
        Transition::Fail(_) | Transition::Cancel(_) => {
            next.finished_at = Some(at);
            next.error = error;
        }
    }
    let updated = jobs::Entity::update_many()
        .filter(jobs::Column::Id.eq(job.id))
        .filter(jobs::Column::Status.eq(job.status))
        .col_expr(jobs::Column::Status, Expr::value(next.status))
        .col_expr(jobs::Column::Error, Expr::value(next.error.clone()))
        .col_expr(jobs::Column::Result, Expr::value(next.result.clone()))
        .col_expr(jobs::Column::StartedAt, Expr::value(next.started_at))
        .col_expr(jobs::Column::FinishedAt, Expr::value(next.finished_at))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(at))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the job changed meanwhile; read it again and retry",
        ));
    }
    let event = job_event(&next, site_id, transition.change())?;
    let change = Change::of("job", next.id).with(json!({
        "from": status_str(job.status),
        "status": status_str(next.status),
        "error": next.error,
    }));
    Ok(Audited::new(next, change).publish([event]))
}

/// Progress from the device: `items_done` never goes back and never passes `items_total`.
pub async fn report_progress<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    items_done: i32,
    last_item: Option<String>,
) -> Result<Audited<jobs::Model>> {
    tenant.require(Permission::JobsProgress)?;
    if items_done < 0 {
        return Err(AppError::validation(
            "input.itemsDone",
            "must not be negative",
        ));
    }
    let last_item = validate::optional_text("input.lastItem", last_item.as_deref(), LAST_ITEM_MAX)?;
    let (job, site_id) = load(db, tenant, id).await?;
    if job.status != JobStatus::Running {
        return Err(AppError::validation(
            "input.id",
            format!(
                "progress is reported only while running; the job is {}",
                status_str(job.status)
            ),
        ));
    }
    if items_done < job.items_done {
        return Err(AppError::validation(
            "input.itemsDone",
            format!(
                "must not go back: {} items are already done",
                job.items_done
            ),
        ));
    }
    if let Some(total) = job.items_total
        && items_done > total
    {
        return Err(AppError::validation(
            "input.itemsDone",
            format!("must be at most itemsTotal ({total})"),
        ));
    }
    let at = now();
    let next = jobs::Model {
        items_done,
        last_item: last_item.or(job.last_item.clone()),
        updated_at: at,
        ..job.clone()
    };
    // Conditional on what was checked, so a concurrent report or transition wins cleanly.
    let updated = jobs::Entity::update_many()
        .filter(jobs::Column::Id.eq(job.id))
        .filter(jobs::Column::Status.eq(JobStatus::Running))
        .filter(jobs::Column::ItemsDone.lte(items_done))
        .col_expr(jobs::Column::ItemsDone, Expr::value(items_done))
        .col_expr(jobs::Column::LastItem, Expr::value(next.last_item.clone()))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(at))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the job changed meanwhile; read it again and retry",
        ));
    }
    let event = job_event(&next, site_id, JobChange::Progress)?;
    let change = Change::of("job", next.id).with(json!({
        "itemsDone": next.items_done,
        "lastItem": next.last_item,
    }));
    Ok(Audited::new(next, change).publish([event]))
}

/// Percent complete: done / total * 100, 100 once completed, `None` without a total.
pub fn percent_complete(job: &jobs::Model) -> Option<f64> {
    if job.status == JobStatus::Completed {
        return Some(100.0);
    }
    match job.items_total {
        Some(0) => Some(0.0),
        Some(total) => Some((f64::from(job.items_done) / f64::from(total) * 100.0).min(100.0)),
        None => None,
    }
}

/// Seconds from start to finish (or to `now` while unfinished); `None` before it started.
pub fn duration_seconds(job: &jobs::Model, now: DateTime<Utc>) -> Option<f64> {
    let start = job.started_at?;
    let end = job.finished_at.unwrap_or(now);
    Some((end - start).num_milliseconds().max(0) as f64 / 1000.0)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, total: Option<i32>, done: i32) -> jobs::Model {
        let at = now();
        jobs::Model {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            asset_id: Uuid::now_v7(),
            name: "run".into(),
            kind: "pick_run".into(),
            priority: Priority::Normal,
            status,
            payload: json!({}),
            items_total: total,
            items_done: done,
            last_item: None,
            result: None,
            error: None,
            created_by_user_id: None,
            created_by_api_key_id: None,
            started_at: None,
            finished_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn percent_complete_is_derived_from_items_and_status() {
        assert_eq!(
            percent_complete(&job(JobStatus::Running, Some(8), 2)),
            Some(25.0)
        );
        assert_eq!(percent_complete(&job(JobStatus::Running, None, 2)), None);
        assert_eq!(
            percent_complete(&job(JobStatus::Queued, Some(0), 0)),
            Some(0.0)
        );
        assert_eq!(
            percent_complete(&job(JobStatus::Completed, None, 0)),
            Some(100.0)
        );
        assert_eq!(
            percent_complete(&job(JobStatus::Completed, Some(9), 3)),
            Some(100.0)
        );
    }

    #[test]
    fn keys_are_lower_case_words() {
        assert_eq!(key("k", " pick_run2 ").unwrap(), "pick_run2");
        for bad in ["", "Pick", "2run", "pick-run", "pick.run", &"a".repeat(65)] {
            assert!(key("k", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_is_bounded_and_payloads_are_objects() {
        assert!(bounded_json("p", json!({ "a": 1 }), true).is_ok());
        assert!(bounded_json("p", json!([1]), true).is_err());
        assert!(bounded_json("p", json!([1]), false).is_ok());
        let big = json!({ "x": "y".repeat(MAX_JSON_BYTES) });
        assert!(bounded_json("p", big, true).is_err());
    }

    #[test]
    fn illegal_moves_name_the_transition() {
        let message = |from, t: &Transition| illegal(from, t).to_string();
        assert!(message(JobStatus::Completed, &Transition::Start).contains("completed to running"));
        assert!(message(JobStatus::Paused, &Transition::Start).contains("resumeJob"));
        assert!(message(JobStatus::Queued, &Transition::Resume).contains("startJob"));
    }
}
