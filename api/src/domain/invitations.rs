//! Invitations: how a person joins an organization.
//!
//! An admin invites an email address with a role and optional site restriction and receives a
//! one-time token to hand over (only its SHA-256 is stored). The answer is the same whether or
//! not an account with that email exists, so inviting reveals nothing about other
//! organizations' users, and nobody becomes a member without their consent: the invitee
//! accepts with the token, signed in as the user the invitation is addressed to (or signs up
//! with it). An invitation is pending until accepted, declined or revoked, and expires after
//! [`TTL`]. Accepting claims the row with a conditional update, so however many accepts race,
//! one wins and one membership results.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::tokens::{self, hash_secret};
use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::members::{self, check_rank, checked_sites};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::{get_scoped, now, scoped, validate};
use crate::error::{AppError, Result};
use entity::{InvitationStatus, Role, invitations, memberships, organizations, users};

/// How long an invitation can be accepted.
pub const TTL: Duration = Duration::days(7);

/// The sites an invitation restricts the membership to (empty: every site).
pub fn site_ids(invitation: &invitations::Model) -> Vec<Uuid> {
    serde_json::from_value(invitation.site_ids.clone()).unwrap_or_default()
}

/// Whether the invitation can still be accepted.
pub fn is_open(invitation: &invitations::Model) -> bool {
    invitation.status == InvitationStatus::Pending && invitation.expires_at > now()
}

pub struct Invite {
    pub email: String,
    pub role: Role,
    pub site_ids: Vec<Uuid>,
}

/// A new invitation and its token, shown this once.
pub struct Issued {
    pub invitation: invitations::Model,
    pub token: String,
}

/// Invites `email`. A pending invitation to the same address is replaced (revoked), so a lost
/// token is recovered by inviting again. Nothing here depends on whether an account with the
/// address exists; only an address that is already a member of this organization (which the
/// admin can see in `members`) is a CONFLICT.
pub async fn invite<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: Invite,
) -> Result<Audited<Issued>> {
    tenant.require(Permission::MembersManage)?;
    check_rank(tenant, input.role, "input.role")?;
    let email = validate::email("input.email", &input.email)?;
    let site_ids = checked_sites(db, tenant.organization_id, &input.site_ids).await?;
    let member = scoped::<memberships::Entity>(tenant.organization_id)
        .inner_join(users::Entity)
        .filter(users::Column::Email.eq(&email))
        .one(db)
        .await?;
    if member.is_some() {
        return Err(AppError::conflict("this address is already a member"));
    }
    let at = now();
    invitations::Entity::update_many()
        .filter(invitations::Column::OrganizationId.eq(tenant.organization_id))
        .filter(invitations::Column::Email.eq(&email))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .col_expr(
            invitations::Column::Status,
            Expr::value(InvitationStatus::Revoked),
        )
        .col_expr(invitations::Column::RespondedAt, Expr::value(Some(at)))
        .exec(db)
        .await?;
    let token = tokens::new_invitation_token();
    // A concurrent invitation of the same address hits the partial unique index on pending
    // invitations: a CONFLICT, never two pending ones.
    let invitation = invitations::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(tenant.organization_id),
        email: Set(email.clone()),
        role: Set(input.role),
        site_ids: Set(json!(site_ids)),
        token_hash: Set(hash_secret(&token)),
        status: Set(InvitationStatus::Pending),
        invited_by_user_id: Set(tenant.user_id()),
        accepted_by_user_id: Set(None),
        expires_at: Set(at + TTL),
        responded_at: Set(None),
        created_at: Set(at),
    }
    .insert(db)
    .await?;
    let change = Change::of("invitation", invitation.id).with(json!({
        "email": email, "role": input.role, "siteIds": site_ids,
    }));
    Ok(Audited::new(Issued { invitation, token }, change))
}

const SORT: SortKey<invitations::Entity> = SortKey {
    column: None,
    id: invitations::Column::Id,
    key_of: |_| None,
    id_of: |i| i.id,
};

/// The organization's invitations, newest first. Addresses of people who are not members are
/// for those who manage members only.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    request: &PageRequest,
) -> Result<Page<invitations::Model>> {
    tenant.require(Permission::MembersManage)?;
    page::fetch(
        db,
        scoped::<invitations::Entity>(tenant.organization_id),
        &SORT,
        request,
    )
    .await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<u64> {
    tenant.require(Permission::MembersManage)?;
    page::count(db, scoped::<invitations::Entity>(tenant.organization_id)).await
}

/// Moves a pending invitation to `status`, or fails if it is no longer pending (another
/// request got there first): the conditional update is the one point every racer passes.
async fn close<C: ConnectionTrait>(
    db: &C,
    invitation: &invitations::Model,
    status: InvitationStatus,
    user_id: Option<Uuid>,
) -> Result<invitations::Model> {
    let at = now();
    let updated = invitations::Entity::update_many()
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .col_expr(invitations::Column::Status, Expr::value(status))
        .col_expr(invitations::Column::RespondedAt, Expr::value(Some(at)))
        .col_expr(invitations::Column::AcceptedByUserId, Expr::value(user_id))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict("the invitation is no longer pending"));
    }
    Ok(invitations::Model {
        status,
        responded_at: Some(at),
        accepted_by_user_id: user_id,
        ..invitation.clone()
    })
}

