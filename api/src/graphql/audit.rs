//! The audit log over GraphQL (admin).

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};

use crate::domain::audit;
use crate::domain::page::PageRequest;
use crate::graphql::api_keys::ApiKey;
use crate::graphql::common::{Conn, TotalCount, connection};
use crate::graphql::context::{parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{ApiKeyKey, UserKey};
use entity::audit_logs;

pub struct AuditLog(pub audit_logs::Model);

#[Object]
impl AuditLog {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The mutation, e.g. `createSite`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn resource_type(&self) -> Option<&str> {
        self.0.resource_type.as_deref()
    }
    async fn resource_id(&self) -> Option<ID> {
        self.0.resource_id.map(|id| ID(id.to_string()))
    }
    /// The fields written and their new values.
    async fn changes(&self) -> Option<Json<serde_json::Value>> {
        self.0.changes.clone().map(Json)
    }
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    async fn success(&self) -> bool {
        self.0.success
    }
    /// The error code of a refused mutation.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn actor_user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn actor_api_key(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApiKey>> {
        let Some(id) = self.0.actor_api_key_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(ApiKeyKey(id)).await?.map(ApiKey))
    }
}

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub actor_user_id: Option<ID>,
    pub actor_api_key_id: Option<ID>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<ID>,
    pub success: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every mutation in the organization, successful or refused, newest first (admin).
    async fn audit_logs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditLogFilter>,
    ) -> async_graphql::Result<Conn<AuditLog>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let f = filter.unwrap_or_default();
        let filter = audit::Filter {
            actor_user_id: parse_opt_id("filter.actorUserId", f.actor_user_id.as_ref())?,
            actor_api_key_id: parse_opt_id("filter.actorApiKeyId", f.actor_api_key_id.as_ref())?,
            action: f.action,
            resource_type: f.resource_type,
            resource_id: parse_opt_id("filter.resourceId", f.resource_id.as_ref())?,
            success: f.success,
            from: f.from,
            to: f.to,
        };
        let request = PageRequest {
            first,
            after,
            descending: true,
        };
        let page = audit::list(&db.conn, tenant, &filter, &request).await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { audit::count(&db.conn, &t, &filter).await });
        Ok(connection(page, total, AuditLog))
    }
}
