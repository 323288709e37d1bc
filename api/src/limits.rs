//! Keyed rate limits: "at most N hits per key per window", counted in Redis when the deployment
//! has one (so every replica counts against the same budget) and in this process otherwise.
//!
//! Each limit is a fixed window per key: the first hit starts the window, hits beyond the limit
//! are refused until it ends, and the refusal says how long that is. (A fixed window lets a
//! client spend up to twice the limit across a window boundary; for throttling guessers that is
//! as good as a sliding one, and it costs one counter per key.)
//!
//! On Redis the count is one `EVAL` of a short Lua script (INCR, and PEXPIRE on the first hit),
//! atomic however many replicas hit the same key at once. Redis is never allowed to block a
//! caller: every call is bounded by [`REDIS_TIMEOUT`], and when Redis fails or is too slow the
//! limiter counts in this process instead (each replica then applies the limit on its own) and
//! tries Redis again after [`REDIS_RETRY`]. Losing and regaining Redis is logged once per change.
//!
//! Keys are hashed before they are stored, so an email address used as a key is neither kept in
//! Redis in clear nor able to make a key arbitrarily long.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The longest a limiter waits for Redis before it counts in-process instead.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// After a Redis failure, how long limiters count in-process before trying Redis again.
pub const REDIS_RETRY: Duration = Duration::from_secs(1);
/// Keys the in-process store holds before it drops the ones whose window has ended.
const LOCAL_PRUNE_AT: usize = 50_000;

/// Atomically counts one hit: returns the count in the current window and the window's
/// remaining milliseconds. The expiry is set on the first hit (and repaired if a key somehow
/// lost it), so a window is never extended by later hits.
const HIT_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

/// A refused hit: the caller may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl Limited {
    /// Whole seconds, rounded up, at least 1: what `Retry-After` and `retryAfter` say.
    pub fn retry_after_secs(self) -> u64 {
        let secs = self.retry_after.as_secs();
        let rounded = if self.retry_after.subsec_nanos() > 0 {
            secs + 1
        } else {
            secs
        };
        rounded.max(1)
    }
}

impl From<Limited> for crate::error::AppError {
    fn from(limited: Limited) -> Self {
        Self::RateLimited {
            retry_after_secs: limited.retry_after_secs(),
        }
    }
}

/// The Redis connection the limiters of a process share, with its health.
pub struct RedisCounters {
    client: redis::Client,
    prefix: String,
    connection: Mutex<Option<redis::aio::ConnectionManager>>,
    /// Set while Redis is failing; limiters then count in-process.
    degraded: AtomicBool,
    /// While degraded: when to try Redis again.
    retry_at: std::sync::Mutex<Option<Instant>>,
}

impl RedisCounters {
    /// A handle on Redis at `url`; nothing is connected until the first hit, so a Redis that is
    /// down at start-up delays nothing.
    pub fn new(url: &str, prefix: &str) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url)?;
        Ok(Arc::new(Self {
            client,
            prefix: prefix.to_owned(),
            connection: Mutex::new(None),
            degraded: AtomicBool::new(false),
            retry_at: std::sync::Mutex::new(None),
        }))
    }

    /// Whether limiters currently count in-process because Redis failed.
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    /// Whether to skip Redis for now (it failed less than [`REDIS_RETRY`] ago).
    fn resting(&self) -> bool {
        let guard = self
            .retry_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.is_some_and(|at| Instant::now() < at)
    }

    fn set_health(&self, healthy: bool, error: Option<&str>) {
        let was_degraded = self.degraded.swap(!healthy, Ordering::Relaxed);
        let mut retry_at = self
            .retry_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *retry_at = (!healthy).then(|| Instant::now() + REDIS_RETRY);
        drop(retry_at);
        match (was_degraded, healthy) {
            (false, false) => tracing::warn!(
                error = error.unwrap_or("timed out"),
                "rate limits: Redis unavailable; counting in this process until it is back"
            ),
            (true, true) => tracing::info!("rate limits: Redis is back; counting there again"),
            _ => {}
        }
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<(u64, Duration), String> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let attempt = async {
            let mut slot = self.connection.lock().await;
            let connection = match slot.as_mut() {
                Some(connection) => connection,
                None => {
                    let connection = redis::aio::ConnectionManager::new(self.client.clone())
                        .await
                        .map_err(|e| e.to_string())?;
                    slot.insert(connection)
                }
            };
            // A clone shares the multiplexed connection; the lock is not held across the call.
            let mut connection = connection.clone();
            drop(slot);
            let (count, ttl_ms): (u64, i64) = redis::cmd("EVAL")
                .arg(HIT_SCRIPT)
                .arg(1)
                .arg(format!("{}:limit:{key}", self.prefix))
                .arg(window_ms)
                .query_async(&mut connection)
                .await
                .map_err(|e| e.to_string())?;
            let ttl = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(window_ms));
            Ok::<_, String>((count, ttl))
        };
        match tokio::time::timeout(REDIS_TIMEOUT, attempt).await {
            Ok(result) => result,
            Err(_) => Err("timed out".to_owned()),
        }
    }
}

