//! GraphQL over HTTP (the GraphQL-over-HTTP specification), written by hand because the stock
//! async-graphql-axum handler neither negotiates `application/graphql-response+json`, nor
//! answers request errors with 4xx statuses and no `data`, nor refuses mutations over GET.
//!
//! Pure functions over `http` types and async-graphql's request/response types; the axum
//! handler in `http/mod.rs` strings them together.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Which media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    GraphqlResponseJson,
    Json,
}

impl ResponseFormat {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// A request refused before execution, with the status it deserves.
#[derive(Debug)]
pub struct Rejection {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub allow: Option<&'static str>,
}

impl Rejection {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message)
    }
}

/// Chooses the response media type from `Accept`.
///
/// Each format's quality is that of the most specific matching media range (RFC 9110 §12.5.1).
/// On a tie, `application/graphql-response+json` wins only when the client named it: a bare
/// `*/*` (curl's default) or no header at all gets `application/json`, which every legacy
/// client understands.
pub fn negotiate(headers: &HeaderMap) -> Result<ResponseFormat, Rejection> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if accept.is_empty() {
        return Ok(ResponseFormat::Json);
    }
    let ranges: Vec<(String, f32)> = accept
        .iter()
        .flat_map(|h| h.split(','))
        .filter_map(parse_range)
        .collect();
    let quality = |media: &str| -> (f32, u8) {
        let (kind, _) = media.split_once('/').unwrap_or((media, ""));
        ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = if range == media {
                    3
                } else if range.strip_suffix("/*") == Some(kind) {
                    2
                } else if range == "*/*" {
                    1
                } else {
                    return None;
                };
                Some((*q, specificity))
            })
            .max_by_key(|(_, specificity)| *specificity)
            .unwrap_or((0.0, 0))
    };
    let (q_graphql, s_graphql) = quality(GRAPHQL_RESPONSE_JSON);
    let (q_json, _) = quality("application/json");
    if q_graphql <= 0.0 && q_json <= 0.0 {
        return Err(Rejection::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            format!(
                "responses are {GRAPHQL_RESPONSE_JSON} or application/json; Accept allows neither"
            ),
        ));
    }
    if q_graphql > q_json || (q_graphql == q_json && s_graphql == 3) {
        Ok(ResponseFormat::GraphqlResponseJson)
    } else {
        Ok(ResponseFormat::Json)
    }
}

/// `type/subtype;q=0.5;charset=x` -> (`type/subtype`, 0.5).
fn parse_range(item: &str) -> Option<(String, f32)> {
    let mut parts = item.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    if media.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
        }
    }
    Some((media, q))
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Reads the GraphQL request(s) out of an HTTP request.
pub fn parse_request(
    method: &Method,
    headers: &HeaderMap,
    query_string: Option<&str>,
    body: &[u8],
    max_batch: usize,
) -> Result<BatchRequest, Rejection> {
    if method == Method::GET {
        let request = request_from_query_string(query_string.unwrap_or(""))?;
        refuse_non_query_over_get(&request)?;
        return Ok(BatchRequest::Single(request));
    }
    if method != Method::POST {
        let mut rejection = Rejection::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "use GET or POST",
        );
        rejection.allow = Some("GET, POST");
        return Err(rejection);
    }
    match content_type(headers).as_deref() {
        Some("application/json") | Some("application/graphql-response+json") => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| Rejection::bad_request(format!("the body is not valid JSON: {e}")))?;
            let batch = match value {
                Value::Array(items) => {
                    if items.is_empty() {
                        return Err(Rejection::bad_request("an empty batch"));
                    }
                    if items.len() > max_batch {
                        return Err(Rejection::new(
                            StatusCode::BAD_REQUEST,
                            "BATCH_LIMIT_EXCEEDED",
                            format!(
                                "a batch may hold at most {max_batch} operations, not {}",
                                items.len()
                            ),
                        ));
                    }
                    BatchRequest::Batch(
                        items
                            .into_iter()
                            .map(request_from_json)
                            .collect::<Result<_, _>>()?,
                    )
                }
                single => BatchRequest::Single(request_from_json(single)?),
            };
            Ok(batch)
        }
        Some("application/graphql") => {
            let query = std::str::from_utf8(body)
                .map_err(|_| Rejection::bad_request("the body is not UTF-8"))?
                .to_owned();
            if query.trim().is_empty() {
                return Err(Rejection::bad_request("the body holds no query"));
            }
            Ok(BatchRequest::Single(Request::new(query)))
        }
        other => Err(Rejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "Content-Type {} is not supported; use application/json",
                other.map_or_else(|| "(none)".to_owned(), |c| format!("'{c}'"))
            ),
        )),
    }
}

