//! Organizations: the tenants.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::{now, validate};
use crate::error::{AppError, Result};
use entity::{Plan, organizations};

pub const DEFAULT_RETENTION_DAYS: i32 = 30;

pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    slug: &str,
) -> Result<organizations::Model> {
    let now = now();
    let row = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        plan: Set(Plan::Free),
        settings: Set(Value::Object(Map::new())),
        telemetry_retention_days: Set(DEFAULT_RETENTION_DAYS),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let org = row.insert(db).await?;
    // Every organization starts with sensible alert rules (cpu, memory, temperature, ...).
    crate::domain::alerts::create_default_rules(db, org.id).await?;
    Ok(org)
}

pub async fn current<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<organizations::Model> {
    tenant.require(Permission::OrgRead)?;
    organizations::Entity::find_by_id(tenant.organization_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

/// Loads an organization by id without a permission check: for the caller's own organization
/// in places where reading it is implied (`me`).
pub async fn by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<organizations::Model> {
    organizations::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

#[derive(Default)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub telemetry_retention_days: Option<i32>,
    pub settings: Option<Value>,
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: UpdateOrganization,
) -> Result<Audited<organizations::Model>> {
    tenant.require(Permission::OrgManage)?;
    let org = by_id(db, tenant.organization_id).await?;
    let mut changes = Map::new();
    let mut active = org.into_active_model();
    if let Some(name) = input.name {
        let name = validate::name("input.name", &name, 100)?;
        changes.insert("name".into(), json!(name));
        active.name = Set(name);
    }
    if let Some(days) = input.telemetry_retention_days {
        let days = validate::int_range("input.telemetryRetentionDays", days, 1, 3650)?;
        changes.insert("telemetryRetentionDays".into(), json!(days));
        active.telemetry_retention_days = Set(days);
    }
    if let Some(settings) = input.settings {
        let settings = validate::json_object("input.settings", settings, 64 * 1024)?;
        changes.insert("settings".into(), settings.clone());
        active.settings = Set(settings);
    }
    active.updated_at = Set(now());
    let org = active.update(db).await?;
    let change = Change::of("organization", org.id).with(Value::Object(changes));
    Ok(Audited::new(org, change))
}
