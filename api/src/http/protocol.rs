//! The GraphQL-over-HTTP protocol layer
//! (<https://graphql.github.io/graphql-over-http/draft/>).
//!
//! Written by hand because the stock async-graphql-axum handler does not negotiate
//! `application/graphql-response+json`, answers request errors with 200 and `"data": null`, and
//! executes mutations sent with GET.
//!
//! Transport logic only: pure functions over `http` types and async-graphql's
//! [`BatchRequest`]/[`BatchResponse`]. The axum handler strings them together:
//!
//! 1. [`negotiate`] the response format from `Accept` (a 406 is written with
//!    [`Rejection::into_response`], i.e. as `application/json`);
//! 2. [`parse_request`] the method, `Content-Type`, query string and body;
//! 3. execute the batch;
//! 4. [`into_http_response`] the result (or [`rejection_response`] a refusal from step 2).

use std::collections::BTreeMap;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request, ServerError, Variables};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// The media type of the GraphQL-over-HTTP spec.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// The legacy media type every GraphQL client understands.
pub const APPLICATION_JSON: &str = "application/json";
/// A POST body that is the bare GraphQL document.
pub const APPLICATION_GRAPHQL: &str = "application/graphql";

/// `extensions.code` of a malformed request: the vocabulary the API already documents for bad
/// client input.
pub const CODE_BAD_REQUEST: &str = "BAD_USER_INPUT";
pub const CODE_BATCH_LIMIT_EXCEEDED: &str = "BATCH_LIMIT_EXCEEDED";
pub const CODE_METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
pub const CODE_NOT_ACCEPTABLE: &str = "NOT_ACCEPTABLE";
pub const CODE_UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";

/// Which media type the response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    /// `application/graphql-response+json`: the status code tells request errors apart.
    GraphqlResponseJson,
    /// `application/json`: legacy clients, 200 for every well-formed request.
    Json,
}

impl ResponseFormat {
    /// The media type without parameters.
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Self::Json => APPLICATION_JSON,
        }
    }

    /// The `Content-Type` header value; the spec requires UTF-8 and says so explicitly.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// A request the protocol refuses before execution, with the HTTP status it deserves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct Rejection {
    pub status: StatusCode,
    /// `extensions.code` of the single error in the body.
    pub code: &'static str,
    pub message: String,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl Rejection {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    /// 400 for a request that is not a well-formed GraphQL-over-HTTP request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, CODE_BAD_REQUEST, message)
    }

    fn method_not_allowed(allow: &'static str, message: impl Into<String>) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                CODE_METHOD_NOT_ALLOWED,
                message,
            )
        }
    }

    fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CODE_UNSUPPORTED_MEDIA_TYPE,
            message,
        )
    }

    /// Writes the rejection in `format`.
    pub fn into_response_with(self, format: ResponseFormat) -> Response {
        rejection_response(format, self)
    }
}

/// Without a negotiated format (the 406 itself) a rejection is written as `application/json`,
/// which every client can read.
impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        rejection_response(ResponseFormat::Json, self)
    }
}

/// Writes a rejection: a GraphQL response with one error and no `data` (nothing was executed).
pub fn rejection_response(format: ResponseFormat, rejection: Rejection) -> Response {
    let body = json!({
        "errors": [{ "message": rejection.message, "extensions": { "code": rejection.code } }]
    });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = rejection.status;
    let headers = response.headers_mut();
    set_common_headers(headers, format);
    if let Some(allow) = rejection.allow {
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Accept negotiation
// ---------------------------------------------------------------------------------------------

/// Chooses the response format from the `Accept` header(s).
///
/// Each format gets the quality of the most specific media range that matches it (RFC 9110
/// §12.5.1: exact type, then `application/*`, then `*/*`); a range asking for a charset other
/// than UTF-8 does not match, since we only write UTF-8. `application/graphql-response+json`
/// wins when it is more acceptable than `application/json`, or as acceptable and named
/// explicitly; wildcards alone (`*/*`, the default of curl and most libraries) get
/// `application/json`.
/// A missing Accept header means a legacy client: `application/json` (spec §"Legacy Watershed").
/// An Accept that allows neither is a 406.
pub fn negotiate(headers: &HeaderMap) -> Result<ResponseFormat, Rejection> {
    let ranges: Vec<MediaRange> = headers
        .get_all(header::ACCEPT)
        .iter()
        // A value that is not visible ASCII says nothing we could honour: skip it, don't fail.
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| split_unquoted(text, ','))
        .filter_map(MediaRange::parse)
        .collect();
    // No header, or only blank/unparseable ones: treat like a client that sent none, rather than
    // refusing it for a header we cannot read.
    if ranges.is_empty() {
        return Ok(ResponseFormat::Json);
    }
    let (graphql, graphql_named) = quality(&ranges, "graphql-response+json");
    let (json, _) = quality(&ranges, "json");
    if graphql == 0 && json == 0 {
        return Err(Rejection::new(
            StatusCode::NOT_ACCEPTABLE,
            CODE_NOT_ACCEPTABLE,
            format!(
                "responses are {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON} (UTF-8); \
                 the Accept header allows neither"
            ),
        ));
    }
    // On a tie the new type wins only when the client named it: a bare `*/*` (what curl and
    // most HTTP libraries send by default) keeps the legacy behaviour every client understands.
    if graphql > json || (graphql == json && graphql_named) {
        Ok(ResponseFormat::GraphqlResponseJson)
    } else {
        Ok(ResponseFormat::Json)
    }
}

/// One element of an Accept header, lower-cased.
#[derive(Debug)]
struct MediaRange {
    kind: String,
    subtype: String,
    charset: Option<String>,
    /// The weight in thousandths (`q=0.5` -> 500): integers compare exactly, floats would not.
    q: u16,
}

impl MediaRange {
    /// Parses `type/subtype *( ; name=value )`; an element that is not a media range yields
    /// `None` and is ignored.
    fn parse(item: &str) -> Option<Self> {
        let mut parts = split_unquoted(item, ';').into_iter();
        let (kind, subtype) = parts.next()?.trim().split_once('/')?;
        let (kind, subtype) = (
            kind.trim().to_ascii_lowercase(),
            subtype.trim().to_ascii_lowercase(),
        );
        if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
            return None;
        }
        let mut range = Self {
            kind,
            subtype,
            charset: None,
            q: 1000,
        };
        for param in parts {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), unquote(value.trim()));
            if name.eq_ignore_ascii_case("q") {
                range.q = parse_qvalue(value)?;
                // Everything after `q` is an accept-extension, not a media type parameter.
                break;
            }
            if name.eq_ignore_ascii_case("charset") {
                range.charset = Some(value.to_ascii_lowercase());
            }
        }
        Some(range)
    }

    /// How specifically this range names `application/<subtype>` (0 = not at all).
    fn specificity(&self, subtype: &str) -> u8 {
        if self
            .charset
            .as_deref()
            .is_some_and(|c| c != "utf-8" && c != "utf8")
        {
            return 0;
        }
        match (self.kind.as_str(), self.subtype.as_str()) {
            ("*", _) => 1,
            ("application", "*") => 2,
            ("application", s) if s == subtype && self.charset.is_some() => 4,
            ("application", s) if s == subtype => 3,
            _ => 0,
        }
    }
}

