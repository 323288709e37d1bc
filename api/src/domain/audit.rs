//! The audit log: every mutation, successful or refused, leaves one row saying who did what to
//! which resource, what changed, from where, and how it ended.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{Origin, Permission, Tenant};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::error::Result;
use entity::audit_logs;

/// What a successful mutation changed, returned by domain functions alongside their result.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub resource_type: Option<&'static str>,
    pub resource_id: Option<Uuid>,
    /// The fields written, with their new values (secrets never included).
    pub changes: Option<Value>,
    /// For mutations that run before a tenant exists (sign-up, login): the organization and
    /// user the row belongs to.
    pub organization_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

impl Change {
    pub fn of(resource_type: &'static str, resource_id: Uuid) -> Self {
        Self {
            resource_type: Some(resource_type),
            resource_id: Some(resource_id),
            ..Self::default()
        }
    }

    pub fn with(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }
}

/// A value together with the audit record of how it came about, and the events to publish
/// once it has committed.
pub struct Audited<T> {
    pub value: T,
    pub change: Change,
    pub events: Vec<crate::events::Event>,
}

impl<T> Audited<T> {
    pub fn new(value: T, change: Change) -> Self {
        Self {
            value,
            change,
            events: Vec::new(),
        }
    }

    /// Adds events to publish after the commit.
    pub fn publish(mut self, events: impl IntoIterator<Item = crate::events::Event>) -> Self {
        self.events.extend(events);
        self
    }
}

/// One row to write.
pub struct Entry<'a> {
    pub action: &'a str,
    pub tenant: Option<&'a Tenant>,
    pub origin: &'a Origin,
    pub change: Change,
    pub error_code: Option<&'static str>,
}

pub async fn record<C: ConnectionTrait>(db: &C, entry: Entry<'_>) -> Result<()> {
    let Entry {
        action,
        tenant,
        origin,
        change,
        error_code,
    } = entry;
    let row = audit_logs::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(change.organization_id.or(tenant.map(|t| t.organization_id))),
        actor_user_id: Set(change.user_id.or(tenant.and_then(Tenant::user_id))),
        actor_api_key_id: Set(tenant.and_then(Tenant::api_key_id)),
        action: Set(action.to_owned()),
        resource_type: Set(change.resource_type.map(str::to_owned)),
        resource_id: Set(change.resource_id),
        changes: Set(change.changes),
        ip: Set(origin.ip.clone()),
        request_id: Set(Some(origin.request_id.clone()).filter(|s| !s.is_empty())),
        success: Set(error_code.is_none()),
        error_code: Set(error_code.map(str::to_owned)),
        created_at: Set(super::now()),
    };
    audit_logs::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub success: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::User, self.actor_user_id)
            .with(Kind::ApiKey, self.actor_api_key_id)
    }

    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("filter.action", self.action.as_deref()),
            ("filter.resourceType", self.resource_type.as_deref()),
        ]
    }
}

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<audit_logs::Entity> {
    use audit_logs::Column as C;
    let mut q = audit_logs::Entity::find().filter(C::OrganizationId.eq(tenant.organization_id));
    if let Some(v) = filter.actor_user_id {
        q = q.filter(C::ActorUserId.eq(v));
    }
    if let Some(v) = filter.actor_api_key_id {
        q = q.filter(C::ActorApiKeyId.eq(v));
    }
    if let Some(v) = &filter.action {
        q = q.filter(C::Action.eq(v.as_str()));
    }
    if let Some(v) = &filter.resource_type {
        q = q.filter(C::ResourceType.eq(v.as_str()));
    }
    if let Some(v) = filter.resource_id {
        q = q.filter(C::ResourceId.eq(v));
    }
    if let Some(v) = filter.success {
        q = q.filter(C::Success.eq(v));
    }
    if let Some(v) = filter.from {
        q = q.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(C::CreatedAt.lt(v));
    }
    q
}

const SORT: SortKey<audit_logs::Entity> = SortKey {
    column: None,
    id: audit_logs::Column::Id,
    key_of: |_| None,
    id_of: |row| row.id,
};

/// Newest first by default: ids are UUIDv7, so id order is time order.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    request: &PageRequest,
) -> Result<Page<audit_logs::Model>> {
    tenant.require(Permission::AuditRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &SORT, request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::AuditRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}
