//! Assets: what is monitored. Robots and machines are two kinds of asset: the `assets` row holds
//! what they share (place, status, vendor, model, serial), a detail row what is particular.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Select,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::status::{self, Cause};
use crate::domain::{get_scoped, like_contains, now, scoped, sites, validate, zones};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{AssetKind, AssetStatus, assets, machines, robots};

/// Ids of the organization's assets on these sites: the subquery that narrows rows keyed by an
/// asset (jobs, commands, tasks, sessions, alerts) to a site-restricted member's sites.
pub fn ids_on_sites(organization_id: Uuid, sites: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(assets::Column::Id)
        .from(assets::Entity)
        .and_where(assets::Column::OrganizationId.eq(organization_id))
        .and_where(assets::Column::SiteId.is_in(sites.iter().copied()))
        .to_owned()
}

/// The assets this caller may see.
pub fn visible(tenant: &Tenant) -> Select<assets::Entity> {
    let q = scoped::<assets::Entity>(tenant.organization_id);
    match &tenant.site_scope {
        Some(ids) => q.filter(assets::Column::SiteId.is_in(ids.iter().copied())),
        None => q,
    }
}

fn noun(kind: Option<AssetKind>) -> &'static str {
    match kind {
        Some(AssetKind::Robot) => "robot",
        Some(AssetKind::Machine) => "machine",
        None => "asset",
    }
}

/// An asset by id, optionally of one kind (a machine's id asked for as a robot is NOT_FOUND).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    kind: Option<AssetKind>,
) -> Result<assets::Model> {
    tenant.require(Permission::AssetsRead)?;
    let asset = get_scoped::<assets::Entity, _>(db, tenant.organization_id, id)
        .await
        .map_err(|e| match e {
            // Named after what was asked for; a database failure stays what it is.
            AppError::NotFound(_) => AppError::NotFound(noun(kind)),
            other => other,
        })?;
    if !tenant.sees_site(asset.site_id) || kind.is_some_and(|k| k != asset.kind) {
        return Err(AppError::NotFound(noun(kind)));
    }
    Ok(asset)
}

pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    code: &str,
) -> Result<assets::Model> {
    tenant.require(Permission::AssetsRead)?;
    let code = validate::code("code", code)?;
    visible(tenant)
        .filter(assets::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("asset"))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<AssetKind>,
    pub site_id: Option<Uuid>,
    pub zone_id: Option<Uuid>,
    pub statuses: Option<Vec<AssetStatus>>,
    pub vendor: Option<String>,
    pub search: Option<String>,
    pub include_archived: bool,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Site, self.site_id)
            .with(Kind::Zone, self.zone_id)
    }

    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("filter.vendor", self.vendor.as_deref()),
            ("filter.search", self.search.as_deref()),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Name,
    Code,
    Status,
    CreatedAt,
}

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<assets::Entity> {
    use assets::Column as C;
    let mut q = visible(tenant);
    if !filter.include_archived {
        q = q.filter(C::ArchivedAt.is_null());
    }
    if let Some(kind) = filter.kind {
        q = q.filter(C::Kind.eq(kind));
    }
    if let Some(site) = filter.site_id {
        q = q.filter(C::SiteId.eq(site));
    }
    if let Some(zone) = filter.zone_id {
        q = q.filter(C::ZoneId.eq(zone));
    }
    if let Some(statuses) = &filter.statuses {
        q = q.filter(C::Status.is_in(statuses.iter().copied()));
    }
    if let Some(vendor) = filter
        .vendor
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        q = q.filter(Expr::expr(Func::lower(Expr::col(C::Vendor))).eq(vendor.to_lowercase()));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = like_contains(search);
        let lower = |c: C| Expr::expr(Func::lower(Expr::col(c))).like(pattern.clone());
        q = q.filter(
            Condition::any()
                .add(lower(C::Name))
                .add(lower(C::Code))
                .add(lower(C::SerialNumber)),
        );
    }
    q
}