/// The quality of `application/<subtype>`: that of its most specific matching range (the
/// highest among equally specific ones), 0 when nothing matches.
/// The quality of the most specific range matching `subtype`, and whether that range names the
/// type itself rather than a wildcard.
fn quality(ranges: &[MediaRange], subtype: &str) -> (u16, bool) {
    ranges
        .iter()
        .map(|range| (range.specificity(subtype), range.q))
        .filter(|(specificity, _)| *specificity > 0)
        .max()
        .map_or((0, false), |(specificity, q)| (q, specificity >= 3))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths. Parsed by
/// hand so that `q=NaN`, `q=1e0` or `q=-0` are rejected rather than half-understood.
fn parse_qvalue(text: &str) -> Option<u16> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// Splits on `separator` outside double-quoted strings (a quoted parameter may hold `,` or `;`).
fn split_unquoted(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

// ---------------------------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------------------------

/// Reads the GraphQL request(s) out of an HTTP request.
///
/// - GET (and HEAD, which axum routes to GET handlers): `query`, `operationName`, `variables`
///   (JSON text) and `extensions` (JSON text) from the query string. Only queries: a mutation
///   or subscription is a 405 with `Allow: POST`, because GET may be cached, prefetched,
///   replayed or forged cross-site.
/// - POST `application/json`: one request object, or an array of them (a batch of 1 to
///   `max_batch`; `max_batch = 0` disables batching). POST `application/graphql`: the body is
///   the document. Anything else is a 415.
///
/// Body size is limited before this (tower-http), so the body is trusted to fit in memory.
pub fn parse_request(
    method: &Method,
    headers: &HeaderMap,
    query_string: Option<&str>,
    body: &[u8],
    max_batch: usize,
) -> Result<BatchRequest, Rejection> {
    if method == Method::GET || method == Method::HEAD {
        let request = request_from_query_string(query_string.unwrap_or_default())?;
        return Ok(BatchRequest::Single(refuse_non_query_over_get(request)?));
    }
    if method != Method::POST {
        return Err(Rejection::method_not_allowed(
            "GET, POST",
            format!("method {method} is not supported; use GET (queries only) or POST"),
        ));
    }
    match body_type(headers)? {
        BodyType::Json => parse_json_body(body, max_batch),
        BodyType::Graphql => {
            let query = std::str::from_utf8(body)
                .map_err(|_| Rejection::bad_request("the request body is not valid UTF-8"))?;
            if query.trim().is_empty() {
                return Err(Rejection::bad_request(
                    "the request body is empty; it must hold the GraphQL document",
                ));
            }
            Ok(BatchRequest::Single(Request::new(query)))
        }
    }
}

enum BodyType {
    Json,
    Graphql,
}

/// The POST body's media type. The spec requires UTF-8: another declared charset is a 415
/// rather than a body we would decode wrongly.
fn body_type(headers: &HeaderMap) -> Result<BodyType, Rejection> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(Rejection::unsupported_media_type(format!(
            "a POST needs a Content-Type: {APPLICATION_JSON} (or {APPLICATION_GRAPHQL})"
        )));
    };
    let text = value.to_str().map_err(|_| {
        Rejection::unsupported_media_type("the Content-Type header is not readable text")
    })?;
    let mut parts = split_unquoted(text, ';').into_iter();
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let body_type = match essence.as_str() {
        APPLICATION_JSON => BodyType::Json,
        APPLICATION_GRAPHQL => BodyType::Graphql,
        _ => {
            return Err(Rejection::unsupported_media_type(format!(
                "Content-Type `{essence}` is not supported; use {APPLICATION_JSON} \
                 (or {APPLICATION_GRAPHQL})"
            )));
        }
    };
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = unquote(value.trim());
            if !(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")) {
                return Err(Rejection::unsupported_media_type(format!(
                    "charset `{charset}` is not supported; send UTF-8"
                )));
            }
        }
    }
    Ok(body_type)
}

fn parse_json_body(body: &[u8], max_batch: usize) -> Result<BatchRequest, Rejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::bad_request(
            "the request body is empty; it must be a JSON GraphQL request",
        ));
    }
    let invalid = |e: &dyn std::fmt::Display| {
        Rejection::bad_request(format!("the request body is not valid JSON: {e}"))
    };
    let text = std::str::from_utf8(body).map_err(|e| invalid(&e))?;
    // The body is read as raw members first and each member on its own after (see
    // `request_from_raw`): a JSON value of the whole body would be built only to be converted.
    match text.trim_start().as_bytes().first() {
        Some(b'{') => {
            let members = serde_json::from_str(text).map_err(|e| invalid(&e))?;
            Ok(BatchRequest::Single(request_from_raw(members)?))
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| invalid(&e))?;
            if items.is_empty() {
                return Err(Rejection::bad_request(
                    "the batch is empty; send at least one request",
                ));
            }
            // Checked before the items are converted: an oversized batch costs no more work.
            if items.len() > max_batch {
                return Err(Rejection::new(
                    StatusCode::BAD_REQUEST,
                    CODE_BATCH_LIMIT_EXCEEDED,
                    format!(
                        "a batch may hold at most {max_batch} requests; this one holds {}",
                        items.len()
                    ),
                ));
            }
            let requests = items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    request_from_raw_item(item).map_err(|mut rejection| {
                        rejection.message = format!("batch item {index}: {}", rejection.message);
                        rejection
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BatchRequest::Batch(requests))
        }
        _ => {
            let other: Value = serde_json::from_str(text).map_err(|e| invalid(&e))?;
            Err(Rejection::bad_request(format!(
                "the request body must be a JSON object (one request) or array (a batch), not {}",
                kind(&other)
            )))
        }
    }
}