/// Revokes a pending invitation (admin); its token stops working.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<invitations::Model>> {
    tenant.require(Permission::MembersManage)?;
    let invitation = get_scoped::<invitations::Entity, _>(db, tenant.organization_id, id).await?;
    check_rank(tenant, invitation.role, "input.id")?;
    let invitation = close(db, &invitation, InvitationStatus::Revoked, None).await?;
    let change = Change::of("invitation", invitation.id).with(json!({ "status": "revoked" }));
    Ok(Audited::new(invitation, change))
}

/// The open invitation `token` names, for `user`: unknown tokens are NOT_FOUND, an invitation
/// addressed to another email is FORBIDDEN, a used, declined, revoked or expired one a
/// CONFLICT saying which.
async fn open_for<C: ConnectionTrait>(
    db: &C,
    user: &users::Model,
    token: &str,
) -> Result<invitations::Model> {
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_secret(token.trim())))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("invitation"))?;
    // Emails are stored lower-cased on both sides, so this compares case-insensitively.
    if invitation.email != user.email.to_lowercase() {
        return Err(AppError::forbidden(
            "this invitation is addressed to another email address",
        ));
    }
    match invitation.status {
        InvitationStatus::Pending if invitation.expires_at <= now() => {
            Err(AppError::conflict("the invitation has expired"))
        }
        InvitationStatus::Pending => Ok(invitation),
        InvitationStatus::Accepted => {
            Err(AppError::conflict("the invitation was already accepted"))
        }
        InvitationStatus::Declined => Err(AppError::conflict("the invitation was declined")),
        InvitationStatus::Revoked => Err(AppError::conflict("the invitation was revoked")),
    }
}

/// What accepting gave: the new membership and its organization.
pub struct Joined {
    pub membership: memberships::Model,
    pub organization: organizations::Model,
}

/// `user` accepts the invitation `token` names and becomes a member with its role and sites.
/// The audit row belongs to the inviting organization.
pub async fn accept<C: ConnectionTrait>(
    db: &C,
    user: &users::Model,
    token: &str,
) -> Result<Audited<Joined>> {
    let invitation = open_for(db, user, token).await?;
    let invitation = close(db, &invitation, InvitationStatus::Accepted, Some(user.id)).await?;
    let organization_id = invitation.organization_id;
    if members::membership_of(db, organization_id, user.id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "you are already a member of this organization",
        ));
    }
    let organization = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("invitation"))?;
    let membership =
        members::insert_membership(db, organization_id, user.id, invitation.role).await?;
    let wanted = site_ids(&invitation);
    if !wanted.is_empty() {
        // Sites deleted since the invitation drop out; if none is left the restriction cannot
        // be honoured, and an unrestricted membership would grant more than was offered.
        let mut kept = Vec::new();
        for site in wanted {
            if checked_sites(db, organization_id, &[site]).await.is_ok() {
                kept.push(site);
            }
        }
        if kept.is_empty() {
            return Err(AppError::conflict(
                "the sites this invitation grants no longer exist; ask for a new invitation",
            ));
        }
        members::set_sites(db, organization_id, membership.id, &kept).await?;
    }
    let change = Change {
        organization_id: Some(organization_id),
        user_id: Some(user.id),
        ..Change::of("member", membership.id)
    }
    .with(json!({ "invitationId": invitation.id, "role": invitation.role }));
    Ok(Audited::new(
        Joined {
            membership,
            organization,
        },
        change,
    ))
}

/// `user` declines the invitation `token` names. The audit row belongs to the inviting
/// organization.
pub async fn decline<C: ConnectionTrait>(
    db: &C,
    user: &users::Model,
    token: &str,
) -> Result<Audited<Uuid>> {
    let invitation = open_for(db, user, token).await?;
    let invitation = close(db, &invitation, InvitationStatus::Declined, None).await?;
    let change = Change {
        organization_id: Some(invitation.organization_id),
        user_id: Some(user.id),
        ..Change::of("invitation", invitation.id)
    }
    .with(json!({ "status": "declined" }));
    Ok(Audited::new(invitation.id, change))
}

/// Open invitations addressed to `email`, oldest first, with their organizations.
pub async fn open_for_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Vec<(invitations::Model, organizations::Model)>> {
    let rows = invitations::Entity::find()
        .find_also_related(organizations::Entity)
        .filter(invitations::Column::Email.eq(email.to_lowercase()))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .filter(invitations::Column::ExpiresAt.gt(now()))
        .order_by_asc(invitations::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, o)| o.map(|o| (i, o)))
        .collect())
}

/// The signed-in user behind `tenant` (invitations are answered by people, not keys).
pub async fn user_of<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<users::Model> {
    let id = tenant
        .user_id()
        .ok_or_else(|| AppError::forbidden("invitations are answered by people"))?;
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated("the account no longer exists"))
}
