//! Resolving `Authorization: Bearer ...` into a `Caller`, and per-key rate limits.

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

pub struct Authenticator {
    db: Db,
    /// One token bucket per rate-limited API key, created on first use. The limit is per
    /// process: with N replicas a key gets up to N times its quota (documented in the README).
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
                if let Some(per_minute) = key.rate_limit_per_minute
                    && let Some(key_id) = key.tenant.api_key_id()
                {
                    self.check_rate(key_id, per_minute)?;
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

    fn check_rate(&self, key_id: Uuid, per_minute: u32) -> Result<()> {
        let Some(quota) = NonZeroU32::new(per_minute) else {
            return Ok(());
        };
        let limiter = {
            let mut entry = self.limiters.entry(key_id).or_insert_with(|| {
                (
                    per_minute,
                    Arc::new(RateLimiter::direct(Quota::per_minute(quota))),
                )
            });
            if entry.0 != per_minute {
                *entry = (
                    per_minute,
                    Arc::new(RateLimiter::direct(Quota::per_minute(quota))),
                );
            }
            entry.1.clone()
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
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