/// `?query=...&operationName=...&variables=<json>&extensions=<json>`. Parsed here rather than
/// with async-graphql's helper, which expects `operation_name` instead of the spec's
/// `operationName`.
fn request_from_query_string(query_string: &str) -> Result<Request, Rejection> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let value = match key.as_ref() {
            "query" | "operationName" => Value::String(value.into_owned()),
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|e| Rejection::bad_request(format!("`{key}` is not valid JSON: {e}")))?,
            _ => continue,
        };
        map.insert(key.into_owned(), value);
    }
    request_from_json(Value::Object(map))
}

fn request_from_json(value: Value) -> Result<Request, Rejection> {
    let Value::Object(map) = value else {
        return Err(Rejection::bad_request("a GraphQL request is a JSON object"));
    };
    match map.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => {}
        _ => {
            return Err(Rejection::bad_request(
                "`query` is required and must be a non-empty string",
            ));
        }
    }
    if let Some(v) = map.get("variables")
        && !(v.is_object() || v.is_null())
    {
        return Err(Rejection::bad_request("`variables` must be an object"));
    }
    if let Some(v) = map.get("operationName")
        && !(v.is_string() || v.is_null())
    {
        return Err(Rejection::bad_request("`operationName` must be a string"));
    }
    serde_json::from_value(Value::Object(map))
        .map_err(|e| Rejection::bad_request(format!("invalid GraphQL request: {e}")))
}

/// GET must never change anything (it may be cached, prefetched, replayed): only queries.
fn refuse_non_query_over_get(request: &Request) -> Result<(), Rejection> {
    // A document that does not parse is left to execution, which reports it as usual.
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return Ok(());
    };
    let operation_type = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    match operation_type {
        Some(OperationType::Mutation) | Some(OperationType::Subscription) => {
            let mut rejection = Rejection::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "only queries may be sent with GET; send mutations with POST",
            );
            rejection.allow = Some("POST");
            Err(rejection)
        }
        _ => Ok(()),
    }
}