/// One limit: at most `limit` hits per key per `window`.
pub struct KeyedLimiter {
    name: &'static str,
    limit: u64,
    window: Duration,
    redis: Option<Arc<RedisCounters>>,
    /// In-process windows: key -> (window start, hits).
    local: DashMap<String, (Instant, u64)>,
}

impl KeyedLimiter {
    /// `name` keeps the keys of different limits apart (in Redis and in logs). A `limit` of 0
    /// turns the limit off.
    pub fn new(
        name: &'static str,
        limit: u32,
        window: Duration,
        redis: Option<Arc<RedisCounters>>,
    ) -> Self {
        Self {
            name,
            limit: u64::from(limit),
            window: window.max(Duration::from_millis(1)),
            redis,
            local: DashMap::new(),
        }
    }

    /// Counts one hit for `key`; refused when the key is over its limit in this window.
    pub async fn hit(&self, key: &str) -> Result<(), Limited> {
        if self.limit == 0 {
            return Ok(());
        }
        let key = self.hashed(key);
        if let Some(redis) = &self.redis
            && !redis.resting()
        {
            match redis.hit(&key, self.window).await {
                Ok((count, ttl)) => {
                    if redis.is_degraded() {
                        redis.set_health(true, None);
                    }
                    return self.verdict(count, ttl);
                }
                Err(error) => {
                    if !redis.is_degraded() {
                        redis.set_health(false, Some(&error));
                    } else {
                        // Still failing: rest again before the next try, without a new log line.
                        redis.set_health(false, None);
                    }
                }
            }
        }
        self.hit_locally(key)
    }

    fn hashed(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        format!("{}:{}", self.name, hex::encode(&digest[..16]))
    }

    fn verdict(&self, count: u64, remaining: Duration) -> Result<(), Limited> {
        if count > self.limit {
            Err(Limited {
                retry_after: remaining,
            })
        } else {
            Ok(())
        }
    }

    fn hit_locally(&self, key: String) -> Result<(), Limited> {
        let now = Instant::now();
        if self.local.len() >= LOCAL_PRUNE_AT {
            let window = self.window;
            self.local
                .retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let mut entry = self.local.entry(key).or_insert((now, 0));
        let (start, count) = entry.value_mut();
        if now.duration_since(*start) >= self.window {
            *start = now;
            *count = 0;
        }
        *count += 1;
        let remaining = self.window.saturating_sub(now.duration_since(*start));
        let count = *count;
        drop(entry);
        self.verdict(count, remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_over_its_limit_is_refused_until_its_window_ends() {
        let limiter = KeyedLimiter::new("t", 3, Duration::from_millis(200), None);
        for _ in 0..3 {
            assert!(limiter.hit("a").await.is_ok());
        }
        let refused = limiter
            .hit("a")
            .await
            .expect_err("the fourth hit is refused");
        assert!(refused.retry_after <= Duration::from_millis(200));
        assert_eq!(refused.retry_after_secs(), 1);
        // Other keys have budgets of their own.
        assert!(limiter.hit("b").await.is_ok());
        tokio::time::sleep(Duration::from_millis(210)).await;
        assert!(limiter.hit("a").await.is_ok(), "a new window starts afresh");
    }

    #[tokio::test]
    async fn a_limit_of_zero_is_off() {
        let limiter = KeyedLimiter::new("t", 0, Duration::from_secs(60), None);
        for _ in 0..100 {
            assert!(limiter.hit("a").await.is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let at = |ms| Limited {
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(at(0).retry_after_secs(), 1);
        assert_eq!(at(1000).retry_after_secs(), 1);
        assert_eq!(at(1001).retry_after_secs(), 2);
        assert_eq!(at(59_500).retry_after_secs(), 60);
    }

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_to_counting_in_process_without_hanging() {
        // Nothing listens on port 1 (and connecting there is refused or times out).
        let redis = RedisCounters::new("redis://127.0.0.1:1", "t").unwrap();
        let limiter = KeyedLimiter::new("t", 2, Duration::from_secs(60), Some(redis.clone()));
        let started = std::time::Instant::now();
        assert!(limiter.hit("a").await.is_ok());
        assert!(limiter.hit("a").await.is_ok());
        assert!(limiter.hit("a").await.is_err(), "counted in-process");
        assert!(redis.is_degraded());
        assert!(
            started.elapsed() < REDIS_TIMEOUT * 3,
            "{:?}",
            started.elapsed()
        );
    }
}
