//! Identity: sign-up, login with lockout, rotating refresh tokens, logout, switching
//! organization, password changes, and resolving a bearer token into a `Tenant`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
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

/// Failed logins before an account locks, and for how long (docs/ARCHITECTURE.md §7.1).
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);

/// One generic message for every login failure, so that it tells an attacker nothing about
/// which part was wrong or whether the account is locked.
pub const INVALID_CREDENTIALS: &str = "invalid email, password or organization";

#[derive(Debug, Clone, Copy)]
pub struct TokenSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long after a rotation the old refresh token still answers, with the same new pair.
    pub refresh_grace: Duration,
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

/// Creates an organization and its owner, a new account, or, with an invitation token, a new
/// account that joins the inviting organization (its email must be the invitation's).
///
/// An email that already has an account is a CONFLICT, answered before anything is hashed and
/// whatever the password: sign-up never checks an existing account's password (that made it a
/// password oracle beside `login`, outside the lockout). The CONFLICT does tell that the email is
/// registered; a sign-up form cannot avoid that without sending mail (the account cannot be
/// created twice), and the per-address throttle bounds how fast anyone can ask. Existing users
/// create further organizations while logged in, with [`create_organization`], and accept
/// invitations with `acceptInvitation`.
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

    if let Destination::Create { slug, .. } = &destination {
        ensure_slug_free(db, slug).await?;
    }
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(db)
        .await?;
    let user = match existing {
        Some(_) => {
            return Err(AppError::conflict(
                "an account with this email already exists; log in, then createOrganization or acceptInvitation",
            ));
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
    let organization = found_organization(db, &name, &slug, user.id).await?;
    let session = issue(db, settings, user, organization, Role::Owner, origin).await?;
    let change = Change {
        organization_id: Some(session.organization.id),
        user_id: Some(session.user.id),
        ..Change::of("organization", session.organization.id)
    }
    .with(json!({ "name": name, "slug": slug, "ownerEmail": email }));
    Ok(Audited::new(session, change))
}

async fn ensure_slug_free<C: ConnectionTrait>(db: &C, slug: &str) -> Result<()> {
    if orgs::Entity::find()
        .filter(orgs::Column::Slug.eq(slug))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "an organization with this slug already exists",
        ));
    }
    Ok(())
}

/// A new organization owned by `owner`.
async fn found_organization<C: ConnectionTrait>(
    db: &C,
    name: &str,
    slug: &str,
    owner: Uuid,
) -> Result<orgs::Model> {
    let organization = organizations::create(db, name, slug).await?;
    members::insert_membership(db, organization.id, owner, Role::Owner).await?;
    Ok(organization)
}

/// A logged-in user creates another organization and becomes its owner; `switchOrganization`
/// then opens a session there. Needs a user session (an API key belongs to one organization).
pub async fn create_organization<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    name: &str,
    slug: &str,
) -> Result<Audited<orgs::Model>> {
    let (user_id, _) = session_of(tenant)?;
    let name = validate::name("input.name", name, 100)?;
    let slug = validate::slug("input.slug", slug)?;
    ensure_slug_free(db, &slug).await?;
    let organization = found_organization(db, &name, &slug, user_id).await?;
    let change = Change {
        organization_id: Some(organization.id),
        user_id: Some(user_id),
        ..Change::of("organization", organization.id)
    }
    .with(json!({ "name": name, "slug": slug }));
    Ok(Audited::new(organization, change))
}