/// One item of a batch: a request object, or a rejection naming what it is instead.
fn request_from_raw_item(item: &RawValue) -> Result<Request, Rejection> {
    let parsed = if item.get().starts_with('{') {
        serde_json::from_str(item.get()).map(request_from_raw)
    } else {
        serde_json::from_str(item.get()).map(|other: Value| {
            Err(Rejection::bad_request(format!(
                "must be a JSON object, not {}",
                kind(&other)
            )))
        })
    };
    // The body parsed as a whole, so its items parse too.
    parsed.map_err(|e| Rejection::bad_request(format!("is not valid JSON: {e}")))?
}

/// A POST request object from its raw members. The small ones become JSON values and are
/// checked by `request_from_map` like a GET's parameters. `variables`, which carries the
/// request's data (a 1,000-point ingest call is about 100 KB of it), is read straight into
/// async-graphql's values when it is an object: building a `serde_json::Value` of it first and
/// converting that took about a tenth of an ingest call's time in the server.
fn request_from_raw(members: BTreeMap<String, &RawValue>) -> Result<Request, Rejection> {
    let mut map = Map::new();
    let mut variables = None;
    for (key, raw) in members {
        if key == "variables" && raw.get().starts_with('{') {
            let parsed: Variables = serde_json::from_str(raw.get())
                .map_err(|e| Rejection::bad_request(format!("`variables` is invalid: {e}")))?;
            variables = Some(parsed);
        } else if matches!(
            key.as_str(),
            "query" | "operationName" | "variables" | "extensions"
        ) {
            let value = serde_json::from_str(raw.get())
                .map_err(|e| Rejection::bad_request(format!("`{key}` is invalid: {e}")))?;
            map.insert(key, value);
        }
    }
    let request = request_from_map(map)?;
    Ok(match variables {
        Some(variables) => request.variables(variables),
        None => request,
    })
}

/// `?query=...&operationName=...&variables=<json>&extensions=<json>`. Parsed here rather than
/// with async-graphql's helper, which expects `operation_name` rather than the spec's
/// `operationName`. Unknown parameters are ignored (cache busters, tracking).
fn request_from_query_string(query_string: &str) -> Result<Request, Rejection> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let parsed = match key.as_ref() {
            "query" | "operationName" => Value::String(value.into_owned()),
            // An empty `variables=` is what many clients send for "none".
            "variables" | "extensions" if value.trim().is_empty() => Value::Null,
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|e| Rejection::bad_request(format!("`{key}` is not valid JSON: {e}")))?,
            _ => continue,
        };
        // Two values would leave it to chance which one we execute: refuse instead.
        if map.insert(key.clone().into_owned(), parsed).is_some() {
            return Err(Rejection::bad_request(format!(
                "the query string holds `{key}` more than once"
            )));
        }
    }
    request_from_map(map)
}

/// One GraphQL request from its JSON object (POST) or query-string parameters (GET).
fn request_from_map(mut map: Map<String, Value>) -> Result<Request, Rejection> {
    let query = match map.remove("query") {
        Some(Value::String(query)) if !query.trim().is_empty() => query,
        Some(Value::String(_)) => return Err(Rejection::bad_request("`query` is empty")),
        None | Some(Value::Null) => {
            return Err(Rejection::bad_request(
                "`query` is required: the GraphQL document to execute",
            ));
        }
        Some(other) => {
            return Err(Rejection::bad_request(format!(
                "`query` must be a string, not {}",
                kind(&other)
            )));
        }
    };
    let mut request = Request::new(query);
    match map.remove("operationName") {
        // No GraphQL name is empty; clients that send "" mean "none".
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if name.is_empty() => {}
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(other) => {
            return Err(Rejection::bad_request(format!(
                "`operationName` must be a string, not {}",
                kind(&other)
            )));
        }
    }
    if let Some(variables) = object_param(&mut map, "variables")? {
        request = request.variables(Variables::from_value(async_graphql::Value::Object(
            variables
                .into_iter()
                .map(|(name, value)| (async_graphql::Name::new(name), value))
                .collect(),
        )));
    }
    if let Some(extensions) = object_param(&mut map, "extensions")? {
        request.extensions = async_graphql::Extensions(extensions.into_iter().collect());
    }
    Ok(request)
}

/// An optional JSON-object parameter, converted to GraphQL values.
fn object_param(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<(String, async_graphql::Value)>>, Rejection> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => object
            .into_iter()
            .map(|(name, value)| {
                async_graphql::Value::from_json(value)
                    .map(|value| (name, value))
                    .map_err(|e| Rejection::bad_request(format!("`{key}` is invalid: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(Rejection::bad_request(format!(
            "`{key}` must be a JSON object, not {}",
            kind(&other)
        ))),
    }
}

/// GET may only run queries.
///
/// The operation is selected exactly as async-graphql's executor selects it, so what we check
/// is what would run. A document that does not parse, or names no runnable operation, is left
/// to execution, which reports it as an ordinary GraphQL request error.
fn refuse_non_query_over_get(mut request: Request) -> Result<Request, Rejection> {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return Ok(request);
    };
    match selected_operation(&document, request.operation_name.as_deref()) {
        Some(OperationType::Mutation) => Err(Rejection::method_not_allowed(
            "POST",
            "mutations cannot be sent with GET; use POST",
        )),
        Some(OperationType::Subscription) => Err(Rejection::method_not_allowed(
            "POST",
            "subscriptions cannot be sent with GET; use the WebSocket endpoint",
        )),
        Some(OperationType::Query) | None => {
            // Hand over the parsed document so the executor does not parse it a second time.
            request.set_parsed_query(document);
            Ok(request)
        }
    }
}

