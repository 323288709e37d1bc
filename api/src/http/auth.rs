//! Resolving `Authorization: Bearer ...` into a `Caller`, and per-key rate limits.
//!
//! An API key's per-minute limit counts operations, not connections: each operation of an HTTP
//! request (each one of a batch), each WebSocket `subscribe` and each WebSocket
//! `connection_init` takes one token from the key's bucket ([`Authenticator::admit`]).
//! Authenticating alone (the WebSocket's periodic re-check, say) takes none.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::auth::tokens::{self, Bearer};
use crate::auth::{Actor, Caller, Origin};
use crate::db::Db;
use crate::domain::{api_keys, identity};
use crate::error::{AppError, Result};
use crate::limits::Limited;

pub struct Authenticator {
    db: Db,
    /// One token bucket per rate-limited API key, created (or resized) whenever the key
    /// authenticates, so that it follows the key's current limit. The limit is per process:
    /// with N replicas a key gets up to N times its quota (documented in the README).
    limiters: DashMap<Uuid, (u32, Arc<DefaultDirectRateLimiter>)>,
}

impl Authenticator {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            limiters: DashMap::new(),
        }
    }

    pub async fn authenticate(&self, headers: &HeaderMap, origin: Origin) -> Result<Caller> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(Caller::Anonymous(origin));
        };
        let token = bearer(value.to_str().ok())?;
        self.authenticate_token(token, origin).await
    }

    /// Also used for the WebSocket `connection_init` payload.
    pub async fn authenticate_token(&self, token: &str, origin: Origin) -> Result<Caller> {
        match tokens::classify(token) {
            Some(Bearer::Session(token)) => Ok(Caller::Tenant(
                identity::authenticate_session(&self.db, token, origin).await?,
            )),
            Some(Bearer::ApiKey(secret)) => {
                let key = api_keys::authenticate(&self.db, secret, origin).await?;
                if let Some(key_id) = key.tenant.api_key_id() {
                    self.track_limit(key_id, key.rate_limit_per_minute);
                }
                Ok(Caller::Tenant(key.tenant))
            }
            None => Err(AppError::Unauthenticated("unrecognised bearer token")),
        }
    }

    /// Checks a WebSocket's credentials again. A socket opened with a session's access token
    /// lives as long as the session (see [`identity::authenticate_live_session`]), not as long as
    /// that access token; other credentials are checked as at `connection_init`.
    pub async fn revalidate(&self, token: &str, caller: &Caller, origin: Origin) -> Result<Caller> {
        if let Caller::Tenant(tenant) = caller
            && let Actor::User { session_id, .. } = tenant.actor
        {
            return Ok(Caller::Tenant(
                identity::authenticate_live_session(&self.db, session_id, origin).await?,
            ));
        }
        self.authenticate_token(token, origin).await
    }

    /// Keeps the key's bucket in step with its current limit (none: no bucket).
    fn track_limit(&self, key_id: Uuid, per_minute: Option<u32>) {
        let Some(quota) = per_minute.and_then(NonZeroU32::new) else {
            self.limiters.remove(&key_id);
            return;
        };
        let per_minute = quota.get();
        let fresh = || {
            (
                per_minute,
                Arc::new(RateLimiter::direct(Quota::per_minute(quota))),
            )
        };
        let mut entry = self.limiters.entry(key_id).or_insert_with(fresh);
        if entry.0 != per_minute {
            *entry = fresh();
        }
    }

    /// Counts one operation of `caller` against its key's limit: `RATE_LIMITED` with the
    /// seconds until the next one is allowed when the bucket is empty. Sessions and keys
    /// without a limit are not counted.
    pub fn admit(&self, caller: &Caller) -> Result<()> {
        let Caller::Tenant(tenant) = caller else {
            return Ok(());
        };
        let Some(key_id) = tenant.api_key_id() else {
            return Ok(());
        };
        // Cloned out of the map so that no shard lock is held while checking.
        let Some(limiter) = self.limiters.get(&key_id).map(|entry| entry.1.clone()) else {
            return Ok(());
        };
        limiter.check().map_err(|not_until| {
            // Rounded up by `Limited`: retrying after the advertised time must succeed.
            Limited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            }
            .into()
        })
    }
}

fn bearer(value: Option<&str>) -> Result<&str> {
    let value = value.ok_or(AppError::Unauthenticated("malformed Authorization header"))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AppError::Unauthenticated(
            "expected 'Authorization: Bearer <token>'",
        ))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthenticated(
            "expected 'Authorization: Bearer <token>'",
        ));
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_tokens_are_parsed_case_insensitively() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
        assert!(bearer(Some("Basic abc")).is_err());
        assert!(bearer(Some("Bearer ")).is_err());
        assert!(bearer(None).is_err());
    }
}
