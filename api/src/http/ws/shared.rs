//! One execution of a subscription shared by every operation that would compute the same thing.
//!
//! Without sharing, N sockets subscribed to `telemetry` each run their own copy of the
//! subscription: N bus receivers woken per event, N executions of the selection set and N JSON
//! serialisations of an identical payload. At thousands of subscribers that per-subscriber work
//! is what saturates the CPU (docs/BENCHMARKS.md, Fan-out). Here operations with the same
//! [`ShareKey`] join one [`Group`]: its driver task executes the stream once, serialises each
//! response's `payload` once, and puts it straight into every member's socket queue, wrapped in
//! that member's own `next` envelope (its operation id, its protocol's message type).
//!
//! Per event and member that costs one `try_send` and, through it, one wake-up of the socket's
//! writer task; nothing else runs per member. Members whose envelopes are the same (same
//! protocol, same operation id: most clients call their first subscription "1") get the same
//! message: it is built once per event and envelope and cloned into each queue, and a clone of
//! a `Message::Text` is a reference count, not a copy of the text.
//!
//! A member is an entry in its group's list. The socket task holds its [`Membership`]: dropping
//! it leaves the group at once, so nothing is queued for an operation after the client's
//! `complete`. The member's only task waits for the group to say how the operation ended
//! ([`member_end`]); that is how the socket task learns that the member's queue was full (close
//! 1013) or that the stream completed or failed. The driver never waits on a member: a full
//! queue ends that member (its socket closes with 1013), a closed one (the socket is gone) drops
//! it, and the others go on. So there is no broadcast ring any more: members used to be tasks
//! reading a 128-slot ring, and one that fell 128 responses behind was closed with 1013; now
//! only a member's own full socket queue closes it. The group's bus receiver lagging still
//! reaches every member: the stream yields its "resubscribe and resync" error, then ends.
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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::extract::ws::Message;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use super::{OpEnd, Protocol, errors_json, internal_errors, is_request_error, push, response_json};
use crate::auth::tenant::TenantView;
use crate::error::{REQUEST_ID, finalize_errors};
use tracing::Instrument;

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

/// How a group's stream ended, as its driver tells every member.
#[derive(Debug)]
enum Last {
    /// The request failed before execution: `error` with these errors.
    Failed(Value),
    /// The stream ran out: `complete`.
    Completed,
    /// The driver panicked: `error` with no details, as an operation of its own would get.
    Panicked,
}

/// Members with the same protocol and operation id: they get the same `next` message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EnvelopeKey {
    protocol: Protocol,
    id: String,
}

/// The `next` envelope of one [`EnvelopeKey`] and the members that get it.
struct Recipients {
    prefix: String,
    suffix: String,
    members: HashMap<u64, Member>,
}

/// One member operation, as its group's driver sees it.
struct Member {
    /// The member's socket queue.
    out: mpsc::Sender<Message>,
    /// How the operation ended; read by [`member_end`].
    end: oneshot::Sender<OpEnd>,
}

/// A group's members, by envelope. Locked by the driver while it queues a response for all of
/// them, so a member that leaves (under the same lock) gets nothing queued afterwards.
#[derive(Default)]
struct Members {
    by_envelope: HashMap<EnvelopeKey, Recipients>,
    next_slot: u64,
    /// The driver delivered its last item: nobody can join any more.
    ended: bool,
}

impl Members {
    /// Adds a member; `None` once the group has ended.
    fn add(
        &mut self,
        protocol: Protocol,
        id: &str,
        out: &mpsc::Sender<Message>,
    ) -> Option<(EnvelopeKey, u64, oneshot::Receiver<OpEnd>)> {
        if self.ended {
            return None;
        }
        let key = EnvelopeKey {
            protocol,
            id: id.to_owned(),
        };
        let slot = self.next_slot;
        self.next_slot += 1;
        let (end, ended) = oneshot::channel();
        let recipients = self.by_envelope.entry(key.clone()).or_insert_with(|| {
            let (prefix, suffix) = envelope(protocol, id);
            Recipients {
                prefix,
                suffix,
                members: HashMap::new(),
            }
        });
        let member = Member {
            out: out.clone(),
            end,
        };
        recipients.members.insert(slot, member);
        Some((key, slot, ended))
    }

