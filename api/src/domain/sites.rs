//! Sites: the top of the place hierarchy (a plant, a warehouse, a restaurant).

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Select,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{get_scoped, like_contains, now, scoped, validate};
use crate::error::{AppError, Result};
use entity::{assets, sites, zones};

/// The sites this caller may see: the organization's, narrowed by a member's site restriction.
pub fn visible(tenant: &Tenant) -> Select<sites::Entity> {
    let q = scoped::<sites::Entity>(tenant.organization_id);
    match &tenant.site_scope {
        Some(ids) => q.filter(sites::Column::Id.is_in(ids.iter().copied())),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<sites::Model> {
    tenant.require(Permission::SitesRead)?;
    let site = get_scoped::<sites::Entity, _>(db, tenant.organization_id, id).await?;
    if !tenant.sees_site(site.id) {
        return Err(AppError::NotFound("site"));
    }
    Ok(site)
}

pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    code: &str,
) -> Result<sites::Model> {
    tenant.require(Permission::SitesRead)?;
    let code = validate::code("code", code)?;
    visible(tenant)
        .filter(sites::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("site"))
}

/// A site the caller may change: visible (archived ones too, so that they can be restored).
async fn writable<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<sites::Model> {
    tenant.require(Permission::SitesWrite)?;
    get(db, tenant, id).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Name,
    Code,
    CreatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub search: Option<String>,
    pub include_archived: bool,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        crate::domain::visibility::Refs::new()
    }

    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("filter.search", self.search.as_deref())]
    }
}

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<sites::Entity> {
    let mut q = visible(tenant);
    if !filter.include_archived {
        q = q.filter(sites::Column::ArchivedAt.is_null());
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = like_contains(search);
        q = q.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(sites::Column::Name))).like(pattern.clone()))
                .add(Expr::expr(Func::lower(Expr::col(sites::Column::Code))).like(pattern)),
        );
    }
    q
}

