//! Members: who belongs to an organization, with which role, restricted to which sites.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::permission::role_rank;
use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{get_scoped, now, scoped, validate};
use crate::error::{AppError, Result};
use entity::{Role, membership_sites, memberships, organizations, sessions, sites};

pub async fn insert_membership<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<memberships::Model> {
    let now = now();
    let row = memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        user_id: Set(user_id),
        role: Set(role),
        badge_tag: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(row.insert(db).await?)
}

pub async fn membership_of<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(memberships::Model, organizations::Model)>> {
    let row = memberships::Entity::find()
        .find_also_related(organizations::Entity)
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    Ok(row.and_then(|(m, o)| o.map(|o| (m, o))))
}

/// The member of `organization_id` holding badge `tag`. Badges are per membership, so a tag
/// another organization gave its own member never matches here.
pub async fn by_badge<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    tag: &str,
) -> Result<Option<memberships::Model>> {
    Ok(scoped::<memberships::Entity>(organization_id)
        .filter(memberships::Column::BadgeTag.eq(tag))
        .one(db)
        .await?)
}

/// `Some(sites)` when the membership is restricted to those sites, `None` for all sites.
pub async fn site_restriction<C: ConnectionTrait>(
    db: &C,
    membership_id: Uuid,
) -> Result<Option<Vec<Uuid>>> {
    let rows = membership_sites::Entity::find()
        .filter(membership_sites::Column::MembershipId.eq(membership_id))
        .all(db)
        .await?;
    Ok((!rows.is_empty()).then(|| rows.into_iter().map(|r| r.site_id).collect()))
}

const SORT: SortKey<memberships::Entity> = SortKey {
    column: None,
    id: memberships::Column::Id,
    key_of: |_| None,
    id_of: |m| m.id,
};

pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    request: &PageRequest,
) -> Result<Page<memberships::Model>> {
    tenant.require(Permission::MembersRead)?;
    page::fetch(
        db,
        scoped::<memberships::Entity>(tenant.organization_id),
        &SORT,
        request,
    )
    .await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<u64> {
    tenant.require(Permission::MembersRead)?;
    page::count(db, scoped::<memberships::Entity>(tenant.organization_id)).await
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<memberships::Model> {
    tenant.require(Permission::MembersRead)?;
    get_scoped::<memberships::Entity, _>(db, tenant.organization_id, id).await
}

/// The caller may only grant, and only touch members holding, roles up to their own.
pub(crate) fn check_rank(tenant: &Tenant, role: Role, field: &str) -> Result<()> {
    let own = tenant
        .role()
        .ok_or_else(|| AppError::forbidden("members are managed by people"))?;
    if role_rank(role) > role_rank(own) {
        return Err(AppError::forbidden(format!(
            "{field}: a {own:?} cannot manage the {role:?} role",
            own = own,
            role = role
        )));
    }
    Ok(())
}

async fn owner_count<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<u64> {
    Ok(scoped::<memberships::Entity>(organization_id)
        .filter(memberships::Column::Role.eq(Role::Owner))
        .count(db)
        .await?)
}

/// `site_ids` deduplicated, each checked to be a site of `organization_id`; another
/// organization's site is absent, as everywhere (NOT_FOUND).
pub(crate) async fn checked_sites<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    site_ids: &[Uuid],
) -> Result<Vec<Uuid>> {
    let mut unique: Vec<Uuid> = site_ids.to_vec();
    unique.sort();
    unique.dedup();
    for site_id in &unique {
        get_scoped::<sites::Entity, _>(db, organization_id, *site_id)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("site"),
                other => other,
            })?;
    }
    Ok(unique)
}

