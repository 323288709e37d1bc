//! When the server's ingest transactions commit, read from its `tracing` events.
//!
//! The server runs in this process, and its ingest writer emits one debug event with the target
//! [`api::ingest::COMMIT_TARGET`] right after each transaction commits. The benchmark installs
//! the server's subscriber with `api::startup::init_tracing_with`, adding a layer that is
//! enabled for that one target and records the wall-clock time of each such event. The
//! server's own log output and filter are unchanged; with the default filter (`warn`) every other
//! debug callsite stays disabled, so the hook costs one atomic store per commit.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use api::config::Config;
use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Context;

/// Microseconds since the Unix epoch (`CLOCK_REALTIME`, comparable across processes on this
/// host).
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// The time of the latest commit event (µs since the epoch), 0 before the first.
static LAST_COMMIT_US: AtomicI64 = AtomicI64::new(0);

/// The latest commit's time, if it happened at or after `since_us`.
pub fn last_commit_since(since_us: i64) -> Option<i64> {
    last_commit_in(&LAST_COMMIT_US, since_us)
}

fn last_commit_in(clock: &AtomicI64, since_us: i64) -> Option<i64> {
    let at = clock.load(Ordering::Acquire);
    (at != 0 && at >= since_us).then_some(at)
}

/// Records the time of every event it is enabled for into a clock.
struct CommitClock(&'static AtomicI64);

impl<S: tracing::Subscriber> Layer<S> for CommitClock {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        self.0.store(now_us(), Ordering::Release);
    }
}

/// The filter of the commit clock: the commit target only.
fn commit_filter() -> Targets {
    Targets::new().with_target(api::ingest::COMMIT_TARGET, Level::DEBUG)
}

/// The server's log output as `api::startup::init_tracing` sets it up, plus the commit clock.
/// A second call does nothing.
pub fn init_tracing(config: &Config) {
    let clock = CommitClock(&LAST_COMMIT_US).with_filter(commit_filter());
    api::startup::init_tracing_with(config, Some(clock.boxed()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::Registry;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn only_commit_events_move_the_clock() {
        static CLOCK: AtomicI64 = AtomicI64::new(0);
        let subscriber = Registry::default().with(CommitClock(&CLOCK).with_filter(commit_filter()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "fleetgraph::ingest", "not a commit");
            tracing::warn!("not a commit either");
            assert_eq!(last_commit_in(&CLOCK, 0), None);
            let before = now_us();
            tracing::debug!(target: api::ingest::COMMIT_TARGET, calls = 1, points = 10, "committed");
            let at = last_commit_in(&CLOCK, before).expect("recorded");
            assert!(at >= before && at <= now_us());
            // A commit older than the batch's send time is not that batch's.
            assert_eq!(last_commit_in(&CLOCK, at + 1), None);
        });
    }
}
