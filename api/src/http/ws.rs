//! GraphQL over WebSocket: `graphql-transport-ws` and the legacy `graphql-ws` subprotocol.
//!
//! Written by hand rather than with async-graphql's `GraphQLWebSocket`, which speaks the message
//! flow of both protocols but not the rules that keep a long-lived socket honest
//! (docs/ARCHITECTURE.md §6.3): it closes a malformed message with 1002 instead of 4400, lets a
//! `subscribe` through before `connection_ack` instead of 4401, has no `connection_init` deadline
//! (4408), silently replaces an operation whose id is still in use instead of 4409, never pings a
//! quiet peer nor notices that it died, puts no cap on operations per socket, queues outgoing
//! messages without bound, and checks credentials once, at `connection_init`, for the whole life of
//! the socket.
//!
//! What the socket does here, on either subprotocol:
//!
//! | event                                                | outcome                             |
//! |------------------------------------------------------|-------------------------------------|
//! | no/unknown `Sec-WebSocket-Protocol`                  | upgrade refused, HTTP 400           |
//! | bad JSON, unknown type, missing id/payload, binary   | close 4400                          |
//! | `subscribe`/`start` before `connection_ack`          | close 4401 Unauthorized             |
//! | bad credentials in `connection_init`                 | close 4403 Forbidden                |
//! | `connection_init` over an API key's rate limit       | close 1013 `Try again later: rate limited, retry after N s` |
//! | `subscribe` over an API key's rate limit             | `error` RATE_LIMITED, socket stays  |
//! | not acknowledged within `init_timeout`               | close 4408                          |
//! | `subscribe` with an id still running                 | close 4409 (legacy: restarts it)    |
//! | a second `connection_init`                           | close 4429                          |
//! | credentials fail a periodic re-check                 | close 4403                          |
//! | nothing heard within `pong_timeout` of a server ping | close 1001 (the peer is gone)       |
//! | outgoing queue full (client reads too slowly)        | close 1013 Try again later          |
//! | message over `max_message_bytes`                     | close 1009                          |
//! | more than `max_operations` running                   | `error` for that id, socket stays   |
//!
//! The periodic re-check of a socket opened with a session's access token asks whether the
//! session still lives (not logged out, revoked or expired, the user still a member), not whether
//! that access token has expired: a socket outlives the rotation of its access token.
//!
//! 1013 rather than 4429 for a slow subscriber: 4429 means "repeated connection_init" to a
//! graphql-transport-ws client, while 1013 (RFC 6455 "Try Again Later") is what a reconnecting
//! client should do, and it says that the server, not the protocol, gave up
//! (docs/ARCHITECTURE.md §6.3).
//!
//! Shape: one task per socket reads messages, keeps the timers and owns the operations; one task
//! per operation drives its `execute_stream` and pushes results into a bounded queue; one writer
//! task drains the queue into the socket, writing whatever has queued up with one flush.
//! Dropping the socket task aborts every operation.
//!
//! Subscriptions that would compute the same responses (same request, callers who see the same
//! things) share one execution across sockets: see [`shared`]. The group's driver then queues
//! each response for every member itself, under the member's id; the member's own task only
//! waits to hear how the operation ended.

mod shared;

pub use shared::SharedStreams;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Executor, Request, Response as GraphQLResponse, ServerError};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::{BoxFuture, OptionFuture};
use futures::stream::{BoxStream, SplitStream};
use futures::{Sink, SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinError, JoinSet};
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at, sleep_until};
use tracing::Instrument;

use super::{AppState, origin};
use crate::auth::{Caller, Origin};
use crate::db::Db;
use crate::error::{AppError, REQUEST_ID, finalize_errors};
use crate::graphql::loaders;

/// Tuning of the WebSocket endpoint.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// How long a client has, from the upgrade, until its `connection_init` is acknowledged
    /// (4408). The clock runs until the acknowledgement, so a credential check that hangs cannot
    /// hold a socket open either.
    pub init_timeout: Duration,
    /// How often the server pings an acknowledged connection: a `ping` message on
    /// graphql-transport-ws; a `ka` message plus a WebSocket ping frame on the legacy protocol,
    /// whose clients never answer `ka`.
    pub ping_every: Duration,
    /// How long after a ping the peer has to send anything at all before it is taken for dead.
    pub pong_timeout: Duration,
    /// How often the credentials of `connection_init` are checked again, so that a logged-out
    /// session, a revoked key or a removed membership ends the socket too.
    pub revalidate_every: Duration,
    /// Operations one socket may run at once; one more gets an `error`, not a close.
    pub max_operations: usize,
    /// The largest message the server accepts (1009 beyond it).
    pub max_message_bytes: usize,
    /// Outgoing messages one socket may have queued; a client that lets it fill is too slow
    /// (1013). Bounds the memory one slow socket can hold.
    pub send_queue: usize,
    /// The read buffer every socket allocates up front, and the most one read takes from the
    /// network. tungstenite's default (128 KiB) was most of the server's ~145 KiB per idle
    /// subscriber; client messages are small, and a larger one (up to `max_message_bytes`)
    /// still arrives, in more reads.
    pub read_buffer_bytes: usize,
    /// How long a closing socket may take to get its close frame out and hear the reply before
    /// it is dropped: a client that stopped reading must not hold the task forever. A client
    /// closed for reading too slowly gets its 1013 only once it reads what its socket already
    /// holds, so it has this long to do so.
    pub close_grace: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            init_timeout: Duration::from_secs(10),
            ping_every: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(10),
            revalidate_every: Duration::from_secs(30),
            max_operations: 50,
            max_message_bytes: 256 * 1024,
            send_queue: 1024,
            read_buffer_bytes: 4 * 1024,
            close_grace: Duration::from_secs(5),
        }
    }
}

/// The two subprotocols, by their `Sec-WebSocket-Protocol` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `graphql-transport-ws`: <https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>.
    TransportWs,
    /// `graphql-ws`, the protocol of the retired subscriptions-transport-ws library.
    Legacy,
}

impl Protocol {
    pub const fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::Legacy => "graphql-ws",
        }
    }

    /// The modern protocol when the client offers both.
    fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let offered: Vec<&str> = offered.into_iter().map(str::trim).collect();
        [Self::TransportWs, Self::Legacy]
            .into_iter()
            .find(|protocol| offered.contains(&protocol.name()))
    }

    fn next_type(self) -> &'static str {
        match self {
            Self::TransportWs => "next",
            Self::Legacy => "data",
        }
    }
}

/// What the socket needs from the application: checking credentials, and giving each operation
/// its request data. The `AppState` one is [`AppBackend`]; tests plug in their own.
pub trait WsBackend: Send + Sync + 'static {
    /// Resolves a bearer token (without `Bearer `); run at `connection_init` and again every
    /// `revalidate_every`.
    fn authenticate(
        &self,
        token: String,
        origin: Origin,
    ) -> BoxFuture<'static, Result<Caller, AppError>>;

    /// Checks the credentials of an acknowledged socket again (every `revalidate_every`):
    /// `caller` is what they resolved to last time. By default, the same check as at
    /// `connection_init`.
    fn revalidate(
        &self,
        token: String,
        caller: &Caller,
        origin: Origin,
    ) -> BoxFuture<'static, Result<Caller, AppError>> {
        let _ = caller;
        self.authenticate(token, origin)
    }

    /// Adds what resolvers read (the caller, loaders) to one operation's request.
    fn prepare(&self, request: Request, caller: &Caller) -> Request;

    /// Counts one operation (a `subscribe`, or the `connection_init` itself) against the
    /// caller's rate limit; `RATE_LIMITED` refuses it.
    fn admit(&self, _caller: &Caller) -> Result<(), AppError> {
        Ok(())
    }

    /// Where subscriptions are shared between operations, if they are (see [`shared`]).
    fn shared_streams(&self) -> Option<&SharedStreams> {
        None
    }
}

/// The application's backend: the same authenticator and request data as `POST /graphql`.
pub struct AppBackend {
    pub auth: Arc<super::auth::Authenticator>,
    pub db: Db,
    pub shared: SharedStreams,
}

impl WsBackend for AppBackend {
    fn authenticate(
        &self,
        token: String,
        origin: Origin,
    ) -> BoxFuture<'static, Result<Caller, AppError>> {
        let auth = self.auth.clone();
        Box::pin(async move { auth.authenticate_token(&token, origin).await })
    }

    fn revalidate(
        &self,
        token: String,
        caller: &Caller,
        origin: Origin,
    ) -> BoxFuture<'static, Result<Caller, AppError>> {
        let (auth, caller) = (self.auth.clone(), caller.clone());
        Box::pin(async move { auth.revalidate(&token, &caller, origin).await })
    }

    fn prepare(&self, request: Request, caller: &Caller) -> Request {
        // A fresh loader per operation, as per HTTP request: a loader holds its caller, and its
        // cache must not be shared between operations that may run as different callers.
        let request = match caller {
            Caller::Tenant(tenant) => {
                request.data(loaders::loaders(self.db.clone(), tenant.clone()))
            }
            Caller::Anonymous(_) => request,
        };
        request.data(caller.clone())
    }

    fn admit(&self, caller: &Caller) -> Result<(), AppError> {
        self.auth.admit(caller)
    }

    fn shared_streams(&self) -> Option<&SharedStreams> {
        Some(&self.shared)
    }
}

