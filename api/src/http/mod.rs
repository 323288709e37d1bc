//! The HTTP edge: routes, middleware, and turning `Authorization` into a `Caller`.

pub mod auth;
pub mod protocol;
pub mod web;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Caller, Origin};
use crate::config::CorsOrigins;
use crate::error::REQUEST_ID;
use crate::graphql::{AppSchema, Services, loaders};
use protocol::ResponseFormat;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub services: Services,
    pub auth: Arc<auth::Authenticator>,
    pub max_batch: usize,
    pub ws: ws::WsConfig,
    /// Subscriptions shared by the sockets of this process.
    pub ws_streams: ws::SharedStreams,
    /// The MQTT bridge's counters, when it runs (`/readyz`).
    pub mqtt: Option<Arc<crate::mqtt::BridgeStats>>,
    /// The web app served at `/` (docs/ARCHITECTURE.md §12).
    pub web: web::WebApp,
}

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Responses smaller than this go out as they are: below about one TCP segment, compressing
/// saves no round trip and costs CPU on both ends (and gzip's own framing is ~20 bytes).
const COMPRESS_ABOVE_BYTES: u16 = 1024;

/// How hard responses are compressed. One level serves both codecs: brotli's own default
/// (quality 11) is meant for static files and takes tens of milliseconds on a large page of
/// JSON, while 4 is close in size at a fraction of the time; for gzip 4 is a middle level too.
const COMPRESSION_QUALITY: i32 = 4;

/// Compression of response bodies, with the codec the client prefers in `Accept-Encoding`
/// (br or gzip); `identity` or no header gets the body as it is. The default predicate already
/// leaves images, gRPC and event streams alone; GraphQL answers (`application/json` and
/// `application/graphql-response+json`) and the playground compress well.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(COMPRESSION_QUALITY))
        .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE_BYTES)))
}

/// CORS: which origins' JavaScript may call the API and read what.
///
/// - Callers authenticate with a bearer token in `Authorization`, never a cookie, so
///   `Access-Control-Allow-Credentials` is never sent: no origin, listed or not, gets a
///   browser's ambient credentials. That also keeps `*` valid, which the CORS spec forbids
///   together with credentials.
/// - Request headers are mirrored from the preflight rather than answered with `*`: in the
///   Fetch spec the `*` wildcard does not cover `Authorization`, which every call here sends.
/// - `Retry-After` (on 429s) and `x-request-id` (to quote to an operator) are not
///   CORS-safelisted response headers, so they are exposed by name.
/// - With a list, the `Origin` is matched exactly and echoed, with `Vary: Origin`; an origin
///   not on it gets no CORS headers and the browser withholds the response from its script.
fn cors(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .max_age(Duration::from_secs(600))
}

pub fn router(state: AppState, max_body_bytes: usize, cors_origins: &CorsOrigins) -> Router {
    let request_id = header::HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(web_app)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(compression())
        .layer(cors(cors_origins))
        .layer(CatchPanicLayer::custom(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }] })))
                .into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers. The event bus does not decide readiness: during a Redis
/// outage every replica still serves queries and writes (events are queued or dropped and
/// counted, subscribers replay alert events from the database on recovery), and failing them
/// all would only take the whole service down. The body reports the bus as `degraded` then;
/// the bus itself logs the outage once when it starts and once when it ends.
async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.services.db.ping().await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "readiness check: database unreachable");
    }
    let events = &state.services.events;
    let ready = database.is_ok();
    let stats = events.stats();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": if database.is_ok() { "ok" } else { "unreachable" },
        "eventBus": {
            "backend": events.backend_name(),
            "status": if events.is_subscribed() { "ok" } else { "degraded" },
            "degradedSince": events.degraded_since(),
            "queued": events.queued(),
            "publishDropped": stats.publish_dropped.load(Ordering::Relaxed),
            "publishFailures": stats.publish_failures.load(Ordering::Relaxed),
            "reconnects": stats.reconnects.load(Ordering::Relaxed),
            "lastOutageMs": stats.last_outage_ms.load(Ordering::Relaxed),
        },
        // Not part of readiness either: what the bridge received, stored and lost.
        "mqtt": state.mqtt.as_ref().map(|mqtt| mqtt.snapshot()),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Where the web app's GraphQL playground lives (built from the npm `graphiql` package).
pub const PLAYGROUND_PATH: &str = "/playground";

/// Everything no API route took: the web app's files and client-side routes.
async fn web_app(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    state.web.respond(&method, &uri, &headers)
}

/// Where a request (or WebSocket) came from, for the audit log: the peer's IP, the user agent,
/// and the request id (`x-request-id`, set by the middleware when the client sent none).
pub fn origin(peer: Option<SocketAddr>, headers: &HeaderMap) -> Origin {
    Origin {
        ip: peer.map(|peer| peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        request_id: headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `GET /graphql`: a browser is sent to the web app's playground, anyone else runs a query.
async fn graphql_get(
    state: State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    if query.0.as_deref().is_none_or(str::is_empty) && wants_html(&headers) {
        return Redirect::to(PLAYGROUND_PATH).into_response();
    }
    execute(state, connect, method, headers, query, Bytes::new()).await
}

async fn graphql_post(
    state: State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    execute(state, connect, method, headers, query, body).await
}

async fn execute(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let origin = origin(Some(peer), &headers);
    let request_id = origin.request_id.clone();
    let format = match protocol::negotiate(&headers) {
        Ok(format) => format,
        Err(rejection) => return protocol::rejection_response(ResponseFormat::Json, rejection),
    };
    let batch = match protocol::parse_request(
        &method,
        &headers,
        query.as_deref(),
        &body,
        state.max_batch,
    ) {
        Ok(batch) => batch,
        Err(rejection) => return protocol::rejection_response(format, rejection),
    };
    let caller = match state.auth.authenticate(&headers, origin).await {
        Ok(caller) => caller,
        Err(err) => {
            let response = crate::error::request_error(err);
            let mut http = protocol::into_http_response(
                format,
                async_graphql::BatchResponse::Single(response),
            );
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                http.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            return http;
        }
    };
    // One credential check for the whole HTTP request, however many operations it batches.
    let budget = crate::graphql::credential_checks::CredentialBudget::default();
    let with_data = |request: async_graphql::Request| {
        let request = request.data(budget.clone());
        let request = match &caller {
            Caller::Tenant(tenant) => {
                request.data(loaders::loaders(state.services.db.clone(), tenant.clone()))
            }
            Caller::Anonymous(_) => request,
        };
        request.data(caller.clone())
    };
    let (requests, single) = match batch {
        async_graphql::BatchRequest::Single(r) => (vec![r], true),
        async_graphql::BatchRequest::Batch(rs) => (rs, false),
    };
    let responses = REQUEST_ID
        .scope(request_id, async {
            let mut responses = Vec::with_capacity(requests.len());
            // One after the other, as `execute_batch` does; each operation of a batch counts
            // against an API key's rate limit on its own, and one over it is refused alone.
            for request in requests {
                let mut response = match state.auth.admit(&caller) {
                    Ok(()) => state.schema.execute(with_data(request)).await,
                    Err(err) => crate::error::request_error(err),
                };
                // Inside the scope: masking an internal error logs it with this request's id.
                crate::error::finalize_errors(&mut response);
                responses.push(response);
            }
            responses
        })
        .await;
    let response = match (single, responses.len()) {
        (true, 1) => {
            async_graphql::BatchResponse::Single(responses.into_iter().next().unwrap_or_default())
        }
        _ => async_graphql::BatchResponse::Batch(responses),
    };
    protocol::into_http_response(format, response)
}