fn sort_key(order: Order) -> SortKey<sites::Entity> {
    match order {
        Order::Name => SortKey {
            column: Some(sites::Column::Name),
            id: sites::Column::Id,
            key_of: |s| Some(s.name.clone()),
            id_of: |s| s.id,
        },
        Order::Code => SortKey {
            column: Some(sites::Column::Code),
            id: sites::Column::Id,
            key_of: |s| Some(s.code.clone()),
            id_of: |s| s.id,
        },
        Order::CreatedAt => SortKey {
            column: None,
            id: sites::Column::Id,
            key_of: |_| None,
            id_of: |s| s.id,
        },
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    order: Order,
    request: &PageRequest,
) -> Result<Page<sites::Model>> {
    tenant.require(Permission::SitesRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &sort_key(order), request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::SitesRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

#[derive(Debug, Clone, Default)]
pub struct SiteFields {
    pub code: Option<String>,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub address: Option<Option<String>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
}

/// Validates and applies `fields` to `active`, recording what changed.
fn apply(
    fields: SiteFields,
    active: &mut sites::ActiveModel,
    changes: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(code) = fields.code {
        let code = validate::code("input.code", &code)?;
        changes.insert("code".into(), json!(code));
        active.code = Set(code);
    }
    if let Some(name) = fields.name {
        let name = validate::name("input.name", &name, 100)?;
        changes.insert("name".into(), json!(name));
        active.name = Set(name);
    }
    if let Some(tz) = fields.timezone {
        let tz = validate::timezone("input.timezone", &tz)?;
        changes.insert("timezone".into(), json!(tz));
        active.timezone = Set(tz);
    }
    if let Some(address) = fields.address {
        let address = validate::optional_text("input.address", address.as_deref(), 255)?;
        changes.insert("address".into(), json!(address));
        active.address = Set(address);
    }
    if let Some(lat) = fields.latitude {
        let lat = validate::latitude("input.latitude", lat)?;
        changes.insert("latitude".into(), json!(lat));
        active.latitude = Set(lat);
    }
    if let Some(lon) = fields.longitude {
        let lon = validate::longitude("input.longitude", lon)?;
        changes.insert("longitude".into(), json!(lon));
        active.longitude = Set(lon);
    }
    Ok(())
}

async fn ensure_code_free<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    code: &str,
    except: Option<Uuid>,
) -> Result<()> {
    let mut q =
        scoped::<sites::Entity>(tenant.organization_id).filter(sites::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(sites::Column::Id.ne(id));
    }
    if q.count(db).await? > 0 {
        return Err(AppError::conflict(format!(
            "a site with code {code} already exists"
        )));
    }
    Ok(())
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    fields: SiteFields,
) -> Result<Audited<sites::Model>> {
    tenant.require(Permission::SitesWrite)?;
    if tenant.site_scope.is_some() {
        return Err(AppError::forbidden(
            "a member restricted to some sites cannot create sites",
        ));
    }
    let code = fields
        .code
        .clone()
        .ok_or_else(|| AppError::validation("input.code", "is required"))?;
    let name = fields
        .name
        .clone()
        .ok_or_else(|| AppError::validation("input.name", "is required"))?;
    let now = now();
    let mut active = sites::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        code: Set(code),
        name: Set(name),
        timezone: Set("UTC".into()),
        address: Set(None),
        latitude: Set(None),
        longitude: Set(None),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let mut changes = Map::new();
    apply(fields, &mut active, &mut changes)?;
    if let Set(code) = &active.code {
        ensure_code_free(db, tenant, code, None).await?;
    }
    let site = active.insert(db).await?;
    Ok(Audited::new(
        site.clone(),
        Change::of("site", site.id).with(changes.into()),
    ))
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    fields: SiteFields,
) -> Result<Audited<sites::Model>> {
    let site = writable(db, tenant, id).await?;
    let mut active = site.into_active_model();
    let mut changes = Map::new();
    apply(fields, &mut active, &mut changes)?;
    if changes.contains_key("code")
        && let Set(code) = &active.code
    {
        ensure_code_free(db, tenant, code, Some(id)).await?;
    }
    active.updated_at = Set(now());
    let site = active.update(db).await?;
    Ok(Audited::new(
        site.clone(),
        Change::of("site", site.id).with(changes.into()),
    ))
}

/// Archives (hides) a site. Its assets must be archived or moved first, so that nothing active
/// is left on a place nobody sees.
pub async fn set_archived<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    archived: bool,
) -> Result<Audited<sites::Model>> {
    let site = writable(db, tenant, id).await?;
    if archived {
        let active_assets = assets::Entity::find()
            .filter(assets::Column::SiteId.eq(site.id))
            .filter(assets::Column::ArchivedAt.is_null())
            .count(db)
            .await?;
        if active_assets > 0 {
            return Err(AppError::conflict(format!(
                "the site still has {active_assets} active asset(s); archive or move them first"
            )));
        }
    }
    let mut active = site.into_active_model();
    active.archived_at = Set(archived.then(now));
    active.updated_at = Set(now());
    let site = active.update(db).await?;
    Ok(Audited::new(
        site.clone(),
        Change::of("site", site.id).with(json!({ "archived": archived })),
    ))
}

/// Deletes a site that has no zones and no assets; otherwise CONFLICT naming what is in the way.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<Uuid>> {
    let site = writable(db, tenant, id).await?;
    let zone_count = zones::Entity::find()
        .filter(zones::Column::SiteId.eq(site.id))
        .count(db)
        .await?;
    let asset_count = assets::Entity::find()
        .filter(assets::Column::SiteId.eq(site.id))
        .count(db)
        .await?;
    if zone_count > 0 || asset_count > 0 {
        return Err(AppError::conflict(format!(
            "the site still has {zone_count} zone(s) and {asset_count} asset(s); delete or move them first, or archive the site"
        )));
    }
    sites::Entity::delete_by_id(site.id).exec(db).await?;
    Ok(Audited::new(
        site.id,
        Change::of("site", site.id).with(json!({ "code": site.code })),
    ))
}
