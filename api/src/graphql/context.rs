//! What resolvers read from the context: the shared services, the caller, the loaders.

use async_graphql::{Context, ID};
use uuid::Uuid;

use std::sync::Arc;

use crate::auth::{Caller, CredentialThrottle, PasswordHasher, Tenant};
use crate::db::Db;
use crate::domain::identity::TokenSettings;
use crate::error::{AppError, Result};
use crate::events::EventBus;

/// Process-wide services, stored once in the schema's data.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub hasher: PasswordHasher,
    pub tokens: TokenSettings,
    pub signup_enabled: bool,
    /// Limits unauthenticated credential checks per client address and per email.
    pub throttle: Arc<CredentialThrottle>,
    pub events: EventBus,
    /// Telemetry ingest, written in groups (every ingest path goes through it).
    pub ingest: crate::ingest::Ingestor,
    /// Least time between two value-only UPDATED events of one alert on a subscription.
    pub alert_update_interval: std::time::Duration,
}

pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

pub fn caller<'a>(ctx: &Context<'a>) -> Result<&'a Caller> {
    ctx.data::<Caller>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no caller in request data")))
}

/// The authenticated caller, or UNAUTHENTICATED.
pub fn tenant<'a>(ctx: &Context<'a>) -> Result<&'a Tenant> {
    caller(ctx)?.tenant()
}

/// A GraphQL ID argument as a UUID; a malformed one names the argument.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid> {
    Uuid::try_parse(id.as_str()).map_err(|_| AppError::validation(field, "is not a valid ID"))
}

/// NOT_FOUND unless the caller can see every resource `refs` names (see
/// `domain::visibility`): what subscriptions and other arguments outside a list filter call.
pub async fn ensure_visible(
    ctx: &Context<'_>,
    refs: crate::domain::visibility::Refs,
) -> Result<()> {
    crate::domain::visibility::ensure(&services(ctx).db.conn, tenant(ctx)?, &refs).await
}

pub fn parse_ids(field: &str, ids: &[ID]) -> Result<Vec<Uuid>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| parse_id(&format!("{field}.{i}"), id))
        .collect()
}

pub fn parse_opt_id(field: &str, id: Option<&ID>) -> Result<Option<Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}