    fn remove(&mut self, key: &EnvelopeKey, slot: u64) {
        if let Some(recipients) = self.by_envelope.get_mut(key) {
            recipients.members.remove(&slot);
            if recipients.members.is_empty() {
                self.by_envelope.remove(key);
            }
        }
    }

    /// Queues one response's serialised `payload` for every member, under each one's envelope;
    /// a member whose queue is full (its client reads too slowly) or closed (its socket is
    /// gone) is dropped and told so.
    fn deliver(&mut self, payload: &str) {
        for recipients in self.by_envelope.values_mut() {
            let Recipients {
                prefix,
                suffix,
                members,
            } = recipients;
            let mut text = String::with_capacity(prefix.len() + payload.len() + suffix.len());
            text.push_str(prefix);
            text.push_str(payload);
            text.push_str(suffix);
            // One allocation per envelope; each queue gets a reference to it.
            let message = Message::Text(text.into());
            let mut dropped = Vec::new();
            for (slot, member) in members.iter() {
                if let Err(end) = push(&member.out, message.clone()) {
                    dropped.push((*slot, end));
                }
            }
            for (slot, end) in dropped {
                if let Some(member) = members.remove(&slot) {
                    let _ = member.end.send(end);
                }
            }
        }
        self.by_envelope
            .retain(|_, recipients| !recipients.members.is_empty());
    }

    /// Ends every member with the group's last item; nobody joins after this.
    fn finish(&mut self, last: &Last) {
        self.ended = true;
        for (_, recipients) in self.by_envelope.drain() {
            for (_, member) in recipients.members {
                let end = match last {
                    Last::Failed(errors) => OpEnd::Failed(errors.clone()),
                    Last::Completed => OpEnd::Completed,
                    Last::Panicked => OpEnd::Failed(internal_errors()),
                };
                let _ = member.end.send(end);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_envelope.values().map(|r| r.members.len()).sum()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Registry = Mutex<HashMap<ShareKey, Weak<Group>>>;

/// The running groups, by key. Holds them weakly: a group lives as long as it has members.
#[derive(Default, Clone)]
pub struct SharedStreams {
    groups: Arc<Registry>,
}

impl std::fmt::Debug for SharedStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStreams").finish_non_exhaustive()
    }
}

/// One shared execution. Dropping the last member's handle stops it.
struct Group {
    key: ShareKey,
    /// Shared with the driver, which does not keep the group itself alive.
    members: Arc<Mutex<Members>>,
    driver: Mutex<Option<AbortHandle>>,
    registry: Weak<Registry>,
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.get_mut().ok().and_then(Option::take) {
            driver.abort();
        }
        if let Some(registry) = self.registry.upgrade() {
            let mut groups = lock(&registry);
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

/// A member's place in its group. Dropping it leaves the group (and, for the last member, stops
/// the group); nothing is queued for the member once the drop has returned.
pub(super) struct Membership {
    group: Arc<Group>,
    envelope: EnvelopeKey,
    slot: u64,
}

impl Drop for Membership {
    fn drop(&mut self) {
        lock(&self.group.members).remove(&self.envelope, self.slot);
    }
}

impl std::fmt::Debug for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Membership")
            .field("id", &self.envelope.id)
            .finish_non_exhaustive()
    }
}

/// How a member learns the end of its operation: see [`member_end`].
pub(super) type MemberEnd = oneshot::Receiver<OpEnd>;

/// The operation that joins a group: its id, and its socket's protocol and queue.
pub(super) struct Joining<'a> {
    pub(super) id: &'a str,
    pub(super) protocol: Protocol,
    pub(super) out: &'a mpsc::Sender<Message>,
}

impl SharedStreams {
    /// Adds an operation to the running group of `key`, or starts a group whose stream `start`
    /// creates; the group then runs under the starting operation's request id and tracing span.
    pub(super) fn join<F>(
        &self,
        key: ShareKey,
        request_id: String,
        span: tracing::Span,
        Joining { id, protocol, out }: Joining<'_>,
        start: F,
    ) -> (Membership, MemberEnd)
    where
        F: FnOnce() -> BoxStream<'static, async_graphql::Response>,
    {
        // A group that ended but is still registered (not expected: the driver unregisters it
        // before it ends, under the lock) is replaced; it must only be dropped after the lock.
        let mut _ended_group = None;
        let mut groups = lock(&self.groups);
        // Joining under the lock: the driver removes the entry under the same lock before it
        // ends its members, so a member either gets the last item or starts a new group.
        if let Some(group) = groups.get(&key).and_then(Weak::upgrade) {
            let added = lock(&group.members).add(protocol, id, out);
            match added {
                Some((envelope, slot, end)) => {
                    let membership = Membership {
                        group,
                        envelope,
                        slot,
                    };
                    return (membership, end);
                }
                None => _ended_group = Some(group),
            }
        }
        let mut members = Members::default();
        let Some((envelope, slot, end)) = members.add(protocol, id, out) else {
            unreachable!("a new group has not ended");
        };
        let members = Arc::new(Mutex::new(members));
        let group = Arc::new(Group {
            key: key.clone(),
            members: members.clone(),
            driver: Mutex::new(None),
            registry: Arc::downgrade(&self.groups),
        });
        groups.insert(key.clone(), Arc::downgrade(&group));
        drop(groups);

        let stream = start();
        let driver = drive(
            stream,
            members,
            key,
            Arc::downgrade(&group),
            Arc::downgrade(&self.groups),
        );
        let driver = tokio::spawn(REQUEST_ID.scope(request_id, driver).instrument(span));
        *lock(&group.driver) = Some(driver.abort_handle());
        let membership = Membership {
            group,
            envelope,
            slot,
        };
        (membership, end)
    }

