//! Who is asking, in which organization: resolved once at the edge, read everywhere.

use std::sync::Arc;

use uuid::Uuid;

use super::permission::{Permission, PermissionSet, Scope, role_permissions, scope_permissions};
use crate::error::{AppError, Result};
use entity::Role;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: String,
}

#[derive(Debug, Clone)]
pub enum Actor {
    User {
        user_id: Uuid,
        session_id: Uuid,
        role: Role,
    },
    ApiKey {
        key_id: Uuid,
        scopes: Arc<[Scope]>,
    },
    /// A device publishing telemetry through the MQTT bridge. The broker authenticated it (its
    /// ACLs decide who may publish for which organization); Fleetgraph only knows the topic.
    Device,
}

/// An authenticated caller inside one organization. Domain functions take a `&Tenant` and scope
/// every read and write to `organization_id` (and, for a site-restricted member, to its sites).
#[derive(Debug, Clone)]
pub struct Tenant {
    pub organization_id: Uuid,
    pub actor: Actor,
    /// `Some(sites)` for a member restricted to those sites; `None` sees every site.
    pub site_scope: Option<Arc<[Uuid]>>,
    pub origin: Origin,
    permissions: PermissionSet,
}

impl Tenant {
    pub fn user(
        organization_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
        role: Role,
        site_scope: Option<Arc<[Uuid]>>,
        origin: Origin,
    ) -> Self {
        Self {
            organization_id,
            actor: Actor::User {
                user_id,
                session_id,
                role,
            },
            site_scope,
            origin,
            permissions: role_permissions(role),
        }
    }

    pub fn api_key(
        organization_id: Uuid,
        key_id: Uuid,
        scopes: Arc<[Scope]>,
        origin: Origin,
    ) -> Self {
        Self {
            organization_id,
            permissions: scope_permissions(&scopes),
            actor: Actor::ApiKey { key_id, scopes },
            site_scope: None,
            origin,
        }
    }

    /// A device of the organization, as the MQTT bridge acts: it may write telemetry and read
    /// what ingest resolves (assets by code, their sites), nothing else.
    pub fn device(organization_id: Uuid, origin: Origin) -> Self {
        Self {
            organization_id,
            actor: Actor::Device,
            site_scope: None,
            origin,
            permissions: PermissionSet::of(&[
                Permission::TelemetryWrite,
                Permission::AssetsRead,
                Permission::SitesRead,
            ]),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this action requires the {} permission",
                permission.name()
            )))
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { user_id, .. } => Some(user_id),
            Actor::ApiKey { .. } | Actor::Device => None,
        }
    }

    pub fn api_key_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::ApiKey { key_id, .. } => Some(key_id),
            Actor::User { .. } | Actor::Device => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self.actor {
            Actor::User { role, .. } => Some(role),
            Actor::ApiKey { .. } | Actor::Device => None,
        }
    }

    /// What this caller's reads depend on, apart from who it is: see [`TenantView`].
    pub fn view(&self) -> TenantView {
        let site_scope = self.site_scope.as_ref().map(|sites| {
            let mut sites = sites.to_vec();
            sites.sort_unstable();
            sites.dedup();
            Arc::from(sites)
        });
        TenantView {
            organization_id: self.organization_id,
            permissions: self.permissions,
            site_scope,
        }
    }

    /// Whether this caller may see or touch things on `site_id`.
    pub fn sees_site(&self, site_id: Uuid) -> bool {
        self.site_scope
            .as_ref()
            .is_none_or(|sites| sites.contains(&site_id))
    }
}

/// The part of a [`Tenant`] that decides what a subscription yields: the organization, the
/// permissions and the site restriction. Two callers with equal views receive identical
/// responses to the same subscription, which is what lets the WebSocket endpoint execute it once
/// for both (`http::ws::shared`). A resolver reachable from a `Subscription` field must
/// therefore not read anything else of the caller (its user id, say): per-user data belongs in
/// queries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantView {
    organization_id: Uuid,
    permissions: PermissionSet,
    /// Sorted and without duplicates, so that equal sets compare equal.
    site_scope: Option<Arc<[Uuid]>>,
}

/// The caller of one request: anonymous until credentials are presented and checked.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous(Origin),
    Tenant(Tenant),
}

impl Caller {
    pub fn tenant(&self) -> Result<&Tenant> {
        match self {
            Caller::Tenant(t) => Ok(t),
            Caller::Anonymous(_) => Err(AppError::Unauthenticated("authentication required")),
        }
    }

    pub fn origin(&self) -> &Origin {
        match self {
            Caller::Anonymous(origin) => origin,
            Caller::Tenant(t) => &t.origin,
        }
    }
}