/// Mirrors async-graphql 7.2's `prepare_request`: a name selects among named operations (never
/// the anonymous one); without a name, the document must hold exactly one operation.
fn selected_operation(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<OperationType> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation.node.ty),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .values()
            .next()
            .map(|operation| operation.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// Response shaping
// ---------------------------------------------------------------------------------------------

/// Turns an executed batch into the HTTP response.
///
/// - A *request error* (data null and no error with a `path`: the request failed before
///   execution) is written without `data`, as the spec requires.
/// - `application/json`: 200 for every well-formed request, request errors included (legacy).
/// - `application/graphql-response+json`: 200 when `data` is present; a request error is 400,
///   or by its first error's `extensions.code`: UNAUTHENTICATED 401, FORBIDDEN 403,
///   RATE_LIMITED 429 (with `Retry-After` from `extensions.retryAfter`), INTERNAL 500.
/// - A batch is an array of results, always 200: one status cannot describe several outcomes.
/// - Headers a resolver set through async-graphql (`Response::http_headers`) are kept.
pub fn into_http_response(format: ResponseFormat, response: BatchResponse) -> Response {
    match response {
        BatchResponse::Single(response) => {
            let (status, retry_after) = match format {
                ResponseFormat::Json => (StatusCode::OK, None),
                ResponseFormat::GraphqlResponseJson => status_of(&response),
            };
            let body = serde_json::to_vec(&ResponseBody(&response));
            finish(
                format,
                status,
                body,
                std::iter::once(&response.http_headers),
                retry_after,
            )
        }
        BatchResponse::Batch(responses) => {
            let bodies: Vec<ResponseBody<'_>> = responses.iter().map(ResponseBody).collect();
            let body = serde_json::to_vec(&bodies);
            finish(
                format,
                StatusCode::OK,
                body,
                responses.iter().map(|r| &r.http_headers),
                None,
            )
        }
    }
}

/// Whether execution never started: no data, and no error belongs to a field.
pub fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The status (and `Retry-After` seconds) of one response in `application/graphql-response+json`.
fn status_of(response: &async_graphql::Response) -> (StatusCode, Option<u64>) {
    if !is_request_error(response) {
        return (StatusCode::OK, None);
    }
    let first = response.errors.first();
    let extension = |name: &str| first?.extensions.as_ref()?.get(name);
    match extension("code") {
        Some(async_graphql::Value::String(code)) => match code.as_str() {
            "UNAUTHENTICATED" => (StatusCode::UNAUTHORIZED, None),
            "FORBIDDEN" => (StatusCode::FORBIDDEN, None),
            "RATE_LIMITED" => (
                StatusCode::TOO_MANY_REQUESTS,
                extension("retryAfter").and_then(retry_after_secs),
            ),
            "INTERNAL" => (StatusCode::INTERNAL_SERVER_ERROR, None),
            _ => (StatusCode::BAD_REQUEST, None),
        },
        _ => (StatusCode::BAD_REQUEST, None),
    }
}

/// `Retry-After` takes whole seconds: a fraction is rounded up so the client never retries
/// early; a negative or non-numeric value is dropped.
fn retry_after_secs(value: &async_graphql::Value) -> Option<u64> {
    let async_graphql::Value::Number(number) = value else {
        return None;
    };
    if let Some(secs) = number.as_u64() {
        return Some(secs);
    }
    let secs = number.as_f64()?.ceil();
    // `as` saturates; the range check keeps negative values out.
    (secs.is_finite() && secs >= 0.0).then_some(secs as u64)
}

/// One GraphQL response as the spec's JSON object. Serialized straight from async-graphql's
/// values rather than through `serde_json::Value`: without serde_json's `preserve_order` a
/// `Value` sorts object keys, and the spec wants `data` in selection-set order.
struct ResponseBody<'a>(&'a async_graphql::Response);

impl Serialize for ResponseBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let response = self.0;
        let omit_data = is_request_error(response);
        let mut map = serializer.serialize_map(None)?;
        if !omit_data {
            map.serialize_entry("data", &response.data)?;
        }
        if !response.errors.is_empty() {
            map.serialize_entry("errors", &response.errors as &[ServerError])?;
        }
        if !response.extensions.is_empty() {
            map.serialize_entry(
                "extensions",
                &response.extensions as &BTreeMap<String, async_graphql::Value>,
            )?;
        }
        map.end()
    }
}

/// Headers this module owns: a resolver's value would contradict the body we wrote.
fn is_owned_header(name: &header::HeaderName) -> bool {
    name == header::CONTENT_TYPE
        || name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
}