    /// Groups running now (for tests and metrics).
    pub fn len(&self) -> usize {
        let groups = lock(&self.groups);
        groups.values().filter(|g| g.strong_count() > 0).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Executes a group's stream once and queues each response, serialised once, for every member.
async fn drive(
    stream: BoxStream<'static, async_graphql::Response>,
    members: Arc<Mutex<Members>>,
    key: ShareKey,
    group: Weak<Group>,
    registry: Weak<Registry>,
) {
    let run = std::panic::AssertUnwindSafe(async {
        let mut stream = stream;
        let mut first = true;
        while let Some(mut response) = stream.next().await {
            finalize_errors(&mut response);
            if std::mem::take(&mut first) && is_request_error(&response) {
                return Last::Failed(errors_json(&response.errors));
            }
            let payload = response_json(&response).to_string();
            // Members whose queue is full or closed are dropped here; the group itself stops
            // when the last membership is dropped (the group's drop aborts this task).
            lock(&members).deliver(&payload);
        }
        Last::Completed
    });
    let last = match futures::FutureExt::catch_unwind(run).await {
        Ok(last) => last,
        Err(_) => {
            tracing::error!("shared websocket operation panicked");
            Last::Panicked
        }
    };
    // Out of the registry first (under its lock), then the last item: no member can join
    // after the last item and wait for ever.
    if let Some(registry) = registry.upgrade() {
        let mut groups = lock(&registry);
        if groups
            .get(&key)
            .is_some_and(|entry| entry.ptr_eq(&group) || entry.strong_count() == 0)
        {
            groups.remove(&key);
        }
        lock(&members).finish(&last);
    } else {
        lock(&members).finish(&last);
    }
}

/// One member operation's task: waits until its group ends it (the stream completed or failed,
/// or the member's queue was full or closed). The responses themselves never pass through it.
pub(super) async fn member_end(id: String, end: MemberEnd) -> (String, OpEnd) {
    // The sender is dropped unsent only when the member was removed without an end: it left, and
    // its task is being aborted anyway.
    let end = end.await.unwrap_or(OpEnd::Completed);
    (id, end)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_graphql::{Response, ServerError};
    use tokio::sync::mpsc::error::TryRecvError;
    use uuid::Uuid;

    use super::*;
    use crate::auth::{Origin, Tenant};

    fn key(request: &str) -> ShareKey {
        let tenant = Tenant::api_key(
            Uuid::nil(),
            Uuid::nil(),
            Arc::from(Vec::new()),
            Origin::default(),
        );
        ShareKey {
            request: request.to_owned(),
            view: tenant.view(),
        }
    }

    fn queue(capacity: usize) -> (mpsc::Sender<Message>, mpsc::Receiver<Message>) {
        mpsc::channel(capacity)
    }

    /// The text of the next queued message; panics when nothing is queued.
    fn text(rx: &mut mpsc::Receiver<Message>) -> axum::extract::ws::Utf8Bytes {
        match rx.try_recv() {
            Ok(Message::Text(text)) => text,
            other => panic!("expected a queued text message, got {other:?}"),
        }
    }

    /// The next queued message, waiting for the driver (bounded, so a broken test fails).
    async fn next_text(rx: &mut mpsc::Receiver<Message>) -> String {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Message::Text(text))) => text.as_str().to_owned(),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    async fn end_of(end: MemberEnd) -> OpEnd {
        tokio::time::timeout(Duration::from_secs(10), end)
            .await
            .expect("the member is ended in time")
            .expect("the group says how the member ended")
    }

    fn data(n: i32) -> Response {
        let data = async_graphql::Value::from_json(json!({ "n": n })).expect("a GraphQL value");
        Response::new(data)
    }

    fn next(protocol: Protocol, id: &str, n: i32) -> String {
        json!({ "type": protocol.next_type(), "id": id, "payload": { "data": { "n": n } } })
            .to_string()
    }

    /// A group's stream fed by hand; the returned sender is closed once the stream is dropped.
    fn fed_stream() -> (
        mpsc::UnboundedSender<Response>,
        BoxStream<'static, async_graphql::Response>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            let response = rx.recv().await?;
            Some((response, rx))
        });
        (tx, stream.boxed())
    }

