//! One execution of a subscription shared by every operation that would compute the same thing.
//!
//! Without sharing, N sockets subscribed to `telemetry` each run their own copy of the
//! subscription: N bus receivers woken per event, N executions of the selection set and N JSON
//! serialisations of an identical payload. At thousands of subscribers that per-subscriber work
//! is what saturates the CPU (docs/BENCHMARKS.md, Fan-out). Here operations with the same
//! [`ShareKey`] join one [`Group`]: its driver task executes the stream once, serialises each
//! response's `payload` once, and broadcasts the bytes; each member only wraps them in its own
//! `next` envelope (its operation id) and queues them on its socket.
//!
//! What makes sharing safe is the key. It holds the whole `subscribe` payload (query text,
//! operation name, variables, extensions), and the caller's [`TenantView`]: organization,
//! permissions and site restriction, which is everything the resolvers of a subscription and
//! of the objects it yields read from the caller. So a member only ever receives what its own
//! execution would have produced: never another organization's event, never readings outside
//! its `assetIds`/`metrics`/sites. Only subscriptions of authenticated callers are shared;
//! queries and mutations (which may have effects, or read per-user data such as `me`) always
//! run on their own.
//!
//! The differences a client can notice: a masked internal error carries the request id of the
//! operation that started the group (its errors are logged once, under that id), and an
//! operation that joins a running group may receive an event that the group's driver had taken
//! off the bus just before the join.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::extract::ws::Message;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::task::AbortHandle;

use super::{OpEnd, Protocol, errors_json, internal_errors, is_request_error, push, response_json};
use crate::auth::tenant::TenantView;
use crate::error::{REQUEST_ID, finalize_errors};
use tracing::Instrument;

/// Responses a member may fall behind its group before it is dropped (1013). Members never wait
/// on their client (they only queue on the socket), so only a server starved of CPU for many
/// event intervals gets near it. Kept small because every group allocates its ring up front
/// (about 64 bytes a slot): with all-distinct subscriptions there is one group per operation.
const GROUP_BUFFER: usize = 128;

/// What makes two operations compute the same responses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShareKey {
    /// The `subscribe` payload as canonical JSON (object keys sorted).
    request: String,
    view: TenantView,
}

impl ShareKey {
    /// The key of a `subscribe` payload, or `None` when the operation must run on its own: it
    /// is not a subscription (or does not parse: its own execution reports why).
    pub fn of(payload: &Value, view: TenantView) -> Option<Self> {
        let query = payload.get("query")?.as_str()?;
        let operation_name = payload.get("operationName").and_then(Value::as_str);
        if !is_subscription(query, operation_name) {
            return None;
        }
        Some(Self {
            request: payload.to_string(),
            view,
        })
    }
}

/// Whether the operation a request would run is a subscription.
fn is_subscription(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let ty = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => operation.node.ty,
        (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
            Some(operation) => operation.node.ty,
            None => return false,
        },
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            match operations.values().next() {
                Some(operation) => operation.node.ty,
                None => return false,
            }
        }
        // A name that the document does not define, or an ambiguous document: not shared, so
        // that the operation's own execution reports the error.
        _ => return false,
    };
    ty == OperationType::Subscription
}

/// What a group's driver broadcasts to its members.
#[derive(Debug, Clone)]
enum Item {
    /// A response: the serialised `payload` of a `next` message.
    Next(Arc<str>),
    /// The request failed before execution: `error` with these errors.
    Failed(Arc<Value>),
    /// The stream ended (or the driver panicked, when `panicked`).
    Completed { panicked: bool },
}

/// The running groups, by key. Holds them weakly: a group lives as long as it has members.
#[derive(Default, Clone)]
pub struct SharedStreams {
    groups: Arc<Mutex<HashMap<ShareKey, Weak<Group>>>>,
}

impl std::fmt::Debug for SharedStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStreams").finish_non_exhaustive()
    }
}

/// One shared execution. Dropping the last member's handle stops it.
struct Group {
    key: ShareKey,
    tx: broadcast::Sender<Item>,
    driver: Mutex<Option<AbortHandle>>,
    registry: Weak<Mutex<HashMap<ShareKey, Weak<Group>>>>,
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.get_mut().ok().and_then(Option::take) {
            driver.abort();
        }
        if let Some(registry) = self.registry.upgrade() {
            let mut groups = registry.lock().unwrap_or_else(PoisonError::into_inner);
            // A new group may already run under the same key; only a dead entry is ours.
            if groups
                .get(&self.key)
                .is_some_and(|entry| entry.strong_count() == 0)
            {
                groups.remove(&self.key);
            }
        }
    }
}

/// A member's place in a group: its receiver, and the handle that keeps the group alive.
pub struct Membership {
    rx: broadcast::Receiver<Item>,
    _group: Arc<Group>,
}

impl SharedStreams {
    /// Joins the running group of `key`, or starts one whose stream `start` creates; it then
    /// runs under the starting operation's request id and tracing span.
    pub fn join<F>(
        &self,
        key: ShareKey,
        request_id: String,
        span: tracing::Span,
        start: F,
    ) -> Membership
    where
        F: FnOnce() -> BoxStream<'static, async_graphql::Response>,
    {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        // Subscribing under the lock: the driver removes the entry under the same lock before
        // it broadcasts its last item, so a member either gets that item or starts a new group.
        if let Some(group) = groups.get(&key).and_then(Weak::upgrade) {
            return Membership {
                rx: group.tx.subscribe(),
                _group: group,
            };
        }
        let (tx, rx) = broadcast::channel(GROUP_BUFFER);
        let group = Arc::new(Group {
            key: key.clone(),
            tx: tx.clone(),
            driver: Mutex::new(None),
            registry: Arc::downgrade(&self.groups),
        });
        groups.insert(key.clone(), Arc::downgrade(&group));
        drop(groups);

        let stream = start();
        let driver = drive(
            stream,
            tx,
            key,
            Arc::downgrade(&group),
            Arc::downgrade(&self.groups),
        );
        let driver = tokio::spawn(REQUEST_ID.scope(request_id, driver).instrument(span));
        *group.driver.lock().unwrap_or_else(PoisonError::into_inner) = Some(driver.abort_handle());
        Membership { rx, _group: group }
    }

