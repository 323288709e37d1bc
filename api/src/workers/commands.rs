//! Device commands over time: pending or sent commands not acknowledged by their `expires_at`
//! become `expired`, and scheduled commands whose `not_before` has passed are announced
//! (`due`) to `commandsForAsset` subscribers, once, whichever replica gets there first.
//!
//! Each step is a bounded batch of conditional updates in its own transaction, published after
//! commit; a round repeats a step while it filled a batch.

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::domain::commands::{WORKER_BATCH, expire_due, release_due};
use crate::events::EventBus;

/// Most batches per step in one round, so one round cannot run unbounded.
const MAX_BATCHES: usize = 20;

/// One round at `now`: returns how many commands expired or became due.
pub async fn run(db: &Db, events: &EventBus, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut changed = 0;
    for release in [true, false] {
        for _ in 0..MAX_BATCHES {
            let tx = db.begin_write().await?;
            let published = if release {
                release_due(&tx.tx, now).await?
            } else {
                expire_due(&tx.tx, now).await?
            };
            tx.commit().await?;
            let n = published.len();
            for event in published {
                events.publish(event).await;
            }
            changed += n;
            if (n as u64) < WORKER_BATCH {
                break;
            }
        }
    }
    if changed > 0 {
        tracing::debug!(commands = changed, "commands expired or became due");
    }
    Ok(changed)
}