fn sort_key(order: Order) -> SortKey<assets::Entity> {
    use assets::Column as C;
    match order {
        Order::Name => SortKey {
            column: Some(C::Name),
            id: C::Id,
            key_of: |a| Some(a.name.clone()),
            id_of: |a| a.id,
        },
        Order::Code => SortKey {
            column: Some(C::Code),
            id: C::Id,
            key_of: |a| Some(a.code.clone()),
            id_of: |a| a.id,
        },
        Order::Status => SortKey {
            column: Some(C::Status),
            id: C::Id,
            key_of: |a| Some(status_str(a.status).to_owned()),
            id_of: |a| a.id,
        },
        Order::CreatedAt => SortKey {
            column: None,
            id: C::Id,
            key_of: |_| None,
            id_of: |a| a.id,
        },
    }
}

pub fn status_str(status: AssetStatus) -> &'static str {
    match status {
        AssetStatus::Online => "online",
        AssetStatus::Idle => "idle",
        AssetStatus::Busy => "busy",
        AssetStatus::Offline => "offline",
        AssetStatus::Error => "error",
        AssetStatus::Maintenance => "maintenance",
        AssetStatus::EStopped => "e_stopped",
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    order: Order,
    request: &PageRequest,
) -> Result<Page<assets::Model>> {
    tenant.require(Permission::AssetsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &sort_key(order), request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::AssetsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

/// What robots and machines share, for create (all required but serial/zone) and update.
#[derive(Debug, Clone, Default)]
pub struct AssetFields {
    pub site_id: Option<Uuid>,
    pub zone_id: Option<Option<Uuid>>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<Option<String>>,
    pub status: Option<AssetStatus>,
}

#[derive(Debug, Clone, Default)]
pub struct RobotFields {
    pub firmware_version: Option<Option<String>>,
    pub location: Option<Option<Location>>,
    pub configuration: Option<Value>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Location {
    pub x: f64,
    pub y: f64,
    pub z: Option<f64>,
    pub heading: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct MachineFields {
    pub requires_badge: Option<bool>,
    pub session_timeout_minutes: Option<i32>,
    pub warning_minutes: Option<i32>,
    pub edge_node: Option<Option<String>>,
    pub configuration: Option<Value>,
}

/// Validates the shared fields and writes them onto `active`.
async fn apply_common<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    fields: AssetFields,
    active: &mut assets::ActiveModel,
    current_site: Option<Uuid>,
    changes: &mut Map<String, Value>,
) -> Result<()> {
    let site_id = match fields.site_id {
        Some(id) => {
            let site = sites::get(db, tenant, id).await?;
            if site.archived_at.is_some() {
                return Err(AppError::conflict("the site is archived"));
            }
            changes.insert("siteId".into(), json!(site.id));
            active.site_id = Set(site.id);
            site.id
        }
        None => current_site.ok_or_else(|| AppError::validation("input.siteId", "is required"))?,
    };
    // A zone must belong to the asset's site; moving to another site without naming a zone
    // leaves the asset without one rather than in a zone of the old site.
    let zone = match fields.zone_id {
        Some(zone) => zone,
        None if fields.site_id.is_some() && Some(site_id) != current_site => None,
        None => active.zone_id.clone().unwrap(),
    };
    if let Some(zone_id) = zone {
        let found = zones::get(db, tenant, zone_id).await?;
        if found.site_id != site_id {
            return Err(AppError::validation(
                "input.zoneId",
                "the zone belongs to another site",
            ));
        }
    }
    if fields.zone_id.is_some() || fields.site_id.is_some() {
        changes.insert("zoneId".into(), json!(zone));
        active.zone_id = Set(zone);
    }
    if let Some(code) = fields.code {
        let code = validate::code("input.code", &code)?;
        let mut q = scoped::<assets::Entity>(tenant.organization_id)
            .filter(assets::Column::Code.eq(code.clone()));
        if let Set(id) = &active.id {
            q = q.filter(assets::Column::Id.ne(*id));
        }
        if q.count(db).await? > 0 {
            return Err(AppError::conflict(format!(
                "an asset with code {code} already exists"
            )));
        }
        changes.insert("code".into(), json!(code));
        active.code = Set(code);
    }
    if let Some(name) = fields.name {
        let name = validate::name("input.name", &name, 100)?;
        changes.insert("name".into(), json!(name));
        active.name = Set(name);
    }
    if let Some(vendor) = fields.vendor {
        let vendor = validate::name("input.vendor", &vendor, 100)?;
        changes.insert("vendor".into(), json!(vendor));
        active.vendor = Set(vendor);
    }
    if let Some(model) = fields.model {
        let model = validate::name("input.model", &model, 100)?;
        changes.insert("model".into(), json!(model));
        active.model = Set(model);
    }
    if let Some(serial) = fields.serial_number {
        let serial = validate::optional_text("input.serialNumber", serial.as_deref(), 100)?;
        changes.insert("serialNumber".into(), json!(serial));
        active.serial_number = Set(serial);
    }
    if let Some(status) = fields.status {
        changes.insert("status".into(), json!(status_str(status)));
        active.status = Set(status);
    }
    Ok(())
}

fn required<T>(value: Option<T>, field: &str) -> Result<T> {
    value.ok_or_else(|| AppError::validation(field, "is required"))
}

async fn insert_asset<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    kind: AssetKind,
    fields: AssetFields,
    changes: &mut Map<String, Value>,
) -> Result<assets::Model> {
    tenant.require(Permission::AssetsWrite)?;
    required(fields.site_id, "input.siteId")?;
    let now = now();
    let mut active = assets::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        kind: Set(kind),
        name: Set(String::new()),
        code: Set(String::new()),
        status: Set(AssetStatus::Offline),
        site_id: Set(Uuid::nil()),
        zone_id: Set(None),
        vendor: Set(String::new()),
        model: Set(String::new()),
        serial_number: Set(None),
        last_seen_at: Set(None),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let fields = AssetFields {
        code: Some(required(fields.code, "input.code")?),
        name: Some(required(fields.name, "input.name")?),
        vendor: Some(required(fields.vendor, "input.vendor")?),
        model: Some(required(fields.model, "input.model")?),
        ..fields
    };
    apply_common(db, tenant, fields, &mut active, None, changes).await?;
    let asset = active.insert(db).await?;
    // The first history row: availability starts here. Creation is not a status change, so its
    // event is not published.
    status::record(db, &asset, None, "created", Cause::of(tenant), now).await?;
    Ok(asset)
}

fn apply_robot(
    fields: RobotFields,
    active: &mut robots::ActiveModel,
    changes: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(fw) = fields.firmware_version {
        let fw = validate::optional_text("input.firmwareVersion", fw.as_deref(), 64)?;
        changes.insert("firmwareVersion".into(), json!(fw));
        active.firmware_version = Set(fw);
    }
    if let Some(location) = fields.location {
        let (x, y, z, heading) = match location {
            Some(l) => (
                validate::finite("input.location.x", Some(l.x))?,
                validate::finite("input.location.y", Some(l.y))?,
                validate::finite("input.location.z", l.z)?,
                match l.heading {
                    Some(h) if !(0.0..360.0).contains(&h) => {
                        return Err(AppError::validation(
                            "input.location.heading",
                            "must be in [0, 360) degrees",
                        ));
                    }
                    h => h,
                },
            ),
            None => (None, None, None, None),
        };
        changes.insert(
            "location".into(),
            json!({ "x": x, "y": y, "z": z, "heading": heading }),
        );
        active.location_x = Set(x);
        active.location_y = Set(y);
        active.location_z = Set(z);
        active.heading = Set(heading);
    }
    if let Some(config) = fields.configuration {
        let config = validate::json_object("input.configuration", config, 64 * 1024)?;
        changes.insert("configuration".into(), config.clone());
        active.configuration = Set(config);
    }
    Ok(())
}

fn apply_machine(
    fields: MachineFields,
    active: &mut machines::ActiveModel,
    changes: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(v) = fields.requires_badge {
        changes.insert("requiresBadge".into(), json!(v));
        active.requires_badge = Set(v);
    }
    if let Some(v) = fields.session_timeout_minutes {
        let v = validate::int_range("input.sessionTimeoutMinutes", v, 1, 24 * 60)?;
        changes.insert("sessionTimeoutMinutes".into(), json!(v));
        active.session_timeout_minutes = Set(v);
    }
    if let Some(v) = fields.warning_minutes {
        let v = validate::int_range("input.warningMinutes", v, 0, 24 * 60)?;
        changes.insert("warningMinutes".into(), json!(v));
        active.warning_minutes = Set(v);
    }
    if let (Set(timeout), Set(warning)) = (&active.session_timeout_minutes, &active.warning_minutes)
        && warning >= timeout
    {
        return Err(AppError::validation(
            "input.warningMinutes",
            "must be less than sessionTimeoutMinutes",
        ));
    }
    if let Some(v) = fields.edge_node {
        let v = validate::optional_text("input.edgeNode", v.as_deref(), 100)?;
        changes.insert("edgeNode".into(), json!(v));
        active.edge_node = Set(v);
    }
    if let Some(config) = fields.configuration {
        let config = validate::json_object("input.configuration", config, 64 * 1024)?;
        changes.insert("configuration".into(), config.clone());
        active.configuration = Set(config);
    }
    Ok(())
}

pub async fn create_robot<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    fields: AssetFields,
    robot: RobotFields,
) -> Result<Audited<assets::Model>> {
    let mut changes = Map::new();
    let asset = insert_asset(db, tenant, AssetKind::Robot, fields, &mut changes).await?;
    let mut detail = robots::ActiveModel {
        asset_id: Set(asset.id),
        firmware_version: Set(None),
        location_x: Set(None),
        location_y: Set(None),
        location_z: Set(None),
        heading: Set(None),
        configuration: Set(json!({})),
    };
    apply_robot(robot, &mut detail, &mut changes)?;
    robots::Entity::insert(detail)
        .exec_without_returning(db)
        .await?;
    Ok(Audited::new(
        asset.clone(),
        Change::of("robot", asset.id).with(changes.into()),
    ))
}

pub async fn create_machine<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    fields: AssetFields,
    machine: MachineFields,
) -> Result<Audited<assets::Model>> {
    let mut changes = Map::new();
    let asset = insert_asset(db, tenant, AssetKind::Machine, fields, &mut changes).await?;
    let mut detail = machines::ActiveModel {
        asset_id: Set(asset.id),
        requires_badge: Set(false),
        session_timeout_minutes: Set(30),
        warning_minutes: Set(5),
        edge_node: Set(None),
        configuration: Set(json!({})),
    };
    apply_machine(machine, &mut detail, &mut changes)?;
    machines::Entity::insert(detail)
        .exec_without_returning(db)
        .await?;
    Ok(Audited::new(
        asset.clone(),
        Change::of("machine", asset.id).with(changes.into()),
    ))
}

