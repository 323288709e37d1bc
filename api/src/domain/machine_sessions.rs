//! Machine sessions: who runs which machine.
//!
//! An operator starts a session on a machine as themselves or by presenting a badge (a terminal
//! at the machine, signed in with its own account or key, scans the operator's badge). A machine
//! that requires a badge refuses a session without one; the operator must be a member allowed on
//! the machine's site; a machine has at most one active session (checked here, and backed by the
//! partial unique index `uq_machine_sessions_active_machine`). Activity heartbeats extend a
//! session; the sessions worker warns `warning_minutes` before the machine's timeout and ends
//! idle sessions. Emergency stops end the sessions of the machines they halt.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::permission::role_permissions;
use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{assets, members, now};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{
    AssetKind, AssetStatus, SessionEnd, assets as asset_rows, machine_sessions as sessions,
    machines,
};

/// What happened to a session, as published on the `sessions` topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEventKind {
    Started,
    Extended,
    Expiring,
    Ended,
}

impl SessionEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Extended => "extended",
            Self::Expiring => "expiring",
            Self::Ended => "ended",
        }
    }
}

/// The event of a session change; carries the whole session so subscribers need no read.
pub fn event(session: &sessions::Model, site_id: Uuid, kind: SessionEventKind) -> Event {
    Event::new(
        session.organization_id,
        TopicKind::Sessions,
        json!({
            "type": kind.as_str(),
            "siteId": site_id,
            "machineId": session.machine_id,
            "session": session,
        }),
    )
}