/// `GET /graphql/ws`.
pub async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let backend = Arc::new(AppBackend {
        auth: state.auth.clone(),
        db: state.services.db.clone(),
        shared: state.ws_streams.clone(),
    });
    upgrade(
        ws,
        state.schema,
        backend,
        state.ws.clone(),
        origin(Some(peer), &headers),
    )
}

/// Picks the subprotocol and upgrades: the core behind [`graphql_ws`], free of `AppState` so
/// that tests can drive it with their own schema and backend.
pub fn upgrade<E: Executor, B: WsBackend>(
    ws: WebSocketUpgrade,
    executor: E,
    backend: Arc<B>,
    config: WsConfig,
    origin: Origin,
) -> Response {
    let offered = ws.requested_protocols().filter_map(|v| v.to_str().ok());
    let Some(protocol) = Protocol::negotiate(offered) else {
        // graphql-transport-ws allows closing with 4406 after the upgrade instead; refusing the
        // upgrade tells the client the same thing without opening a socket first.
        return (
            StatusCode::BAD_REQUEST,
            "Subprotocol not acceptable: use graphql-transport-ws or graphql-ws",
        )
            .into_response();
    };
    let span = tracing::info_span!(
        "graphql_ws",
        protocol = protocol.name(),
        request_id = %origin.request_id,
    );
    // No `Sec-WebSocket-Extensions` in the answer, even when the client offers
    // permessage-deflate (RFC 7692): tungstenite 0.29, under axum 0.8's `WebSocketUpgrade`, has
    // no implementation of it and fails every frame with RSV1 set, the bit that marks a
    // compressed message. Leaving the extension out of the answer is the RFC's way to decline
    // it; the client then sends and expects plain frames (see the `http_edge` tests).
    ws.protocols([protocol.name()])
        .max_message_size(config.max_message_bytes)
        .max_frame_size(config.max_message_bytes)
        .read_buffer_size(config.read_buffer_bytes)
        .on_upgrade(move |socket| {
            serve(socket, executor, backend, config, protocol, origin).instrument(span)
        })
}

/// Why a socket ends.
#[derive(Debug)]
enum Shutdown {
    /// Close with this code and reason, after what is already queued.
    Close(u16, String),
    /// The outgoing queue is full: abandon it and close with 1013 straight away.
    TooSlow,
    /// The peer closed or the connection broke; nothing left to say.
    Gone,
}

impl Shutdown {
    fn close(code: u16, reason: impl Into<String>) -> Self {
        Self::Close(code, reason.into())
    }

    fn invalid(detail: &str) -> Self {
        Self::Close(4400, format!("Invalid message received: {detail}"))
    }
}

type Flow = Result<(), Shutdown>;

/// How one operation ended, as its task reports it to the socket task.
#[derive(Debug)]
enum OpEnd {
    /// The stream ran out: the socket task sends `complete`.
    Completed,
    /// The request failed before execution (parse, validation): `error` with these errors.
    Failed(Value),
    TooSlow,
    Gone,
}

async fn serve<E: Executor, B: WsBackend>(
    socket: WebSocket,
    executor: E,
    backend: Arc<B>,
    config: WsConfig,
    protocol: Protocol,
    origin: Origin,
) {
    let (sink, mut stream) = socket.split();
    let close_grace = config.close_grace;
    let (out, queue) = mpsc::channel(config.send_queue.max(1));
    let (abort, abort_rx) = oneshot::channel();
    let mut writer = tokio::spawn(write_loop(sink, queue, abort_rx));

    let mut connection = Connection {
        executor,
        backend,
        config,
        protocol,
        origin,
        out,
        token: None,
        caller: None,
        initialising: false,
        authenticating: None,
        revalidating: None,
        operations: HashMap::new(),
        tasks: JoinSet::new(),
    };
    let shutdown = connection.run(&mut stream).await;
    // Operations stop before the close frame is queued, so none can send after it: members of
    // shared groups leave them, and the other operations' tasks end.
    connection.operations.clear();
    connection.tasks.shutdown().await;
    tracing::debug!(?shutdown, "websocket closing");
    match shutdown {
        Shutdown::Close(code, reason) => {
            let frame = close_frame(code, &reason);
            if let Err(TrySendError::Full(_)) =
                connection.out.try_send(Message::Close(Some(frame.clone())))
            {
                let _ = abort.send(frame);
            }
        }
        Shutdown::TooSlow => {
            let frame = close_frame(1013, "Try again later: subscriber too slow");
            let _ = abort.send(frame);
        }
        Shutdown::Gone => {}
    }
    drop(connection);

    // Let the writer get the close frame out, then read on until the closing handshake is
    // over: the peer's reply to our close, or (when the peer closed first) the read that flushes
    // tungstenite's reply to it. Dropping a TCP socket with unread input resets it, and the
    // peer could lose the close frame with it.
    let linger = async {
        let _ = (&mut writer).await;
        while let Some(Ok(_)) = stream.next().await {}
    };
    let _ = tokio::time::timeout(close_grace, linger).await;
    writer.abort();
}

/// Messages the writer takes from its queue for one flush (one `write` to the socket, unless
/// they exceed tungstenite's write buffer, which writes out on its own past 128 KiB).
const MESSAGES_PER_FLUSH: usize = 64;

