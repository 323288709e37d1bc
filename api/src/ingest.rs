//! Group commit for telemetry ingest.
//!
//! Every ingest call (GraphQL `ingestTelemetry`, the MQTT bridge, the demo simulator) is handed
//! to a writer task instead of opening a transaction of its own. A writer takes the next call
//! off the queue together with every call that queued up while it was busy (up to
//! [`GROUP_POINTS`] points), and writes them in **one** transaction: each call's points are
//! validated as that call's (its tenant, its rejects), then the organization's points are
//! merged and stored, rolled up, and evaluated once, each call gets its own audit row, and one
//! commit makes all of it durable before any caller is answered or any event published.
//!
//! Why: concurrent calls for the same series (a fleet's devices report the same metrics) would
//! otherwise queue on the same latest-value, rollup and asset rows from their first write to
//! their commit, one after the other, each paying its own statements and its own commit flush.
//! Merged, the rows are written once per group and the flush is shared. A lone call is written
//! at once, as before; under load groups grow by themselves.
//!
//! What each caller still gets: its request is atomic (its points and its audit row commit
//! together or not at all), its answer is sent only after the commit, and an error in the group
//! is never somebody else's: when a group's transaction fails, each of its calls is retried in a
//! transaction of its own and gets its own result (and a refusal's audit row).

use std::sync::Arc;

use serde_json::json;
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument;

use crate::auth::Tenant;
use crate::db::Db;
use crate::domain::audit::{self, Change, Entry};
use crate::domain::telemetry::{self, PointInput, Prepared, RejectedPoint};
use crate::error::{AppError, Result};
use crate::events::{Event, EventBus};

/// A writer stops adding calls to a group once it holds this many points (a call is never
/// split, so a group can reach this plus one call's maximum).
pub const GROUP_POINTS: usize = 10_000;

/// Calls waiting for a writer before `ingest` waits for room (back-pressure on the callers).
const QUEUE: usize = 1_024;

/// The audit row a call asks for: GraphQL mutations are audited, the MQTT bridge and the
/// simulator are not.
#[derive(Debug, Clone, Copy)]
pub struct Audit {
    pub action: &'static str,
    /// Points the caller rejected before ingest (an unparsable asset ID), for the row's count.
    pub rejected_before: usize,
}

/// What a call's points came to; its events are already published.
#[derive(Debug, Default)]
pub struct Ingested {
    pub accepted: usize,
    pub rejected: Vec<RejectedPoint>,
}

struct Call {
    tenant: Tenant,
    points: Vec<PointInput>,
    audit: Option<Audit>,
    reply: oneshot::Sender<Result<Ingested>>,
    span: tracing::Span,
}

/// The handle callers use; cheap to clone.
#[derive(Clone)]
pub struct Ingestor {
    queue: mpsc::Sender<Call>,
}

impl std::fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingestor").finish_non_exhaustive()
    }
}

impl Ingestor {
    /// Starts `writers` writer tasks (at least one). On SQLite, whose write transactions are
    /// serialised anyway, one is right; on PostgreSQL a second one writes a group while the
    /// first waits for its commit.
    pub fn start(db: Db, events: EventBus, writers: usize) -> Self {
        let (queue, calls) = mpsc::channel(QUEUE);
        let calls = Arc::new(Mutex::new(calls));
        for _ in 0..writers.max(1) {
            tokio::spawn(writer(db.clone(), events.clone(), calls.clone()));
        }
        Self { queue }
    }

    /// Validates, stores and evaluates one call's points, publishes the events, and returns the
    /// counts once the transaction that holds them has committed.
    pub async fn ingest(
        &self,
        tenant: &Tenant,
        points: Vec<PointInput>,
        audit: Option<Audit>,
    ) -> Result<Ingested> {
        let (reply, answer) = oneshot::channel();
        let call = Call {
            tenant: tenant.clone(),
            points,
            audit,
            reply,
            span: tracing::Span::current(),
        };
        let stopped = || AppError::Internal(anyhow::anyhow!("the ingest writers have stopped"));
        self.queue.send(call).await.map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("an ingest writer dropped the call")))?
    }
}