fn finish<'a>(
    format: ResponseFormat,
    status: StatusCode,
    body: serde_json::Result<Vec<u8>>,
    carried: impl Iterator<Item = &'a HeaderMap>,
    retry_after: Option<u64>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            // Unreachable with async-graphql's values (string keys, finite numbers); if it ever
            // happens, the client gets a clean 500 and the log gets the reason.
            tracing::error!(%error, "could not serialize a GraphQL response");
            let internal = json!({
                "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }]
            });
            let mut response = Response::new(Body::from(internal.to_string()));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            set_common_headers(response.headers_mut(), format);
            return response;
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    // Appended, not inserted: a batch may carry one `Set-Cookie` per item.
    for (name, value) in carried.flat_map(HeaderMap::iter) {
        if !is_owned_header(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    set_common_headers(headers, format);
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn set_common_headers(headers: &mut HeaderMap, format: ResponseFormat) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    // The format depends on Accept: a cache must not serve one client's format to another.
    headers.append(header::VARY, HeaderValue::from_static("accept"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{ErrorExtensionValues, Name, PathSegment};

    // -- helpers ------------------------------------------------------------------------------

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                name.clone(),
                HeaderValue::from_str(value).expect("test header"),
            );
        }
        map
    }

    fn accept(value: &str) -> HeaderMap {
        headers(&[(header::ACCEPT, value)])
    }

    fn content_type(value: &str) -> HeaderMap {
        headers(&[(header::CONTENT_TYPE, value)])
    }

    fn get(query_string: &str) -> Result<BatchRequest, Rejection> {
        parse_request(&Method::GET, &HeaderMap::new(), Some(query_string), b"", 10)
    }

    fn post_json(body: &str) -> Result<BatchRequest, Rejection> {
        parse_request(
            &Method::POST,
            &content_type("application/json"),
            None,
            body.as_bytes(),
            3,
        )
    }

    fn single(batch: BatchRequest) -> Request {
        match batch {
            BatchRequest::Single(request) => request,
            BatchRequest::Batch(_) => panic!("expected a single request"),
        }
    }

    fn refused(result: Result<BatchRequest, Rejection>) -> Rejection {
        match result {
            Ok(_) => panic!("expected a rejection"),
            Err(rejection) => rejection,
        }
    }

    fn encode(value: &str) -> String {
        url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
    }

    fn error(code: &str) -> ServerError {
        let mut error = ServerError::new(format!("{code} happened"), None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        error.extensions = Some(extensions);
        error
    }

    fn field_error() -> ServerError {
        let mut error = ServerError::new("resolver failed", None);
        error.path = vec![PathSegment::Field("site".to_owned())];
        error
    }

    fn body_of(response: Response) -> (StatusCode, HeaderMap, String) {
        let (parts, body) = response.into_parts();
        let bytes = futures::executor::block_on(axum::body::to_bytes(body, usize::MAX))
            .expect("in-memory body");
        let text = String::from_utf8(bytes.to_vec()).expect("UTF-8 body");
        (parts.status, parts.headers, text)
    }

    fn json_of(response: Response) -> (StatusCode, HeaderMap, Value) {
        let (status, headers, text) = body_of(response);
        let value = serde_json::from_str(&text).expect("JSON body");
        (status, headers, value)
    }

    fn content_type_of(headers: &HeaderMap) -> &str {
        headers[header::CONTENT_TYPE].to_str().expect("ASCII")
    }

    // -- negotiation --------------------------------------------------------------------------

    #[test]
    fn a_missing_accept_header_means_legacy_json() {
        assert_eq!(negotiate(&HeaderMap::new()), Ok(ResponseFormat::Json));
    }

    #[test]
    fn a_blank_or_unparseable_accept_is_treated_as_missing() {
        assert_eq!(negotiate(&accept("")), Ok(ResponseFormat::Json));
        assert_eq!(negotiate(&accept("garbage")), Ok(ResponseFormat::Json));
    }

    #[test]
    fn the_exact_media_types_are_honoured() {
        assert_eq!(
            negotiate(&accept("application/graphql-response+json")),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept("application/json")),
            Ok(ResponseFormat::Json)
        );
        assert_eq!(
            negotiate(&accept("APPLICATION/JSON")),
            Ok(ResponseFormat::Json)
        );
    }

    #[test]
    fn graphql_response_json_wins_a_tie() {
        assert_eq!(
            negotiate(&accept(
                "application/json, application/graphql-response+json"
            )),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
    }

    #[test]
    fn q_values_decide() {
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Ok(ResponseFormat::Json)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.901, application/json;q=0.9"
            )),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
    }

    #[test]
    fn wildcards_alone_get_legacy_json() {
        assert_eq!(negotiate(&accept("*/*")), Ok(ResponseFormat::Json));
        assert_eq!(
            negotiate(&accept("application/*")),
            Ok(ResponseFormat::Json)
        );
        assert_eq!(
            negotiate(&accept("text/html, */*;q=0.1")),
            Ok(ResponseFormat::Json)
        );
        // Named, the new type wins the tie with the wildcard.
        assert_eq!(
            negotiate(&accept("*/*, application/graphql-response+json")),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
    }

    #[test]
    fn a_specific_range_overrides_a_wildcard() {
        // `*/*` would allow it, but the client explicitly refuses the new type.
        assert_eq!(
            negotiate(&accept("*/*, application/graphql-response+json;q=0")),
            Ok(ResponseFormat::Json)
        );
        // The exact type's lower q beats the wildcard's higher one.
        assert_eq!(
            negotiate(&accept(
                "application/*, application/graphql-response+json;q=0.2"
            )),
            Ok(ResponseFormat::Json)
        );
        assert_eq!(
            negotiate(&accept("application/*;q=0.3, application/json;q=0.2")),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
    }

    #[test]
    fn nothing_acceptable_is_a_406() {
        for value in [
            "text/html",
            "application/xml, text/*",
            "application/json;q=0, application/graphql-response+json;q=0",
            "*/*;q=0",
        ] {
            let rejection = negotiate(&accept(value)).expect_err(value);
            assert_eq!(rejection.status, StatusCode::NOT_ACCEPTABLE, "{value}");
            assert_eq!(rejection.code, CODE_NOT_ACCEPTABLE);
        }
    }

    #[test]
    fn charset_parameters_match_only_utf8() {
        assert_eq!(
            negotiate(&accept("application/json; charset=utf-8")),
            Ok(ResponseFormat::Json)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json; charset=\"UTF-8\"; q=0.8, application/json;q=0.5"
            )),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
        assert!(negotiate(&accept("application/json; charset=iso-8859-1")).is_err());
        // A UTF-8 range is more specific than the bare type, and wins over it.
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0, \
                 application/graphql-response+json;charset=utf-8, application/json;q=0.5"
            )),
            Ok(ResponseFormat::GraphqlResponseJson)
        );
    }

    #[test]
    fn several_accept_headers_are_combined() {
        let map = headers(&[
            (header::ACCEPT, "application/json;q=0.4"),
            (header::ACCEPT, "application/graphql-response+json;q=0.6"),
        ]);
        assert_eq!(negotiate(&map), Ok(ResponseFormat::GraphqlResponseJson));
    }

    #[test]
    fn malformed_q_values_drop_their_range() {
        for q in ["abc", "1.5", "-0", "NaN", "0.1234", "1e0"] {
            let value = format!("application/graphql-response+json;q={q}, application/json");
            assert_eq!(negotiate(&accept(&value)), Ok(ResponseFormat::Json), "{q}");
        }
    }

    #[test]
    fn quoted_separators_do_not_split_ranges() {
        assert_eq!(
            negotiate(&accept("text/html;foo=\"a,b;c\", application/json")),
            Ok(ResponseFormat::Json)
        );
    }

    #[test]
    fn accept_extensions_after_q_are_ignored() {
        assert_eq!(
            negotiate(&accept("application/json;q=0.5;charset=latin1")),
            Ok(ResponseFormat::Json)
        );
    }

    // -- GET ----------------------------------------------------------------------------------

    #[test]
    fn get_reads_query_operation_name_variables_and_extensions() {
        let query_string = format!(
            "query={}&operationName=Sites&variables={}&extensions={}&_=123",
            encode("query Sites($n: Int) { sites(first: $n) { totalCount } }"),
            encode(r#"{"n": 5}"#),
            encode(r#"{"trace": true}"#),
        );
        let request = single(get(&query_string).expect("valid GET"));
        assert_eq!(
            request.query,
            "query Sites($n: Int) { sites(first: $n) { totalCount } }"
        );
        assert_eq!(request.operation_name.as_deref(), Some("Sites"));
        assert_eq!(
            request.variables.get(&Name::new("n")),
            Some(&async_graphql::Value::from(5))
        );
        assert_eq!(
            request.extensions.get("trace"),
            Some(&async_graphql::Value::Boolean(true))
        );
    }

    #[test]
    fn get_treats_empty_optional_parameters_as_absent() {
        let request = single(
            get("query=%7B__typename%7D&operationName=&variables=&extensions=").expect("ok"),
        );
        assert_eq!(request.operation_name, None);
        assert!(request.variables.is_empty());
        assert!(request.extensions.is_empty());
    }

    #[test]
    fn get_without_a_query_is_a_400() {
        for query_string in ["", "operationName=X", "query=", "query=%20%20"] {
            let rejection = refused(get(query_string));
            assert_eq!(rejection.status, StatusCode::BAD_REQUEST, "{query_string}");
            assert!(
                rejection.message.contains("`query`"),
                "{}",
                rejection.message
            );
        }
        let rejection = refused(parse_request(&Method::GET, &HeaderMap::new(), None, b"", 1));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn get_with_bad_variables_json_is_a_400() {
        let rejection = refused(get("query=%7Ba%7D&variables=%7Bnope"));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
        assert_eq!(rejection.code, CODE_BAD_REQUEST);
        assert!(rejection.message.contains("`variables` is not valid JSON"));
    }

    #[test]
    fn get_with_non_object_variables_is_a_400() {
        for variables in ["[1]", "42", "%22x%22"] {
            let rejection = refused(get(&format!("query=%7Ba%7D&variables={variables}")));
            assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
            assert!(
                rejection
                    .message
                    .contains("`variables` must be a JSON object"),
                "{}",
                rejection.message
            );
        }
        let rejection = refused(get("query=%7Ba%7D&extensions=%5B%5D"));
        assert!(
            rejection
                .message
                .contains("`extensions` must be a JSON object")
        );
    }

    #[test]
    fn get_with_a_repeated_parameter_is_a_400() {
        let rejection = refused(get("query=%7Ba%7D&query=%7Bb%7D"));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
        assert!(rejection.message.contains("more than once"));
    }

    #[test]
    fn get_with_a_mutation_is_a_405_allowing_post() {
        let rejection = refused(get(&format!(
            "query={}",
            encode("mutation { deleteSite(id: 1) }")
        )));
        assert_eq!(rejection.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(rejection.code, CODE_METHOD_NOT_ALLOWED);
        assert_eq!(rejection.allow, Some("POST"));

        // A single named operation is selected without operationName, too.
        let rejection = refused(get(&format!(
            "query={}",
            encode("mutation Drop { deleteSite(id: 1) }")
        )));
        assert_eq!(rejection.status, StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn get_with_a_subscription_is_a_405() {
        let rejection = refused(get(&format!(
            "query={}",
            encode("subscription { events { id } }")
        )));
        assert_eq!(rejection.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(rejection.allow, Some("POST"));
    }

    #[test]
    fn get_selects_among_several_operations_by_operation_name() {
        let document = encode("query Read { sites { id } } mutation Write { deleteSite(id: 1) }");
        let rejection = refused(get(&format!("query={document}&operationName=Write")));
        assert_eq!(rejection.status, StatusCode::METHOD_NOT_ALLOWED);

        let request =
            single(get(&format!("query={document}&operationName=Read")).expect("a query"));
        assert_eq!(request.operation_name.as_deref(), Some("Read"));

        // Without a name nothing can run; execution reports "operation name required".
        assert!(get(&format!("query={document}")).is_ok());
        // An unknown name runs nothing either; execution reports it.
        assert!(get(&format!("query={document}&operationName=Nope")).is_ok());
    }

    #[test]
    fn get_with_a_name_for_an_anonymous_mutation_runs_nothing() {
        // async-graphql never selects the anonymous operation by name, so this cannot mutate.
        assert!(
            get(&format!(
                "query={}&operationName=X",
                encode("mutation { a }")
            ))
            .is_ok()
        );
    }

    #[test]
    fn get_leaves_unparseable_documents_to_execution() {
        let request = single(get(&format!("query={}", encode("mutation {"))).expect("passes"));
        assert_eq!(request.query, "mutation {");
    }

    #[test]
    fn head_is_read_like_get() {
        let result = parse_request(
            &Method::HEAD,
            &HeaderMap::new(),
            Some("query=%7Ba%7D"),
            b"",
            1,
        );
        assert_eq!(single(result.expect("a query")).query, "{a}");
    }

    #[test]
    fn other_methods_are_a_405_allowing_get_and_post() {
        let rejection = refused(parse_request(
            &Method::PUT,
            &content_type("application/json"),
            None,
            br#"{"query":"{a}"}"#,
            1,
        ));
        assert_eq!(rejection.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(rejection.allow, Some("GET, POST"));
    }

    // -- POST ---------------------------------------------------------------------------------

    #[test]
    fn post_json_single() {
        let request = single(
            post_json(
                r#"{"query":"mutation M($i: In!) { m(i: $i) }","operationName":"M",
                    "variables":{"i":{"a":[1,2]}},"extensions":{"x":1},"unknown":true}"#,
            )
            .expect("valid"),
        );
        assert_eq!(request.query, "mutation M($i: In!) { m(i: $i) }");
        assert_eq!(request.operation_name.as_deref(), Some("M"));
        let expected: async_graphql::Value = async_graphql::Value::from_json(serde_json::json!(
            {"a": [1, 2]}
        ))
        .expect("valid value");
        assert_eq!(request.variables.get(&Name::new("i")), Some(&expected));
        assert_eq!(
            request.extensions.get("x"),
            Some(&async_graphql::Value::from(1))
        );
    }

    #[test]
    fn post_json_allows_null_optional_fields_and_a_utf8_charset() {
        let result = parse_request(
            &Method::POST,
            &content_type("Application/JSON; charset=\"UTF-8\""),
            None,
            br#"{"query":"{a}","operationName":null,"variables":null,"extensions":null}"#,
            1,
        );
        let request = single(result.expect("valid"));
        assert_eq!(request.operation_name, None);
        assert!(request.variables.is_empty());
    }

    #[test]
    fn post_json_batch() {
        let batch = post_json(r#"[{"query":"{a}"},{"query":"{b}","variables":{"x":1}}]"#)
            .expect("valid batch");
        let BatchRequest::Batch(requests) = batch else {
            panic!("expected a batch");
        };
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].query, "{a}");
        assert_eq!(requests[1].query, "{b}");
    }

    #[test]
    fn post_json_empty_batch_is_a_400() {
        let rejection = refused(post_json("[]"));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
        assert!(rejection.message.contains("empty"));
    }

    #[test]
    fn post_json_over_limit_batch_is_a_400_with_its_own_code() {
        let rejection = refused(post_json(
            r#"[{"query":"{a}"},{"query":"{a}"},{"query":"{a}"},{"query":"{a}"}]"#,
        ));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
        assert_eq!(rejection.code, CODE_BATCH_LIMIT_EXCEEDED);
        assert!(
            rejection.message.contains("at most 3"),
            "{}",
            rejection.message
        );
        // Exactly at the limit is fine.
        assert!(post_json(r#"[{"query":"{a}"},{"query":"{a}"},{"query":"{a}"}]"#).is_ok());
    }

    #[test]
    fn a_max_batch_of_zero_disables_batching() {
        let result = parse_request(
            &Method::POST,
            &content_type("application/json"),
            None,
            br#"[{"query":"{a}"}]"#,
            0,
        );
        assert_eq!(refused(result).code, CODE_BATCH_LIMIT_EXCEEDED);
    }

    #[test]
    fn post_json_batch_errors_name_the_item() {
        let rejection = refused(post_json(r#"[{"query":"{a}"},{"variables":{}}]"#));
        assert_eq!(rejection.status, StatusCode::BAD_REQUEST);
        assert!(
            rejection
                .message
                .starts_with("batch item 1: `query` is required")
        );
        let rejection = refused(post_json(r#"[{"query":"{a}"}, 7]"#));
        assert!(
            rejection
                .message
                .contains("batch item 1: must be a JSON object")
        );
    }

    #[test]
    fn post_json_malformed_is_a_400() {
        for (body, expected) in [
            ("", "empty"),
            ("  \n", "empty"),
            ("{", "not valid JSON"),
            ("\"{a}\"", "not a string"),
            ("null", "not null"),
            ("{}", "`query` is required"),
            (r#"{"query":""}"#, "`query` is empty"),
            (r#"{"query":42}"#, "`query` must be a string, not a number"),
            (
                r#"{"query":{"a":1}}"#,
                "`query` must be a string, not an object",
            ),
            (
                r#"{"query":"{a}","variables":[]}"#,
                "`variables` must be a JSON object",
            ),
            (
                r#"{"query":"{a}","variables":"{}"}"#,
                "`variables` must be a JSON object",
            ),
            (
                r#"{"query":"{a}","operationName":1}"#,
                "`operationName` must be a string",
            ),
            (
                r#"{"query":"{a}","extensions":true}"#,
                "`extensions` must be a JSON object",
            ),
        ] {
            let rejection = refused(post_json(body));
            assert_eq!(rejection.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(rejection.code, CODE_BAD_REQUEST, "{body}");
            assert!(
                rejection.message.contains(expected),
                "{body}: {}",
                rejection.message
            );
        }
    }

    #[test]
    fn post_json_does_not_refuse_mutations() {
        assert!(post_json(r#"{"query":"mutation { a }"}"#).is_ok());
    }

    #[test]
    fn post_application_graphql_body_is_the_document() {
        let result = parse_request(
            &Method::POST,
            &content_type("application/graphql; charset=utf-8"),
            Some("query=%7Bignored%7D"),
            b"{ sites { id } }",
            1,
        );
        assert_eq!(single(result.expect("valid")).query, "{ sites { id } }");

        let empty = parse_request(
            &Method::POST,
            &content_type("application/graphql"),
            None,
            b"   ",
            1,
        );
        assert_eq!(refused(empty).status, StatusCode::BAD_REQUEST);

        let not_utf8 = parse_request(
            &Method::POST,
            &content_type("application/graphql"),
            None,
            &[0xff, 0xfe],
            1,
        );
        assert!(refused(not_utf8).message.contains("UTF-8"));
    }

    #[test]
    fn unsupported_content_types_are_a_415() {
        let cases: [HeaderMap; 5] = [
            HeaderMap::new(),
            content_type("text/plain"),
            content_type("application/x-www-form-urlencoded"),
            content_type("multipart/form-data; boundary=x"),
            content_type("application/json; charset=latin1"),
        ];
        for headers in cases {
            let result = parse_request(&Method::POST, &headers, None, br#"{"query":"{a}"}"#, 1);
            let rejection = refused(result);
            assert_eq!(
                rejection.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{headers:?}"
            );
            assert_eq!(rejection.code, CODE_UNSUPPORTED_MEDIA_TYPE);
        }
    }

    // -- rejections ---------------------------------------------------------------------------

    #[test]
    fn a_rejection_is_written_in_the_negotiated_format_without_data() {
        let rejection = Rejection::method_not_allowed("POST", "no mutations over GET");
        let (status, headers, body) = json_of(rejection_response(
            ResponseFormat::GraphqlResponseJson,
            rejection,
        ));
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[header::ALLOW], "POST");
        assert_eq!(
            content_type_of(&headers),
            "application/graphql-response+json; charset=utf-8"
        );
        assert_eq!(body["errors"][0]["message"], "no mutations over GET");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
        assert!(body.get("data").is_none());
    }

    #[test]
    fn a_406_is_written_as_json() {
        let rejection = negotiate(&accept("text/html")).expect_err("406");
        let (status, headers, body) = json_of(rejection.into_response());
        assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
        assert_eq!(content_type_of(&headers), "application/json; charset=utf-8");
        assert!(headers.get(header::ALLOW).is_none());
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");
    }

    // -- response shaping ---------------------------------------------------------------------

    fn respond(format: ResponseFormat, response: async_graphql::Response) -> Response {
        into_http_response(format, BatchResponse::Single(response))
    }

    #[test]
    fn success_is_200_with_data_in_both_formats() {
        for format in [ResponseFormat::GraphqlResponseJson, ResponseFormat::Json] {
            let data = async_graphql::Value::from_json(json!({ "a": 1 })).expect("value");
            let (status, headers, body) =
                json_of(respond(format, async_graphql::Response::new(data)));
            assert_eq!(status, StatusCode::OK);
            assert_eq!(content_type_of(&headers), format.content_type());
            assert_eq!(headers[header::VARY], "accept");
            assert_eq!(body, json!({ "data": { "a": 1 } }));
        }
    }

    #[test]
    fn data_keeps_the_selection_set_order() {
        let mut object = async_graphql::indexmap::IndexMap::new();
        object.insert(Name::new("zebra"), async_graphql::Value::from(1));
        object.insert(Name::new("apple"), async_graphql::Value::from(2));
        let response = async_graphql::Response::new(async_graphql::Value::Object(object));
        let (_, _, text) = body_of(respond(ResponseFormat::Json, response));
        assert_eq!(text, r#"{"data":{"zebra":1,"apple":2}}"#);
    }

    #[test]
    fn a_request_error_omits_data_and_is_400_in_the_new_format() {
        let response =
            async_graphql::Response::from_errors(vec![ServerError::new("Unknown field", None)]);
        let (status, _, body) = json_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["message"], "Unknown field");
    }

    #[test]
    fn a_request_error_is_200_without_data_in_legacy_json() {
        let response = async_graphql::Response::from_errors(vec![error("UNAUTHENTICATED")]);
        let (status, headers, body) = json_of(respond(ResponseFormat::Json, response));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type_of(&headers), "application/json; charset=utf-8");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }

    #[test]
    fn request_error_codes_choose_the_status() {
        for (code, expected) in [
            ("UNAUTHENTICATED", StatusCode::UNAUTHORIZED),
            ("FORBIDDEN", StatusCode::FORBIDDEN),
            ("RATE_LIMITED", StatusCode::TOO_MANY_REQUESTS),
            ("INTERNAL", StatusCode::INTERNAL_SERVER_ERROR),
            ("BAD_USER_INPUT", StatusCode::BAD_REQUEST),
            ("SOMETHING_ELSE", StatusCode::BAD_REQUEST),
        ] {
            let response = async_graphql::Response::from_errors(vec![error(code)]);
            let (status, _, body) = json_of(respond(ResponseFormat::GraphqlResponseJson, response));
            assert_eq!(status, expected, "{code}");
            assert!(body.get("data").is_none());
        }
    }

    #[test]
    fn only_the_first_error_chooses_the_status() {
        let response =
            async_graphql::Response::from_errors(vec![error("BAD_USER_INPUT"), error("INTERNAL")]);
        let (status, _, _) = json_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let mut limited = error("RATE_LIMITED");
        if let Some(extensions) = limited.extensions.as_mut() {
            extensions.set("retryAfter", 7);
        }
        let response = async_graphql::Response::from_errors(vec![limited]);
        let (status, headers, body) =
            json_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "7");
        assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 7);
    }

    #[test]
    fn retry_after_is_whole_non_negative_seconds() {
        let number = |v: Value| async_graphql::Value::from_json(v).expect("value");
        assert_eq!(retry_after_secs(&number(json!(3))), Some(3));
        assert_eq!(retry_after_secs(&number(json!(2.1))), Some(3));
        assert_eq!(retry_after_secs(&number(json!(-1))), None);
        assert_eq!(retry_after_secs(&number(json!("5"))), None);
    }

    #[test]
    fn rate_limited_without_retry_after_has_no_header() {
        let response = async_graphql::Response::from_errors(vec![error("RATE_LIMITED")]);
        let (status, headers, _) = json_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(headers.get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn legacy_json_sends_no_retry_after() {
        let mut limited = error("RATE_LIMITED");
        if let Some(extensions) = limited.extensions.as_mut() {
            extensions.set("retryAfter", 7);
        }
        let response = async_graphql::Response::from_errors(vec![limited]);
        let (status, headers, _) = json_of(respond(ResponseFormat::Json, response));
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn a_field_error_keeps_data_null_and_is_200() {
        // A non-null root field failed: null propagated up to `data`, but execution ran.
        let null_data = |errors: Vec<ServerError>| {
            let mut response = async_graphql::Response::new(async_graphql::Value::Null);
            response.errors = errors;
            response
        };
        for format in [ResponseFormat::GraphqlResponseJson, ResponseFormat::Json] {
            let (status, _, body) = json_of(respond(format, null_data(vec![field_error()])));
            assert_eq!(status, StatusCode::OK, "{format:?}");
            assert!(body.as_object().is_some_and(|o| o.contains_key("data")));
            assert_eq!(body["data"], Value::Null);
            assert_eq!(body["errors"][0]["path"], json!(["site"]));
        }
        // One field error among path-less ones is enough to make it an execution result.
        let mixed = null_data(vec![error("INTERNAL"), field_error()]);
        let (status, _, body) = json_of(respond(ResponseFormat::GraphqlResponseJson, mixed));
        assert_eq!(status, StatusCode::OK);
        assert!(body.as_object().is_some_and(|o| o.contains_key("data")));
    }

    #[test]
    fn partial_data_with_errors_is_200() {
        let data = async_graphql::Value::from_json(json!({ "a": 1, "site": null })).expect("v");
        let mut response = async_graphql::Response::new(data);
        response.errors = vec![field_error()];
        let (status, _, body) = json_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"], json!({ "a": 1, "site": null }));
    }

    #[test]
    fn response_extensions_are_included() {
        let response = async_graphql::Response::new(
            async_graphql::Value::from_json(json!({ "a": 1 })).expect("value"),
        )
        .extension("cost", async_graphql::Value::from(12));
        let (_, _, body) = json_of(respond(ResponseFormat::Json, response));
        assert_eq!(
            body,
            json!({ "data": { "a": 1 }, "extensions": { "cost": 12 } })
        );
    }

    #[test]
    fn http_headers_from_resolvers_are_carried_but_not_content_type() {
        let mut extra = HeaderMap::new();
        extra.insert("x-custom", HeaderValue::from_static("1"));
        extra.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let response = async_graphql::Response::new(async_graphql::Value::Null).http_headers(extra);
        let (_, headers, _) = body_of(respond(ResponseFormat::GraphqlResponseJson, response));
        assert_eq!(headers["x-custom"], "1");
        assert_eq!(
            content_type_of(&headers),
            "application/graphql-response+json; charset=utf-8"
        );
    }

    #[test]
    fn a_batch_is_an_array_and_always_200() {
        let batch = || {
            let with_cookie = |cookie: &'static str| {
                let mut headers = HeaderMap::new();
                headers.insert(header::SET_COOKIE, HeaderValue::from_static(cookie));
                headers
            };
            let data = async_graphql::Value::from_json(json!({ "a": 1 })).expect("value");
            BatchResponse::Batch(vec![
                async_graphql::Response::new(data).http_headers(with_cookie("a=1")),
                async_graphql::Response::from_errors(vec![error("UNAUTHENTICATED")])
                    .http_headers(with_cookie("b=2")),
            ])
        };
        for format in [ResponseFormat::GraphqlResponseJson, ResponseFormat::Json] {
            let (status, headers, body) = json_of(into_http_response(format, batch()));
            assert_eq!(status, StatusCode::OK, "{format:?}");
            assert_eq!(content_type_of(&headers), format.content_type());
            assert_eq!(body[0], json!({ "data": { "a": 1 } }));
            assert!(body[1].get("data").is_none());
            assert_eq!(
                body[1]["errors"][0]["extensions"]["code"],
                "UNAUTHENTICATED"
            );
            // Every item's headers survive: both cookies, not just the last.
            let cookies: Vec<_> = headers.get_all(header::SET_COOKIE).iter().collect();
            assert_eq!(cookies, ["a=1", "b=2"]);
        }
    }
}
