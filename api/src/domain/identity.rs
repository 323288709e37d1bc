//! Identity: sign-up, login with lockout, rotating refresh tokens, logout, switching
//! organization, password changes, and resolving a bearer token into a `Tenant`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::tokens::{self, hash_secret};
use crate::auth::{Origin, PasswordHasher, Tenant};
use crate::db::Db;
use crate::domain::audit::{Audited, Change};
use crate::domain::invitations::{self, Joined};
use crate::domain::{members, now, organizations, validate};
use crate::error::{AppError, Result};
use entity::{Role, memberships, organizations as orgs, sessions, used_refresh_tokens, users};

/// Failed logins before an account locks, and for how long (DESIGN §5).
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);

/// One generic message for every login failure, so that it tells an attacker nothing about
/// which part was wrong or whether the account is locked.
pub const INVALID_CREDENTIALS: &str = "invalid email, password or organization";

#[derive(Debug, Clone, Copy)]
pub struct TokenSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// A freshly issued pair of tokens and what they open.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub session_id: Uuid,
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: users::Model,
    pub organization: orgs::Model,
    pub role: Role,
}

pub struct SignUp {
    /// The organization to create; absent when joining by invitation.
    pub organization_name: Option<String>,
    pub organization_slug: Option<String>,
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// Join the organization that sent this invitation instead of creating one.
    pub invitation_token: Option<String>,
}

/// What a sign-up leads to: a new organization, or the one an invitation offers.
enum Destination {
    Create { name: String, slug: String },
    Join { token: String },
}

fn destination(input: &SignUp) -> Result<Destination> {
    let required = |field: &str| AppError::validation(field, "is required without an invitation");
    match (
        &input.invitation_token,
        &input.organization_name,
        &input.organization_slug,
    ) {
        (Some(token), None, None) => Ok(Destination::Join {
            token: token.clone(),
        }),
        (Some(_), _, _) => Err(AppError::validation(
            "input.invitationToken",
            "joins an existing organization: give no organization name or slug with it",
        )),
        (None, Some(name), Some(slug)) => Ok(Destination::Create {
            name: validate::name("input.organizationName", name, 100)?,
            slug: validate::slug("input.organizationSlug", slug)?,
        }),
        (None, None, _) => Err(required("input.organizationName")),
        (None, Some(_), None) => Err(required("input.organizationSlug")),
    }
}

pub struct Login {
    pub email: String,
    pub password: String,
    pub organization_slug: Option<String>,
}

async fn issue<C: ConnectionTrait>(
    db: &C,
    settings: TokenSettings,
    user: users::Model,
    organization: orgs::Model,
    role: Role,
    origin: &Origin,
) -> Result<IssuedSession> {
    let session_id = Uuid::now_v7();
    let access_token = tokens::new_access_token();
    let refresh_token = tokens::new_refresh_token(session_id);
    let now = now();
    let row = sessions::ActiveModel {
        id: Set(session_id),
        user_id: Set(user.id),
        organization_id: Set(organization.id),
        access_token_hash: Set(hash_secret(&access_token)),
        access_expires_at: Set(now + settings.access_ttl),
        refresh_token_hash: Set(hash_secret(&refresh_token)),
        refresh_expires_at: Set(now + settings.refresh_ttl),
        ip: Set(origin.ip.clone()),
        user_agent: Set(origin.user_agent.as_deref().map(|ua| truncate(ua, 255))),
        created_at: Set(now),
        last_used_at: Set(None),
        rotated_at: Set(None),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    };
    sessions::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(IssuedSession {
        session_id,
        access_token,
        access_expires_at: now + settings.access_ttl,
        refresh_token,
        refresh_expires_at: now + settings.refresh_ttl,
        user,
        organization,
        role,
    })
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Creates an organization and its owner, or, with an invitation token, an account that joins
/// the inviting organization (its email must be the invitation's). An existing user signing up again (same email and
/// password) becomes the owner of the new organization; a wrong password for an existing email
/// is a CONFLICT, which does reveal that the email is registered, as any sign-up form must.
pub async fn sign_up<C: ConnectionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    settings: TokenSettings,
    input: SignUp,
    origin: &Origin,
) -> Result<Audited<IssuedSession>> {
    let destination = destination(&input)?;
    let email = validate::email("input.email", &input.email)?;
    validate::password("input.password", &input.password)?;
    let display_name = validate::name("input.displayName", &input.display_name, 100)?;

    if let Destination::Create { slug, .. } = &destination
        && orgs::Entity::find()
            .filter(orgs::Column::Slug.eq(slug))
            .one(db)
            .await?
            .is_some()
    {
        return Err(AppError::conflict(
            "an organization with this slug already exists",
        ));
    }
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(db)
        .await?;
    let user = match existing {
        Some(user) => {
            if !hasher
                .verify(&input.password, Some(&user.password_hash))
                .await?
            {
                return Err(AppError::conflict(
                    "an account with this email already exists; sign up with its password",
                ));
            }
            user
        }
        None => {
            let now = now();
            let row = users::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email.clone()),
                password_hash: Set(hasher.hash(&input.password).await?),
                display_name: Set(display_name),
                failed_login_attempts: Set(0),
                locked_until: Set(None),
                last_login_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            };
            row.insert(db).await?
        }
    };
    let (name, slug) = match destination {
        Destination::Create { name, slug } => (name, slug),
        Destination::Join { token } => {
            let joined = invitations::accept(db, &user, &token).await?;
            let Joined {
                membership,
                organization,
            } = joined.value;
            let session = issue(db, settings, user, organization, membership.role, origin).await?;
            return Ok(Audited::new(session, joined.change));
        }
    };
    let organization = organizations::create(db, &name, &slug).await?;
    members::insert_membership(db, organization.id, user.id, Role::Owner).await?;
    let session = issue(db, settings, user, organization, Role::Owner, origin).await?;
    let change = Change {
        organization_id: Some(session.organization.id),
        user_id: Some(session.user.id),
        ..Change::of("organization", session.organization.id)
    }
    .with(json!({ "name": name, "slug": slug, "ownerEmail": email }));
    Ok(Audited::new(session, change))
}

