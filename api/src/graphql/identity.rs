//! Identity over GraphQL: sign-up, login, sessions, `me`, the organization itself.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Actor;
use crate::domain::audit::Change;
use crate::domain::identity::{self, IssuedSession, Login, SignUp};
use crate::domain::invitations as invitations_domain;
use crate::domain::organizations::{self, UpdateOrganization};
use crate::error::AppError;
use crate::graphql::api_keys::ApiKey;
use crate::graphql::common::{Plan, Role};
use crate::graphql::context::{caller, services, tenant};
use crate::graphql::mutation::{Mutation, record_outside};
use entity::{invitations, organizations as orgs, users};

pub struct Organization(pub orgs::Model);

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn plan(&self) -> Plan {
        self.0.plan.into()
    }
    /// Days raw telemetry is kept.
    async fn telemetry_retention_days(&self) -> i32 {
        self.0.telemetry_retention_days
    }
    /// Free-form organization settings (a JSON object).
    async fn settings(&self) -> Json<serde_json::Value> {
        Json(self.0.settings.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct User(pub users::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An organization the signed-in user belongs to.
#[derive(SimpleObject)]
pub struct OrganizationMembership {
    organization: Organization,
    role: Role,
}

/// An invitation addressed to the signed-in user's email, as they see it. Accepting or
/// declining takes the token the inviting admin handed over.
pub struct ReceivedInvitation(invitations::Model, orgs::Model);

#[Object]
impl ReceivedInvitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn organization_name(&self) -> &str {
        &self.1.name
    }
    async fn organization_slug(&self) -> &str {
        &self.1.slug
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The caller: a signed-in user, or an API key.
pub struct Me;

#[Object]
impl Me {
    /// The signed-in user; null for an API key.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let tenant = tenant(ctx)?;
        let Some(user_id) = tenant.user_id() else {
            return Ok(None);
        };
        let loader = crate::graphql::loader(ctx)?;
        Ok(loader
            .load_one(crate::graphql::loaders::UserKey(user_id))
            .await?
            .map(User))
    }
    /// The API key in use; null for a user.
    async fn api_key(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApiKey>> {
        let tenant = tenant(ctx)?;
        let Some(key_id) = tenant.api_key_id() else {
            return Ok(None);
        };
        let loader = crate::graphql::loader(ctx)?;
        Ok(loader
            .load_one(crate::graphql::loaders::ApiKeyKey(key_id))
            .await?
            .map(ApiKey))
    }
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let tenant = tenant(ctx)?;
        Ok(Organization(
            organizations::by_id(&services(ctx).db.conn, tenant.organization_id).await?,
        ))
    }
    /// The user's role here; null for an API key.
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Role>> {
        Ok(tenant(ctx)?.role().map(Role::from))
    }
    /// Scopes of the API key in use; empty for a user.
    async fn scopes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(match &tenant(ctx)?.actor {
            Actor::ApiKey { scopes, .. } => scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            Actor::User { .. } | Actor::Device => Vec::new(),
        })
    }
    /// Pending invitations addressed to the user's email (empty for an API key).
    async fn invitations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReceivedInvitation>> {
        let tenant = tenant(ctx)?;
        if tenant.user_id().is_none() {
            return Ok(Vec::new());
        }
        let db = &services(ctx).db.conn;
        let user = invitations_domain::user_of(db, tenant).await?;
        let rows = invitations_domain::open_for_email(db, &user.email).await?;
        Ok(rows
            .into_iter()
            .map(|(i, o)| ReceivedInvitation(i, o))
            .collect())
    }
    /// Every organization the user belongs to (to switch between them).
    async fn organizations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<OrganizationMembership>> {
        let tenant = tenant(ctx)?;
        let Some(user_id) = tenant.user_id() else {
            return Ok(Vec::new());
        };
        let rows = identity::organizations_of(&services(ctx).db.conn, user_id).await?;
        Ok(rows
            .into_iter()
            .map(|(m, o)| OrganizationMembership {
                organization: Organization(o),
                role: m.role.into(),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// Who is calling.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        tenant(ctx)?;
        Ok(Me)
    }

    /// The caller's organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let tenant = tenant(ctx)?;
        Ok(Organization(
            organizations::current(&services(ctx).db.conn, tenant).await?,
        ))
    }
}

/// Tokens for a session. The access token goes in `Authorization: Bearer ...`; the refresh
/// token only to `refreshSession`.
pub struct AuthPayload(pub IssuedSession);

#[Object]
impl AuthPayload {
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }
    async fn access_token_expires_at(&self) -> DateTime<Utc> {
        self.0.access_expires_at
    }
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    async fn refresh_token_expires_at(&self) -> DateTime<Utc> {
        self.0.refresh_expires_at
    }
    async fn user(&self) -> User {
        User(self.0.user.clone())
    }
    async fn organization(&self) -> Organization {
        Organization(self.0.organization.clone())
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
}

#[derive(InputObject)]
pub struct SignUpInput {
    /// The organization to create (required without `invitationToken`).
    pub organization_name: Option<String>,
    /// Lower-case letters, digits and hyphens; unique across the deployment (required without
    /// `invitationToken`).
    pub organization_slug: Option<String>,
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// An invitation token: the new account joins the inviting organization (with the offered
    /// role) instead of creating one. The email must be the one invited. Works also where
    /// sign-up is disabled.
    pub invitation_token: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// Which organization to enter when the user belongs to several (default: the first joined).
    pub organization_slug: Option<String>,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct SwitchOrganizationInput {
    pub organization_slug: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    pub name: String,
    /// Lower-case letters, digits and hyphens; unique across the deployment.
    pub slug: String,
}

#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub name: Option<String>,
    pub telemetry_retention_days: Option<i32>,
    pub settings: Option<Json<serde_json::Value>>,
}

#[derive(SimpleObject)]
pub struct SuccessPayload {
    pub success: bool,
}

#[derive(SimpleObject)]
pub struct OrganizationPayload {
    pub organization: Organization,
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Creates an organization and its owner, and signs the owner in; or, with an invitation
    /// token, creates an account that joins the inviting organization and signs it in there.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let services = services(ctx);
        // Disabling sign-up stops new organizations; invited people can still join.
        if !services.signup_enabled && input.invitation_token.is_none() {
            let err = AppError::forbidden("sign-up is disabled on this deployment");
            let origin = caller(ctx)?.origin();
            crate::graphql::mutation::refuse(services, None, origin, "signUp", None, &err).await;
            return Err(err.into());
        }
        let origin = caller(ctx)?.origin();
        if let Err(err) = services.throttle.check(origin, Some(&input.email)).await {
            crate::graphql::mutation::refuse(services, None, origin, "signUp", None, &err).await;
            return Err(err.into());
        }
        let (m, origin) = Mutation::begin_public(ctx, "signUp").await?;
        let input = SignUp {
            organization_name: input.organization_name,
            organization_slug: input.organization_slug,
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            invitation_token: input.invitation_token,
        };
        let result =
            identity::sign_up(m.tx(), &services.hasher, services.tokens, input, origin).await;
        m.finish(result).await.map(AuthPayload)
    }

    /// Signs in with email and password. Five failures lock the account for 15 minutes; every
    /// failure answers with the same message, except that the right password for a locked
    /// account gets ACCOUNT_LOCKED with `lockedUntil`. Throttled per client address and per
    /// email (RATE_LIMITED with `retryAfter`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let services = services(ctx);
        let origin = caller(ctx)?.origin();
        if let Err(err) = services.throttle.check(origin, Some(&input.email)).await {
            crate::graphql::mutation::refuse(services, None, origin, "login", None, &err).await;
            return Err(err.into());
        }
        let login = Login {
            email: input.email,
            password: input.password,
            organization_slug: input.organization_slug,
        };
        let attempt = identity::login(
            &services.db,
            &services.hasher,
            services.tokens,
            login,
            origin,
        )
        .await;
        let code = attempt.result.as_ref().err().map(|e| e.code().as_str());
        let target = match &attempt.result {
            Ok(session) => Change::of("session", session.session_id),
            Err(_) => Change::default(),
        };
        let change = Change {
            organization_id: attempt.organization_id,
            user_id: attempt.user_id,
            ..target
        };
        record_outside(&services.db, None, origin, "login", change, code).await;
        Ok(attempt.result.map(AuthPayload)?)
    }

    /// Exchanges a refresh token for new tokens. Each refresh token works once: presenting it
    /// again within the grace period (a retry after a lost response) answers with the same new
    /// tokens; later, it revokes the session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<AuthPayload> {
        let services = services(ctx);
        let origin = caller(ctx)?.origin();
        let result = identity::refresh(&services.db, services.tokens, &input.refresh_token).await;
        match result {
            Ok(audited) => {
                record_outside(
                    &services.db,
                    None,
                    origin,
                    "refreshSession",
                    audited.change,
                    None,
                )
                .await;
                Ok(AuthPayload(audited.value))
            }
            Err(err) => {
                crate::graphql::mutation::refuse(
                    services,
                    None,
                    origin,
                    "refreshSession",
                    None,
                    &err,
                )
                .await;
                Err(err.into())
            }
        }
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<SuccessPayload> {
        let (m, tenant) = Mutation::begin(ctx, "logout").await?;
        let result = identity::logout(m.tx(), tenant).await;
        m.finish(result)
            .await
            .map(|success| SuccessPayload { success })
    }

    /// Opens a session in another of the user's organizations and ends the current one.
    async fn switch_organization(
        &self,
        ctx: &Context<'_>,
        input: SwitchOrganizationInput,
    ) -> async_graphql::Result<AuthPayload> {
        let (m, tenant) = Mutation::begin(ctx, "switchOrganization").await?;
        let result = identity::switch_organization(
            m.tx(),
            services(ctx).tokens,
            tenant,
            &input.organization_slug,
        )
        .await;
        m.finish(result).await.map(AuthPayload)
    }

    /// Changes the caller's password; their other sessions end. Wrong current passwords count
    /// towards the account's lockout, as failed logins do.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let services = services(ctx);
        // Checked before the mutation's transaction: the counted attempt must outlive a refused
        // change (and, on SQLite, its statements cannot wait for the write gate the transaction
        // holds). An anonymous caller is refused, and audited, by `Mutation::begin` below.
        let checked = match caller(ctx)?.tenant() {
            Ok(tenant) => {
                identity::check_current_password(
                    &services.db,
                    &services.hasher,
                    tenant,
                    &input.current_password,
                    &input.new_password,
                )
                .await
            }
            Err(_) => Ok(()),
        };
        let (m, tenant) = Mutation::begin(ctx, "changePassword").await?;
        let result = match checked {
            Ok(()) => {
                identity::change_password(m.tx(), &services.hasher, tenant, &input.new_password)
                    .await
            }
            Err(err) => Err(err),
        };
        m.finish(result)
            .await
            .map(|success| SuccessPayload { success })
    }

    /// Creates another organization, owned by the signed-in user (who stays signed in where they
    /// are: `switchOrganization` opens a session in the new one).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let (m, tenant) = Mutation::begin(ctx, "createOrganization").await?;
        let result = identity::create_organization(m.tx(), tenant, &input.name, &input.slug).await;
        m.finish(result).await.map(|o| OrganizationPayload {
            organization: Organization(o),
        })
    }

    /// Renames the organization or changes its settings (admin).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateOrganization").await?;
        let update = UpdateOrganization {
            name: input.name,
            telemetry_retention_days: input.telemetry_retention_days,
            settings: input.settings.map(|j| j.0),
        };
        let result = organizations::update(m.tx(), tenant, update).await;
        m.finish(result).await.map(|o| OrganizationPayload {
            organization: Organization(o),
        })
    }
}
