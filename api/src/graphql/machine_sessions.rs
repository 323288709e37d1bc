//! Machine sessions over GraphQL: who runs which machine, utilization, and live session events.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Permission;
use crate::domain::machine_sessions::{self as domain, Filter, Start, UtilizationBy};
use crate::domain::now;
use crate::domain::page::PageRequest;
use crate::events::TopicKind;
use crate::graphql::assets::Machine;
use crate::graphql::common::{Conn, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AssetKey, MachineKey, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::subscriptions::{events, subscribe};
use entity::machine_sessions as rows;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::SessionEnd")]
pub enum SessionEnd {
    /// The operator ended it.
    User,
    /// Idle past the machine's session timeout.
    Timeout,
    /// An admin ended someone else's session.
    Admin,
    /// An emergency stop halted the machine.
    Estop,
}

/// One operator's session on one machine.
pub struct MachineSession(pub rows::Model);

#[Object]
impl MachineSession {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn machine(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Machine>> {
        Ok(loader(ctx)?
            .load_one(AssetKey(self.0.machine_id))
            .await?
            .map(Machine))
    }
    async fn operator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(loader(ctx)?
            .load_one(UserKey(self.0.user_id))
            .await?
            .map(User))
    }
    /// Whether the session was started with a badge.
    async fn by_badge(&self) -> bool {
        self.0.badge_tag.is_some()
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// The last heartbeat; the idle timeout counts from here.
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.0.last_activity_at
    }
    /// When the operator was warned that the session is about to time out.
    async fn warned_at(&self) -> Option<DateTime<Utc>> {
        self.0.warned_at
    }
    /// When an active session times out without activity.
    async fn expires_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        if self.0.ended_at.is_some() {
            return Ok(None);
        }
        let machine = loader(ctx)?.load_one(MachineKey(self.0.machine_id)).await?;
        Ok(machine.map(|m| {
            self.0.last_activity_at
                + chrono::Duration::minutes(i64::from(m.session_timeout_minutes))
        }))
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    async fn ended_by(&self) -> Option<SessionEnd> {
        self.0.ended_by.map(Into::into)
    }
    async fn active(&self) -> bool {
        self.0.ended_at.is_none()
    }
    async fn duration_seconds(&self) -> f64 {
        let end = self.0.ended_at.unwrap_or_else(now);
        (end - self.0.started_at).num_milliseconds().max(0) as f64 / 1000.0
    }
}

#[derive(InputObject, Default)]
pub struct MachineSessionFilter {
    pub machine_id: Option<ID>,
    pub operator_id: Option<ID>,
    pub site_id: Option<ID>,
    /// Only active (true) or only ended (false) sessions.
    pub active: Option<bool>,
    /// Sessions overlapping `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl MachineSessionFilter {
    fn parse(self) -> crate::error::Result<Filter> {
        Ok(Filter {
            machine_id: parse_opt_id("filter.machineId", self.machine_id.as_ref())?,
            user_id: parse_opt_id("filter.operatorId", self.operator_id.as_ref())?,
            site_id: parse_opt_id("filter.siteId", self.site_id.as_ref())?,
            active: self.active,
            from: self.from,
            to: self.to,
        })
    }
}

/// Session time of one machine over a range.
pub struct MachineUtilization(domain::Utilization);

#[Object]
impl MachineUtilization {
    async fn machine(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Machine>> {
        Ok(loader(ctx)?
            .load_one(AssetKey(self.0.key))
            .await?
            .map(Machine))
    }
    async fn sessions(&self) -> u64 {
        self.0.sessions
    }
    /// Seconds in sessions within the range.
    async fn seconds(&self) -> f64 {
        self.0.seconds
    }
    /// `seconds` over the range (up to now), in [0, 1].
    async fn share(&self) -> f64 {
        self.0.share
    }
}

/// Session time of one operator over a range.
pub struct OperatorUtilization(domain::Utilization);

#[Object]
impl OperatorUtilization {
    async fn operator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(loader(ctx)?.load_one(UserKey(self.0.key)).await?.map(User))
    }
    async fn sessions(&self) -> u64 {
        self.0.sessions
    }
    async fn seconds(&self) -> f64 {
        self.0.seconds
    }
    /// `seconds` over the range (up to now); above 1 when the operator ran several machines
    /// at once.
    async fn share(&self) -> f64 {
        self.0.share
    }
}

#[derive(Default)]
pub struct MachineSessionsQuery;

#[Object]
impl MachineSessionsQuery {
    async fn machine_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<MachineSession> {
        let id = parse_id("id", &id)?;
        let row = domain::get(&services(ctx).db.conn, tenant(ctx)?, id).await?;
        Ok(MachineSession(row))
    }

    /// Machine sessions, newest first.
    async fn machine_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<MachineSessionFilter>,
    ) -> async_graphql::Result<Conn<MachineSession>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let filter = filter.unwrap_or_default().parse()?;
        let request = PageRequest {
            first,
            after,
            descending: true,
        };
        let page = domain::list(&db.conn, tenant, &filter, &request).await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { domain::count(&db.conn, &t, &filter).await });
        Ok(connection(page, total, MachineSession))
    }

    /// Session time per machine over `[from, to)` (at most 366 days), most used first.
    async fn machine_utilization(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        site_id: Option<ID>,
        machine_id: Option<ID>,
    ) -> async_graphql::Result<Vec<MachineUtilization>> {
        let filter = Filter {
            site_id: parse_opt_id("siteId", site_id.as_ref())?,
            machine_id: parse_opt_id("machineId", machine_id.as_ref())?,
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        };
        let rows = domain::utilization(
            &services(ctx).db.conn,
            tenant(ctx)?,
            UtilizationBy::Machine,
            &filter,
            now(),
        )
        .await?;
        Ok(rows.into_iter().map(MachineUtilization).collect())
    }

    /// Session time per operator over `[from, to)` (at most 366 days), most first.
    async fn operator_utilization(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        site_id: Option<ID>,
        operator_id: Option<ID>,
    ) -> async_graphql::Result<Vec<OperatorUtilization>> {
        let filter = Filter {
            site_id: parse_opt_id("siteId", site_id.as_ref())?,
            user_id: parse_opt_id("operatorId", operator_id.as_ref())?,
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        };
        let rows = domain::utilization(
            &services(ctx).db.conn,
            tenant(ctx)?,
            UtilizationBy::Operator,
            &filter,
            now(),
        )
        .await?;
        Ok(rows.into_iter().map(OperatorUtilization).collect())
    }
}