    /// Groups running now (for tests and metrics).
    pub fn len(&self) -> usize {
        let groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        groups.values().filter(|g| g.strong_count() > 0).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Executes a group's stream once and broadcasts each response, serialised once.
async fn drive(
    stream: BoxStream<'static, async_graphql::Response>,
    tx: broadcast::Sender<Item>,
    key: ShareKey,
    group: Weak<Group>,
    registry: Weak<Mutex<HashMap<ShareKey, Weak<Group>>>>,
) {
    let run = std::panic::AssertUnwindSafe(async {
        let mut stream = stream;
        let mut first = true;
        while let Some(mut response) = stream.next().await {
            finalize_errors(&mut response);
            if std::mem::take(&mut first) && is_request_error(&response) {
                return Item::Failed(Arc::new(errors_json(&response.errors)));
            }
            let payload: Arc<str> = response_json(&response).to_string().into();
            // No receivers means every member left; the group's drop aborts this task.
            let _ = tx.send(Item::Next(payload));
        }
        Item::Completed { panicked: false }
    });
    let last = match futures::FutureExt::catch_unwind(run).await {
        Ok(last) => last,
        Err(_) => {
            tracing::error!("shared websocket operation panicked");
            Item::Completed { panicked: true }
        }
    };
    // Out of the registry first (under its lock), then the last item: no member can join
    // after the last item and wait for ever.
    if let Some(registry) = registry.upgrade() {
        let mut groups = registry.lock().unwrap_or_else(PoisonError::into_inner);
        if groups
            .get(&key)
            .is_some_and(|entry| entry.ptr_eq(&group) || entry.strong_count() == 0)
        {
            groups.remove(&key);
        }
        let _ = tx.send(last);
    } else {
        let _ = tx.send(last);
    }
}

/// The text of a `next` (legacy `data`) message as `prefix + payload + suffix`, exactly as
/// `json!({ "type", "id", "payload" }).to_string()` would write it.
fn envelope(protocol: Protocol, id: &str) -> (String, String) {
    const MARK: &str = "\"payload\":null";
    let text =
        json!({ "type": protocol.next_type(), "id": id, "payload": Value::Null }).to_string();
    // The id is a JSON string, inside which every `"` is escaped, so the mark can only be the
    // payload member itself.
    match text.find(MARK) {
        Some(at) => {
            let split = at + MARK.len() - "null".len();
            (
                text[..split].to_owned(),
                text[split + "null".len()..].to_owned(),
            )
        }
        None => unreachable!("a JSON object with a null payload member"),
    }
}

/// One member operation: forwards its group's responses to the socket under its own id.
pub async fn run_member(
    id: String,
    membership: Membership,
    protocol: Protocol,
    out: mpsc::Sender<Message>,
) -> (String, OpEnd) {
    let Membership { mut rx, _group } = membership;
    let (prefix, suffix) = envelope(protocol, &id);
    loop {
        match rx.recv().await {
            Ok(Item::Next(payload)) => {
                let mut text = String::with_capacity(prefix.len() + payload.len() + suffix.len());
                text.push_str(&prefix);
                text.push_str(&payload);
                text.push_str(&suffix);
                if let Err(end) = push(&out, Message::Text(text.into())) {
                    return (id, end);
                }
            }
            Ok(Item::Failed(errors)) => return (id, OpEnd::Failed(Value::clone(&errors))),
            Ok(Item::Completed { panicked: false }) => return (id, OpEnd::Completed),
            // As an operation of its own that panicked: an `error` with no details.
            Ok(Item::Completed { panicked: true }) => {
                return (id, OpEnd::Failed(internal_errors()));
            }
            // The server fell this far behind on this socket: like a full send queue.
            Err(broadcast::error::RecvError::Lagged(_)) => return (id, OpEnd::TooSlow),
            Err(broadcast::error::RecvError::Closed) => return (id, OpEnd::Completed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_writes_what_json_would() {
        let payload = json!({ "data": { "telemetry": { "readings": [{ "value": 1.5 }] } } });
        for protocol in [Protocol::TransportWs, Protocol::Legacy] {
            for id in ["1", "", "a\"payload\":null", "é\\n\u{1}", "payload"] {
                let (prefix, suffix) = envelope(protocol, id);
                let expected =
                    json!({ "type": protocol.next_type(), "id": id, "payload": payload })
                        .to_string();
                assert_eq!(format!("{prefix}{payload}{suffix}"), expected, "{id}");
            }
        }
    }

    #[test]
    fn only_subscriptions_are_shared() {
        assert!(is_subscription(
            "subscription { telemetry { readings { value } } }",
            None
        ));
        assert!(is_subscription("subscription S { a }", None));
        assert!(!is_subscription("{ whoami }", None));
        assert!(!is_subscription("mutation { x }", None));
        assert!(!is_subscription("subscription {", None));
        let two = "query Q { a } subscription S { b }";
        assert!(is_subscription(two, Some("S")));
        assert!(!is_subscription(two, Some("Q")));
        assert!(!is_subscription(two, None));
        assert!(!is_subscription(two, Some("missing")));
    }
}
