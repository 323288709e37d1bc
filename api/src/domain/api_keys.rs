//! API keys: organization-scoped credentials for integrations and devices.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::tokens::{self, hash_secret};
use crate::auth::{Origin, Permission, Scope, Tenant};
use crate::db::Db;
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{get_scoped, now, scoped, validate};
use crate::error::{AppError, Result};
use entity::api_keys;

pub struct CreateApiKey {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_limit_per_minute: Option<i32>,
}

pub struct CreatedApiKey {
    pub key: api_keys::Model,
    /// The whole secret: returned once, never stored.
    pub secret: String,
}

/// Parses stored or submitted scope strings; unknown ones name their index.
pub fn parse_scopes(field: &str, scopes: &[String]) -> Result<Vec<Scope>> {
    if scopes.is_empty() {
        return Err(AppError::validation(
            field,
            "at least one scope is required",
        ));
    }
    let mut parsed = Vec::with_capacity(scopes.len());
    for (i, s) in scopes.iter().enumerate() {
        let scope = Scope::parse(s.trim()).ok_or_else(|| {
            let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            AppError::validation(
                format!("{field}.{i}"),
                format!("unknown scope '{s}'; known: {}", known.join(", ")),
            )
        })?;
        if !parsed.contains(&scope) {
            parsed.push(scope);
        }
    }
    Ok(parsed)
}

pub fn scopes_of(key: &api_keys::Model) -> Vec<String> {
    serde_json::from_value(key.scopes.clone()).unwrap_or_default()
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: CreateApiKey,
) -> Result<Audited<CreatedApiKey>> {
    tenant.require(Permission::ApiKeysManage)?;
    let user_id = tenant
        .user_id()
        .ok_or_else(|| AppError::forbidden("API keys are created by people"))?;
    let name = validate::name("input.name", &input.name, 100)?;
    let scopes = parse_scopes("input.scopes", &input.scopes)?;
    if let Some(at) = input.expires_at
        && at <= Utc::now() + Duration::minutes(1)
    {
        return Err(AppError::validation(
            "input.expiresAt",
            "must be in the future",
        ));
    }
    let rate = input
        .rate_limit_per_minute
        .map(|r| validate::int_range("input.rateLimitPerMinute", r, 1, 1_000_000))
        .transpose()?;
    let (secret, prefix) = tokens::new_api_key();
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let key = api_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        name: Set(name.clone()),
        prefix: Set(prefix.clone()),
        secret_hash: Set(hash_secret(&secret)),
        scopes: Set(json!(scope_names)),
        rate_limit_per_minute: Set(rate),
        expires_at: Set(input.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by_user_id: Set(Some(user_id)),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    let change = Change::of("api_key", key.id).with(json!({
        "name": name, "prefix": prefix, "scopes": scope_names,
        "expiresAt": input.expires_at, "rateLimitPerMinute": rate,
    }));
    Ok(Audited::new(CreatedApiKey { key, secret }, change))
}

const SORT: SortKey<api_keys::Entity> = SortKey {
    column: None,
    id: api_keys::Column::Id,
    key_of: |_| None,
    id_of: |k| k.id,
};

fn filtered(tenant: &Tenant, include_revoked: bool) -> sea_orm::Select<api_keys::Entity> {
    let q = scoped::<api_keys::Entity>(tenant.organization_id);
    if include_revoked {
        q
    } else {
        q.filter(api_keys::Column::RevokedAt.is_null())
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    include_revoked: bool,
    request: &PageRequest,
) -> Result<Page<api_keys::Model>> {
    tenant.require(Permission::ApiKeysManage)?;
    page::fetch(db, filtered(tenant, include_revoked), &SORT, request).await
}

pub async fn count<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    include_revoked: bool,
) -> Result<u64> {
    tenant.require(Permission::ApiKeysManage)?;
    page::count(db, filtered(tenant, include_revoked)).await
}

pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<api_keys::Model>> {
    tenant.require(Permission::ApiKeysManage)?;
    let key = get_scoped::<api_keys::Entity, _>(db, tenant.organization_id, id).await?;
    if key.revoked_at.is_some() {
        return Err(AppError::conflict("the API key is already revoked"));
    }
    let mut active: api_keys::ActiveModel = key.into();
    active.revoked_at = Set(Some(now()));
    let key = active.update(db).await?;
    Ok(Audited::new(
        key.clone(),
        Change::of("api_key", key.id).with(json!({ "revoked": true })),
    ))
}

/// A key resolved from a bearer secret.
pub struct Authenticated {
    pub tenant: Tenant,
    pub rate_limit_per_minute: Option<u32>,
}

pub async fn authenticate(db: &Db, secret: &str, origin: Origin) -> Result<Authenticated> {
    const INVALID: AppError = AppError::Unauthenticated("invalid, expired or revoked API key");
    let key = api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(hash_secret(secret)))
        .one(&db.conn)
        .await?
        .ok_or(INVALID)?;
    let now = now();
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(INVALID);
    }
    let scopes: Vec<Scope> = scopes_of(&key)
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect();
    // Written at most once a minute: a device polling every second should not turn each of its
    // reads into a write.
    if key
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let _gate = db.gate().await;
        api_keys::Entity::update_many()
            .filter(api_keys::Column::Id.eq(key.id))
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(Some(now)))
            .exec(&db.conn)
            .await?;
    }
    Ok(Authenticated {
        tenant: Tenant::api_key(key.organization_id, key.id, Arc::from(scopes), origin),
        rate_limit_per_minute: key
            .rate_limit_per_minute
            .and_then(|r| u32::try_from(r).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scopes_name_their_index() {
        let err = parse_scopes("input.scopes", &["assets:read".into(), "root".into()]).unwrap_err();
        match err {
            AppError::Validation { field, .. } => assert_eq!(field, "input.scopes.1"),
            other => panic!("{other:?}"),
        }
        assert!(parse_scopes("input.scopes", &[]).is_err());
        let scopes =
            parse_scopes("s", &["telemetry:write".into(), "telemetry:write".into()]).unwrap();
        assert_eq!(scopes, vec![Scope::TelemetryWrite]);
    }
}