/// The outcome of a login attempt, for the audit row.
pub struct LoginAttempt {
    pub result: Result<IssuedSession>,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

impl LoginAttempt {
    fn refused(err: AppError, user_id: Option<Uuid>) -> Self {
        Self {
            result: Err(err),
            user_id,
            organization_id: None,
        }
    }
}

/// Logs in. The attempt is counted (in its own statement: the count must persist although the
/// request fails) before the password is checked, so every attempt counts however many run at
/// once; see [`check_password`]. Every failure costs the same hash whether or not the email
/// exists and answers with the same message, except that the right password for a locked
/// account is told so (ACCOUNT_LOCKED, with when it unlocks): only the account's owner can get
/// that answer, so it tells a guesser nothing.
pub async fn login(
    db: &Db,
    hasher: &PasswordHasher,
    settings: TokenSettings,
    input: Login,
    origin: &Origin,
) -> LoginAttempt {
    let email = input.email.trim().to_lowercase();
    let account = users::Column::Email.eq(email.as_str());
    let user = match check_password(db, hasher, account, &input.password).await {
        Ok(user) => user,
        Err((err, user_id)) => return LoginAttempt::refused(err, user_id),
    };
    let user_id = Some(user.id);
    let membership =
        match pick_membership(&db.conn, user.id, input.organization_slug.as_deref()).await {
            Ok(Some(found)) => found,
            // A correct password but an organization the user is not in: still a failure, and
            // still the same message.
            Ok(None) => return LoginAttempt::refused(INVALID_CREDENTIALS_ERROR, user_id),
            Err(e) => return LoginAttempt::refused(e, user_id),
        };
    let (membership, organization) = membership;
    let organization_id = Some(organization.id);
    let result = async {
        let _gate = db.gate().await;
        users::Entity::update_many()
            .filter(users::Column::Id.eq(user.id))
            .col_expr(users::Column::LastLoginAt, Expr::value(Some(now())))
            .exec(&db.conn)
            .await?;
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

const INVALID_CREDENTIALS_ERROR: AppError = AppError::Unauthenticated(INVALID_CREDENTIALS);

/// Checks a password for the account `account` selects, under the lockout, and returns the
/// account when it is right and the account is not locked; otherwise the error to answer and
/// the account's id (for the audit row).
///
/// The lockout is decided in the database, per attempt, before the (slow) hash is checked:
/// [`count_attempt`] adds the attempt to the account's count and, in the same statement, locks
/// the account once the count passes [`MAX_FAILED_LOGINS`]. Attempts running at once (aliases,
/// a batch, parallel requests, other replicas) therefore each see their own number, and at most
/// `MAX_FAILED_LOGINS` of them can ever be judged on their password before the lock. A wrong
/// password leaves its attempt counted (and locks the account if it was the last one allowed);
/// a right one takes back the attempts it saw, its own and earlier ones, but not those counted
/// after it, nor a lock that they set. A locked account refuses the right password too.
async fn check_password(
    db: &Db,
    hasher: &PasswordHasher,
    account: sea_orm::sea_query::Expr,
    password: &str,
) -> std::result::Result<users::Model, (AppError, Option<Uuid>)> {
    let now = now();
    let user = count_attempt(db, account, now)
        .await
        .map_err(|e| (e, None))?;
    let verified = hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await;
    let Some(user) = user else {
        return Err((verified.err().unwrap_or(INVALID_CREDENTIALS_ERROR), None));
    };
    let user_id = Some(user.id);
    let ok = verified.map_err(|e| (e, user_id))?;
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        return Err(if ok {
            (AppError::AccountLocked { until }, user_id)
        } else {
            (INVALID_CREDENTIALS_ERROR, user_id)
        });
    }
    if !ok {
        lock_if_spent(db, user.id, now)
            .await
            .map_err(|e| (e, user_id))?;
        return Err((INVALID_CREDENTIALS_ERROR, user_id));
    }
    settle_success(db, &user).await.map_err(|e| (e, user_id))?;
    Ok(user)
}

/// Counts one attempt on the account (if it exists) and returns the account as the count left
/// it: `failed_login_attempts` is this attempt's number, `locked_until` is set if the account is
/// locked. One conditional `UPDATE ... RETURNING`, atomic on both backends and across replicas.
async fn count_attempt(
    db: &Db,
    account: sea_orm::sea_query::Expr,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>> {
    use sea_orm::QueryTrait;
    let _gate = db.gate().await;
    // A lock that has run out starts a fresh count. Conditional on the expired lock, so of
    // several attempts racing past the expiry only the first resets the count.
    users::Entity::update_many()
        .filter(account.clone())
        .filter(users::Column::LockedUntil.lte(now))
        .col_expr(users::Column::FailedLoginAttempts, Expr::value(0))
        .col_expr(
            users::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .exec(&db.conn)
        .await?;
    let attempts = Expr::col(users::Column::FailedLoginAttempts);
    let lock = Expr::case(
        Expr::col(users::Column::LockedUntil)
            .is_null()
            .and(attempts.clone().add(1).gt(MAX_FAILED_LOGINS)),
        Expr::value(Some(now + LOCKOUT)),
    )
    .finally(Expr::col(users::Column::LockedUntil));
    let mut update = users::Entity::update_many()
        .filter(account)
        .col_expr(users::Column::FailedLoginAttempts, attempts.add(1))
        .col_expr(users::Column::LockedUntil, lock.into())
        .into_query();
    // The columns are named, not `*`: a SQLite connection that prepared this statement before a
    // migration changed `users` (the pool opens connections before migrating) re-prepares it
    // with the new columns at its first step, while sqlx keeps the column names of the first
    // preparation; with `*` the two disagree and decoding the row panics.
    update.returning(
        sea_orm::sea_query::Query::returning()
            .columns(<users::Column as sea_orm::Iterable>::iter()),
    );
    let statement = db.conn.get_database_backend().build(&update);
    Ok(users::Entity::find()
        .from_raw_sql(statement)
        .one(&db.conn)
        .await?)
}

/// After a wrong password: locks the account if the attempts counted so far reach the limit.
async fn lock_if_spent(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let _gate = db.gate().await;
    users::Entity::update_many()
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::FailedLoginAttempts.gte(MAX_FAILED_LOGINS))
        .filter(users::Column::LockedUntil.is_null())
        .col_expr(users::Column::LockedUntil, Expr::value(Some(now + LOCKOUT)))
        .exec(&db.conn)
        .await?;
    Ok(())
}

/// After a right password: takes back the attempts this one saw (its own number of them), in
/// SQL, so that attempts counted meanwhile by others stay counted. A lock is left alone: it was
/// set by attempts this one did not see.
async fn settle_success(db: &Db, user: &users::Model) -> Result<()> {
    let seen = user.failed_login_attempts;
    let attempts = Expr::col(users::Column::FailedLoginAttempts);
    let _gate = db.gate().await;
    users::Entity::update_many()
        .filter(users::Column::Id.eq(user.id))
        .col_expr(
            users::Column::FailedLoginAttempts,
            Expr::case(attempts.clone().gte(seen), attempts.sub(seen))
                .finally(Expr::value(0))
                .into(),
        )
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

/// Exchanges a refresh token for a new pair. The old refresh token stops working: presenting it
/// again within `refresh_grace` of the rotation (a phone retrying after a timeout, or two tabs
/// refreshing at once) answers with the same new pair, which is derived from the old token (see
/// [`tokens::successors`]) and so can be given again without storing it; presenting it later, or
/// after its successor was itself rotated, is treated as theft (RFC 6819 §5.2.2.3) and revokes
/// the whole session. Only a token that was really issued for the session counts as reuse: a
/// made-up token naming a session is just invalid, so knowing a session id is not enough to end
/// it.
pub async fn refresh(
    db: &Db,
    settings: TokenSettings,
    refresh_token: &str,
) -> Result<Audited<IssuedSession>> {
    let conn = &db.conn;
    let session_id = tokens::refresh_token_session(refresh_token).ok_or(INVALID_REFRESH)?;
    let presented = hash_secret(refresh_token);
    let session = live_session(conn, session_id).await?;
    let (membership, organization) =
        members::membership_of(conn, session.organization_id, session.user_id)
            .await?
            .ok_or(INVALID_REFRESH)?;
    let user = users::Entity::find_by_id(session.user_id)
        .one(conn)
        .await?
        .ok_or(INVALID_REFRESH)?;
    let (access_token, new_refresh) = tokens::successors(refresh_token, session.id);
    let issued = |session: &sessions::Model| {
        let change = Change {
            organization_id: Some(organization.id),
            user_id: Some(user.id),
            ..Change::of("session", session.id)
        };
        let issued = IssuedSession {
            session_id: session.id,
            access_token: access_token.clone(),
            access_expires_at: session.access_expires_at,
            refresh_token: new_refresh.clone(),
            refresh_expires_at: session.refresh_expires_at,
            user: user.clone(),
            organization: organization.clone(),
            role: membership.role,
        };
        Audited::new(issued, change)
    };
    if session.refresh_token_hash != presented {
        let _gate = db.gate().await;
        return replay(conn, settings, &session, &presented, &new_refresh)
            .await
            .map(|()| issued(&session));
    }
    let now = now();
    let write = db.begin_write().await?;
    let tx = &write.tx;
    // One conditional UPDATE: of two concurrent refreshes with the same token only one rotates;
    // the other sees zero rows and then finds the token used a moment ago, within the grace.
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
        .exec(tx)
        .await?;
    if rotated.rows_affected != 1 {
        write.rollback().await?;
        let current = live_session(conn, session.id).await?;
        replay(conn, settings, &current, &presented, &new_refresh).await?;
        return Ok(issued(&current));
    }
    used_refresh_tokens::Entity::insert(used_refresh_tokens::ActiveModel {
        token_hash: Set(presented),
        session_id: Set(session.id),
        used_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    write.commit().await?;
    let mut current = session;
    current.access_expires_at = now + settings.access_ttl;
    current.refresh_expires_at = now + settings.refresh_ttl;
    Ok(issued(&current))
}

const INVALID_REFRESH: AppError = AppError::Unauthenticated("invalid or expired refresh token");

/// The session a refresh token names, if it is neither revoked nor past its refresh expiry.
async fn live_session<C: ConnectionTrait>(db: &C, session_id: Uuid) -> Result<sessions::Model> {
    let session = sessions::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(INVALID_REFRESH)?;
    if session.revoked_at.is_some() || session.refresh_expires_at <= now() {
        return Err(INVALID_REFRESH);
    }
    Ok(session)
}

/// A refresh token that is not the session's current one: `Ok` when it is a replay the grace
/// covers (it was used within `refresh_grace`, and the pair it was exchanged for is still the
/// session's current one, so answering with that pair again is answering the same request
/// twice); reuse otherwise, which revokes the session; invalid if it was never the session's.
async fn replay<C: ConnectionTrait>(
    db: &C,
    settings: TokenSettings,
    session: &sessions::Model,
    presented: &str,
    successor: &str,
) -> Result<()> {
    let Some(used) = used_refresh_tokens::Entity::find_by_id(presented.to_owned())
        .one(db)
        .await?
        .filter(|used| used.session_id == session.id)
    else {
        return Err(INVALID_REFRESH);
    };
    if now() - used.used_at <= settings.refresh_grace
        && session.refresh_token_hash == hash_secret(successor)
    {
        return Ok(());
    }
    // Autocommitted on purpose: the revocation must stick although this request fails.
    revoke(db, session.id, "refresh_token_reuse").await?;
    Err(AppError::Unauthenticated(
        "refresh token reuse detected; session revoked",
    ))
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

/// Checks the caller's current password before a password change, under the same lockout as
/// `login`: a stolen access token must not buy unlimited guesses at the password behind it. Runs
/// outside the mutation's transaction, like `login`, because the counted attempt must persist
/// although the change fails. The new password is validated first, so a typo in it does not
/// spend an attempt.
pub async fn check_current_password(
    db: &Db,
    hasher: &PasswordHasher,
    tenant: &Tenant,
    current: &str,
    new: &str,
) -> Result<()> {
    let (user_id, _) = session_of(tenant)?;
    validate::password("input.newPassword", new)?;
    match check_password(db, hasher, users::Column::Id.eq(user_id), current).await {
        Ok(_) => Ok(()),
        Err((AppError::Unauthenticated(_), _)) => Err(AppError::validation(
            "input.currentPassword",
            "is not your current password",
        )),
        Err((err, _)) => Err(err),
    }
}

/// Changes the caller's password and ends every other session of theirs. The current password
/// was checked by [`check_current_password`].
pub async fn change_password<C: ConnectionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    tenant: &Tenant,
    new: &str,
) -> Result<Audited<bool>> {
    let (user_id, session_id) = session_of(tenant)?;
    validate::password("input.newPassword", new)?;
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
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
    if session.revoked_at.is_some() || session.access_expires_at <= now() {
        return Err(INVALID);
    }
    tenant_of(db, session, origin).await.map_err(|e| match e {
        AppError::Unauthenticated(_) => INVALID,
        e => e,
    })
}

/// The caller of a long-lived connection (a WebSocket) authenticated by this session, checked
/// again: valid while the session lives (not revoked, refresh token not expired) and the user is
/// still a member, whatever the access token's expiry. The access token proves the session once,
/// at `connection_init`; a socket need not reconnect every time it is rotated, while logout,
/// revocation, a password change and removal from the organization still end it.
pub async fn authenticate_live_session(
    db: &Db,
    session_id: Uuid,
    origin: Origin,
) -> Result<Tenant> {
    const ENDED: AppError = AppError::Unauthenticated("the session has ended");
    let session = sessions::Entity::find_by_id(session_id)
        .one(&db.conn)
        .await?
        .ok_or(ENDED)?;
    if session.revoked_at.is_some() || session.refresh_expires_at <= now() {
        return Err(ENDED);
    }
    tenant_of(db, session, origin).await
}

/// The caller a live session stands for, in its organization as it is now (role, sites).
async fn tenant_of(db: &Db, session: sessions::Model, origin: Origin) -> Result<Tenant> {
    let now = now();
    let (membership, _) =
        members::membership_of(&db.conn, session.organization_id, session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated("no longer a member"))?;
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
