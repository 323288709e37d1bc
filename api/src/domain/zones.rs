//! Zones: areas inside a site (a cell, an aisle, a kitchen).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde_json::{Map, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::{get_scoped, now, scoped, sites, validate};
use crate::error::{AppError, Result};
use entity::{assets, zones};

/// The zones this caller may see.
pub fn visible(tenant: &Tenant) -> Select<zones::Entity> {
    let q = scoped::<zones::Entity>(tenant.organization_id);
    match &tenant.site_scope {
        Some(ids) => q.filter(zones::Column::SiteId.is_in(ids.iter().copied())),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<zones::Model> {
    tenant.require(Permission::SitesRead)?;
    let zone = get_scoped::<zones::Entity, _>(db, tenant.organization_id, id).await?;
    if !tenant.sees_site(zone.site_id) {
        return Err(AppError::NotFound("zone"));
    }
    Ok(zone)
}

/// Zones of a site, by code; bounded, since a site has tens of zones, not thousands.
pub async fn of_site<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    site_id: Uuid,
) -> Result<Vec<zones::Model>> {
    let site = sites::get(db, tenant, site_id).await?;
    Ok(visible(tenant)
        .filter(zones::Column::SiteId.eq(site.id))
        .order_by_asc(zones::Column::Code)
        .limit(1000)
        .all(db)
        .await?)
}

pub struct NewZone {
    pub site_id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
}

async fn ensure_code_free<C: ConnectionTrait>(
    db: &C,
    site_id: Uuid,
    code: &str,
    except: Option<Uuid>,
) -> Result<()> {
    let mut q = zones::Entity::find()
        .filter(zones::Column::SiteId.eq(site_id))
        .filter(zones::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(zones::Column::Id.ne(id));
    }
    if q.count(db).await? > 0 {
        return Err(AppError::conflict(format!(
            "the site already has a zone with code {code}"
        )));
    }
    Ok(())
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: NewZone,
) -> Result<Audited<zones::Model>> {
    tenant.require(Permission::SitesWrite)?;
    let site = sites::get(db, tenant, input.site_id).await?;
    if site.archived_at.is_some() {
        return Err(AppError::conflict("the site is archived"));
    }
    let code = validate::code("input.code", &input.code)?;
    let name = validate::name("input.name", &input.name, 100)?;
    let description =
        validate::optional_text("input.description", input.description.as_deref(), 500)?;
    ensure_code_free(db, site.id, &code, None).await?;
    let now = now();
    let zone = zones::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        site_id: Set(site.id),
        code: Set(code.clone()),
        name: Set(name.clone()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let change =
        Change::of("zone", zone.id).with(json!({ "siteId": site.id, "code": code, "name": name }));
    Ok(Audited::new(zone, change))
}

#[derive(Default)]
pub struct UpdateZone {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    input: UpdateZone,
) -> Result<Audited<zones::Model>> {
    tenant.require(Permission::SitesWrite)?;
    let zone = get(db, tenant, id).await?;
    let site_id = zone.site_id;
    let mut active = zone.into_active_model();
    let mut changes = Map::new();
    if let Some(code) = input.code {
        let code = validate::code("input.code", &code)?;
        ensure_code_free(db, site_id, &code, Some(id)).await?;
        changes.insert("code".into(), json!(code));
        active.code = Set(code);
    }
    if let Some(name) = input.name {
        let name = validate::name("input.name", &name, 100)?;
        changes.insert("name".into(), json!(name));
        active.name = Set(name);
    }
    if let Some(description) = input.description {
        let description =
            validate::optional_text("input.description", description.as_deref(), 500)?;
        changes.insert("description".into(), json!(description));
        active.description = Set(description);
    }
    active.updated_at = Set(now());
    let zone = active.update(db).await?;
    Ok(Audited::new(
        zone.clone(),
        Change::of("zone", zone.id).with(changes.into()),
    ))
}

pub async fn delete<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<Uuid>> {
    tenant.require(Permission::SitesWrite)?;
    let zone = get(db, tenant, id).await?;
    let asset_count = assets::Entity::find()
        .filter(assets::Column::ZoneId.eq(zone.id))
        .count(db)
        .await?;
    if asset_count > 0 {
        return Err(AppError::conflict(format!(
            "the zone still has {asset_count} asset(s); move or delete them first"
        )));
    }
    zones::Entity::delete_by_id(zone.id).exec(db).await?;
    Ok(Audited::new(
        zone.id,
        Change::of("zone", zone.id).with(json!({ "code": zone.code })),
    ))
}