/// Restricts a membership to `site_ids` (checked by [`checked_sites`]); empty lifts it.
pub(crate) async fn set_sites<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    membership_id: Uuid,
    site_ids: &[Uuid],
) -> Result<()> {
    let unique = checked_sites(db, organization_id, site_ids).await?;
    membership_sites::Entity::delete_many()
        .filter(membership_sites::Column::MembershipId.eq(membership_id))
        .exec(db)
        .await?;
    for site_id in unique {
        membership_sites::Entity::insert(membership_sites::ActiveModel {
            membership_id: Set(membership_id),
            site_id: Set(site_id),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub struct UpdateMember {
    pub id: Uuid,
    pub role: Option<Role>,
    /// `Some(empty)` lifts the restriction.
    pub site_ids: Option<Vec<Uuid>>,
    /// `Some(None)` removes the member's badge.
    pub badge_tag: Option<Option<String>>,
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: UpdateMember,
) -> Result<Audited<memberships::Model>> {
    tenant.require(Permission::MembersManage)?;
    let member = get_scoped::<memberships::Entity, _>(db, tenant.organization_id, input.id).await?;
    check_rank(tenant, member.role, "input.id")?;
    let mut changes = serde_json::Map::new();
    let mut member = member;
    if let Some(role) = input.role {
        check_rank(tenant, role, "input.role")?;
        if member.role == Role::Owner
            && role != Role::Owner
            && owner_count(db, tenant.organization_id).await? <= 1
        {
            return Err(AppError::conflict("the last owner cannot be demoted"));
        }
        let mut active = member.into_active_model();
        active.role = Set(role);
        active.updated_at = Set(now());
        member = active.update(db).await?;
        changes.insert("role".into(), json!(role));
    }
    if let Some(site_ids) = &input.site_ids {
        set_sites(db, tenant.organization_id, member.id, site_ids).await?;
        changes.insert("siteIds".into(), json!(site_ids));
    }
    if let Some(badge) = input.badge_tag {
        // A badge belongs to the membership: unique within this organization only (a clash is
        // a CONFLICT from `uq_memberships_organization_id_badge_tag`, and can only concern a
        // member of this organization), and invisible to every other organization.
        let badge = validate::optional_text("input.badgeTag", badge.as_deref(), 64)?;
        let mut active = member.into_active_model();
        active.badge_tag = Set(badge.clone());
        active.updated_at = Set(now());
        member = active.update(db).await?;
        // The tag itself is a credential for starting sessions: the audit row only says whether
        // one is set.
        changes.insert("badge".into(), json!(badge.is_some()));
    }
    Ok(Audited::new(
        member.clone(),
        Change::of("member", member.id).with(changes.into()),
    ))
}

pub async fn remove<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<Uuid>> {
    tenant.require(Permission::MembersManage)?;
    let member = get_scoped::<memberships::Entity, _>(db, tenant.organization_id, id).await?;
    check_rank(tenant, member.role, "input.id")?;
    if member.role == Role::Owner && owner_count(db, tenant.organization_id).await? <= 1 {
        return Err(AppError::conflict("the last owner cannot be removed"));
    }
    memberships::Entity::delete_by_id(member.id)
        .exec(db)
        .await?;
    // Their sessions in this organization end with the membership.
    sessions::Entity::update_many()
        .filter(sessions::Column::UserId.eq(member.user_id))
        .filter(sessions::Column::OrganizationId.eq(tenant.organization_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now())))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(Some("membership_removed".to_owned())),
        )
        .exec(db)
        .await?;
    let change = Change::of("member", member.id).with(json!({ "userId": member.user_id }));
    Ok(Audited::new(member.id, change))
}

/// Site restrictions of many memberships at once (for the DataLoader).
pub async fn sites_of_memberships<C: ConnectionTrait>(
    db: &C,
    membership_ids: &[Uuid],
) -> Result<Vec<membership_sites::Model>> {
    Ok(membership_sites::Entity::find()
        .filter(membership_sites::Column::MembershipId.is_in(membership_ids.iter().copied()))
        .order_by_asc(membership_sites::Column::SiteId)
        .all(db)
        .await?)
}