#[derive(InputObject)]
pub struct StartMachineSessionInput {
    pub machine_id: ID,
    /// The operator's badge. Without it the session is the caller's own; a machine that
    /// requires a badge refuses to start without one.
    pub badge_tag: Option<String>,
}

#[derive(InputObject)]
pub struct MachineSessionInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct MachineSessionPayload {
    pub session: MachineSession,
}

#[derive(Default)]
pub struct MachineSessionsMutation;

#[Object]
impl MachineSessionsMutation {
    /// Starts a session on a machine (operator and up): one active session per machine.
    async fn start_machine_session(
        &self,
        ctx: &Context<'_>,
        input: StartMachineSessionInput,
    ) -> async_graphql::Result<MachineSessionPayload> {
        let (m, tenant) = Mutation::begin(ctx, "startMachineSession").await?;
        let m = m.aim("asset", &input.machine_id);
        let result = async {
            let machine_id = parse_id("input.machineId", &input.machine_id)?;
            domain::start(
                m.tx(),
                tenant,
                Start {
                    machine_id,
                    badge_tag: input.badge_tag,
                },
            )
            .await
        }
        .await;
        m.finish(result).await.map(|s| MachineSessionPayload {
            session: MachineSession(s),
        })
    }

    /// Operator activity: restarts the session's idle clock (the operator's own session, or
    /// any with the sessions:manage permission).
    async fn record_machine_activity(
        &self,
        ctx: &Context<'_>,
        input: MachineSessionInput,
    ) -> async_graphql::Result<MachineSessionPayload> {
        let (m, tenant) = Mutation::begin(ctx, "recordMachineActivity").await?;
        let m = m.aim("machine_session", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            domain::heartbeat(m.tx(), tenant, id).await
        }
        .await;
        m.finish(result).await.map(|s| MachineSessionPayload {
            session: MachineSession(s),
        })
    }

