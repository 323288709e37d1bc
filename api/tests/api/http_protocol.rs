//! GraphQL over HTTP: content negotiation, GET, request errors, batches, and the other routes.

use reqwest::Response;
use reqwest::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, assert_ok, slug};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn request_id(response: &Response) -> Option<String> {
    response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// POSTs `body` as-is with the given `Accept` and `Content-Type` (each omitted when `None`).
async fn post(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    token: Option<&str>,
    body: String,
) -> Response {
    let mut request = app.client.post(app.url("/graphql")).body(body);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.send().await.expect("the request is sent")
}

async fn post_query(
    app: &TestApp,
    accept: Option<&str>,
    token: Option<&str>,
    query: &str,
) -> Response {
    post(
        app,
        accept,
        Some("application/json"),
        token,
        json!({ "query": query }).to_string(),
    )
    .await
}

async fn get(app: &TestApp, accept: &str, token: Option<&str>, query: Option<&str>) -> Response {
    let mut request = app.client.get(app.url("/graphql")).header(ACCEPT, accept);
    if let Some(query) = query {
        request = request.query(&[("query", query)]);
    }
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.send().await.expect("the request is sent")
}

async fn json_of(response: Response) -> Value {
    let text = response.text().await.expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn graphql_response_json_is_answered_in_kind() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("accept")).await;
    let response = post_query(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some(&owner.token),
        "{ me { role } }",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        content_type(&response).starts_with(GRAPHQL_RESPONSE),
        "{}",
        content_type(&response)
    );
    let body = json_of(response).await;
    assert_eq!(body["data"]["me"]["role"], "OWNER");

    // The preferred type wins when both are acceptable.
    let response = post_query(
        &app,
        Some("application/json;q=0.5, application/graphql-response+json"),
        Some(&owner.token),
        "{ me { role } }",
    )
    .await;
    assert!(
        content_type(&response).starts_with(GRAPHQL_RESPONSE),
        "{}",
        content_type(&response)
    );
}

#[tokio::test]
async fn without_accept_the_answer_is_application_json() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("noaccept")).await;
    for accept in [None, Some("application/json"), Some("*/*")] {
        let response = post_query(&app, accept, Some(&owner.token), "{ me { role } }").await;
        assert_eq!(response.status(), 200, "{accept:?}");
        let ct = content_type(&response);
        if accept == Some("*/*") {
            // Either type is acceptable to such a client.
            assert!(
                ct.starts_with("application/json") || ct.starts_with(GRAPHQL_RESPONSE),
                "{ct}"
            );
        } else {
            assert!(ct.starts_with("application/json"), "{accept:?}: {ct}");
        }
        let body = json_of(response).await;
        assert_eq!(body["data"]["me"]["role"], "OWNER");
    }
}

#[tokio::test]
async fn an_unacceptable_accept_header_is_406() {
    let app = TestApp::spawn().await;
    let response = post_query(&app, Some("text/plain"), None, "{ __typename }").await;
    assert_eq!(response.status(), 406);
    assert!(request_id(&response).is_some());
}

#[tokio::test]
async fn a_query_over_get_works() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("get")).await;
    let response = get(
        &app,
        GRAPHQL_RESPONSE,
        Some(&owner.token),
        Some("{me{role}}"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
    let body = json_of(response).await;
    assert_ok(&body);
    assert_eq!(body["data"]["me"]["role"], "OWNER");

    // With variables and an operation name, as query parameters.
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "application/json")
        .header(AUTHORIZATION, format!("Bearer {}", owner.token))
        .query(&[
            (
                "query",
                "query A { me { role } } query B($n: Int) { sites(first: $n) { totalCount } }",
            ),
            ("operationName", "B"),
            ("variables", "{\"n\": 5}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json_of(response).await;
    assert_ok(&body);
    assert_eq!(body["data"]["sites"]["totalCount"], 0);
    assert!(body["data"]["me"].is_null());
}

#[tokio::test]
async fn a_mutation_over_get_is_405() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("getmut")).await;
    let response = get(
        &app,
        GRAPHQL_RESPONSE,
        Some(&owner.token),
        Some("mutation { logout { success } }"),
    )
    .await;
    assert_eq!(response.status(), 405);
    let allow = response
        .headers()
        .get(ALLOW)
        .expect("an Allow header")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(allow.contains("POST"), "{allow}");
    // The session was not ended.
    let me = app
        .gql(Some(&owner.token), "{ me { role } }", json!({}))
        .await;
    assert_ok(&me);
}

#[tokio::test]
async fn a_browser_asking_for_graphql_is_sent_to_the_web_apps_playground() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/graphql"))
        .header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/playground")
    );
    assert!(request_id(&response).is_some());
}

