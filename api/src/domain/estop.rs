//! Emergency stops.
//!
//! `trigger` halts an asset, a zone or a site in ONE transaction: every affected asset goes
//! `e_stopped` (its status before is kept in `estop_assets`), active machine sessions on them end
//! (`ended_by: estop`), running jobs pause, pending commands expire, and one critical alert is
//! raised; the events are published only after the commit. `reset` (engineer and up, with a
//! note) returns each asset to the status it had before the stop, unless another stop that is
//! still active holds it too.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::alerts::{self, SystemAlert};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::status::{self, Cause};
use crate::domain::{assets, commands, jobs, machine_sessions, now, sites, validate, zones};
use crate::error::{AppError, Result};
use crate::events::Event;
use entity::{
    AlertKind, AssetKind, AssetStatus, EstopScope, Severity, assets as asset_rows, estop_assets,
    estop_events,
};

/// What to stop: exactly one of the three.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Asset(Uuid),
    Zone(Uuid),
    Site(Uuid),
}

pub fn visible(tenant: &Tenant) -> Select<estop_events::Entity> {
    let q = estop_events::Entity::find()
        .filter(estop_events::Column::OrganizationId.eq(tenant.organization_id));
    match &tenant.site_scope {
        // A restricted member sees stops of their sites: a site stop by its site, a zone or
        // asset stop by the site of the zone or asset (through the halted assets).
        Some(sites) => q.filter(
            sea_orm::Condition::any()
                .add(estop_events::Column::SiteId.is_in(sites.iter().copied()))
                .add(
                    estop_events::Column::Id.in_subquery(
                        Query::select()
                            .column(estop_assets::Column::EstopId)
                            .from(estop_assets::Entity)
                            .inner_join(
                                asset_rows::Entity,
                                Expr::col((asset_rows::Entity, asset_rows::Column::Id))
                                    .equals((estop_assets::Entity, estop_assets::Column::AssetId)),
                            )
                            .and_where(
                                Expr::col((asset_rows::Entity, asset_rows::Column::SiteId))
                                    .is_in(sites.iter().copied()),
                            )
                            .to_owned(),
                    ),
                ),
        ),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<estop_events::Model> {
    tenant.require(Permission::AssetsRead)?;
    visible(tenant)
        .filter(estop_events::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("emergency stop"))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub active: Option<bool>,
    pub site_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Site, self.site_id)
            .with(Kind::Asset, self.asset_id)
    }
}