    /// Ends a session: one's own, or (admins) anyone's.
    async fn end_machine_session(
        &self,
        ctx: &Context<'_>,
        input: MachineSessionInput,
    ) -> async_graphql::Result<MachineSessionPayload> {
        let (m, tenant) = Mutation::begin(ctx, "endMachineSession").await?;
        let m = m.aim("machine_session", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            domain::end(m.tx(), tenant, id).await
        }
        .await;
        m.finish(result).await.map(|s| MachineSessionPayload {
            session: MachineSession(s),
        })
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineSessionEventType {
    Started,
    /// A warned session got activity and runs on.
    Extended,
    /// The session will time out at `expiresAt` unless there is activity.
    Expiring,
    Ended,
}

/// Something happened to a machine session.
#[derive(SimpleObject)]
pub struct MachineSessionEvent {
    #[graphql(name = "type")]
    pub kind: MachineSessionEventType,
    pub session: MachineSession,
    /// For `EXPIRING`: when the session times out.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionPayload {
    #[serde(rename = "type")]
    kind: MachineSessionEventType,
    site_id: Uuid,
    machine_id: Uuid,
    session: rows::Model,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct MachineSessionsSubscription;

#[Subscription]
impl MachineSessionsSubscription {
    /// Sessions starting, about to time out, extended and ending; optionally of one machine or
    /// one site.
    async fn machine_session_events(
        &self,
        ctx: &Context<'_>,
        machine_id: Option<ID>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MachineSessionEvent>> + use<>>
    {
        session_events(ctx, machine_id, site_id, None).await
    }

    /// Only the warnings: a session will time out at `expiresAt` unless its operator is active.
    async fn session_expiring(
        &self,
        ctx: &Context<'_>,
        machine_id: Option<ID>,
        site_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MachineSessionEvent>> + use<>>
    {
        session_events(
            ctx,
            machine_id,
            site_id,
            Some(MachineSessionEventType::Expiring),
        )
        .await
    }
}

async fn session_events(
    ctx: &Context<'_>,
    machine_id: Option<ID>,
    site_id: Option<ID>,
    only: Option<MachineSessionEventType>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MachineSessionEvent>> + use<>> {
    let tenant = tenant(ctx)?.clone();
    tenant.require(Permission::SessionsRead)?;
    let machine = parse_opt_id("machineId", machine_id.as_ref())?;
    let site = parse_opt_id("siteId", site_id.as_ref())?;
    let refs = crate::domain::visibility::Refs::new()
        .with(crate::domain::visibility::Kind::Machine, machine)
        .with(crate::domain::visibility::Kind::Site, site);
    crate::graphql::context::ensure_visible(ctx, refs).await?;
    let rx = subscribe(ctx, &tenant, TopicKind::Sessions);
    Ok(events(rx, move |event| {
        let p: SessionPayload = serde_json::from_value(event.payload.clone()).ok()?;
        if machine.is_some_and(|m| m != p.machine_id)
            || site.is_some_and(|s| s != p.site_id)
            || only.is_some_and(|k| k != p.kind)
            || !tenant.sees_site(p.site_id)
        {
            return None;
        }
        Some(MachineSessionEvent {
            kind: p.kind,
            session: MachineSession(p.session),
            expires_at: p.expires_at,
        })
    }))
}
