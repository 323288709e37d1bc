//! Business rules, one module per domain: plain async functions over a connection or transaction
//! and a `Tenant`. No GraphQL types live here; the GraphQL layer, background workers and (later)
//! the MQTT bridge all call these.
//!
//! Tenancy is enforced here, not in resolvers: tenant-owned tables are only ever read through
//! [`scoped`], which filters on the caller's organization, so an ID from another organization is
//! indistinguishable from an absent one (NOT_FOUND).

pub mod alerts;
pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod commands;
pub mod estop;
pub mod identity;
pub mod invitations;
pub mod jobs;
pub mod machine_sessions;
pub mod maintenance;
pub mod members;
pub mod organizations;
pub mod page;
pub mod sites;
pub mod status;
pub mod telemetry;
pub mod validate;
pub mod visibility;
pub mod zones;

use sea_orm::sea_query::LikeExpr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::error::{AppError, Result};

/// A table whose rows belong to one organization.
pub trait OrgOwned: EntityTrait {
    /// The `organization_id` column.
    fn org_column() -> Self::Column;
    /// What the resource is called in NOT_FOUND messages.
    const NAME: &'static str;
}

macro_rules! org_owned {
    ($($module:ident => $name:literal),* $(,)?) => {$(
        impl OrgOwned for entity::$module::Entity {
            fn org_column() -> Self::Column {
                entity::$module::Column::OrganizationId
            }
            const NAME: &'static str = $name;
        }
    )*};
}

org_owned! {
    memberships => "member",
    invitations => "invitation",
    api_keys => "API key",
    sites => "site",
    zones => "zone",
    assets => "asset",
}

/// Every row of `E` in the organization: the only way domain code starts a query on a
/// tenant-owned table.
pub fn scoped<E: OrgOwned>(organization_id: Uuid) -> Select<E> {
    E::find().filter(E::org_column().eq(organization_id))
}

/// One row of `E` by primary key inside the organization, or NOT_FOUND.
pub async fn get_scoped<E, C>(db: &C, organization_id: Uuid, id: Uuid) -> Result<E::Model>
where
    E: OrgOwned,
    C: ConnectionTrait,
    Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(id)
        .filter(E::org_column().eq(organization_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound(E::NAME))
}

/// The current time, truncated to microseconds so that what is written equals what is read
/// back on both backends (PostgreSQL keeps microseconds).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// A LIKE expression matching `needle` anywhere (compare it with a lower-cased column).
///
/// The escape character must be named: PostgreSQL defaults to `\`, but SQLite has no default
/// escape, so without `ESCAPE` a search for `50%` or `a_b` would match nothing there.
pub fn like_contains(needle: &str) -> LikeExpr {
    LikeExpr::new(like_pattern(needle)).escape('\\')
}

/// A LIKE pattern matching `needle` anywhere, with LIKE's wildcards escaped (`\`).
pub fn like_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("A_b%"), "%a\\_b\\%%");
    }
}