/// The outcome of a login attempt, for the audit row.
pub struct LoginAttempt {
    pub result: Result<IssuedSession>,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

/// Logs in. Failures are counted in their own statements (they must persist although the
/// request fails), and cost the same time whether or not the email exists.
pub async fn login(
    db: &Db,
    hasher: &PasswordHasher,
    settings: TokenSettings,
    input: Login,
    origin: &Origin,
) -> LoginAttempt {
    let email = input.email.trim().to_lowercase();
    let user = match users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&db.conn)
        .await
    {
        Ok(user) => user,
        Err(e) => {
            return LoginAttempt {
                result: Err(e.into()),
                user_id: None,
                organization_id: None,
            };
        }
    };
    let verified = hasher
        .verify(
            &input.password,
            user.as_ref().map(|u| u.password_hash.as_str()),
        )
        .await;
    let Some(user) = user else {
        let result = verified.and(Err(AppError::Unauthenticated(INVALID_CREDENTIALS)));
        return LoginAttempt {
            result,
            user_id: None,
            organization_id: None,
        };
    };
    let user_id = Some(user.id);
    let now = now();
    let locked = user.locked_until.is_some_and(|until| until > now);
    let ok = match verified {
        Ok(ok) => ok,
        Err(e) => {
            return LoginAttempt {
                result: Err(e),
                user_id,
                organization_id: None,
            };
        }
    };
    if locked || !ok {
        if !locked && let Err(e) = record_failure(db, &user, now).await {
            return LoginAttempt {
                result: Err(e),
                user_id,
                organization_id: None,
            };
        }
        return LoginAttempt {
            result: Err(AppError::Unauthenticated(INVALID_CREDENTIALS)),
            user_id,
            organization_id: None,
        };
    }
    let membership =
        match pick_membership(&db.conn, user.id, input.organization_slug.as_deref()).await {
            Ok(Some(found)) => found,
            Ok(None) => {
                // A correct password but an organization the user is not in: still a failure, and
                // still the same message.
                return LoginAttempt {
                    result: Err(AppError::Unauthenticated(INVALID_CREDENTIALS)),
                    user_id,
                    organization_id: None,
                };
            }
            Err(e) => {
                return LoginAttempt {
                    result: Err(e),
                    user_id,
                    organization_id: None,
                };
            }
        };
    let (membership, organization) = membership;
    let organization_id = Some(organization.id);
    let result = async {
        let _gate = db.gate().await;
        let mut active = user.clone().into_active_model();
        active.failed_login_attempts = Set(0);
        active.locked_until = Set(None);
        active.last_login_at = Set(Some(now));
        let user = active.update(&db.conn).await?;
        issue(
            &db.conn,
            settings,
            user,
            organization,
            membership.role,
            origin,
        )
        .await
    }
    .await;
    LoginAttempt {
        result,
        user_id,
        organization_id,
    }
}

