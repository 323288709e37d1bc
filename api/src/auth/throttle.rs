//! The throttle on unauthenticated credential checks (`login`, `signUp`): every check costs an
//! argon2 hash, so a client gets a bounded number of them per minute, per client address and
//! per email address. Shared by replicas through Redis when the deployment has one (see
//! [`crate::limits`]).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::Origin;
use crate::error::Result;
use crate::limits::{KeyedLimiter, RedisCounters};

pub struct CredentialThrottle {
    by_address: KeyedLimiter,
    by_email: KeyedLimiter,
}

impl CredentialThrottle {
    /// At most `per_address` checks per minute from one client address and `per_email` for one
    /// email address (0 turns either off).
    pub fn new(per_address: u32, per_email: u32, redis: Option<Arc<RedisCounters>>) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            by_address: KeyedLimiter::new("auth-address", per_address, minute, redis.clone()),
            by_email: KeyedLimiter::new("auth-email", per_email, minute, redis),
        }
    }

    /// Counts one credential check from `origin` for `email`; RATE_LIMITED with `retryAfter`
    /// once either budget is spent. The address is counted first, and a refused address does
    /// not spend the email's budget.
    pub async fn check(&self, origin: &Origin, email: Option<&str>) -> Result<()> {
        let address = origin.ip.as_deref().unwrap_or("unknown");
        self.by_address.hit(address).await?;
        if let Some(email) = email {
            let email = email.trim().to_lowercase();
            self.by_email.hit(&email).await?;
        }
        Ok(())
    }
}
