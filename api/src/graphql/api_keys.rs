//! API keys over GraphQL.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::api_keys::{self, CreateApiKey};
use crate::domain::page::PageRequest;
use crate::graphql::common::{Conn, TotalCount, connection};
use crate::graphql::context::{parse_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::UserKey;
use crate::graphql::mutation::Mutation;
use entity::api_keys as keys;

/// An API key, as listed: its display prefix, never its secret.
pub struct ApiKey(pub keys::Model);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the secret, to recognise the key.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    async fn scopes(&self) -> Vec<String> {
        api_keys::scopes_of(&self.0)
    }
    async fn rate_limit_per_minute(&self) -> Option<i32> {
        self.0.rate_limit_per_minute
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(user_id) = self.0.created_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(user_id)).await?.map(User))
    }
}

#[derive(Default)]
pub struct ApiKeysQuery;

#[Object]
impl ApiKeysQuery {
    /// The organization's API keys (admin).
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_revoked: bool,
    ) -> async_graphql::Result<Conn<ApiKey>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let request = PageRequest {
            first,
            after,
            descending: true,
        };
        let page = api_keys::list(&db.conn, tenant, include_revoked, &request).await?;
        let t = tenant.clone();
        let total =
            TotalCount::new(async move { api_keys::count(&db.conn, &t, include_revoked).await });
        Ok(connection(page, total, ApiKey))
    }
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub name: String,
    /// Scopes such as `assets:read`, `telemetry:write`, `jobs:write`.
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Requests per minute this key may make; unlimited when null.
    pub rate_limit_per_minute: Option<i32>,
}

#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    pub id: ID,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CreateApiKeyPayload {
    #[graphql(skip)]
    pub key: keys::Model,
    /// The whole key. Shown this once; only its hash is stored.
    pub secret: String,
}

#[ComplexObject]
impl CreateApiKeyPayload {
    async fn api_key(&self) -> ApiKey {
        ApiKey(self.key.clone())
    }
}

#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct ApiKeysMutation;

#[Object]
impl ApiKeysMutation {
    /// Creates an API key (admin). The secret is in the payload and nowhere else, ever.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let (m, tenant) = Mutation::begin(ctx, "createApiKey").await?;
        let create = CreateApiKey {
            name: input.name,
            scopes: input.scopes,
            expires_at: input.expires_at,
            rate_limit_per_minute: input.rate_limit_per_minute,
        };
        let result = api_keys::create(m.tx(), tenant, create).await;
        let created = m.finish(result).await?;
        Ok(CreateApiKeyPayload {
            key: created.key,
            secret: created.secret,
        })
    }

    /// Revokes an API key (admin); it stops working at once.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<ApiKeyPayload> {
        let (m, tenant) = Mutation::begin(ctx, "revokeApiKey").await?;
        let m = m.aim("api_key", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            api_keys::revoke(m.tx(), tenant, id).await
        }
        .await;
        m.finish(result)
            .await
            .map(|k| ApiKeyPayload { api_key: ApiKey(k) })
    }
}