async fn update_common<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    kind: AssetKind,
    fields: AssetFields,
    changes: &mut Map<String, Value>,
) -> Result<(assets::Model, Option<Event>)> {
    tenant.require(Permission::AssetsWrite)?;
    let asset = get(db, tenant, id, Some(kind)).await?;
    let (site, previous) = (asset.site_id, asset.status);
    let mut active = asset.into_active_model();
    apply_common(db, tenant, fields, &mut active, Some(site), changes).await?;
    let at = now();
    active.updated_at = Set(at);
    let asset = active.update(db).await?;
    let event = if asset.status != previous {
        Some(
            status::record(
                db,
                &asset,
                Some(previous),
                "manual update",
                Cause::of(tenant),
                at,
            )
            .await?,
        )
    } else {
        None
    };
    Ok((asset, event))
}

/// The `assets` event of a status change, for `assetStatusChanged` subscribers.
pub fn status_event(asset: &assets::Model, previous: AssetStatus, reason: &str) -> Event {
    Event::new(
        asset.organization_id,
        TopicKind::Assets,
        json!({
            "assetId": asset.id,
            "siteId": asset.site_id,
            "code": asset.code,
            "previous": status_str(previous),
            "status": status_str(asset.status),
            "reason": reason,
            "at": now(),
        }),
    )
}

