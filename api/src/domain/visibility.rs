//! One rule for every ID a client passes in: an ID the caller cannot see is NOT_FOUND.
//!
//! Lookups (`site(id:)`, `asset(id:)`) have always answered another organization's ID, or one
//! outside a site-restricted member's sites, with NOT_FOUND. List filters (`jobs(filter:
//! {siteId})`) and subscription arguments (`jobUpdated(siteId:)`) used to answer the same ID
//! with an empty list or a silent stream, which is a different answer for "yours but empty" and
//! "not yours". Every filter and subscription argument that names a resource goes through
//! [`ensure`] instead, which uses the same visibility queries as the lookups (`sites::visible`,
//! `assets::visible`, ...): one query per kind of resource named, whatever the number of IDs.
//!
//! Unlike a lookup, the check needs no read permission of its own: a key allowed to list jobs
//! may filter them by site without `sites:read`; it learns only that the site is visible, which
//! the jobs it may read tell it anyway.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::auth::Tenant;
use crate::domain::{assets, scoped, sites, validate, zones};
use crate::error::{AppError, Result};
use entity::AssetKind;

/// What kind of resource an ID argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Site,
    Zone,
    Asset,
    Machine,
    /// A person, by user id (an operator, an assignee, an actor): visible while they are a
    /// member of the organization, or when the organization's audit log names them (a former
    /// member's past sessions and actions stay searchable).
    User,
    ApiKey,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Self::Site => "site",
            Self::Zone => "zone",
            Self::Asset => "asset",
            Self::Machine => "machine",
            Self::User => "member",
            Self::ApiKey => "API key",
        }
    }
}

/// The IDs named by one filter or argument list, by kind.
#[derive(Debug, Default, Clone)]
pub struct Refs(Vec<(Kind, Uuid)>);

impl Refs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `id` (when present) as a reference to a `kind`.
    pub fn with(mut self, kind: Kind, id: Option<Uuid>) -> Self {
        self.0.extend(id.map(|id| (kind, id)));
        self
    }

    pub fn with_all(mut self, kind: Kind, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.0.extend(ids.into_iter().map(|id| (kind, id)));
        self
    }
}

/// NOT_FOUND, naming the kind, unless the caller can see every referenced resource.
pub async fn ensure<C: ConnectionTrait>(db: &C, tenant: &Tenant, refs: &Refs) -> Result<()> {
    let kinds: BTreeSet<Kind> = refs.0.iter().map(|(kind, _)| *kind).collect();
    for kind in kinds {
        let ids: BTreeSet<Uuid> = refs
            .0
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        if !all_visible(db, tenant, kind, &ids).await? {
            return Err(AppError::NotFound(kind.noun()));
        }
    }
    Ok(())
}

async fn all_visible<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    kind: Kind,
    ids: &BTreeSet<Uuid>,
) -> Result<bool> {
    let wanted = ids.len() as u64;
    let ids = ids.iter().copied();
    let seen = match kind {
        Kind::Site => count_in(db, sites::visible(tenant), entity::sites::Column::Id, ids).await?,
        Kind::Zone => count_in(db, zones::visible(tenant), entity::zones::Column::Id, ids).await?,
        Kind::Asset => {
            count_in(db, assets::visible(tenant), entity::assets::Column::Id, ids).await?
        }
        Kind::Machine => {
            let machines =
                assets::visible(tenant).filter(entity::assets::Column::Kind.eq(AssetKind::Machine));
            count_in(db, machines, entity::assets::Column::Id, ids).await?
        }
        Kind::ApiKey => {
            let keys = scoped::<entity::api_keys::Entity>(tenant.organization_id);
            count_in(db, keys, entity::api_keys::Column::Id, ids).await?
        }
        Kind::User => {
            let mut seen = 0;
            for id in ids {
                let member = scoped::<entity::memberships::Entity>(tenant.organization_id)
                    .filter(entity::memberships::Column::UserId.eq(id))
                    .one(db)
                    .await?
                    .is_some();
                let named = member
                    || entity::audit_logs::Entity::find()
                        .filter(
                            entity::audit_logs::Column::OrganizationId.eq(tenant.organization_id),
                        )
                        .filter(entity::audit_logs::Column::ActorUserId.eq(id))
                        .one(db)
                        .await?
                        .is_some();
                seen += u64::from(named);
            }
            seen
        }
    };
    Ok(seen == wanted)
}

/// How many rows of `select` have one of `ids`.
async fn count_in<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    ids: impl Iterator<Item = Uuid>,
) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    Ok(select.filter(id.is_in(ids)).count(db).await?)
}

/// A list filter: the IDs it names, and its free-text fields.
pub trait Filtered {
    fn refs(&self) -> Refs;

    /// `(field, value)` of each free-text field, bounded by [`validate::filter_text`].
    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        Vec::new()
    }
}

/// What every list does with its filter before querying: bounded text, visible IDs.
pub async fn check<C: ConnectionTrait, F: Filtered>(
    db: &C,
    tenant: &Tenant,
    filter: &F,
) -> Result<()> {
    for (field, text) in filter.texts() {
        if let Some(text) = text {
            validate::filter_text(field, text)?;
        }
    }
    ensure(db, tenant, &filter.refs()).await
}