/// Sessions the caller may see: their organization's, on machines of their sites.
pub fn visible(tenant: &Tenant) -> Select<sessions::Entity> {
    let q = sessions::Entity::find()
        .filter(sessions::Column::OrganizationId.eq(tenant.organization_id));
    match &tenant.site_scope {
        Some(sites) => q.filter(
            sessions::Column::MachineId
                .in_subquery(assets::ids_on_sites(tenant.organization_id, sites)),
        ),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<sessions::Model> {
    tenant.require(Permission::SessionsRead)?;
    visible(tenant)
        .filter(sessions::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("machine session"))
}

/// The active session of each of these machines (for the DataLoader).
pub async fn active_of<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    machine_ids: &[Uuid],
) -> Result<Vec<sessions::Model>> {
    tenant.require(Permission::SessionsRead)?;
    Ok(visible(tenant)
        .filter(sessions::Column::MachineId.is_in(machine_ids.iter().copied()))
        .filter(sessions::Column::EndedAt.is_null())
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub machine_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Sessions overlapping `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Machine, self.machine_id)
            .with(Kind::User, self.user_id)
            .with(Kind::Site, self.site_id)
    }
}

fn filtered(tenant: &Tenant, f: &Filter) -> Select<sessions::Entity> {
    use sessions::Column as C;
    let mut q = visible(tenant);
    if let Some(id) = f.machine_id {
        q = q.filter(C::MachineId.eq(id));
    }
    if let Some(id) = f.user_id {
        q = q.filter(C::UserId.eq(id));
    }
    if let Some(site) = f.site_id {
        q = q.filter(
            C::MachineId.in_subquery(assets::ids_on_sites(tenant.organization_id, &[site])),
        );
    }
    match f.active {
        Some(true) => q = q.filter(C::EndedAt.is_null()),
        Some(false) => q = q.filter(C::EndedAt.is_not_null()),
        None => {}
    }
    if let Some(from) = f.from {
        q = q.filter(
            sea_orm::Condition::any()
                .add(C::EndedAt.is_null())
                .add(C::EndedAt.gt(from)),
        );
    }
    if let Some(to) = f.to {
        q = q.filter(C::StartedAt.lt(to));
    }
    q
}

const SORT: SortKey<sessions::Entity> = SortKey {
    column: None,
    id: sessions::Column::Id,
    key_of: |_| None,
    id_of: |s| s.id,
};

/// Sessions, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    request: &PageRequest,
) -> Result<Page<sessions::Model>> {
    tenant.require(Permission::SessionsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let request = PageRequest {
        descending: true,
        ..request.clone()
    };
    page::fetch(db, filtered(tenant, filter), &SORT, &request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::SessionsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

/// A machine the caller may see, with its machine detail.
async fn machine<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<(asset_rows::Model, machines::Model)> {
    let asset = assets::get(db, tenant, id, Some(AssetKind::Machine)).await?;
    let detail = machines::Entity::find_by_id(asset.id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("machine {} has no detail", asset.id)))?;
    Ok((asset, detail))
}

pub struct Start {
    pub machine_id: Uuid,
    pub badge_tag: Option<String>,
}

/// Starts a session: as the caller, or for the holder of `badge_tag`.
pub async fn start<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: Start,
) -> Result<Audited<sessions::Model>> {
    tenant.require(Permission::SessionsRun)?;
    let (asset, detail) = machine(db, tenant, input.machine_id).await?;
    if asset.archived_at.is_some() {
        return Err(AppError::validation(
            "input.machineId",
            "the machine is archived",
        ));
    }
    match asset.status {
        AssetStatus::EStopped => {
            return Err(AppError::conflict("the machine is emergency-stopped"));
        }
        AssetStatus::Maintenance => {
            return Err(AppError::conflict("the machine is under maintenance"));
        }
        _ => {}
    }
    let badge = input
        .badge_tag
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    let operator = match badge {
        Some(tag) => badge_holder(db, tenant, &asset, tag).await?,
        None if detail.requires_badge => {
            return Err(AppError::validation(
                "input.badgeTag",
                "this machine requires a badge",
            ));
        }
        None => tenant.user_id().ok_or_else(|| {
            AppError::validation(
                "input.badgeTag",
                "an API key starts sessions only for a badge holder",
            )
        })?,
    };
    if let Some(active) = sessions::Entity::find()
        .filter(sessions::Column::MachineId.eq(asset.id))
        .filter(sessions::Column::EndedAt.is_null())
        .one(db)
        .await?
    {
        let whose = if active.user_id == operator {
            "this operator".to_owned()
        } else {
            "another operator".to_owned()
        };
        return Err(AppError::conflict(format!(
            "the machine already has an active session ({whose})"
        )));
    }
    let at = now();
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        machine_id: Set(asset.id),
        user_id: Set(operator),
        badge_tag: Set(badge.map(str::to_owned)),
        started_at: Set(at),
        last_activity_at: Set(at),
        warned_at: Set(None),
        ended_at: Set(None),
        ended_by: Set(None),
        ended_by_user_id: Set(None),
    }
    .insert(db)
    .await?;
    let change = Change::of("machine_session", session.id).with(json!({
        "machineId": asset.id, "userId": operator, "badge": badge.is_some(),
    }));
    let event = event(&session, asset.site_id, SessionEventKind::Started);
    Ok(Audited::new(session, change).publish([event]))
}

/// The member holding `tag`, who must be allowed to run sessions on the machine's site.
async fn badge_holder<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    machine: &asset_rows::Model,
    tag: &str,
) -> Result<Uuid> {
    let unknown = || AppError::validation("input.badgeTag", "unknown badge");
    // Looked up among this organization's memberships only: a tag another organization gave
    // its member is as unknown here as a made-up one.
    let membership = members::by_badge(db, tenant.organization_id, tag)
        .await?
        .ok_or_else(unknown)?;
    if !role_permissions(membership.role).contains(Permission::SessionsRun) {
        return Err(AppError::forbidden(
            "the badge holder's role may not run machine sessions",
        ));
    }
    if let Some(sites) = members::site_restriction(db, membership.id).await?
        && !sites.contains(&machine.site_id)
    {
        return Err(AppError::forbidden(
            "the badge holder may not work on this machine's site",
        ));
    }
    Ok(membership.user_id)
}

/// An active session the caller may act on: their own, or anyone's with `SessionsManage`.
async fn own_or_managed<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<(sessions::Model, bool)> {
    tenant.require(Permission::SessionsRun)?;
    let session = get(db, tenant, id).await?;
    let own = tenant.user_id() == Some(session.user_id);
    if !own && !tenant.can(Permission::SessionsManage) {
        return Err(AppError::forbidden(
            "only the session's operator or an admin may do this",
        ));
    }
    if session.ended_at.is_some() {
        return Err(AppError::validation("input.id", "the session has ended"));
    }
    Ok((session, own))
}

async fn site_of<C: ConnectionTrait>(db: &C, machine_id: Uuid) -> Result<Uuid> {
    asset_rows::Entity::find_by_id(machine_id)
        .select_only()
        .column(asset_rows::Column::SiteId)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("machine"))
}

/// Records operator activity: the session's idle clock starts again.
pub async fn heartbeat<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<sessions::Model>> {
    let (session, _) = own_or_managed(db, tenant, id).await?;
    let was_warned = session.warned_at.is_some();
    let mut active = session.into_active_model();
    active.last_activity_at = Set(now());
    active.warned_at = Set(None);
    let session = active.update(db).await?;
    let change = Change::of("machine_session", session.id);
    // Only a warned session's extension is news; routine heartbeats are not published.
    let events = if was_warned {
        let site = site_of(db, session.machine_id).await?;
        vec![event(&session, site, SessionEventKind::Extended)]
    } else {
        Vec::new()
    };
    Ok(Audited::new(session, change).publish(events))
}

/// Ends a session: the operator's own, or (admins) anyone's.
pub async fn end<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<sessions::Model>> {
    let (session, own) = own_or_managed(db, tenant, id).await?;
    let by = if own {
        SessionEnd::User
    } else {
        SessionEnd::Admin
    };
    let site = site_of(db, session.machine_id).await?;
    let session = close(db, session, by, tenant.user_id(), now()).await?;
    let change = Change::of("machine_session", session.id).with(json!({ "endedBy": by }));
    let event = event(&session, site, SessionEventKind::Ended);
    Ok(Audited::new(session, change).publish([event]))
}

async fn close<C: ConnectionTrait>(
    db: &C,
    session: sessions::Model,
    by: SessionEnd,
    by_user: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<sessions::Model> {
    let mut active = session.into_active_model();
    active.ended_at = Set(Some(at));
    active.ended_by = Set(Some(by));
    active.ended_by_user_id = Set(by_user);
    Ok(active.update(db).await?)
}

/// Ends the active sessions of these machines because of an emergency stop.
pub async fn end_for_estop<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    machines: &[&asset_rows::Model],
    by_user: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Vec<Event>> {
    let ids: Vec<Uuid> = machines.iter().map(|m| m.id).collect();
    let active = sessions::Entity::find()
        .filter(sessions::Column::OrganizationId.eq(organization_id))
        .filter(sessions::Column::MachineId.is_in(ids))
        .filter(sessions::Column::EndedAt.is_null())
        .order_by_asc(sessions::Column::Id)
        .all(db)
        .await?;
    let mut events = Vec::with_capacity(active.len());
    for session in active {
        let site = machines
            .iter()
            .find(|m| m.id == session.machine_id)
            .map_or(Uuid::nil(), |m| m.site_id);
        let session = close(db, session, SessionEnd::Estop, by_user, at).await?;
        events.push(event(&session, site, SessionEventKind::Ended));
    }
    Ok(events)
}

/// One round of the sessions worker at `now`: warns sessions within `warning_minutes` of their
/// machine's timeout (once) and ends idle ones. Each change commits on its own.
pub async fn sweep(db: &crate::db::Db, now: DateTime<Utc>) -> Result<Vec<Event>> {
    const BATCH: u64 = 500;
    let active = sessions::Entity::find()
        .filter(sessions::Column::EndedAt.is_null())
        .order_by_asc(sessions::Column::LastActivityAt)
        .limit(BATCH)
        .all(&db.conn)
        .await?;
    let machine_ids: Vec<Uuid> = active.iter().map(|s| s.machine_id).collect();
    let machines: std::collections::HashMap<Uuid, machines::Model> = machines::Entity::find()
        .filter(machines::Column::AssetId.is_in(machine_ids))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|m| (m.asset_id, m))
        .collect();
    let mut events = Vec::new();
    for session in active {
        let Some(machine) = machines.get(&session.machine_id) else {
            continue;
        };
        let timeout = chrono::Duration::minutes(i64::from(machine.session_timeout_minutes));
        let warning = chrono::Duration::minutes(i64::from(machine.warning_minutes));
        let deadline = session.last_activity_at + timeout;
        if now >= deadline {
            let tx = db.begin_write().await?;
            // Conditional on what was read: a heartbeat that raced this round wins.
            let updated = sessions::Entity::update_many()
                .filter(sessions::Column::Id.eq(session.id))
                .filter(sessions::Column::EndedAt.is_null())
                .filter(sessions::Column::LastActivityAt.eq(session.last_activity_at))
                .col_expr(sessions::Column::EndedAt, Expr::value(Some(now)))
                .col_expr(
                    sessions::Column::EndedBy,
                    Expr::value(Some(SessionEnd::Timeout)),
                )
                .exec(&tx.tx)
                .await?;
            if updated.rows_affected != 1 {
                tx.rollback().await?;
                continue;
            }
            let site = site_of(&tx.tx, session.machine_id).await?;
            tx.commit().await?;
            let ended = sessions::Model {
                ended_at: Some(now),
                ended_by: Some(SessionEnd::Timeout),
                ..session
            };
            events.push(event(&ended, site, SessionEventKind::Ended));
        } else if now >= deadline - warning && session.warned_at.is_none() {
            let tx = db.begin_write().await?;
            let updated = sessions::Entity::update_many()
                .filter(sessions::Column::Id.eq(session.id))
                .filter(sessions::Column::EndedAt.is_null())
                .filter(sessions::Column::WarnedAt.is_null())
                .filter(sessions::Column::LastActivityAt.eq(session.last_activity_at))
                .col_expr(sessions::Column::WarnedAt, Expr::value(Some(now)))
                .exec(&tx.tx)
                .await?;
            if updated.rows_affected != 1 {
                tx.rollback().await?;
                continue;
            }
            let site = site_of(&tx.tx, session.machine_id).await?;
            tx.commit().await?;
            let warned = sessions::Model {
                warned_at: Some(now),
                ..session
            };
            let mut e = event(&warned, site, SessionEventKind::Expiring);
            if let Some(obj) = e.payload.as_object_mut() {
                obj.insert("expiresAt".into(), json!(deadline));
            }
            events.push(e);
        }
    }
    Ok(events)
}

/// Time in sessions over a range, per machine or per operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Utilization {
    pub key: Uuid,
    pub sessions: u64,
    pub seconds: f64,
    /// `seconds` over the range's observed length.
    pub share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtilizationBy {
    Machine,
    Operator,
}

/// The longest range `utilization` accepts.
pub const MAX_UTILIZATION_DAYS: i64 = 366;

/// Session time within `[from, to)` (clipped to `now`), grouped by machine or by operator,
/// most-used first. A filter narrows to one machine, one operator or one site.
pub async fn utilization<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    by: UtilizationBy,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<Utilization>> {
    tenant.require(Permission::SessionsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let (Some(from), Some(to)) = (filter.from, filter.to) else {
        return Err(AppError::validation("from", "from and to are required"));
    };
    if to <= from {
        return Err(AppError::validation("to", "must be after from"));
    }
    if to - from > chrono::Duration::days(MAX_UTILIZATION_DAYS) {
        return Err(AppError::validation(
            "to",
            format!("the range must be at most {MAX_UTILIZATION_DAYS} days"),
        ));
    }
    let end = to.min(now);
    let length = (end - from).num_milliseconds().max(0) as f64 / 1000.0;
    // Sessions overlapping the range: bounded by the range (sessions last hours, not seconds).
    let rows = filtered(
        tenant,
        &Filter {
            active: None,
            ..filter.clone()
        },
    )
    .limit(100_000)
    .all(db)
    .await?;
    let mut out: Vec<Utilization> = Vec::new();
    for s in rows {
        let start = s.started_at.max(from);
        let stop = s.ended_at.unwrap_or(now).min(end);
        let seconds = (stop - start).num_milliseconds().max(0) as f64 / 1000.0;
        let key = match by {
            UtilizationBy::Machine => s.machine_id,
            UtilizationBy::Operator => s.user_id,
        };
        match out.iter_mut().find(|u| u.key == key) {
            Some(u) => {
                u.sessions += 1;
                u.seconds += seconds;
            }
            None => out.push(Utilization {
                key,
                sessions: 1,
                seconds,
                share: 0.0,
            }),
        }
    }
    for u in &mut out {
        u.share = if length > 0.0 {
            u.seconds / length
        } else {
            0.0
        };
    }
    out.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then(a.key.cmp(&b.key)));
    Ok(out)
}