    fn joining<'a>(id: &'a str, protocol: Protocol, out: &'a mpsc::Sender<Message>) -> Joining<'a> {
        Joining { id, protocol, out }
    }

    fn unused_start() -> BoxStream<'static, async_graphql::Response> {
        panic!("a member of a running group does not start the stream again")
    }

    #[test]
    fn members_with_the_same_protocol_and_id_share_the_bytes_of_one_message() {
        let mut members = Members::default();
        let cases = [
            (Protocol::TransportWs, "1"),
            (Protocol::TransportWs, "1"),
            (Protocol::Legacy, "1"),
            (Protocol::TransportWs, "2"),
        ];
        let mut queues = Vec::new();
        for (protocol, id) in cases {
            let (tx, rx) = queue(4);
            let (_, _, end) = members.add(protocol, id, &tx).expect("the group runs");
            queues.push((rx, end));
        }
        let payload = json!({ "data": { "n": 1 } }).to_string();
        members.deliver(&payload);

        let texts: Vec<_> = queues.iter_mut().map(|(rx, _)| text(rx)).collect();
        for ((protocol, id), text) in cases.iter().zip(&texts) {
            assert_eq!(text.as_str(), next(*protocol, id, 1));
        }
        // The two "1"s of graphql-transport-ws point at the same bytes; the others have their own.
        let at = |i: usize| texts[i].as_str().as_ptr();
        assert_eq!(at(0), at(1), "one message for one envelope");
        assert_ne!(at(0), at(2), "the legacy protocol's own envelope");
        assert_ne!(at(0), at(3), "another id's own envelope");
        assert_eq!(members.len(), 4);
    }

    #[test]
    fn a_full_queue_ends_its_member_as_too_slow_and_a_closed_one_as_gone() {
        let mut members = Members::default();
        let (slow, _slow_rx) = queue(1);
        slow.try_send(Message::Text("filler".into()))
            .expect("room for one");
        let (_, _, mut slow_end) = members
            .add(Protocol::TransportWs, "1", &slow)
            .expect("the group runs");
        let (gone, gone_rx) = queue(4);
        let (_, _, mut gone_end) = members
            .add(Protocol::TransportWs, "1", &gone)
            .expect("the group runs");
        drop(gone_rx);
        let (fine, mut fine_rx) = queue(4);
        let (_, _, mut fine_end) = members
            .add(Protocol::TransportWs, "1", &fine)
            .expect("the group runs");

        members.deliver(r#"{"data":{"n":1}}"#);
        assert!(matches!(slow_end.try_recv(), Ok(OpEnd::TooSlow)));
        assert!(matches!(gone_end.try_recv(), Ok(OpEnd::Gone)));
        assert_eq!(
            text(&mut fine_rx).as_str(),
            next(Protocol::TransportWs, "1", 1)
        );
        assert_eq!(members.len(), 1, "only the member that keeps up stays");

        members.deliver(r#"{"data":{"n":2}}"#);
        assert_eq!(
            text(&mut fine_rx).as_str(),
            next(Protocol::TransportWs, "1", 2)
        );
        assert!(fine_end.try_recv().is_err(), "still running");
    }

    #[test]
    fn a_member_that_leaves_gets_nothing_more_and_its_envelope_goes_with_the_last_one() {
        let mut members = Members::default();
        let (tx, mut rx) = queue(4);
        let (envelope, slot, _end) = members
            .add(Protocol::TransportWs, "1", &tx)
            .expect("the group runs");
        let (other, mut other_rx) = queue(4);
        let _other = members
            .add(Protocol::Legacy, "x", &other)
            .expect("the group runs");
        members.remove(&envelope, slot);
        members.deliver(r#"{"data":{"n":1}}"#);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        assert_eq!(text(&mut other_rx).as_str(), next(Protocol::Legacy, "x", 1));
        assert_eq!(members.by_envelope.len(), 1);
        assert_eq!(members.len(), 1);
    }

    #[test]
    fn the_last_item_ends_every_member_and_nobody_joins_after_it() {
        for (last, expected) in [
            (Last::Completed, None),
            (
                Last::Failed(json!([{ "message": "bad" }])),
                Some(json!([{ "message": "bad" }])),
            ),
            (Last::Panicked, Some(internal_errors())),
        ] {
            let mut members = Members::default();
            let (tx, _rx) = queue(4);
            let mut ends = Vec::new();
            for id in ["1", "2"] {
                let (_, _, end) = members
                    .add(Protocol::TransportWs, id, &tx)
                    .expect("the group runs");
                ends.push(end);
            }
            members.finish(&last);
            for mut end in ends {
                match (end.try_recv(), &expected) {
                    (Ok(OpEnd::Completed), None) => {}
                    (Ok(OpEnd::Failed(errors)), Some(expected)) => assert_eq!(&errors, expected),
                    (other, _) => panic!("{last:?}: unexpected end {other:?}"),
                }
            }
            assert!(members.add(Protocol::TransportWs, "3", &tx).is_none());
            assert_eq!(members.len(), 0);
        }
    }

    #[tokio::test]
    async fn a_group_runs_once_for_its_members_and_stops_when_the_last_one_leaves() {
        let streams = SharedStreams::default();
        let (feed, stream) = fed_stream();
        let (a, mut a_rx) = queue(8);
        let (b, mut b_rx) = queue(8);
        let span = tracing::Span::none;
        let (first, _first_end) = streams.join(
            key("s"),
            "r1".into(),
            span(),
            joining("1", Protocol::TransportWs, &a),
            || stream,
        );
        let (second, _second_end) = streams.join(
            key("s"),
            "r2".into(),
            span(),
            joining("x", Protocol::Legacy, &b),
            unused_start,
        );
        assert_eq!(streams.len(), 1);

        feed.send(data(1)).expect("the stream runs");
        assert_eq!(
            next_text(&mut a_rx).await,
            next(Protocol::TransportWs, "1", 1)
        );
        assert_eq!(next_text(&mut b_rx).await, next(Protocol::Legacy, "x", 1));

        // A member that left gets nothing more; the group goes on for the other.
        drop(first);
        feed.send(data(2)).expect("the stream runs");
        assert_eq!(next_text(&mut b_rx).await, next(Protocol::Legacy, "x", 2));
        assert!(matches!(a_rx.try_recv(), Err(TryRecvError::Empty)));
        assert_eq!(streams.len(), 1);

        // The last one leaving ends the group, its registry entry and its stream.
        drop(second);
        assert_eq!(streams.len(), 0);
        assert!(streams.is_empty());
        tokio::time::timeout(Duration::from_secs(10), feed.closed())
            .await
            .expect("the stream is dropped");
    }

    #[tokio::test]
    async fn the_end_of_the_stream_completes_every_member_and_the_next_join_starts_afresh() {
        let streams = SharedStreams::default();
        let (feed, stream) = fed_stream();
        let (a, mut a_rx) = queue(8);
        let (first, first_end) = streams.join(
            key("s"),
            "r1".into(),
            tracing::Span::none(),
            joining("1", Protocol::TransportWs, &a),
            || stream,
        );
        let (second, second_end) = streams.join(
            key("s"),
            "r2".into(),
            tracing::Span::none(),
            joining("1", Protocol::TransportWs, &a),
            unused_start,
        );
        feed.send(data(7)).expect("the stream runs");
        drop(feed);
        for end in [first_end, second_end] {
            assert!(matches!(end_of(end).await, OpEnd::Completed));
        }
        // Both responses were queued before the ends.
        for _ in 0..2 {
            assert_eq!(
                next_text(&mut a_rx).await,
                next(Protocol::TransportWs, "1", 7)
            );
        }
        assert_eq!(streams.len(), 0, "an ended group is unregistered");

        // While the ended group's members are still held, the same key starts a new group.
        let started = std::sync::atomic::AtomicBool::new(false);
        let (_third, _) = streams.join(
            key("s"),
            "r3".into(),
            tracing::Span::none(),
            joining("1", Protocol::TransportWs, &a),
            || {
                started.store(true, std::sync::atomic::Ordering::SeqCst);
                futures::stream::pending().boxed()
            },
        );
        assert!(started.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(streams.len(), 1);
        drop((first, second));
        assert_eq!(
            streams.len(),
            1,
            "the old group's drop leaves the new entry"
        );
    }

    #[tokio::test]
    async fn a_request_error_or_a_panic_fails_every_member() {
        let streams = SharedStreams::default();
        let (tx, _rx) = queue(8);
        let invalid = || {
            let response = Response::from_errors(vec![ServerError::new("no such field", None)]);
            futures::stream::iter([response]).boxed()
        };
        let (_one, one) = streams.join(
            key("bad"),
            "r1".into(),
            tracing::Span::none(),
            joining("1", Protocol::TransportWs, &tx),
            invalid,
        );
        match end_of(one).await {
            OpEnd::Failed(errors) => {
                assert_eq!(errors[0]["message"], "no such field", "{errors}");
                assert_eq!(
                    errors[0]["extensions"]["code"], "BAD_USER_INPUT",
                    "{errors}"
                );
            }
            other => panic!("expected a failure, got {other:?}"),
        }

        let panics = || {
            futures::stream::poll_fn(|_| -> std::task::Poll<Option<Response>> {
                panic!("a resolver bug")
            })
            .boxed()
        };
        let (_two, two) = streams.join(
            key("panics"),
            "r2".into(),
            tracing::Span::none(),
            joining("1", Protocol::TransportWs, &tx),
            panics,
        );
        match end_of(two).await {
            OpEnd::Failed(errors) => assert_eq!(errors, internal_errors()),
            other => panic!("expected an internal error, got {other:?}"),
        }
        assert!(streams.is_empty());
    }

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