async fn writer(db: Db, events: EventBus, calls: Arc<Mutex<mpsc::Receiver<Call>>>) {
    loop {
        let group = {
            let mut calls = calls.lock().await;
            let Some(first) = calls.recv().await else {
                return;
            };
            let mut points = first.points.len();
            let mut group = vec![first];
            while points < GROUP_POINTS {
                match calls.try_recv() {
                    Ok(call) => {
                        points += call.points.len();
                        group.push(call);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        // A panic must not take the writer with it (every later call would fail): the group's
        // callers see their reply dropped, an INTERNAL error, and the writer goes on.
        let written = std::panic::AssertUnwindSafe(write_group(&db, &events, group));
        if futures::FutureExt::catch_unwind(written).await.is_err() {
            tracing::error!("an ingest writer panicked while writing a group");
        }
    }
}

/// Writes a group in one transaction; if that fails, each call on its own.
async fn write_group(db: &Db, events: &EventBus, group: Vec<Call>) {
    if group.len() > 1 {
        match write_calls(db, &group).await {
            Ok((results, published)) => {
                for event in published {
                    events.publish(event).await;
                }
                for (call, result) in group.into_iter().zip(results) {
                    let _ = call.reply.send(Ok(result));
                }
                return;
            }
            Err(error) => {
                tracing::debug!(%error, calls = group.len(), "ingest group failed; writing its calls one by one");
            }
        }
    }
    for call in group {
        let span = call.span.clone();
        write_alone(db, events, call).instrument(span).await;
    }
}

/// Calls, each prepared as its own, written in one transaction: committed with their audit
/// rows, or rolled back.
async fn write_calls(db: &Db, calls: &[Call]) -> Result<(Vec<Ingested>, Vec<Event>)> {
    let tx = db.begin_write().await?;
    let written = async {
        let mut parts: Vec<Prepared> = Vec::with_capacity(calls.len());
        for call in calls {
            parts.push(telemetry::prepare(&tx.tx, &call.tenant, &call.points).await?);
        }
        let published = telemetry::write(&tx.tx, &mut parts).await?;
        for (call, part) in calls.iter().zip(&parts) {
            if let Some(audit) = call.audit {
                audit::record(&tx.tx, entry(&call.tenant, audit, part)).await?;
            }
        }
        Ok::<_, AppError>((parts, published))
    }
    .await;
    match written {
        Ok((parts, published)) => {
            tx.commit().await?;
            let results = parts
                .into_iter()
                .map(|part| Ingested {
                    accepted: part.accepted,
                    rejected: part.rejected,
                })
                .collect();
            Ok((results, published))
        }
        Err(error) => {
            // Released before a refusal row is written (the SQLite write gate goes with it).
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = ?rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

/// One call in a transaction of its own: committed with its audit row, or rolled back with a
/// refusal row.
async fn write_alone(db: &Db, events: &EventBus, call: Call) {
    match write_calls(db, std::slice::from_ref(&call)).await {
        Ok((results, published)) => {
            for event in published {
                events.publish(event).await;
            }
            let result = results.into_iter().next().unwrap_or_default();
            let _ = call.reply.send(Ok(result));
        }
        Err(error) => {
            if let Some(audit) = call.audit {
                crate::graphql::mutation::record_outside(
                    db,
                    Some(&call.tenant),
                    &call.tenant.origin,
                    audit.action,
                    Change::default(),
                    Some(error.code().as_str()),
                )
                .await;
            }
            let _ = call.reply.send(Err(error));
        }
    }
}

/// The success row of one call: what `ingestTelemetry` has always audited.
fn entry<'a>(tenant: &'a Tenant, audit: Audit, part: &Prepared) -> Entry<'a> {
    let change = Change {
        resource_type: Some("telemetry"),
        ..Change::default()
    }
    .with(json!({
        "accepted": part.accepted,
        "rejected": part.rejected.len() + audit.rejected_before,
    }));
    Entry {
        action: audit.action,
        tenant: Some(tenant),
        origin: &tenant.origin,
        change,
        error_code: None,
    }
}