#[tokio::test]
async fn a_syntax_error_is_a_request_error_without_data() {
    let app = TestApp::spawn().await;
    let response = post_query(&app, Some(GRAPHQL_RESPONSE), None, "{ me { role ").await;
    assert_eq!(response.status(), 400);
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
    let body = json_of(response).await;
    assert!(body.get("data").is_none(), "no data key: {body}");
    assert_code(&body, "BAD_USER_INPUT");

    let response = post_query(&app, Some("application/json"), None, "{ me { role ").await;
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("application/json"));
    let body = json_of(response).await;
    assert!(body.get("data").is_none(), "no data key: {body}");
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn a_validation_error_is_a_request_error_without_data() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("invalid")).await;
    let response = post_query(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some(&owner.token),
        "{ me { nope } }",
    )
    .await;
    assert_eq!(response.status(), 400);
    let body = json_of(response).await;
    assert!(body.get("data").is_none(), "no data key: {body}");
    assert_code(&body, "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_batch_returns_an_array_of_results() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("batch")).await;
    let batch = json!([
        { "query": "{ me { role } }" },
        { "query": "query($n: Int) { sites(first: $n) { totalCount } }", "variables": { "n": 1 } },
    ]);
    let response = post(
        &app,
        Some("application/json"),
        Some("application/json"),
        Some(&owner.token),
        batch.to_string(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json_of(response).await;
    let results = body
        .as_array()
        .unwrap_or_else(|| panic!("an array: {body}"));
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["data"]["me"]["role"], "OWNER");
    assert_eq!(results[1]["data"]["sites"]["totalCount"], 0);
}

#[tokio::test]
async fn a_batch_over_the_cap_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("bigbatch")).await;
    let statements = app.sql_statements();
    let batch: Vec<Value> = (0..11)
        .map(|i| json!({ "query": format!("mutation {{ createSite(input: {{ code: \"S{i}\", name: \"S\" }}) {{ site {{ id }} }} }}") }))
        .collect();
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let response = post(
            &app,
            Some(accept),
            Some("application/json"),
            Some(&owner.token),
            Value::Array(batch.clone()).to_string(),
        )
        .await;
        assert_eq!(response.status(), 400, "{accept}");
    }
    assert_eq!(
        app.sql_statements(),
        statements,
        "a refused batch touches neither the session nor the sites"
    );
    let sites = app
        .gql(Some(&owner.token), "{ sites { totalCount } }", json!({}))
        .await;
    assert_eq!(sites["data"]["sites"]["totalCount"], 0);
}

#[tokio::test]
async fn a_malformed_body_is_400() {
    let app = TestApp::spawn().await;
    for body in [
        "{ not json",
        "",
        "42",
        "{\"variables\": {}}",
        "{\"query\": 7}",
    ] {
        let response = post(
            &app,
            Some(GRAPHQL_RESPONSE),
            Some("application/json"),
            None,
            body.to_owned(),
        )
        .await;
        assert_eq!(response.status(), 400, "{body:?}");
        assert!(request_id(&response).is_some());
    }
}