async fn record_failure(db: &Db, user: &users::Model, now: DateTime<Utc>) -> Result<()> {
    let _gate = db.gate().await;
    // A lock that has run out starts a fresh count.
    let expired_lock = user.locked_until.is_some_and(|until| until <= now);
    let update = users::Entity::update_many().filter(users::Column::Id.eq(user.id));
    let update = if expired_lock {
        update
            .col_expr(users::Column::FailedLoginAttempts, Expr::value(1))
            .col_expr(
                users::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
    } else {
        // Incremented in SQL, not from the value read earlier: several attempts in one request
        // (aliases) or in parallel requests must all count.
        update.col_expr(
            users::Column::FailedLoginAttempts,
            Expr::col(users::Column::FailedLoginAttempts).add(1),
        )
    };
    update.exec(&db.conn).await?;
    users::Entity::update_many()
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::FailedLoginAttempts.gte(MAX_FAILED_LOGINS))
        .filter(users::Column::LockedUntil.is_null())
        .col_expr(users::Column::LockedUntil, Expr::value(Some(now + LOCKOUT)))
        .exec(&db.conn)
        .await?;
    Ok(())
}

/// The membership to log into: the named organization, or the user's first one.
async fn pick_membership<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    slug: Option<&str>,
) -> Result<Option<(memberships::Model, orgs::Model)>> {
    let mut query = memberships::Entity::find()
        .find_also_related(orgs::Entity)
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::Id);
    if let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(orgs::Column::Slug.eq(slug.to_lowercase()));
    }
    Ok(query.one(db).await?.and_then(|(m, o)| o.map(|o| (m, o))))
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working; presenting
/// it again is treated as theft (RFC 6819 §5.2.2.3) and revokes the whole session. Only a token
/// that was really issued for the session counts as reuse: a made-up token naming a session is
/// just invalid, so knowing a session id is not enough to end it.
pub async fn refresh(
    db: &Db,
    settings: TokenSettings,
    refresh_token: &str,
) -> Result<Audited<IssuedSession>> {
    const INVALID: AppError = AppError::Unauthenticated("invalid or expired refresh token");
    let conn = &db.conn;
    let session_id = tokens::refresh_token_session(refresh_token).ok_or(INVALID)?;
    let presented = hash_secret(refresh_token);
    let session = sessions::Entity::find_by_id(session_id)
        .one(conn)
        .await?
        .ok_or(INVALID)?;
    let now = now();
    if session.revoked_at.is_some() || session.refresh_expires_at <= now {
        return Err(INVALID);
    }
    let _gate = db.gate().await;
    if session.refresh_token_hash != presented {
        let used = used_refresh_tokens::Entity::find_by_id(presented)
            .one(conn)
            .await?
            .is_some_and(|used| used.session_id == session.id);
        if used {
            // Autocommitted on purpose: the revocation must stick although this request fails.
            revoke(conn, session.id, "refresh_token_reuse").await?;
            return Err(AppError::Unauthenticated(
                "refresh token reuse detected; session revoked",
            ));
        }
        return Err(INVALID);
    }
    let (membership, organization) =
        members::membership_of(conn, session.organization_id, session.user_id)
            .await?
            .ok_or(INVALID)?;
    let user = users::Entity::find_by_id(session.user_id)
        .one(conn)
        .await?
        .ok_or(INVALID)?;
    let access_token = tokens::new_access_token();
    let new_refresh = tokens::new_refresh_token(session.id);
    let tx = conn.begin().await?;
    // One conditional UPDATE: of two concurrent refreshes with the same token only one wins;
    // the loser sees zero rows, and its token is by then a used one.
    let rotated = sessions::Entity::update_many()
        .filter(sessions::Column::Id.eq(session.id))
        .filter(sessions::Column::RefreshTokenHash.eq(presented.clone()))
        .filter(sessions::Column::RevokedAt.is_null())
        .col_expr(
            sessions::Column::AccessTokenHash,
            Expr::value(hash_secret(&access_token)),
        )
        .col_expr(
            sessions::Column::AccessExpiresAt,
            Expr::value(now + settings.access_ttl),
        )
        .col_expr(
            sessions::Column::RefreshTokenHash,
            Expr::value(hash_secret(&new_refresh)),
        )
        .col_expr(
            sessions::Column::RefreshExpiresAt,
            Expr::value(now + settings.refresh_ttl),
        )
        .col_expr(sessions::Column::RotatedAt, Expr::value(Some(now)))
        .exec(&tx)
        .await?;
    if rotated.rows_affected != 1 {
        tx.rollback().await?;
        revoke(conn, session.id, "refresh_token_reuse").await?;
        return Err(AppError::Unauthenticated(
            "refresh token reuse detected; session revoked",
        ));
    }
    used_refresh_tokens::Entity::insert(used_refresh_tokens::ActiveModel {
        token_hash: Set(presented),
        session_id: Set(session.id),
        used_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    tx.commit().await?;
    let change = Change {
        organization_id: Some(organization.id),
        user_id: Some(user.id),
        ..Change::of("session", session.id)
    };
    let issued = IssuedSession {
        session_id: session.id,
        access_token,
        access_expires_at: now + settings.access_ttl,
        refresh_token: new_refresh,
        refresh_expires_at: now + settings.refresh_ttl,
        user,
        organization,
        role: membership.role,
    };
    Ok(Audited::new(issued, change))
}

pub async fn revoke<C: ConnectionTrait>(db: &C, session_id: Uuid, reason: &str) -> Result<()> {
    sessions::Entity::update_many()
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now())))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(Some(reason.to_owned())),
        )
        .exec(db)
        .await?;
    Ok(())
}