/// Drains the queue into the socket until it ends, the writer sends a close frame, or the
/// socket task asks for an immediate close (a slow client: what is queued is abandoned).
///
/// Whatever is already queued when the writer wakes goes out with one flush: a burst of messages
/// (a shared group's responses, a ping and a `next`) costs one system call rather than one each.
///
/// Per delivered message (a fan-out wakes thousands of these writers at once, each with its own
/// cold queue and signal), the writer takes the queue's messages with one `recv_many` (one pop
/// each, the waker registered only once it is empty) and polls the abort signal once per
/// wake-up, not before and after every batch.
async fn write_loop<S>(
    mut sink: S,
    mut queue: mpsc::Receiver<Message>,
    abort: oneshot::Receiver<CloseFrame>,
) where
    S: Sink<Message> + Unpin,
{
    // A pending oneshot costs an atomic load per poll; a `watch`'s `changed()` future (used
    // before) registered and removed a waiter under a lock each time, about 2 % of the samples
    // of a 10,000-subscriber fan-out profile. A sender dropped unsent never aborts.
    let abort = async {
        match abort.await {
            Ok(frame) => frame,
            Err(_) => std::future::pending().await,
        }
    };
    let mut batch = Vec::with_capacity(MESSAGES_PER_FLUSH);
    let frame = tokio::select! {
        biased;
        frame = abort => frame,
        () = async {
            loop {
                if queue.recv_many(&mut batch, MESSAGES_PER_FLUSH).await == 0 {
                    return; // The queue ended: the socket task is done with this socket.
                }
                let mut closing = false;
                for message in batch.drain(..) {
                    // Nothing follows a close frame.
                    if closing {
                        break;
                    }
                    closing = matches!(message, Message::Close(_));
                    if sink.feed(message).await.is_err() {
                        return;
                    }
                }
                if sink.flush().await.is_err() || closing {
                    return;
                }
            }
        } => return,
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

fn close_frame(code: u16, reason: &str) -> CloseFrame {
    // A close frame's reason fits in 123 bytes (RFC 6455 §5.5); cut at a character boundary.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    CloseFrame {
        code,
        reason: reason[..end].to_owned().into(),
    }
}

/// The state of one socket, owned by its task.
struct Connection<E, B> {
    executor: E,
    backend: Arc<B>,
    config: WsConfig,
    protocol: Protocol,
    origin: Origin,
    out: mpsc::Sender<Message>,
    /// The bearer token of `connection_init`, kept to check it again.
    token: Option<String>,
    /// Set once `connection_ack` is sent; operations run as this caller.
    caller: Option<Caller>,
    /// A `connection_init` arrived (acknowledged or not): a second one is 4429.
    initialising: bool,
    authenticating: Option<BoxFuture<'static, Result<Caller, AppError>>>,
    revalidating: Option<BoxFuture<'static, Result<Caller, AppError>>>,
    /// Running operations by client id; the handle's task id tells a current task from a
    /// replaced one.
    operations: HashMap<String, Running>,
    tasks: JoinSet<(String, OpEnd)>,
}

/// A running operation: its task, and for a member of a shared group its place there.
struct Running {
    task: AbortHandle,
    /// Dropping it leaves the group: nothing more is queued for the operation.
    membership: Option<shared::Membership>,
}

impl Running {
    /// Stops the operation now (`complete`, or a restart): a member leaves its group before
    /// anything else can be queued under its id, and its task is aborted.
    fn stop(self) {
        drop(self.membership);
        self.task.abort();
    }
}

enum Event {
    Incoming(Option<Result<Message, axum::Error>>),
    Joined(Result<(tokio::task::Id, (String, OpEnd)), JoinError>),
    Authenticated(Result<Caller, AppError>),
    Revalidated(Result<Caller, AppError>),
    InitTimeout,
    PingDue,
    PeerDead,
    RevalidateDue,
}

/// Ticks of an interval that may not exist yet (it starts at `connection_ack`).
async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn interval_from_now(period: Duration) -> Interval {
    let mut interval = interval_at(Instant::now() + period, period);
    // After a stall, one late tick rather than a burst of them.
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}

impl<E: Executor, B: WsBackend> Connection<E, B> {
    async fn run(&mut self, stream: &mut SplitStream<WebSocket>) -> Shutdown {
        let init_deadline = Instant::now() + self.config.init_timeout;
        let mut ping: Option<Interval> = None;
        let mut revalidate: Option<Interval> = None;
        // Set by a ping, cleared by anything the peer sends.
        let mut pong_deadline: Option<Instant> = None;
        loop {
            let event = tokio::select! {
                // Finished operations before new messages: an id is free again (no 4409) by the
                // time its `complete` is queued, so before the client can reuse it.
                biased;
                Some(joined) = self.tasks.join_next_with_id() => Event::Joined(joined),
                Some(result) = OptionFuture::from(self.authenticating.as_mut()) => {
                    Event::Authenticated(result)
                }
                Some(result) = OptionFuture::from(self.revalidating.as_mut()) => {
                    Event::Revalidated(result)
                }
                incoming = stream.next() => Event::Incoming(incoming),
                () = sleep_until(init_deadline), if self.caller.is_none() => Event::InitTimeout,
                () = sleep_until(pong_deadline.unwrap_or(init_deadline)),
                    if pong_deadline.is_some() => Event::PeerDead,
                () = tick(&mut ping) => Event::PingDue,
                () = tick(&mut revalidate), if self.revalidating.is_none() => Event::RevalidateDue,
            };
            let flow = match event {
                Event::Incoming(incoming) => {
                    pong_deadline = None;
                    self.on_incoming(incoming)
                }
                Event::Joined(joined) => self.on_joined(joined),
                Event::Authenticated(result) => {
                    self.authenticating = None;
                    let acknowledged = self.on_authenticated(result);
                    if acknowledged.is_ok() {
                        ping = Some(interval_from_now(self.config.ping_every));
                        if self.token.is_some() {
                            revalidate = Some(interval_from_now(self.config.revalidate_every));
                        }
                    }
                    acknowledged
                }
                Event::Revalidated(result) => {
                    self.revalidating = None;
                    self.on_revalidated(result)
                }
                Event::InitTimeout => {
                    Err(Shutdown::close(4408, "Connection initialisation timeout"))
                }
                Event::PingDue => {
                    pong_deadline.get_or_insert(Instant::now() + self.config.pong_timeout);
                    self.ping()
                }
                Event::PeerDead => Err(Shutdown::close(1001, "No response to ping")),
                Event::RevalidateDue => {
                    if let (Some(token), Some(caller)) = (&self.token, &self.caller) {
                        self.revalidating = Some(self.backend.revalidate(
                            token.clone(),
                            caller,
                            self.origin.clone(),
                        ));
                    }
                    Ok(())
                }
            };
            if let Err(shutdown) = flow {
                return shutdown;
            }
        }
    }

    fn on_incoming(&mut self, incoming: Option<Result<Message, axum::Error>>) -> Flow {
        match incoming {
            None | Some(Ok(Message::Close(_))) => Err(Shutdown::Gone),
            // tungstenite reports an over-long message only as this error's text.
            Some(Err(err)) if err.to_string().contains("Message too long") => {
                Err(Shutdown::close(1009, "Message too big"))
            }
            Some(Err(err)) => {
                tracing::debug!(error = %err, "websocket read failed");
                Err(Shutdown::Gone)
            }
            Some(Ok(Message::Text(text))) => {
                let message = parse(self.protocol, text.as_str()).map_err(Shutdown::invalid)?;
                self.on_message(message)
            }
            Some(Ok(Message::Binary(_))) => {
                Err(Shutdown::invalid("binary messages are not supported"))
            }
            // tungstenite answers pings itself; a pong only shows that the peer is alive.
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
        }
    }

    fn on_message(&mut self, message: ClientMessage) -> Flow {
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if std::mem::replace(&mut self.initialising, true) {
                    return Err(Shutdown::close(4429, "Too many initialisation requests"));
                }
                match bearer_token(&payload) {
                    Ok(None) => self.on_authenticated(Ok(Caller::Anonymous(self.origin.clone()))),
                    Ok(Some(token)) => {
                        self.authenticating = Some(
                            self.backend
                                .authenticate(token.clone(), self.origin.clone()),
                        );
                        self.token = Some(token);
                        Ok(())
                    }
                    Err(()) => self.refuse_init("Forbidden", 4403, "Forbidden"),
                }
            }
            ClientMessage::Ping { payload } => {
                let mut pong = json!({ "type": "pong" });
                if let Some(payload) = payload {
                    pong["payload"] = payload;
                }
                self.send(&pong)
            }
            ClientMessage::Pong => Ok(()),
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload),
            ClientMessage::Complete { id } => {
                if let Some(operation) = self.operations.remove(&id) {
                    operation.stop();
                    // A legacy client waits for the server's `complete`; a modern one must not
                    // hear about the operation again.
                    if self.protocol == Protocol::Legacy {
                        self.send(&json!({ "type": "complete", "id": id }))?;
                    }
                }
                Ok(())
            }
            ClientMessage::Terminate => Err(Shutdown::close(1000, "Normal closure")),
        }
    }

    /// A failed `connection_init`: the legacy protocol says why in `connection_error` first.
    fn refuse_init(&mut self, message: &str, code: u16, reason: &str) -> Flow {
        if self.protocol == Protocol::Legacy {
            self.send(&json!({ "type": "connection_error", "payload": { "message": message } }))?;
        }
        Err(Shutdown::close(code, reason))
    }

    fn on_authenticated(&mut self, result: Result<Caller, AppError>) -> Flow {
        match result {
            Ok(caller) => match self.backend.admit(&caller) {
                Ok(()) => {
                    self.caller = Some(caller);
                    self.send(&json!({ "type": "connection_ack" }))
                }
                Err(err) => self.on_authenticated(Err(err)),
            },
            Err(AppError::RateLimited { retry_after_secs }) => {
                // 1013 (RFC 6455 "Try Again Later"): clients reconnect with a backoff, which
                // is what an exhausted rate limit asks for; the reason says when (README).
                if self.protocol == Protocol::Legacy {
                    self.send(&json!({ "type": "connection_error", "payload": {
                        "message": "rate limit exceeded",
                        "extensions": { "code": "RATE_LIMITED", "retryAfter": retry_after_secs },
                    } }))?;
                }
                Err(Shutdown::close(
                    1013,
                    format!("Try again later: rate limited, retry after {retry_after_secs} s"),
                ))
            }
            Err(AppError::Internal(err)) => {
                tracing::error!(error = ?err, "websocket authentication failed");
                self.refuse_init("internal error", 1011, "Internal error")
            }
            Err(err) => {
                tracing::debug!(error = %err, "websocket credentials refused");
                self.refuse_init("Forbidden", 4403, "Forbidden")
            }
        }
    }

    fn on_revalidated(&mut self, result: Result<Caller, AppError>) -> Flow {
        match result {
            // New operations run with what the credentials allow now (a changed role, say).
            Ok(caller) => {
                self.caller = Some(caller);
                Ok(())
            }
            // Not a verdict on the credentials: a rate-limited key or a database hiccup must
            // not cut every socket. The next round checks again.
            Err(err @ (AppError::RateLimited { .. } | AppError::Internal(_))) => {
                tracing::warn!(error = %err, "could not revalidate websocket credentials");
                Ok(())
            }
            Err(err) => {
                tracing::info!(error = %err, "websocket credentials no longer valid");
                Err(Shutdown::close(
                    4403,
                    "Forbidden: credentials no longer valid",
                ))
            }
        }
    }

    fn ping(&mut self) -> Flow {
        match self.protocol {
            Protocol::TransportWs => self.send(&json!({ "type": "ping" })),
            Protocol::Legacy => {
                self.send(&json!({ "type": "ka" }))?;
                // Legacy clients never answer `ka`; a ping frame gets a pong from any
                // WebSocket stack, which is what tells a live peer from a dead one.
                self.push(Message::Ping(Default::default()))
            }
        }
    }

    fn subscribe(&mut self, id: String, payload: Value) -> Flow {
        let Some(caller) = &self.caller else {
            return Err(Shutdown::close(4401, "Unauthorized"));
        };
        if self.operations.contains_key(&id) {
            match self.protocol {
                Protocol::TransportWs => {
                    return Err(Shutdown::close(
                        4409,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                // subscriptions-transport-ws restarts an operation that is started again (its
                // clients do that to change variables).
                Protocol::Legacy => {
                    if let Some(running) = self.operations.remove(&id) {
                        running.stop();
                    }
                }
            }
        }
        let share_key = match caller {
            Caller::Tenant(tenant) if self.backend.shared_streams().is_some() => {
                shared::ShareKey::of(&payload, tenant.view())
            }
            _ => None,
        };
        let request: Request = serde_json::from_value(payload)
            .map_err(|_| Shutdown::invalid("subscribe payload is not a GraphQL request"))?;
        if self.operations.len() >= self.config.max_operations {
            let message = format!(
                "too many operations running on this connection (at most {})",
                self.config.max_operations
            );
            let errors = json!([{ "message": message, "extensions": { "code": "RATE_LIMITED" } }]);
            return self.send(&json!({ "type": "error", "id": id, "payload": errors }));
        }
        // Every operation counts against an API key's limit; one over it is refused alone and
        // the socket stays open.
        if let Err(err) = self.backend.admit(caller) {
            let mut response = crate::error::request_error(err);
            finalize_errors(&mut response);
            let errors = errors_json(&response.errors);
            return self.send(&json!({ "type": "error", "id": id, "payload": errors }));
        }

        // Each operation is its own request: its own id in logs and masked errors, its own
        // loaders, and the socket's caller with that id for the audit log.
        let request_id = uuid::Uuid::now_v7().to_string();
        let mut caller = caller.clone();
        match &mut caller {
            Caller::Tenant(tenant) => tenant.origin.request_id.clone_from(&request_id),
            Caller::Anonymous(origin) => origin.request_id.clone_from(&request_id),
        }
        let span = tracing::debug_span!("operation", id = %id, request_id = %request_id);
        let start = || {
            let request = self.backend.prepare(request, &caller);
            self.executor.execute_stream(request, None)
        };
        let (task, membership): (BoxFuture<'static, (String, OpEnd)>, _) =
            match (share_key, self.backend.shared_streams()) {
                (Some(key), Some(streams)) => {
                    let joining = shared::Joining {
                        id: &id,
                        protocol: self.protocol,
                        out: &self.out,
                    };
                    let (membership, end) =
                        streams.join(key, request_id.clone(), span.clone(), joining, start);
                    let task = Box::pin(shared::member_end(id.clone(), end));
                    (task, Some(membership))
                }
                _ => {
                    let task = run_operation(id.clone(), start(), self.protocol, self.out.clone());
                    (Box::pin(task), None)
                }
            };
        let task = self
            .tasks
            .spawn(REQUEST_ID.scope(request_id, task).instrument(span));
        self.operations.insert(id, Running { task, membership });
        Ok(())
    }

    fn on_joined(&mut self, joined: Result<(tokio::task::Id, (String, OpEnd)), JoinError>) -> Flow {
        let (task, id, end) = match joined {
            Ok((task, (id, end))) => (task, id, end),
            // Aborted on `complete`, on restart, or because the socket is closing.
            Err(err) if err.is_cancelled() => return Ok(()),
            Err(err) => {
                let task = err.id();
                tracing::error!(error = %err, "websocket operation panicked");
                let Some(id) = self.operation_of(task) else {
                    return Ok(());
                };
                self.operations.remove(&id);
                let message = json!({ "type": "error", "id": id, "payload": internal_errors() });
                return self.send(&message);
            }
        };
        match end {
            OpEnd::TooSlow => return Err(Shutdown::TooSlow),
            OpEnd::Gone => return Err(Shutdown::Gone),
            OpEnd::Completed | OpEnd::Failed(_) => {}
        }
        // A task that finished just as it was replaced is no longer the operation of its id.
        if self
            .operations
            .get(&id)
            .is_none_or(|running| running.task.id() != task)
        {
            return Ok(());
        }
        self.operations.remove(&id);
        match end {
            OpEnd::Failed(errors) => {
                self.send(&json!({ "type": "error", "id": id, "payload": errors }))
            }
            _ => self.send(&json!({ "type": "complete", "id": id })),
        }
    }

    fn operation_of(&self, task: tokio::task::Id) -> Option<String> {
        self.operations
            .iter()
            .find(|(_, running)| running.task.id() == task)
            .map(|(id, _)| id.clone())
    }

    fn send(&self, message: &Value) -> Flow {
        self.push(Message::Text(message.to_string().into()))
    }

    fn push(&self, message: Message) -> Flow {
        push(&self.out, message).map_err(|end| match end {
            OpEnd::TooSlow => Shutdown::TooSlow,
            _ => Shutdown::Gone,
        })
    }
}

/// Never waits for room: a full queue means the client is too slow, and waiting would only
/// move the unbounded buffer somewhere else.
fn push(out: &mpsc::Sender<Message>, message: Message) -> Result<(), OpEnd> {
    out.try_send(message).map_err(|err| match err {
        TrySendError::Full(_) => OpEnd::TooSlow,
        TrySendError::Closed(_) => OpEnd::Gone,
    })
}

/// Drives one operation: every response becomes `next` (legacy `data`), with the errors given
/// their stable codes. Runs inside `REQUEST_ID.scope`, so masked errors name this operation.
async fn run_operation(
    id: String,
    mut stream: BoxStream<'static, GraphQLResponse>,
    protocol: Protocol,
    out: mpsc::Sender<Message>,
) -> (String, OpEnd) {
    let mut first = true;
    while let Some(mut response) = stream.next().await {
        finalize_errors(&mut response);
        if std::mem::take(&mut first) && is_request_error(&response) {
            return (id, OpEnd::Failed(errors_json(&response.errors)));
        }
        let message =
            json!({ "type": protocol.next_type(), "id": id, "payload": response_json(&response) });
        if let Err(end) = push(&out, Message::Text(message.to_string().into())) {
            return (id, end);
        }
    }
    (id, OpEnd::Completed)
}

/// A request that never ran (it did not parse or validate): no data and no error with a path.
/// Both protocols answer it with `error` rather than `next`.
fn is_request_error(response: &GraphQLResponse) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn response_json(response: &GraphQLResponse) -> Value {
    serde_json::to_value(response).unwrap_or_else(|err| {
        tracing::error!(error = %err, "could not serialise a GraphQL response");
        json!({ "data": null, "errors": internal_errors() })
    })
}

fn errors_json(errors: &[ServerError]) -> Value {
    serde_json::to_value(errors).unwrap_or_else(|err| {
        tracing::error!(error = %err, "could not serialise GraphQL errors");
        internal_errors()
    })
}

/// The errors of an operation that failed in a way only the logs should explain.
fn internal_errors() -> Value {
    json!([{ "message": "internal error", "extensions": { "code": "INTERNAL" } }])
}

/// A client message of either protocol, in the terms of graphql-transport-ws.
#[derive(Debug)]
enum ClientMessage {
    ConnectionInit {
        payload: Option<Map<String, Value>>,
    },
    Ping {
        payload: Option<Value>,
    },
    Pong,
    /// `subscribe`; legacy `start`.
    Subscribe {
        id: String,
        payload: Value,
    },
    /// `complete` from the client; legacy `stop`.
    Complete {
        id: String,
    },
    /// Legacy `connection_terminate`.
    Terminate,
}

/// Parses one text message; the error is the detail of a 4400 close.
fn parse(protocol: Protocol, text: &str) -> Result<ClientMessage, &'static str> {
    let value: Value = serde_json::from_str(text).map_err(|_| "not JSON")?;
    let Value::Object(mut message) = value else {
        return Err("not a JSON object");
    };
    let kind = match message.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        _ => return Err("missing type"),
    };
    let id = |message: &mut Map<String, Value>| match message.remove("id") {
        Some(Value::String(id)) => Ok(id),
        _ => Err("missing id"),
    };
    // `payload: null` means no payload in both protocols.
    let payload = message
        .remove("payload")
        .filter(|payload| !payload.is_null());
    let message = match (protocol, kind.as_str()) {
        (_, "connection_init") => ClientMessage::ConnectionInit {
            payload: match payload {
                None => None,
                Some(Value::Object(payload)) => Some(payload),
                Some(_) => return Err("connection_init payload is not an object"),
            },
        },
        (Protocol::TransportWs, "ping") => ClientMessage::Ping { payload },
        (Protocol::TransportWs, "pong") => ClientMessage::Pong,
        (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
            let id = id(&mut message)?;
            match payload {
                Some(payload @ Value::Object(_)) => ClientMessage::Subscribe { id, payload },
                _ => return Err("missing payload"),
            }
        }
        (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
            ClientMessage::Complete {
                id: id(&mut message)?,
            }
        }
        (Protocol::Legacy, "connection_terminate") => ClientMessage::Terminate,
        _ => return Err("unknown type"),
    };
    Ok(message)
}

/// The bearer token of a `connection_init` payload: `authorization`, `Authorization`, or the
/// same under `headers` (what some clients send). `Ok(None)` is an anonymous connection; an
/// empty value counts as none, because clients send `""` when logged out. A value that is not
/// `Bearer <token>` is refused like a bad token.
fn bearer_token(payload: &Option<Map<String, Value>>) -> Result<Option<String>, ()> {
    let Some(payload) = payload else {
        return Ok(None);
    };
    let lookup = |map: &Map<String, Value>| {
        map.get("authorization")
            .or_else(|| map.get("Authorization"))
            .cloned()
    };
    let value = lookup(payload).or_else(|| match payload.get("headers") {
        Some(Value::Object(headers)) => lookup(headers),
        _ => None,
    });
    let value = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(value)) => value,
        Some(_) => return Err(()),
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use async_graphql::{Context, EmptyMutation, Object, Schema, Subscription};
    use axum::Router;
    use axum::routing::get;
    use futures::Stream;
    use tokio::net::TcpStream;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
    use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
    use uuid::Uuid;

    use super::*;
    use crate::auth::Tenant;
    use axum::http::header;

    const ORG: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);

    struct TestQuery;

    #[Object]
    impl TestQuery {
        /// The organization of the caller in the request data, or "anonymous".
        async fn whoami(&self, ctx: &Context<'_>) -> String {
            match ctx.data::<Caller>() {
                Ok(Caller::Tenant(tenant)) => tenant.organization_id.to_string(),
                Ok(Caller::Anonymous(_)) => "anonymous".into(),
                Err(_) => "no caller".into(),
            }
        }

        /// The request id the operation runs under, and the one its caller carries.
        async fn request_ids(&self, ctx: &Context<'_>) -> Vec<String> {
            let scoped = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
            let caller = ctx.data::<Caller>().map(|c| c.origin().request_id.clone());
            vec![scoped, caller.unwrap_or_default()]
        }
    }

    struct TestSubscription;

    #[Subscription]
    impl TestSubscription {
        /// `0..n`, one every millisecond.
        async fn ticks(&self, n: i32) -> impl Stream<Item = i32> + use<> {
            futures::stream::iter(0..n).then(|i| async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                i
            })
        }

        /// `0..n` at once: they queue up faster than the writer takes them.
        async fn burst(&self, n: i32) -> impl Stream<Item = i32> + use<> {
            futures::stream::iter(0..n)
        }

        /// 0, 1, 2, ... every 5 ms, until stopped.
        async fn forever(&self) -> impl Stream<Item = i32> + use<> {
            futures::stream::unfold(0, |i| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((i, i + 1))
            })
        }

        /// 64 KiB strings, as fast as they are taken; `flood_dropped` is set once the server
        /// drops the stream.
        async fn flood(&self, ctx: &Context<'_>) -> impl Stream<Item = String> + use<> {
            struct SetOnDrop(Option<Arc<TestBackend>>);
            impl Drop for SetOnDrop {
                fn drop(&mut self) {
                    if let Some(backend) = &self.0 {
                        backend.flood_dropped.store(true, Ordering::SeqCst);
                    }
                }
            }
            let guard = SetOnDrop(ctx.data::<Arc<TestBackend>>().ok().cloned());
            futures::stream::unfold(guard, |guard| async {
                tokio::task::yield_now().await;
                Some(("x".repeat(64 * 1024), guard))
            })
        }

        /// 0, 1, 2, ... every 5 ms, counting the runs of this resolver in the backend.
        async fn counted(&self, ctx: &Context<'_>) -> impl Stream<Item = i32> + use<> {
            if let Ok(backend) = ctx.data::<Arc<TestBackend>>() {
                backend.executions.fetch_add(1, Ordering::SeqCst);
            }
            futures::stream::unfold(0, |i| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Some((i, i + 1))
            })
        }

        /// 32 KiB strings, one every millisecond, until stopped.
        async fn chunks(&self) -> impl Stream<Item = String> + use<> {
            futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Some(("x".repeat(32 * 1024), ()))
            })
        }

        /// An internal error whose text must not reach the client.
        async fn boom(&self) -> impl Stream<Item = async_graphql::Result<i32>> + use<> {
            let err = AppError::Internal(anyhow::anyhow!("SELECT secret FROM vault"));
            futures::stream::iter([Err(err.into())])
        }
    }

    type TestSchema = Schema<TestQuery, EmptyMutation, TestSubscription>;

    /// Accepts the token `good`, as a tenant of `ORG`, until `invalid` is set.
    #[derive(Default)]
    struct TestBackend {
        invalid: AtomicBool,
        checks: AtomicUsize,
        flood_dropped: AtomicBool,
        /// Runs of the `counted` resolver.
        executions: AtomicUsize,
        /// Set: subscriptions are shared, as the application's backend does.
        shared: Option<SharedStreams>,
    }

    impl WsBackend for TestBackend {
        fn authenticate(
            &self,
            token: String,
            origin: Origin,
        ) -> BoxFuture<'static, Result<Caller, AppError>> {
            self.checks.fetch_add(1, Ordering::SeqCst);
            let valid = token == "good" && !self.invalid.load(Ordering::SeqCst);
            Box::pin(async move {
                if valid {
                    let tenant = Tenant::api_key(ORG, Uuid::nil(), Arc::from(Vec::new()), origin);
                    Ok(Caller::Tenant(tenant))
                } else {
                    Err(AppError::Unauthenticated("invalid or expired token"))
                }
            })
        }

        fn prepare(&self, request: Request, caller: &Caller) -> Request {
            request.data(caller.clone())
        }

        fn shared_streams(&self) -> Option<&SharedStreams> {
            self.shared.as_ref()
        }
    }

    fn config() -> WsConfig {
        // Timers that stay out of the way unless a test shortens them.
        WsConfig {
            init_timeout: Duration::from_secs(5),
            ping_every: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(60),
            revalidate_every: Duration::from_secs(60),
            max_operations: 3,
            max_message_bytes: 16 * 1024,
            send_queue: 64,
            read_buffer_bytes: 4 * 1024,
            close_grace: Duration::from_secs(5),
        }
    }

    async fn spawn_server(config: WsConfig) -> (SocketAddr, Arc<TestBackend>) {
        spawn_server_with(config, TestBackend::default()).await
    }

    async fn spawn_server_with(
        config: WsConfig,
        backend: TestBackend,
    ) -> (SocketAddr, Arc<TestBackend>) {
        let backend = Arc::new(backend);
        let schema = Schema::build(TestQuery, EmptyMutation, TestSubscription)
            .data(backend.clone())
            .finish();
        let handler_backend = backend.clone();
        let app = Router::new().route(
            "/ws",
            get(move |headers: HeaderMap, ws: WebSocketUpgrade| async move {
                let origin = origin(None, &headers);
                upgrade::<TestSchema, _>(ws, schema, handler_backend, config, origin)
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, backend)
    }

    type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

    async fn connect(addr: SocketAddr, protocol: &str) -> Client {
        try_connect(addr, protocol)
            .await
            .expect("websocket upgrade")
    }

    async fn try_connect(addr: SocketAddr, protocol: &str) -> Result<Client, tungstenite::Error> {
        let mut request = format!("ws://{addr}/ws").into_client_request()?;
        if !protocol.is_empty() {
            let value = protocol.parse().expect("header value");
            request
                .headers_mut()
                .insert(header::SEC_WEBSOCKET_PROTOCOL, value);
        }
        let (client, response) = tokio_tungstenite::connect_async(request).await?;
        let chosen = response.headers().get(header::SEC_WEBSOCKET_PROTOCOL);
        assert!(
            chosen.is_some(),
            "the server names the subprotocol it chose"
        );
        Ok(client)
    }

    async fn send(client: &mut Client, message: Value) {
        client
            .send(WsMessage::text(message.to_string()))
            .await
            .expect("send");
    }

    /// The next frame, within a generous bound so that a broken test fails instead of hanging.
    async fn frame(client: &mut Client) -> Option<WsMessage> {
        let next = tokio::time::timeout(Duration::from_secs(10), client.next()).await;
        match next.expect("timed out waiting for the server") {
            Some(Ok(message)) => Some(message),
            Some(Err(_)) | None => None,
        }
    }

    /// The next JSON message, skipping WebSocket ping/pong frames; panics on a close.
    async fn recv(client: &mut Client) -> Value {
        loop {
            match frame(client).await {
                Some(WsMessage::Text(text)) => {
                    return serde_json::from_str(text.as_str()).expect("server sends JSON");
                }
                Some(WsMessage::Ping(_) | WsMessage::Pong(_)) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Reads up to the close frame and returns its code and reason.
    async fn closed(client: &mut Client) -> (u16, String) {
        loop {
            match frame(client).await {
                Some(WsMessage::Close(Some(frame))) => {
                    return (frame.code.into(), frame.reason.as_str().to_owned());
                }
                Some(WsMessage::Close(None)) | None => panic!("closed without a close frame"),
                Some(_) => continue,
            }
        }
    }

    /// Connects and completes `connection_init` with `payload`.
    async fn ready(addr: SocketAddr, protocol: &str, payload: Value) -> Client {
        let mut client = connect(addr, protocol).await;
        send(
            &mut client,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        assert_eq!(recv(&mut client).await, json!({ "type": "connection_ack" }));
        client
    }

    async fn authorized(addr: SocketAddr, protocol: &str) -> Client {
        ready(addr, protocol, json!({ "authorization": "Bearer good" })).await
    }

    fn subscribe(id: &str, query: &str) -> Value {
        json!({ "type": "subscribe", "id": id, "payload": { "query": query } })
    }

    const MODERN: &str = "graphql-transport-ws";
    const LEGACY: &str = "graphql-ws";

    /// The message type that starts an operation in the protocol.
    fn start_type(protocol: &str) -> &'static str {
        if protocol == MODERN {
            "subscribe"
        } else {
            "start"
        }
    }

    #[tokio::test]
    async fn a_subscription_streams_next_messages_then_complete() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { ticks(n: 3) }")).await;
        for i in 0..3 {
            let expected =
                json!({ "type": "next", "id": "1", "payload": { "data": { "ticks": i } } });
            assert_eq!(recv(&mut client).await, expected);
        }
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "1" })
        );
    }

    #[tokio::test]
    async fn a_query_runs_once_as_the_caller_of_connection_init() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("q", "{ whoami requestIds }")).await;
        let next = recv(&mut client).await;
        assert_eq!(next["type"], "next");
        assert_eq!(next["payload"]["data"]["whoami"], ORG.to_string());
        let ids = &next["payload"]["data"]["requestIds"];
        assert!(ids[0].as_str().is_some_and(|id| !id.is_empty()), "{ids}");
        assert_eq!(
            ids[0], ids[1],
            "the caller carries the operation's request id"
        );
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "q" })
        );

        // A second operation is a second request.
        send(&mut client, subscribe("r", "{ requestIds }")).await;
        let other = recv(&mut client).await;
        assert_ne!(other["payload"]["data"]["requestIds"][0], ids[0]);
    }

    #[tokio::test]
    async fn authorization_is_also_read_from_headers_and_absent_means_anonymous() {
        let (addr, _) = spawn_server(config()).await;
        for (payload, expected) in [
            (json!({ "Authorization": "Bearer good" }), ORG.to_string()),
            (
                json!({ "headers": { "authorization": "bearer good" } }),
                ORG.to_string(),
            ),
            (
                json!({ "headers": { "Authorization": "Bearer good" } }),
                ORG.to_string(),
            ),
            (json!({}), "anonymous".to_owned()),
            (json!({ "authorization": "" }), "anonymous".to_owned()),
            (Value::Null, "anonymous".to_owned()),
        ] {
            let mut client = ready(addr, MODERN, payload.clone()).await;
            send(&mut client, subscribe("1", "{ whoami }")).await;
            let next = recv(&mut client).await;
            assert_eq!(next["payload"]["data"]["whoami"], expected, "{payload}");
        }
    }

    #[tokio::test]
    async fn the_legacy_protocol_streams_data_and_stops_on_request() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, LEGACY).await;
        let start = |id: &str, query: &str| {
            let payload = json!({ "query": query });
            json!({ "type": "start", "id": id, "payload": payload })
        };
        send(&mut client, start("1", "subscription { ticks(n: 2) }")).await;
        for i in 0..2 {
            let expected =
                json!({ "type": "data", "id": "1", "payload": { "data": { "ticks": i } } });
            assert_eq!(recv(&mut client).await, expected);
        }
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "1" })
        );

        send(&mut client, start("2", "subscription { forever }")).await;
        assert_eq!(recv(&mut client).await["type"], "data");
        send(&mut client, json!({ "type": "stop", "id": "2" })).await;
        loop {
            let message = recv(&mut client).await;
            if message["type"] == "complete" {
                assert_eq!(message["id"], "2");
                break;
            }
            assert_eq!(message["type"], "data");
        }

        send(&mut client, json!({ "type": "connection_terminate" })).await;
        assert_eq!(closed(&mut client).await.0, 1000);
    }

    #[tokio::test]
    async fn the_legacy_protocol_restarts_an_operation_started_again() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, LEGACY).await;
        let query = "subscription { forever }";
        let start = json!({ "type": "start", "id": "1", "payload": { "query": query } });
        send(&mut client, start).await;
        assert_eq!(recv(&mut client).await["payload"]["data"]["forever"], 0);
        let again = json!({ "type": "start", "id": "1", "payload": { "query": "{ whoami }" } });
        send(&mut client, again).await;
        loop {
            let message = recv(&mut client).await;
            if message["payload"]["data"]["whoami"].is_string() {
                break;
            }
            assert!(
                message["payload"]["data"]["forever"].is_number(),
                "{message}"
            );
        }
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "1" })
        );
    }

    #[tokio::test]
    async fn the_legacy_protocol_explains_refused_credentials_before_closing() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = connect(addr, LEGACY).await;
        let init =
            json!({ "type": "connection_init", "payload": { "authorization": "Bearer nope" } });
        send(&mut client, init).await;
        assert_eq!(recv(&mut client).await["type"], "connection_error");
        assert_eq!(closed(&mut client).await.0, 4403);
    }

    #[tokio::test]
    async fn a_missing_or_unknown_subprotocol_is_refused() {
        let (addr, _) = spawn_server(config()).await;
        for protocol in ["", "graphql-sse"] {
            match try_connect(addr, protocol).await {
                Err(tungstenite::Error::Http(response)) => {
                    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{protocol:?}");
                }
                other => panic!("expected a refused upgrade for {protocol:?}, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn the_modern_protocol_is_preferred_when_both_are_offered() {
        let (addr, _) = spawn_server(config()).await;
        let mut request = format!("ws://{addr}/ws")
            .into_client_request()
            .expect("request");
        let offered = "graphql-ws, graphql-transport-ws"
            .parse()
            .expect("header value");
        request
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_PROTOCOL, offered);
        let (_, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        let chosen = response.headers().get(header::SEC_WEBSOCKET_PROTOCOL);
        assert_eq!(chosen.and_then(|v| v.to_str().ok()), Some(MODERN));
    }

    #[tokio::test]
    async fn invalid_messages_close_with_4400() {
        let (addr, _) = spawn_server(config()).await;
        let cases = [
            WsMessage::text("not json"),
            WsMessage::text("[1, 2]"),
            WsMessage::text(json!({ "type": "nope" }).to_string()),
            WsMessage::text(json!({ "id": "1" }).to_string()),
            WsMessage::text(
                json!({ "type": "subscribe", "payload": { "query": "{ whoami }" } }).to_string(),
            ),
            WsMessage::text(
                json!({ "type": "subscribe", "id": 1, "payload": { "query": "{ whoami }" } })
                    .to_string(),
            ),
            WsMessage::text(json!({ "type": "subscribe", "id": "1" }).to_string()),
            WsMessage::text(
                json!({ "type": "subscribe", "id": "1", "payload": { "query": 7 } }).to_string(),
            ),
            WsMessage::text(json!({ "type": "complete" }).to_string()),
            WsMessage::binary(b"{}".to_vec()),
        ];
        for case in cases {
            let mut client = authorized(addr, MODERN).await;
            client.send(case.clone()).await.expect("send");
            let (code, reason) = closed(&mut client).await;
            assert_eq!(code, 4400, "{case:?}: {reason}");
            assert!(reason.starts_with("Invalid message received"), "{reason}");
        }
        // Before connection_init too, and for the legacy protocol.
        for protocol in [MODERN, LEGACY] {
            let mut client = connect(addr, protocol).await;
            send(
                &mut client,
                json!({ "type": "connection_init", "payload": "token" }),
            )
            .await;
            assert_eq!(closed(&mut client).await.0, 4400, "{protocol}");
        }
    }

    #[tokio::test]
    async fn subscribing_before_the_acknowledgement_closes_with_4401() {
        let (addr, _) = spawn_server(config()).await;
        for protocol in [MODERN, LEGACY] {
            let mut client = connect(addr, protocol).await;
            let kind = start_type(protocol);
            let message = json!({ "type": kind, "id": "1", "payload": { "query": "{ whoami }" } });
            send(&mut client, message).await;
            assert_eq!(
                closed(&mut client).await,
                (4401, "Unauthorized".into()),
                "{protocol}"
            );
        }
    }

    #[tokio::test]
    async fn bad_credentials_close_with_4403() {
        let (addr, _) = spawn_server(config()).await;
        for payload in [
            json!({ "authorization": "Bearer wrong" }),
            json!({ "authorization": "Basic Z29vZA==" }),
            json!({ "authorization": "Bearer " }),
            json!({ "authorization": 42 }),
        ] {
            let mut client = connect(addr, MODERN).await;
            send(
                &mut client,
                json!({ "type": "connection_init", "payload": payload }),
            )
            .await;
            assert_eq!(
                closed(&mut client).await,
                (4403, "Forbidden".into()),
                "{payload}"
            );
        }
    }

    #[tokio::test]
    async fn no_connection_init_in_time_closes_with_4408() {
        let (addr, _) = spawn_server(WsConfig {
            init_timeout: Duration::from_millis(50),
            ..config()
        })
        .await;
        for protocol in [MODERN, LEGACY] {
            let mut client = connect(addr, protocol).await;
            let expected = (4408, "Connection initialisation timeout".into());
            assert_eq!(closed(&mut client).await, expected, "{protocol}");
        }
        // An acknowledged connection outlives the deadline (a roomier one: the client must
        // get its ack within it, even on a busy machine).
        let (addr, _) = spawn_server(WsConfig {
            init_timeout: Duration::from_millis(500),
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        send(&mut client, json!({ "type": "ping" })).await;
        assert_eq!(recv(&mut client).await, json!({ "type": "pong" }));
    }

    #[tokio::test]
    async fn a_running_operation_id_cannot_be_reused_4409() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("dup", "subscription { forever }")).await;
        send(&mut client, subscribe("dup", "subscription { forever }")).await;
        let expected = (4409, "Subscriber for dup already exists".into());
        assert_eq!(closed(&mut client).await, expected);
    }

    #[tokio::test]
    async fn a_second_connection_init_closes_with_4429() {
        let (addr, _) = spawn_server(config()).await;
        for protocol in [MODERN, LEGACY] {
            let mut client = authorized(addr, protocol).await;
            send(&mut client, json!({ "type": "connection_init" })).await;
            let expected = (4429, "Too many initialisation requests".into());
            assert_eq!(closed(&mut client).await, expected, "{protocol}");
        }
        // Also while the first one is still being checked.
        let mut client = connect(addr, MODERN).await;
        let init =
            json!({ "type": "connection_init", "payload": { "authorization": "Bearer good" } });
        send(&mut client, init.clone()).await;
        send(&mut client, init).await;
        let mut message = frame(&mut client).await;
        if matches!(&message, Some(WsMessage::Text(_))) {
            message = frame(&mut client).await; // the first init's ack may come first
        }
        match message {
            Some(WsMessage::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 4429),
            other => panic!("expected 4429, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_ping_is_answered_with_a_pong_carrying_its_payload() {
        let (addr, _) = spawn_server(config()).await;
        // Before connection_init as well: the protocol allows pings at any time.
        let mut client = connect(addr, MODERN).await;
        send(
            &mut client,
            json!({ "type": "ping", "payload": { "n": 1 } }),
        )
        .await;
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "pong", "payload": { "n": 1 } })
        );
        send(&mut client, json!({ "type": "ping" })).await;
        assert_eq!(recv(&mut client).await, json!({ "type": "pong" }));
        // A pong from the client is accepted silently.
        send(&mut client, json!({ "type": "pong" })).await;
        send(&mut client, json!({ "type": "ping", "payload": null })).await;
        assert_eq!(recv(&mut client).await, json!({ "type": "pong" }));
    }

    #[tokio::test]
    async fn the_server_pings_and_a_peer_that_answers_stays_connected() {
        let (addr, _) = spawn_server(WsConfig {
            ping_every: Duration::from_millis(20),
            pong_timeout: Duration::from_secs(5),
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        for _ in 0..3 {
            assert_eq!(recv(&mut client).await, json!({ "type": "ping" }));
            send(&mut client, json!({ "type": "pong" })).await;
        }

        let mut legacy = authorized(addr, LEGACY).await;
        assert_eq!(recv(&mut legacy).await, json!({ "type": "ka" }));
        assert_eq!(recv(&mut legacy).await, json!({ "type": "ka" }));
    }

    #[tokio::test]
    async fn a_peer_that_does_not_answer_pings_is_dropped() {
        let (addr, _) = spawn_server(WsConfig {
            ping_every: Duration::from_millis(20),
            pong_timeout: Duration::from_millis(50),
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        // Reads the pings, never answers.
        assert_eq!(recv(&mut client).await, json!({ "type": "ping" }));
        assert_eq!(
            closed(&mut client).await,
            (1001, "No response to ping".into())
        );
    }

    #[tokio::test]
    async fn complete_stops_the_operation_and_frees_its_id() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { forever }")).await;
        assert_eq!(recv(&mut client).await["type"], "next");
        send(&mut client, json!({ "type": "complete", "id": "1" })).await;
        send(&mut client, json!({ "type": "ping" })).await;
        // Whatever was sent before the complete arrived, nothing after it.
        loop {
            let message = recv(&mut client).await;
            if message["type"] == "pong" {
                break;
            }
            assert_eq!(message["type"], "next", "{message}");
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        send(&mut client, json!({ "type": "ping" })).await;
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "pong" }),
            "no next after complete"
        );

        // The id is free again, and completing an unknown id is harmless.
        send(&mut client, json!({ "type": "complete", "id": "unknown" })).await;
        send(&mut client, subscribe("1", "{ whoami }")).await;
        assert_eq!(recv(&mut client).await["type"], "next");
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "1" })
        );
    }

    #[tokio::test]
    async fn operations_beyond_the_cap_get_an_error_and_the_socket_stays_open() {
        let (addr, _) = spawn_server(WsConfig {
            max_operations: 2,
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("a", "subscription { forever }")).await;
        send(&mut client, subscribe("b", "subscription { forever }")).await;
        send(&mut client, subscribe("c", "subscription { forever }")).await;
        let error = loop {
            let message = recv(&mut client).await;
            if message["type"] == "error" {
                break message;
            }
        };
        assert_eq!(error["id"], "c");
        assert_eq!(error["payload"][0]["extensions"]["code"], "RATE_LIMITED");

        // Once one finishes there is room again.
        send(&mut client, json!({ "type": "complete", "id": "a" })).await;
        send(&mut client, subscribe("c", "{ whoami }")).await;
        loop {
            let message = recv(&mut client).await;
            if message["id"] == "c" {
                assert_eq!(message["type"], "next", "{message}");
                break;
            }
        }
    }

    #[tokio::test]
    async fn credentials_that_stop_being_valid_close_the_socket_with_4403() {
        let (addr, backend) = spawn_server(WsConfig {
            revalidate_every: Duration::from_millis(20),
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { forever }")).await;
        assert_eq!(recv(&mut client).await["type"], "next");
        // Still valid: re-checked and kept.
        while backend.checks.load(Ordering::SeqCst) < 3 {
            assert_eq!(recv(&mut client).await["type"], "next");
        }
        backend.invalid.store(true, Ordering::SeqCst);
        let expected = (4403, "Forbidden: credentials no longer valid".into());
        assert_eq!(closed(&mut client).await, expected);
    }

    #[tokio::test]
    async fn an_anonymous_connection_has_nothing_to_revalidate() {
        let (addr, backend) = spawn_server(WsConfig {
            revalidate_every: Duration::from_millis(5),
            ..config()
        })
        .await;
        let mut client = ready(addr, MODERN, json!({})).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        send(&mut client, json!({ "type": "ping" })).await;
        assert_eq!(recv(&mut client).await, json!({ "type": "pong" }));
        assert_eq!(backend.checks.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_request_that_does_not_validate_gets_an_error_message_without_complete() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { nope }")).await;
        let error = recv(&mut client).await;
        assert_eq!(error["type"], "error");
        assert_eq!(error["id"], "1");
        assert_eq!(error["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
        // No complete follows; the socket and the id are usable.
        send(&mut client, subscribe("1", "{ whoami }")).await;
        assert_eq!(recv(&mut client).await["type"], "next");
    }

    #[tokio::test]
    async fn internal_errors_are_masked_with_the_operation_request_id() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { boom }")).await;
        let next = recv(&mut client).await;
        assert_eq!(next["type"], "next", "{next}");
        let error = &next["payload"]["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!message.contains("secret"), "{message}");
        let request_id = error["extensions"]["requestId"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !request_id.is_empty() && message.contains(request_id),
            "{message}"
        );
        assert_eq!(
            recv(&mut client).await,
            json!({ "type": "complete", "id": "1" })
        );
    }

    #[tokio::test]
    async fn a_message_over_the_size_limit_closes_with_1009() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        let query = format!("{{ whoami }} # {}", "x".repeat(32 * 1024));
        send(&mut client, subscribe("1", &query)).await;
        assert_eq!(closed(&mut client).await.0, 1009);
    }

    #[tokio::test]
    async fn a_client_that_reads_too_slowly_is_closed_with_1013() {
        let (addr, backend) = spawn_server(WsConfig {
            send_queue: 4,
            // Time for the test to read what the socket holds, however busy the machine.
            close_grace: Duration::from_secs(60),
            ..config()
        })
        .await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { flood }")).await;
        // Not reading: the socket buffers fill, then the queue, and the server gives up. Only
        // then does the client read, or it might keep up with the flood.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !backend.flood_dropped.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the server never gave up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let expected = (1013, "Try again later: subscriber too slow".into());
        assert_eq!(closed(&mut client).await, expected);
    }

    #[tokio::test]
    async fn a_close_from_the_client_is_answered() {
        let (addr, _) = spawn_server(config()).await;
        let mut client = authorized(addr, MODERN).await;
        send(&mut client, subscribe("1", "subscription { forever }")).await;
        client.close(None).await.expect("close");
        // The handshake completes: the client sees the end of the stream, not a reset.
        loop {
            match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
                Ok(Some(Ok(_))) => continue,
                Ok(None) => break,
                other => panic!("expected a clean close, got {other:?}"),
            }
        }
    }

    fn sharing() -> TestBackend {
        TestBackend {
            shared: Some(SharedStreams::default()),
            ..TestBackend::default()
        }
    }

    /// The next `next` message, which must be for `id`; returns its payload.
    async fn next_for(client: &mut Client, id: &str) -> Value {
        let message = recv(client).await;
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    #[tokio::test]
    async fn identical_subscriptions_run_once_and_each_operation_keeps_its_id() {
        let (addr, backend) = spawn_server_with(config(), sharing()).await;
        let mut first = authorized(addr, MODERN).await;
        send(&mut first, subscribe("1", "subscription { counted }")).await;
        assert!(next_for(&mut first, "1").await["data"]["counted"].is_number());
        let mut second = authorized(addr, MODERN).await;
        send(&mut second, subscribe("x", "subscription { counted }")).await;
        let mut legacy = authorized(addr, LEGACY).await;
        let start = json!({ "type": "start", "id": "l", "payload": { "query": "subscription { counted }" } });
        send(&mut legacy, start).await;
        for _ in 0..3 {
            assert!(next_for(&mut second, "x").await["data"]["counted"].is_number());
            let data = recv(&mut legacy).await;
            assert_eq!((&data["type"], &data["id"]), (&json!("data"), &json!("l")));
            assert!(next_for(&mut first, "1").await["data"]["counted"].is_number());
        }
        assert_eq!(backend.executions.load(Ordering::SeqCst), 1);

        // Another request text is another execution.
        send(
            &mut second,
            subscribe("y", "subscription Named { counted }"),
        )
        .await;
        loop {
            let message = recv(&mut second).await;
            if message["id"] == "y" {
                assert_eq!(message["type"], "next", "{message}");
                break;
            }
        }
        assert_eq!(backend.executions.load(Ordering::SeqCst), 2);
        // Queries are never shared: each gets its own complete.
        send(&mut first, subscribe("q", "{ whoami }")).await;
        loop {
            let message = recv(&mut first).await;
            if message == json!({ "type": "complete", "id": "q" }) {
                break;
            }
        }
    }

    #[tokio::test]
    async fn a_slow_member_of_a_shared_subscription_is_closed_with_1013_and_the_others_go_on() {
        let (addr, _) = spawn_server_with(
            WsConfig {
                send_queue: 4,
                // Time for the test to read what the socket holds, however busy the machine.
                close_grace: Duration::from_secs(60),
                ..config()
            },
            sharing(),
        )
        .await;
        let mut slow = authorized(addr, MODERN).await;
        send(&mut slow, subscribe("1", "subscription { chunks }")).await;
        let mut reader = authorized(addr, MODERN).await;
        send(&mut reader, subscribe("1", "subscription { chunks }")).await;
        // 64 MiB for the reader: far more than the kernel buffers of the slow socket hold, so
        // its queue has filled and the server has given up on it.
        for _ in 0..2000 {
            next_for(&mut reader, "1").await;
        }
        let expected = (1013, "Try again later: subscriber too slow".into());
        assert_eq!(closed(&mut slow).await, expected);
        next_for(&mut reader, "1").await;
    }

    #[tokio::test]
    async fn a_burst_of_messages_arrives_complete_and_in_order() {
        for backend in [TestBackend::default(), sharing()] {
            let (addr, _) = spawn_server_with(config(), backend).await;
            for protocol in [MODERN, LEGACY] {
                let mut client = authorized(addr, protocol).await;
                let kind = start_type(protocol);
                let query = "subscription { burst(n: 60) }";
                let start = json!({ "type": kind, "id": "b", "payload": { "query": query } });
                send(&mut client, start).await;
                for i in 0..60 {
                    let message = recv(&mut client).await;
                    assert_eq!(message["id"], "b", "{message}");
                    assert_eq!(message["payload"]["data"]["burst"], i, "{message}");
                }
                assert_eq!(
                    recv(&mut client).await,
                    json!({ "type": "complete", "id": "b" })
                );
            }
        }
    }

    /// Waits until `streams` has `n` groups running.
    async fn groups_become(streams: &SharedStreams, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while streams.len() != n {
            assert!(
                Instant::now() < deadline,
                "{} groups, expected {n}",
                streams.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends a ping and reads up to the pong; whatever came before it must be a `next`/`data`
    /// of `id` (queued before the server read the messages sent earlier).
    async fn until_pong(client: &mut Client, id: &str) {
        send(client, json!({ "type": "ping" })).await;
        loop {
            let message = recv(client).await;
            if message["type"] == "pong" {
                return;
            }
            assert_eq!(message["id"], id, "{message}");
        }
    }

    #[tokio::test]
    async fn members_that_leave_get_nothing_more_and_the_last_one_ends_the_group() {
        let (addr, backend) = spawn_server_with(config(), sharing()).await;
        let streams = backend.shared.clone().expect("sharing");
        let query = "subscription { counted }";
        let mut leaving = authorized(addr, MODERN).await;
        send(&mut leaving, subscribe("1", query)).await;
        next_for(&mut leaving, "1").await;
        let mut staying = authorized(addr, MODERN).await;
        send(&mut staying, subscribe("1", query)).await;
        next_for(&mut staying, "1").await;
        assert_eq!(streams.len(), 1);

        // `complete`: not one more `next` for the operation once the server has read it.
        send(&mut leaving, json!({ "type": "complete", "id": "1" })).await;
        until_pong(&mut leaving, "1").await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        send(&mut leaving, json!({ "type": "ping" })).await;
        assert_eq!(recv(&mut leaving).await, json!({ "type": "pong" }));
        next_for(&mut staying, "1").await;
        assert_eq!(streams.len(), 1);

        // A legacy member restarted under its id, then stopped: the group keeps one execution
        // and the `stop` is the member's last message.
        let mut legacy = authorized(addr, LEGACY).await;
        let start = json!({ "type": "start", "id": "l", "payload": { "query": query } });
        send(&mut legacy, start.clone()).await;
        assert_eq!(recv(&mut legacy).await["type"], "data");
        send(&mut legacy, start).await;
        send(&mut legacy, json!({ "type": "stop", "id": "l" })).await;
        loop {
            let message = recv(&mut legacy).await;
            if message["type"] == "complete" {
                assert_eq!(message["id"], "l");
                break;
            }
            assert_eq!(
                (&message["type"], &message["id"]),
                (&json!("data"), &json!("l"))
            );
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        send(&mut legacy, json!({ "type": "connection_terminate" })).await;
        match frame(&mut legacy).await {
            Some(WsMessage::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 1000),
            other => panic!("expected the close, and no data after complete: {other:?}"),
        }
        assert_eq!(backend.executions.load(Ordering::SeqCst), 1);

        // The last member's socket closing ends the group.
        assert_eq!(streams.len(), 1);
        drop(staying);
        groups_become(&streams, 0).await;
        // And the same subscription starts afresh.
        send(&mut leaving, subscribe("1", query)).await;
        next_for(&mut leaving, "1").await;
        assert_eq!(backend.executions.load(Ordering::SeqCst), 2);
        assert_eq!(streams.len(), 1);
    }

    /// What the writer did to its sink.
    #[derive(Debug, PartialEq)]
    enum Written {
        Text(String),
        Close(Option<u16>),
        Flush,
    }

    /// A sink that records what it is given, for the writer's unit tests.
    #[derive(Default)]
    struct Recorder(Vec<Written>);

    impl Sink<Message> for Recorder {
        type Error = std::convert::Infallible;

        fn poll_ready(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn start_send(
            mut self: std::pin::Pin<&mut Self>,
            item: Message,
        ) -> Result<(), Self::Error> {
            let written = match item {
                Message::Text(text) => Written::Text(text.as_str().to_owned()),
                Message::Close(frame) => Written::Close(frame.map(|frame| frame.code)),
                other => panic!("unexpected {other:?}"),
            };
            self.0.push(written);
            Ok(())
        }

        fn poll_flush(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            self.0.push(Written::Flush);
            std::task::Poll::Ready(Ok(()))
        }

        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    /// Runs the writer over `queued` (then the end of the queue, or `abort` first) and returns
    /// what reached the sink.
    async fn write_all(queued: Vec<Message>, abort: Option<CloseFrame>) -> Vec<Written> {
        let (tx, queue) = mpsc::channel(queued.len().max(1));
        for message in queued {
            tx.try_send(message).expect("room");
        }
        drop(tx);
        let (abort_tx, abort_rx) = oneshot::channel();
        if let Some(frame) = abort {
            abort_tx.send(frame).expect("the writer listens");
        }
        let mut sink = Recorder::default();
        write_loop(&mut sink, queue, abort_rx).await;
        sink.0
    }

    fn texts(range: std::ops::Range<usize>) -> Vec<Message> {
        range.map(|i| Message::Text(i.to_string().into())).collect()
    }

    fn written(range: std::ops::Range<usize>) -> impl Iterator<Item = Written> {
        range.map(|i| Written::Text(i.to_string()))
    }

    #[tokio::test]
    async fn the_writer_sends_what_is_queued_in_order_with_one_flush_per_batch() {
        let sent = write_all(texts(0..10), None).await;
        let expected: Vec<Written> = written(0..10).chain([Written::Flush]).collect();
        assert_eq!(sent, expected);

        // At most MESSAGES_PER_FLUSH to a flush.
        let sent = write_all(texts(0..MESSAGES_PER_FLUSH + 3), None).await;
        let expected: Vec<Written> = written(0..MESSAGES_PER_FLUSH)
            .chain([Written::Flush])
            .chain(written(MESSAGES_PER_FLUSH..MESSAGES_PER_FLUSH + 3))
            .chain([Written::Flush])
            .collect();
        assert_eq!(sent, expected);
    }

    #[tokio::test]
    async fn a_close_frame_is_the_last_thing_the_writer_sends() {
        let mut queued = texts(0..2);
        queued.push(Message::Close(Some(close_frame(1000, "bye"))));
        queued.extend(texts(2..4));
        let sent = write_all(queued, None).await;
        let expected = vec![
            Written::Text("0".into()),
            Written::Text("1".into()),
            Written::Close(Some(1000)),
            Written::Flush,
        ];
        assert_eq!(sent, expected);
    }

    #[tokio::test]
    async fn an_abort_abandons_the_queue_and_sends_its_close_frame() {
        let frame = close_frame(1013, "Try again later: subscriber too slow");
        let sent = write_all(texts(0..5), Some(frame)).await;
        assert_eq!(sent, vec![Written::Close(Some(1013)), Written::Flush]);
    }

    #[test]
    fn the_app_handler_is_a_route_of_the_app_router() {
        // The wiring in `http::router` compiles only if this does.
        let _: Router<AppState> = Router::new().route("/graphql/ws", get(graphql_ws));
    }

    #[test]
    fn bearer_tokens_are_found_where_clients_put_them() {
        let token = |payload: Value| {
            let Value::Object(map) = payload else {
                panic!("object")
            };
            bearer_token(&Some(map))
        };
        assert_eq!(
            token(json!({ "authorization": "Bearer a" })),
            Ok(Some("a".into()))
        );
        assert_eq!(
            token(json!({ "Authorization": " bearer  a " })),
            Ok(Some("a".into()))
        );
        assert_eq!(
            token(json!({ "headers": { "Authorization": "Bearer a" } })),
            Ok(Some("a".into()))
        );
        assert_eq!(token(json!({ "authorization": null })), Ok(None));
        assert_eq!(token(json!({ "other": "Bearer a" })), Ok(None));
        assert_eq!(token(json!({ "authorization": "a" })), Err(()));
        assert_eq!(token(json!({ "authorization": ["Bearer a"] })), Err(()));
        assert_eq!(bearer_token(&None), Ok(None));
    }

    #[test]
    fn close_reasons_are_cut_to_fit_a_control_frame() {
        let frame = close_frame(
            4409,
            &format!("Subscriber for {} already exists", "é".repeat(100)),
        );
        assert!(frame.reason.as_str().len() <= 123);
        assert!(frame.reason.as_str().starts_with("Subscriber for é"));
    }
}