/// Writes a rejection in the negotiated format.
pub fn rejection_response(format: ResponseFormat, rejection: Rejection) -> Response {
    let body = json!({ "errors": [{ "message": rejection.message, "extensions": { "code": rejection.code } }] });
    let mut response = (rejection.status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(allow) = rejection.allow {
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

/// A response is a request error when execution never produced data: `data` is null and no
/// error belongs to a field (no `path`).
fn is_request_error(response: &async_graphql::Response) -> bool {
    !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|e| e.path.is_empty())
}

fn error_code(response: &async_graphql::Response) -> Option<String> {
    let extensions = response.errors.first()?.extensions.as_ref()?;
    match extensions.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

fn to_json(response: &async_graphql::Response) -> Value {
    let mut out = Map::new();
    if !is_request_error(response) {
        out.insert(
            "data".into(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !response.errors.is_empty() {
        out.insert(
            "errors".into(),
            serde_json::to_value(&response.errors).unwrap_or(Value::Null),
        );
    }
    if !response.extensions.is_empty() {
        out.insert(
            "extensions".into(),
            serde_json::to_value(&response.extensions).unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

/// The HTTP status of a single response in the `graphql-response+json` format.
fn status_of(response: &async_graphql::Response) -> StatusCode {
    if !is_request_error(response) {
        return StatusCode::OK;
    }
    match error_code(response).as_deref() {
        Some("UNAUTHENTICATED") => StatusCode::UNAUTHORIZED,
        Some("FORBIDDEN") => StatusCode::FORBIDDEN,
        Some("RATE_LIMITED") => StatusCode::TOO_MANY_REQUESTS,
        Some("INTERNAL") => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn retry_after(response: &async_graphql::Response) -> Option<HeaderValue> {
    response
        .errors
        .iter()
        .find_map(|e| match e.extensions.as_ref()?.get("retryAfter")? {
            async_graphql::Value::Number(n) => HeaderValue::from_str(&n.to_string()).ok(),
            _ => None,
        })
}

/// Writes executed response(s) in the negotiated format.
pub fn into_http_response(format: ResponseFormat, response: BatchResponse) -> Response {
    let (status, body, extra_headers, retry) = match &response {
        BatchResponse::Single(r) => {
            // Legacy application/json answers 200 for every well-formed request (spec §7.1.2).
            let status = match format {
                ResponseFormat::GraphqlResponseJson => status_of(r),
                ResponseFormat::Json => StatusCode::OK,
            };
            (status, to_json(r), r.http_headers.clone(), retry_after(r))
        }
        BatchResponse::Batch(rs) => {
            let mut headers = HeaderMap::new();
            for r in rs {
                headers.extend(r.http_headers.clone());
            }
            let retry = rs.iter().find_map(retry_after);
            (
                StatusCode::OK,
                Value::Array(rs.iter().map(to_json).collect()),
                headers,
                retry,
            )
        }
    };
    let mut http = (status, body.to_string()).into_response();
    let headers = http.headers_mut();
    headers.extend(extra_headers);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(retry) = retry {
        headers.insert(header::RETRY_AFTER, retry);
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{ErrorExtensionValues, ServerError};

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h
    }

    #[test]
    fn negotiation_prefers_what_the_client_names() {
        use ResponseFormat::*;
        assert_eq!(negotiate(&HeaderMap::new()).unwrap(), Json);
        assert_eq!(negotiate(&accept("*/*")).unwrap(), Json);
        assert_eq!(negotiate(&accept("application/json")).unwrap(), Json);
        assert_eq!(
            negotiate(&accept(GRAPHQL_RESPONSE_JSON)).unwrap(),
            GraphqlResponseJson
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            ))
            .unwrap(),
            GraphqlResponseJson
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            ))
            .unwrap(),
            Json
        );
        assert_eq!(
            negotiate(&accept("application/*;charset=utf-8")).unwrap(),
            Json
        );
        assert_eq!(negotiate(&accept("text/html, */*;q=0.1")).unwrap(), Json);
        let refused = negotiate(&accept("text/plain")).unwrap_err();
        assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);
        assert!(negotiate(&accept("application/json;q=0")).is_err());
    }

    #[test]
    fn get_requests_carry_queries_but_never_mutations() {
        let get = |qs: &str| parse_request(&Method::GET, &HeaderMap::new(), Some(qs), b"", 10);
        let ok = get("query=%7Bme%7Brole%7D%7D&variables=%7B%22a%22%3A1%7D").unwrap();
        assert!(matches!(ok, BatchRequest::Single(_)));
        let refused = get("query=mutation%7Blogout%7Bsuccess%7D%7D").unwrap_err();
        assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(refused.allow, Some("POST"));
        let named = get(
            "query=query+A%7Bme%7Brole%7D%7D+mutation+B%7Blogout%7Bsuccess%7D%7D&operationName=B",
        );
        assert_eq!(named.unwrap_err().status, StatusCode::METHOD_NOT_ALLOWED);
        let named_query = get(
            "query=query+A%7Bme%7Brole%7D%7D+mutation+B%7Blogout%7Bsuccess%7D%7D&operationName=A",
        );
        assert!(named_query.is_ok());
        assert_eq!(get("").unwrap_err().status, StatusCode::BAD_REQUEST);
        assert_eq!(
            get("query=%7Ba%7D&variables=nope").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn post_bodies_are_checked_and_batches_capped() {
        let post =
            |body: &str| parse_request(&Method::POST, &json_headers(), None, body.as_bytes(), 2);
        assert!(matches!(
            post(r#"{"query":"{a}"}"#).unwrap(),
            BatchRequest::Single(_)
        ));
        assert!(matches!(
            post(r#"[{"query":"{a}"},{"query":"{b}"}]"#).unwrap(),
            BatchRequest::Batch(_)
        ));
        let too_many = post(r#"[{"query":"{a}"},{"query":"{b}"},{"query":"{c}"}]"#).unwrap_err();
        assert_eq!(too_many.code, "BATCH_LIMIT_EXCEEDED");
        assert_eq!(post("[]").unwrap_err().status, StatusCode::BAD_REQUEST);
        assert_eq!(
            post("{not json").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            post(r#"{"variables":{}}"#).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            post(r#"{"query":"{a}","variables":[1]}"#)
                .unwrap_err()
                .status,
            StatusCode::BAD_REQUEST
        );
        let mut graphql = HeaderMap::new();
        graphql.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/graphql"),
        );
        assert!(parse_request(&Method::POST, &graphql, None, b"{ a }", 2).is_ok());
        let mut text = HeaderMap::new();
        text.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let refused = parse_request(&Method::POST, &text, None, b"{ a }", 2).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    fn error_with_code(code: &str, path: bool) -> ServerError {
        let mut err = ServerError::new("boom", None);
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", code);
        if code == "RATE_LIMITED" {
            ext.set("retryAfter", 7);
        }
        err.extensions = Some(ext);
        if path {
            err.path = vec![async_graphql::PathSegment::Field("me".into())];
        }
        err
    }

    async fn body_of(response: Response) -> Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn request_errors_have_no_data_and_a_4xx_in_the_new_format() {
        let request_error =
            || async_graphql::Response::from_errors(vec![error_with_code("BAD_USER_INPUT", false)]);
        let new = into_http_response(
            ResponseFormat::GraphqlResponseJson,
            BatchResponse::Single(request_error()),
        );
        assert_eq!(new.status(), StatusCode::BAD_REQUEST);
        assert!(
            new.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(GRAPHQL_RESPONSE_JSON)
        );
        let body = body_of(new).await;
        assert!(body.get("data").is_none(), "{body}");
        let legacy =
            into_http_response(ResponseFormat::Json, BatchResponse::Single(request_error()));
        assert_eq!(legacy.status(), StatusCode::OK);
        assert!(body_of(legacy).await.get("data").is_none());
    }

    #[tokio::test]
    async fn auth_and_rate_limit_errors_get_their_statuses() {
        let single = |code| {
            BatchResponse::Single(async_graphql::Response::from_errors(vec![error_with_code(
                code, false,
            )]))
        };
        let unauthenticated = into_http_response(
            ResponseFormat::GraphqlResponseJson,
            single("UNAUTHENTICATED"),
        );
        assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
        let limited =
            into_http_response(ResponseFormat::GraphqlResponseJson, single("RATE_LIMITED"));
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
    }

    #[tokio::test]
    async fn field_errors_keep_data_and_200() {
        let mut response = async_graphql::Response::new(async_graphql::Value::Null);
        response.errors.push(error_with_code("NOT_FOUND", true));
        let http = into_http_response(
            ResponseFormat::GraphqlResponseJson,
            BatchResponse::Single(response),
        );
        assert_eq!(http.status(), StatusCode::OK);
        let body = body_of(http).await;
        assert_eq!(body.get("data"), Some(&Value::Null));
    }

    #[test]
    fn rejections_carry_allow() {
        let mut rejection =
            Rejection::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "no");
        rejection.allow = Some("POST");
        let response = rejection_response(ResponseFormat::Json, rejection);
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "POST");
    }
}
