//! Jobs over GraphQL: the job list and per-asset history, the status machine's mutations,
//! device progress reports and the `jobUpdated` subscription.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject, Subscription};
use futures::Stream;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Permission;
use crate::domain::jobs::{self, NewJob, Transition};
use crate::domain::page::PageRequest;
use crate::events::{Event, Topic, TopicKind};
use crate::graphql::assets::Asset;
use crate::graphql::common::{Conn, OrderDirection, Priority, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AssetKey, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::subscriptions::events;
use chrono::{DateTime, Utc};
use entity::jobs as job_rows;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::JobStatus")]
pub enum JobStatus {
    Queued,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

pub struct Job(pub job_rows::Model);

#[Object]
impl Job {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Asset> {
        tenant(ctx)?.require(Permission::AssetsRead)?;
        let asset = loader(ctx)?.load_one(AssetKey(self.0.asset_id)).await?;
        // A job is visible only with its asset, so a missing one is NOT_FOUND, not a null.
        Ok(asset
            .map(Asset::from)
            .ok_or(crate::error::AppError::NotFound("asset"))?)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What sort of work: a key such as `pick_run`, `weld_program`, `software_rollout`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    /// What the device needs to do the work (a JSON object).
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    async fn items_total(&self) -> Option<i32> {
        self.0.items_total
    }
    async fn items_done(&self) -> i32 {
        self.0.items_done
    }
    /// The last item the device reported as processed.
    async fn last_item(&self) -> Option<&str> {
        self.0.last_item.as_deref()
    }
    /// itemsDone / itemsTotal * 100; 100 once completed; null without a total.
    async fn percent_complete(&self) -> Option<f64> {
        jobs::percent_complete(&self.0)
    }
    /// What the device reported on completion.
    async fn result(&self) -> Option<Json<serde_json::Value>> {
        self.0.result.clone().map(Json)
    }
    /// Why it failed or was cancelled, or why it is paused (`paused by emergency stop`).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The member who created it; null when an API key did.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.created_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    /// The API key that created it; null when a member did.
    async fn created_by_api_key_id(&self) -> Option<ID> {
        self.0.created_by_api_key_id.map(|id| ID(id.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// From start to finish, or to now while unfinished; null before it started.
    async fn duration_seconds(&self) -> Option<f64> {
        jobs::duration_seconds(&self.0, crate::domain::now())
    }
}

#[derive(InputObject, Default)]
pub struct JobFilter {
    /// Any of these statuses.
    pub status: Option<Vec<JobStatus>>,
    pub asset_id: Option<ID>,
    /// Jobs of the site's assets.
    pub site_id: Option<ID>,
    pub kind: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
}

impl JobFilter {
    fn into_domain(self) -> crate::error::Result<jobs::Filter> {
        Ok(jobs::Filter {
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            asset_id: parse_opt_id("filter.assetId", self.asset_id.as_ref())?,
            site_id: parse_opt_id("filter.siteId", self.site_id.as_ref())?,
            kind: self.kind,
            created_from: self.created_from,
            created_to: self.created_to,
        })
    }
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum JobOrderField {
    #[default]
    CreatedAt,
    Name,
}

#[derive(InputObject)]
pub struct JobOrder {
    #[graphql(default)]
    pub field: JobOrderField,
    /// Newest first unless told otherwise.
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

/// A page of jobs matching `filter`.
async fn job_connection(
    ctx: &Context<'_>,
    filter: jobs::Filter,
    order_by: Option<JobOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Conn<Job>> {
    let tenant = tenant(ctx)?;
    let db = services(ctx).db.clone();
    let (order, descending) = match order_by {
        Some(o) => (
            match o.field {
                JobOrderField::CreatedAt => jobs::Order::CreatedAt,
                JobOrderField::Name => jobs::Order::Name,
            },
            o.direction == OrderDirection::Desc,
        ),
        None => (jobs::Order::CreatedAt, true),
    };
    let request = PageRequest {
        first,
        after,
        descending,
    };
    let page = jobs::list(&db.conn, tenant, &filter, order, &request).await?;
    let t = tenant.clone();
    let total = TotalCount::new(async move { jobs::count(&db.conn, &t, &filter).await });
    Ok(connection(page, total, Job))
}

/// `asset.jobs`: one asset's jobs, newest first.
pub async fn asset_jobs(
    ctx: &Context<'_>,
    asset_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
    status: Option<Vec<JobStatus>>,
) -> async_graphql::Result<Conn<Job>> {
    let filter = jobs::Filter {
        asset_id: Some(asset_id),
        statuses: status.map(|s| s.into_iter().map(Into::into).collect()),
        ..jobs::Filter::default()
    };
    job_connection(ctx, filter, None, first, after).await
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// The organization's jobs, newest first by default.
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<JobFilter>,
        order_by: Option<JobOrder>,
    ) -> async_graphql::Result<Conn<Job>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        job_connection(ctx, filter, order_by, first, after).await
    }

    async fn job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Job> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Job(jobs::get(&services(ctx).db.conn, tenant, id).await?))
    }
}

#[derive(InputObject)]
pub struct CreateJobInput {
    pub asset_id: ID,
    pub name: String,
    /// 1-64 lower-case letters, digits or `_`, starting with a letter: `pick_run`, ...
    pub kind: String,
    #[graphql(default)]
    pub priority: Priority,
    /// A JSON object for the device (at most 64 KiB); `{}` when omitted.
    pub payload: Option<Json<serde_json::Value>>,
    /// How many items the job processes, if known; enables `percentComplete`.
    pub items_total: Option<i32>,
}

#[derive(InputObject)]
pub struct JobIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct PauseJobInput {
    pub id: ID,
    /// Kept in `error` while paused.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct CompleteJobInput {
    pub id: ID,
    /// Any JSON (at most 64 KiB).
    pub result: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct FailJobInput {
    pub id: ID,
    pub error: String,
}

#[derive(InputObject)]
pub struct CancelJobInput {
    pub id: ID,
    /// Kept in `error`.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ReportJobProgressInput {
    pub id: ID,
    /// Never below the current value, never above `itemsTotal`.
    pub items_done: i32,
    pub last_item: Option<String>,
}

#[derive(SimpleObject)]
pub struct JobPayload {
    pub job: Job,
}

async fn move_job(
    ctx: &Context<'_>,
    action: &'static str,
    id: &ID,
    transition: Transition,
) -> async_graphql::Result<JobPayload> {
    let (m, tenant) = Mutation::begin(ctx, action).await?;
    let m = m.aim("job", id);
    let result =
        async { jobs::transition(m.tx(), tenant, parse_id("input.id", id)?, transition).await }
            .await;
    m.finish(result).await.map(|j| JobPayload { job: Job(j) })
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// A job for an asset, `QUEUED` (engineer and up, or a `jobs:write` key).
    async fn create_job(
        &self,
        ctx: &Context<'_>,
        input: CreateJobInput,
    ) -> async_graphql::Result<JobPayload> {
        let (m, tenant) = Mutation::begin(ctx, "createJob").await?;
        let result = async {
            let job = NewJob {
                asset_id: parse_id("input.assetId", &input.asset_id)?,
                name: input.name,
                kind: input.kind,
                priority: input.priority.into(),
                payload: input.payload.map(|j| j.0),
                items_total: input.items_total,
            };
            jobs::create(m.tx(), tenant, job).await
        }
        .await;
        m.finish(result).await.map(|j| JobPayload { job: Job(j) })
    }

    /// QUEUED -> RUNNING (engineer and up, or a `jobs:write` key).
    async fn start_job(
        &self,
        ctx: &Context<'_>,
        input: JobIdInput,
    ) -> async_graphql::Result<JobPayload> {
        move_job(ctx, "startJob", &input.id, Transition::Start).await
    }

    /// RUNNING -> PAUSED (engineer and up, or a `jobs:write` key).
    async fn pause_job(
        &self,
        ctx: &Context<'_>,
        input: PauseJobInput,
    ) -> async_graphql::Result<JobPayload> {
        move_job(ctx, "pauseJob", &input.id, Transition::Pause(input.reason)).await
    }

    /// PAUSED -> RUNNING, clearing the pause note (engineer and up, or a `jobs:write` key).
    async fn resume_job(
        &self,
        ctx: &Context<'_>,
        input: JobIdInput,
    ) -> async_graphql::Result<JobPayload> {
        move_job(ctx, "resumeJob", &input.id, Transition::Resume).await
    }

    /// RUNNING or PAUSED -> COMPLETED (operator and up, or a `jobs:write` key).
    async fn complete_job(
        &self,
        ctx: &Context<'_>,
        input: CompleteJobInput,
    ) -> async_graphql::Result<JobPayload> {
        let result = input.result.map(|j| j.0);
        move_job(ctx, "completeJob", &input.id, Transition::Complete(result)).await
    }

    /// RUNNING or PAUSED -> FAILED (operator and up, or a `jobs:write` key).
    async fn fail_job(
        &self,
        ctx: &Context<'_>,
        input: FailJobInput,
    ) -> async_graphql::Result<JobPayload> {
        move_job(ctx, "failJob", &input.id, Transition::Fail(input.error)).await
    }

    /// QUEUED, RUNNING or PAUSED -> CANCELLED (engineer and up, or a `jobs:write` key).
    async fn cancel_job(
        &self,
        ctx: &Context<'_>,
        input: CancelJobInput,
    ) -> async_graphql::Result<JobPayload> {
        move_job(
            ctx,
            "cancelJob",
            &input.id,
            Transition::Cancel(input.reason),
        )
        .await
    }

    /// Progress of a running job, from the device (operator and up, or a `jobs:write` key).
    async fn report_job_progress(
        &self,
        ctx: &Context<'_>,
        input: ReportJobProgressInput,
    ) -> async_graphql::Result<JobPayload> {
        let (m, tenant) = Mutation::begin(ctx, "reportJobProgress").await?;
        let m = m.aim("job", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            jobs::report_progress(m.tx(), tenant, id, input.items_done, input.last_item).await
        }
        .await;
        m.finish(result).await.map(|j| JobPayload { job: Job(j) })
    }
}

/// What happened to a job.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobChangeKind {
    Created,
    Started,
    Paused,
    Resumed,
    Progress,
    Completed,
    Failed,
    Cancelled,
}

/// One change of a job, with the job as it was right after it.
#[derive(SimpleObject)]
pub struct JobUpdate {
    pub kind: JobChangeKind,
    pub job: Job,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobEventPayload {
    kind: JobChangeKind,
    site_id: Uuid,
    asset_id: Uuid,
    job: job_rows::Model,
}

#[derive(Default)]
pub struct JobsSubscription;

#[Subscription]
impl JobsSubscription {
    /// Jobs as they are created, move and report progress; optionally of one asset or site.
    async fn job_updated(
        &self,
        ctx: &Context<'_>,
        asset_id: Option<ID>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<JobUpdate>> + use<>> {
        let tenant = tenant(ctx)?.clone();
        tenant.require(Permission::JobsRead)?;
        let asset = parse_opt_id("assetId", asset_id.as_ref())?;
        let site = parse_opt_id("siteId", site_id.as_ref())?;
        let refs = crate::domain::visibility::Refs::new()
            .with(crate::domain::visibility::Kind::Asset, asset)
            .with(crate::domain::visibility::Kind::Site, site);
        crate::graphql::context::ensure_visible(ctx, refs).await?;
        let rx = services(ctx)
            .events
            .subscribe(Topic::new(tenant.organization_id, TopicKind::Jobs));
        Ok(events(rx, move |event: &Event| {
            let p: JobEventPayload = serde_json::from_value(event.payload.clone()).ok()?;
            if asset.is_some_and(|a| a != p.asset_id)
                || site.is_some_and(|s| s != p.site_id)
                || !tenant.sees_site(p.site_id)
            {
                return None;
            }
            Some(JobUpdate {
                kind: p.kind,
                job: Job(p.job),
            })
        }))
    }
}