pub async fn update_robot<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    fields: AssetFields,
    robot: RobotFields,
) -> Result<Audited<assets::Model>> {
    let mut changes = Map::new();
    let (asset, event) =
        update_common(db, tenant, id, AssetKind::Robot, fields, &mut changes).await?;
    let detail = robots::Entity::find_by_id(asset.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("robot"))?;
    let mut active = detail.into_active_model();
    apply_robot(robot, &mut active, &mut changes)?;
    if active.is_changed() {
        active.update(db).await?;
    }
    Ok(Audited::new(
        asset.clone(),
        Change::of("robot", asset.id).with(changes.into()),
    )
    .publish(event))
}

pub async fn update_machine<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    fields: AssetFields,
    machine: MachineFields,
) -> Result<Audited<assets::Model>> {
    let mut changes = Map::new();
    let (asset, event) =
        update_common(db, tenant, id, AssetKind::Machine, fields, &mut changes).await?;
    let detail = machines::Entity::find_by_id(asset.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("machine"))?;
    let mut active = detail.into_active_model();
    // Validation of warning < timeout needs both values, set or stored.
    active.session_timeout_minutes = Set(machine
        .session_timeout_minutes
        .unwrap_or(*active.session_timeout_minutes.as_ref()));
    active.warning_minutes = Set(machine
        .warning_minutes
        .unwrap_or(*active.warning_minutes.as_ref()));
    apply_machine(machine, &mut active, &mut changes)?;
    active.update(db).await?;
    Ok(Audited::new(
        asset.clone(),
        Change::of("machine", asset.id).with(changes.into()),
    )
    .publish(event))
}

