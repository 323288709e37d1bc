//! Machine sessions: warns operators before their machine's idle timeout and ends idle
//! sessions (`ended_by: timeout`). The rules are in `domain::machine_sessions::sweep`.

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::domain::machine_sessions;
use crate::events::EventBus;

/// One round at `now`: returns how many sessions were warned or ended.
pub async fn run(db: &Db, events: &EventBus, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let published = machine_sessions::sweep(db, now).await?;
    let changed = published.len();
    for event in published {
        events.publish(event).await;
    }
    if changed > 0 {
        tracing::info!(sessions = changed, "machine sessions warned or ended");
    }
    Ok(changed)
}