#[tokio::test]
async fn an_unsupported_content_type_is_415() {
    let app = TestApp::spawn().await;
    for content_type in ["text/plain", "application/xml"] {
        let response = post(
            &app,
            Some(GRAPHQL_RESPONSE),
            Some(content_type),
            None,
            json!({ "query": "{ __typename }" }).to_string(),
        )
        .await;
        assert_eq!(response.status(), 415, "{content_type}");
    }
    // No Content-Type at all is refused too (the spec allows 400 or 415).
    let response = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        None,
        None,
        json!({ "query": "{ __typename }" }).to_string(),
    )
    .await;
    assert!(
        [400, 415].contains(&response.status().as_u16()),
        "{}",
        response.status()
    );
    // A charset parameter is fine.
    let response = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("application/json; charset=utf-8"),
        None,
        json!({ "query": "{ __typename }" }).to_string(),
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_anonymous_me_is_unauthenticated() {
    let app = TestApp::spawn().await;
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let response = post_query(&app, Some(accept), None, "{ me { role } }").await;
        let body = json_of(response).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"].is_null(), "{body}");
    }
    // Anonymous callers may still ask what the API is.
    let response = post_query(&app, Some(GRAPHQL_RESPONSE), None, "{ __typename }").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_of(response).await["data"]["__typename"], "Query");
}

#[tokio::test]
async fn an_invalid_bearer_token_is_401() {
    let app = TestApp::spawn().await;
    let response = post_query(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("fga_invalid"),
        "{ me { role } }",
    )
    .await;
    assert_eq!(response.status(), 401);
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
    assert!(request_id(&response).is_some());
    let body = json_of(response).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("reqid")).await;
    let ok = post_query(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some(&owner.token),
        "{ me { role } }",
    )
    .await;
    let first = request_id(&ok).expect("x-request-id on a success");
    let again = post_query(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some(&owner.token),
        "{ me { role } }",
    )
    .await;
    assert_ne!(
        request_id(&again).unwrap(),
        first,
        "each request gets its own id"
    );

    let responses = [
        post_query(&app, Some("text/plain"), None, "{ __typename }").await,
        post_query(&app, Some(GRAPHQL_RESPONSE), None, "{ me { role ").await,
        post_query(
            &app,
            Some(GRAPHQL_RESPONSE),
            Some("fga_nope"),
            "{ me { role } }",
        )
        .await,
        get(
            &app,
            GRAPHQL_RESPONSE,
            None,
            Some("mutation { logout { success } }"),
        )
        .await,
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        app.client.get(app.url("/readyz")).send().await.unwrap(),
        app.client
            .get(app.url("/no-such-route"))
            .send()
            .await
            .unwrap(),
    ];
    for response in &responses {
        assert!(
            request_id(response).is_some_and(|id| !id.is_empty()),
            "{} {} has no x-request-id",
            response.url(),
            response.status()
        );
    }

    // A caller's own request id is kept.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .header(CONTENT_TYPE, "application/json")
        .header("x-request-id", "trace-me-123")
        .body(json!({ "query": "{ __typename }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response).as_deref(), Some("trace-me-123"));
}

#[tokio::test]
async fn the_subscription_endpoint_answers_a_plain_get() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/graphql/ws")).send().await.unwrap();
    let status = response.status();
    assert!(
        status.is_client_error() || status.is_server_error(),
        "a plain GET is no WebSocket upgrade: {status}"
    );
    assert_ne!(status, 404, "the route exists");
}

#[tokio::test]
async fn health_and_readiness_are_200() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body = json_of(ready).await;
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn over_get_the_selected_operation_decides() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("getop")).await;
    let document = "query A { me { role } } mutation B { logout { success } }";
    let send = |operation: &'static str| {
        app.client
            .get(app.url("/graphql"))
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .header(AUTHORIZATION, format!("Bearer {}", owner.token))
            .query(&[("query", document), ("operationName", operation)])
            .send()
    };
    let mutation = send("B").await.unwrap();
    assert_eq!(mutation.status(), 405);
    let query = send("A").await.unwrap();
    assert_eq!(query.status(), 200);
    let body = json_of(query).await;
    assert_eq!(
        body["data"]["me"]["role"], "OWNER",
        "the session is still open: {body}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024).await;
    let padding = " ".repeat(2048);
    let response = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("application/json"),
        None,
        json!({ "query": format!("{{ __typename {padding} }}") }).to_string(),
    )
    .await;
    assert_eq!(response.status(), 413);
    let small = post_query(&app, Some(GRAPHQL_RESPONSE), None, "{ __typename }").await;
    assert_eq!(small.status(), 200);
}