pub async fn set_archived<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    archived: bool,
) -> Result<Audited<assets::Model>> {
    tenant.require(Permission::AssetsWrite)?;
    let asset = get(db, tenant, id, None).await?;
    let mut active = asset.into_active_model();
    active.archived_at = Set(archived.then(now));
    active.updated_at = Set(now());
    let asset = active.update(db).await?;
    Ok(Audited::new(
        asset.clone(),
        Change::of("asset", asset.id).with(json!({ "archived": archived })),
    ))
}

/// Deletes an asset with its detail row. Anything else that refers to it (telemetry, jobs, ...)
/// makes this a CONFLICT through the foreign keys: archive such an asset instead.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<Uuid>> {
    tenant.require(Permission::AssetsWrite)?;
    let asset = get(db, tenant, id, None).await?;
    assets::Entity::delete_by_id(asset.id)
        .exec(db)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => {
                AppError::conflict("the asset has history that refers to it; archive it instead")
            }
            other => other,
        })?;
    Ok(Audited::new(
        asset.id,
        Change::of("asset", asset.id).with(json!({ "code": asset.code })),
    ))
}

/// Asset counts by status for many sites at once (for the DataLoader).
pub async fn status_counts<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    site_ids: &[Uuid],
) -> Result<Vec<(Uuid, AssetStatus, i64)>> {
    let rows: Vec<(Uuid, AssetStatus, i64)> = visible(tenant)
        .select_only()
        .column(assets::Column::SiteId)
        .column(assets::Column::Status)
        .column_as(assets::Column::Id.count(), "n")
        .filter(assets::Column::SiteId.is_in(site_ids.iter().copied()))
        .filter(assets::Column::ArchivedAt.is_null())
        .group_by(assets::Column::SiteId)
        .group_by(assets::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}
