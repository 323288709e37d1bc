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
//! transaction of its own and gets its own result (and a refusal's audit row). The first
//! attempt inserts new-looking points optimistically (`telemetry::Insert`); the retries check
//! every point, so a point a concurrent group stored first is never an error.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument;

use crate::auth::Tenant;
use crate::db::Db;
use crate::domain::audit::{self, Change, Entry};
use crate::domain::telemetry::{self, Insert, Outgoing, PointInput, Prepared, RejectedPoint};
use crate::error::{AppError, Result};
use crate::events::EventBus;

/// A writer stops adding calls to a group once it holds this many points (a call is never
/// split, so a group can reach this plus one call's maximum).
pub const GROUP_POINTS: usize = 10_000;

/// The `tracing` target of the debug event emitted right after each ingest transaction commits.
pub const COMMIT_TARGET: &str = "fleetgraph::ingest::commit";

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
#[derive(Debug)]
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
    /// Starts `writers` writer tasks (at least one) on a thread and runtime of their own, with
    /// a connection pool of their own.
    ///
    /// Why a thread: a writer holds the row locks of its series' latest values and rollups from
    /// its first upsert to its commit, and every concurrent group of those series waits for it.
    /// On the server's runtime it would also wait, between statements, for a worker thread to
    /// finish whatever request it is parsing (a 1,000-point body takes milliseconds, and a task
    /// is never preempted), with the locks held. On a thread of its own the operating system
    /// schedules it as soon as PostgreSQL answers.
    ///
    /// On SQLite, whose write transactions are serialised anyway, one writer is right; on
    /// PostgreSQL a second one writes a group while the first waits for its commit. Events are
    /// published, in commit order, by one task on the caller's runtime, which then answers the
    /// callers.
    pub fn start(db: Db, events: EventBus, writers: usize) -> anyhow::Result<Self> {
        let (queue, calls) = mpsc::channel(QUEUE);
        let calls = Arc::new(Mutex::new(calls));
        let (publish, mut committed) = mpsc::unbounded_channel::<Committed>();
        tokio::spawn(async move {
            while let Some(Committed { outgoing, answers }) = committed.recv().await {
                for outgoing in outgoing {
                    events.publish(outgoing.into_event()).await;
                }
                for (reply, ingested) in answers {
                    let _ = reply.send(Ok(ingested));
                }
            }
        });
        let writers = writers.max(1);
        let pool_size = u32::try_from(writers + 1).unwrap_or(u32::MAX);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("fleetgraph-ingest".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let db = match db.own_pool(pool_size).await {
                        Ok(own) => own,
                        Err(error) => {
                            // Still correct on the server's pool, only slower.
                            tracing::warn!(error = %format!("{error:#}"), "the ingest writers share the server's connection pool");
                            db
                        }
                    };
                    let tasks: Vec<_> = (0..writers)
                        .map(|_| tokio::spawn(writer(db.clone(), publish.clone(), calls.clone())))
                        .collect();
                    for task in tasks {
                        let _ = task.await;
                    }
                });
            })?;
        Ok(Self { queue })
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

/// What a transaction committed: its events, and its callers' answers, which the publisher
/// task sends once the events are out (so that what a caller does next, having been answered,
/// is published after what its call caused).
struct Committed {
    outgoing: Vec<Outgoing>,
    answers: Vec<(oneshot::Sender<Result<Ingested>>, Ingested)>,
}

/// Where writers hand what they committed, for the publisher task.
type Publish = mpsc::UnboundedSender<Committed>;

/// Hands committed calls (with their results, in order) and their events to the publisher.
fn hand_over(events: &Publish, calls: Vec<Call>, results: Vec<Ingested>, outgoing: Vec<Outgoing>) {
    let answers = calls
        .into_iter()
        .zip(results)
        .map(|(call, result)| (call.reply, result))
        .collect();
    let _ = events.send(Committed { outgoing, answers });
}

async fn writer(db: Db, events: Publish, calls: Arc<Mutex<mpsc::Receiver<Call>>>) {
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

/// Writes a group in one transaction, inserting new-looking points optimistically; if that
/// fails, each call on its own with every point checked. A call fails only on its own retry, so
/// its error is its own, and a unique violation the optimistic insert ran into (a concurrent
/// group stored the same point first) is never an error at all.
async fn write_group(db: &Db, events: &Publish, group: Vec<Call>) {
    match write_calls(db, &group, Insert::Optimistic).await {
        Ok((results, outgoing)) => {
            hand_over(events, group, results, outgoing);
            return;
        }
        Err(error) => {
            tracing::debug!(%error, calls = group.len(), "ingest group failed; writing its calls one by one");
        }
    }
    for call in group {
        let span = call.span.clone();
        write_alone(db, events, call).instrument(span).await;
    }
}

/// Calls, each prepared as its own, written in one transaction: committed with their audit
/// rows, or rolled back.
async fn write_calls(
    db: &Db,
    calls: &[Call],
    insert: Insert,
) -> Result<(Vec<Ingested>, Vec<Outgoing>)> {
    let tx = db.begin_write().await?;
    let written = async {
        let mut parts: Vec<Prepared> = Vec::with_capacity(calls.len());
        for call in calls {
            parts.push(telemetry::prepare(&tx.tx, &call.tenant, &call.points).await?);
        }
        // Before the write: a call's counts are known once it is prepared, and rows written
        // after the write would lengthen the time the write's contended rows are held.
        for (call, part) in calls.iter().zip(&parts) {
            if let Some(audit) = call.audit {
                audit::record(&tx.tx, entry(&call.tenant, audit, part)).await?;
            }
        }
        let published = telemetry::write(&tx.tx, &mut parts, insert).await?;
        Ok::<_, AppError>((parts, published))
    }
    .await;
    match written {
        Ok((parts, published)) => {
            tx.commit().await?;
            // The moment the group became durable, before any event is published: the bench's
            // fan-out latency is measured from here (it listens to this target alone).
            tracing::debug!(
                target: COMMIT_TARGET,
                calls = calls.len(),
                points = calls.iter().map(|call| call.points.len()).sum::<usize>(),
                "ingest group committed"
            );
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

/// One call in a transaction of its own, every point checked: committed with its audit row, or
/// rolled back with a refusal row.
async fn write_alone(db: &Db, events: &Publish, call: Call) {
    match write_calls(db, std::slice::from_ref(&call), Insert::Checked).await {
        Ok((results, outgoing)) => hand_over(events, vec![call], results, outgoing),
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