fn session_of(tenant: &Tenant) -> Result<(Uuid, Uuid)> {
    match tenant.actor {
        crate::auth::Actor::User {
            user_id,
            session_id,
            ..
        } => Ok((user_id, session_id)),
        crate::auth::Actor::ApiKey { .. } | crate::auth::Actor::Device => Err(AppError::forbidden(
            "this action needs a user session, not an API key",
        )),
    }
}

pub async fn logout<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<Audited<bool>> {
    let (_, session_id) = session_of(tenant)?;
    revoke(db, session_id, "logout").await?;
    Ok(Audited::new(true, Change::of("session", session_id)))
}

/// Opens a session in another organization the user belongs to, ending the current one.
pub async fn switch_organization<C: ConnectionTrait>(
    db: &C,
    settings: TokenSettings,
    tenant: &Tenant,
    slug: &str,
) -> Result<Audited<IssuedSession>> {
    let (user_id, session_id) = session_of(tenant)?;
    let (membership, organization) = pick_membership(db, user_id, Some(slug))
        .await?
        .filter(|(_, o)| o.slug == slug.trim().to_lowercase())
        .ok_or(AppError::NotFound("organization"))?;
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    revoke(db, session_id, "switched_organization").await?;
    let issued = issue(
        db,
        settings,
        user,
        organization,
        membership.role,
        &tenant.origin,
    )
    .await?;
    let change = Change {
        organization_id: Some(issued.organization.id),
        ..Change::of("session", issued.session_id)
    }
    .with(json!({ "organization": issued.organization.slug }));
    Ok(Audited::new(issued, change))
}

/// Changes the caller's password and ends every other session of theirs.
pub async fn change_password<C: ConnectionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    tenant: &Tenant,
    current: &str,
    new: &str,
) -> Result<Audited<bool>> {
    let (user_id, session_id) = session_of(tenant)?;
    validate::password("input.newPassword", new)?;
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if !hasher.verify(current, Some(&user.password_hash)).await? {
        return Err(AppError::validation(
            "input.currentPassword",
            "is not your current password",
        ));
    }
    let mut active = user.into_active_model();
    active.password_hash = Set(hasher.hash(new).await?);
    active.updated_at = Set(now());
    active.update(db).await?;
    sessions::Entity::update_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::Id.ne(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now())))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(Some("password_changed".to_owned())),
        )
        .exec(db)
        .await?;
    Ok(Audited::new(
        true,
        Change::of("user", user_id).with(json!({ "password": "changed" })),
    ))
}

/// Resolves an access token into the caller, or UNAUTHENTICATED.
pub async fn authenticate_session(db: &Db, token: &str, origin: Origin) -> Result<Tenant> {
    const INVALID: AppError = AppError::Unauthenticated("invalid or expired access token");
    let session = sessions::Entity::find()
        .filter(sessions::Column::AccessTokenHash.eq(hash_secret(token)))
        .one(&db.conn)
        .await?
        .ok_or(INVALID)?;
    let now = now();
    if session.revoked_at.is_some() || session.access_expires_at <= now {
        return Err(INVALID);
    }
    let (membership, _) =
        members::membership_of(&db.conn, session.organization_id, session.user_id)
            .await?
            .ok_or(INVALID)?;
    let site_scope = members::site_restriction(&db.conn, membership.id).await?;
    // last_used_at is bookkeeping: refreshed at most once a minute so that reads stay reads.
    if session
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let _gate = db.gate().await;
        sessions::Entity::update_many()
            .filter(sessions::Column::Id.eq(session.id))
            .col_expr(sessions::Column::LastUsedAt, Expr::value(Some(now)))
            .exec(&db.conn)
            .await?;
    }
    Ok(Tenant::user(
        session.organization_id,
        session.user_id,
        session.id,
        membership.role,
        site_scope.map(Arc::from),
        origin,
    ))
}

/// The organizations a user belongs to, with their role in each.
pub async fn organizations_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<(memberships::Model, orgs::Model)>> {
    let rows = memberships::Entity::find()
        .find_also_related(orgs::Entity)
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, o)| o.map(|o| (m, o)))
        .collect())
}
