//! Overdue maintenance: raises one maintenance alert per task that became due (by its `dueAt`,
//! or by the running hours of a running-hours schedule) and flags the task; completing or
//! cancelling the task resolves the alert. The rules live in `domain::maintenance`.

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::domain::maintenance;
use crate::events::EventBus;

/// One round at `now`: returns how many tasks were found overdue.
pub async fn run(db: &Db, events: &EventBus, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let published = maintenance::raise_overdue(db, now).await?;
    let overdue = published
        .iter()
        .filter(|e| e.kind == crate::events::TopicKind::Maintenance)
        .count();
    for event in published {
        events.publish(event).await;
    }
    if overdue > 0 {
        tracing::info!(tasks = overdue, "maintenance tasks overdue");
    }
    Ok(overdue)
}