fn filtered(tenant: &Tenant, f: &Filter) -> Select<estop_events::Entity> {
    use estop_events::Column as C;
    let mut q = visible(tenant);
    match f.active {
        Some(true) => q = q.filter(C::ResetAt.is_null()),
        Some(false) => q = q.filter(C::ResetAt.is_not_null()),
        None => {}
    }
    let halted = |cond: Expr| {
        C::Id.in_subquery(
            Query::select()
                .column(estop_assets::Column::EstopId)
                .from(estop_assets::Entity)
                .inner_join(
                    asset_rows::Entity,
                    Expr::col((asset_rows::Entity, asset_rows::Column::Id))
                        .equals((estop_assets::Entity, estop_assets::Column::AssetId)),
                )
                .and_where(cond)
                .to_owned(),
        )
    };
    if let Some(site) = f.site_id {
        q = q.filter(
            sea_orm::Condition::any()
                .add(C::SiteId.eq(site))
                .add(halted(
                    Expr::col((asset_rows::Entity, asset_rows::Column::SiteId)).eq(site),
                )),
        );
    }
    if let Some(asset) = f.asset_id {
        q = q.filter(halted(
            Expr::col((asset_rows::Entity, asset_rows::Column::Id)).eq(asset),
        ));
    }
    if let Some(from) = f.from {
        q = q.filter(C::TriggeredAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(C::TriggeredAt.lt(to));
    }
    q
}

const SORT: SortKey<estop_events::Entity> = SortKey {
    column: None,
    id: estop_events::Column::Id,
    key_of: |_| None,
    id_of: |e| e.id,
};

/// Stops and resets, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    request: &PageRequest,
) -> Result<Page<estop_events::Model>> {
    tenant.require(Permission::AssetsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let request = PageRequest {
        descending: true,
        ..request.clone()
    };
    page::fetch(db, filtered(tenant, filter), &SORT, &request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::AssetsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

/// The assets a stop halted, with the status each had before (for the DataLoader).
pub async fn assets_of<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    estop_ids: &[Uuid],
) -> Result<Vec<estop_assets::Model>> {
    tenant.require(Permission::AssetsRead)?;
    let visible_ids: Vec<Uuid> = visible(tenant)
        .filter(estop_events::Column::Id.is_in(estop_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    Ok(estop_assets::Entity::find()
        .filter(estop_assets::Column::EstopId.is_in(visible_ids))
        .order_by_asc(estop_assets::Column::AssetId)
        .all(db)
        .await?)
}

/// The reason's limit, shared with the reset note.
const TEXT_MAX: usize = 1000;

/// Triggers an emergency stop (operators and up, or a key with `estop:trigger`).
pub async fn trigger<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    target: Target,
    reason: &str,
) -> Result<Audited<estop_events::Model>> {
    tenant.require(Permission::EstopTrigger)?;
    let reason = validate::name("input.reason", reason, TEXT_MAX)?;
    let (scope, label, site_id, zone_id, asset_id, mut halted) = match target {
        Target::Asset(id) => {
            let asset = assets::get(db, tenant, id, None).await?;
            let label = asset.code.clone();
            (EstopScope::Asset, label, None, None, Some(id), vec![asset])
        }
        Target::Zone(id) => {
            let zone = zones::get(db, tenant, id).await?;
            let halted = assets::visible(tenant)
                .filter(asset_rows::Column::ZoneId.eq(id))
                .filter(asset_rows::Column::ArchivedAt.is_null())
                .all(db)
                .await?;
            (
                EstopScope::Zone,
                format!("zone {}", zone.code),
                None,
                Some(id),
                None,
                halted,
            )
        }
        Target::Site(id) => {
            let site = sites::get(db, tenant, id).await?;
            let halted = assets::visible(tenant)
                .filter(asset_rows::Column::SiteId.eq(id))
                .filter(asset_rows::Column::ArchivedAt.is_null())
                .all(db)
                .await?;
            (
                EstopScope::Site,
                format!("site {}", site.code),
                Some(id),
                None,
                None,
                halted,
            )
        }
    };
    // Rows are written in id order, as everywhere, so concurrent stops lock in the same order.
    halted.sort_by_key(|a| a.id);
    let at = now();
    let cause = Cause::of(tenant);
    let stop = estop_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        scope: Set(scope),
        asset_id: Set(asset_id),
        zone_id: Set(zone_id),
        site_id: Set(site_id),
        reason: Set(reason.clone()),
        triggered_by_user_id: Set(tenant.user_id()),
        triggered_by_api_key_id: Set(tenant.api_key_id()),
        triggered_at: Set(at),
        alert_id: Set(None),
        reset_at: Set(None),
        reset_by_user_id: Set(None),
        reset_note: Set(None),
    }
    .insert(db)
    .await?;

    let mut events: Vec<Event> = Vec::new();
    let held = held_before(db, &halted, stop.id).await?;
    let status_reason = format!("emergency stop: {reason}");
    for asset in &halted {
        // Already stopped by another active stop: it returns to what it had before that one.
        let previous = match asset.status {
            AssetStatus::EStopped => held.get(&asset.id).copied().unwrap_or(AssetStatus::Offline),
            other => other,
        };
        estop_assets::ActiveModel {
            estop_id: Set(stop.id),
            asset_id: Set(asset.id),
            previous_status: Set(previous),
        }
        .insert(db)
        .await?;
        if let Some((_, event)) =
            status::transition(db, asset, AssetStatus::EStopped, &status_reason, cause, at).await?
        {
            events.push(event);
        } else if asset.status != AssetStatus::EStopped {
            // The asset changed between the read and the write: refuse rather than half-stop.
            return Err(AppError::conflict(format!(
                "asset {} changed during the emergency stop; try again",
                asset.code
            )));
        }
    }
    let ids: Vec<Uuid> = halted.iter().map(|a| a.id).collect();
    let machines: Vec<&asset_rows::Model> = halted
        .iter()
        .filter(|a| a.kind == AssetKind::Machine)
        .collect();
    events.extend(
        machine_sessions::end_for_estop(
            db,
            tenant.organization_id,
            &machines,
            tenant.user_id(),
            at,
        )
        .await?,
    );
    events.extend(jobs::pause_running_for_estop(db, tenant.organization_id, &ids, at).await?);
    events.extend(commands::expire_pending_for_estop(db, tenant.organization_id, &ids, at).await?);

    let (alert, alert_events) = alerts::raise_system(
        db,
        SystemAlert {
            organization_id: tenant.organization_id,
            asset: match target {
                Target::Asset(_) => halted.first(),
                _ => None,
            },
            kind: AlertKind::Estop,
            severity: Severity::Critical,
            title: format!("Emergency stop: {label}"),
            message: Some(format!("{reason} ({} assets halted)", halted.len())),
            source: "estop",
        },
    )
    .await?;
    events.extend(alert_events);
    let mut active = stop.into_active_model();
    active.alert_id = Set(Some(alert.id));
    let stop = active.update(db).await?;

    let change = Change::of("emergency_stop", stop.id).with(json!({
        "scope": scope, "assetId": asset_id, "zoneId": zone_id, "siteId": site_id,
        "reason": reason, "assets": ids,
    }));
    Ok(Audited::new(stop, change).publish(events))
}

/// For assets already e-stopped: the status they had before the earliest active stop holding
/// them (excluding `except`).
async fn held_before<C: ConnectionTrait>(
    db: &C,
    assets: &[asset_rows::Model],
    except: Uuid,
) -> Result<HashMap<Uuid, AssetStatus>> {
    let stopped: Vec<Uuid> = assets
        .iter()
        .filter(|a| a.status == AssetStatus::EStopped)
        .map(|a| a.id)
        .collect();
    if stopped.is_empty() {
        return Ok(HashMap::new());
    }
    let active_stops = estop_events::Entity::find()
        .filter(estop_events::Column::ResetAt.is_null())
        .filter(estop_events::Column::Id.ne(except))
        .filter(
            estop_events::Column::Id.in_subquery(
                Query::select()
                    .column(estop_assets::Column::EstopId)
                    .from(estop_assets::Entity)
                    .and_where(estop_assets::Column::AssetId.is_in(stopped.iter().copied()))
                    .to_owned(),
            ),
        )
        .order_by_asc(estop_events::Column::Id)
        .all(db)
        .await?;
    let order: Vec<Uuid> = active_stops.iter().map(|s| s.id).collect();
    let rows = estop_assets::Entity::find()
        .filter(estop_assets::Column::EstopId.is_in(order.iter().copied()))
        .filter(estop_assets::Column::AssetId.is_in(stopped))
        .all(db)
        .await?;
    let mut out = HashMap::new();
    // Earliest stop first: its previous status is the one from before any stop.
    for stop in order {
        for row in rows.iter().filter(|r| r.estop_id == stop) {
            out.entry(row.asset_id).or_insert(row.previous_status);
        }
    }
    Ok(out)
}

/// Resets an active stop (engineers and up): the assets it halted return to their former
/// status, unless another active stop still holds them.
pub async fn reset<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    note: &str,
) -> Result<Audited<estop_events::Model>> {
    tenant.require(Permission::EstopReset)?;
    let note = validate::name("input.note", note, TEXT_MAX)?;
    let stop = get(db, tenant, id).await?;
    if stop.reset_at.is_some() {
        return Err(AppError::validation(
            "input.id",
            "the emergency stop has already been reset",
        ));
    }
    let at = now();
    let cause = Cause::of(tenant);
    let held = estop_assets::Entity::find()
        .filter(estop_assets::Column::EstopId.eq(stop.id))
        .order_by_asc(estop_assets::Column::AssetId)
        .all(db)
        .await?;
    let still_held: Vec<Uuid> = estop_assets::Entity::find()
        .filter(estop_assets::Column::AssetId.is_in(held.iter().map(|h| h.asset_id)))
        .filter(estop_assets::Column::EstopId.ne(stop.id))
        .filter(
            estop_assets::Column::EstopId.in_subquery(
                Query::select()
                    .column(estop_events::Column::Id)
                    .from(estop_events::Entity)
                    .and_where(estop_events::Column::ResetAt.is_null())
                    .to_owned(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.asset_id)
        .collect();
    let assets_by_id: HashMap<Uuid, asset_rows::Model> = asset_rows::Entity::find()
        .filter(asset_rows::Column::Id.is_in(held.iter().map(|h| h.asset_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut events = Vec::new();
    let reason = format!("emergency stop reset: {note}");
    for row in &held {
        if still_held.contains(&row.asset_id) {
            continue;
        }
        let Some(asset) = assets_by_id.get(&row.asset_id) else {
            continue;
        };
        // Only a still-stopped asset is restored; one changed by hand meanwhile keeps its status.
        if asset.status != AssetStatus::EStopped {
            continue;
        }
        if let Some((_, event)) =
            status::transition(db, asset, row.previous_status, &reason, cause, at).await?
        {
            events.push(event);
        }
    }
    if let Some(alert_id) = stop.alert_id {
        events.extend(
            alerts::resolve_system(
                db,
                tenant.organization_id,
                alert_id,
                tenant.user_id(),
                &format!("reset: {note}"),
            )
            .await?,
        );
    }
    let mut active = stop.into_active_model();
    active.reset_at = Set(Some(at));
    active.reset_by_user_id = Set(tenant.user_id());
    active.reset_note = Set(Some(note.clone()));
    let stop = active.update(db).await?;
    let change = Change::of("emergency_stop", stop.id).with(json!({ "note": note }));
    Ok(Audited::new(stop, change).publish(events))
}
