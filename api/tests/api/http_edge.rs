//! The HTTP edge around GraphQL: response compression, CORS, and WebSocket extensions.

use std::io::Read;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use api::config::CorsOrigins;
use reqwest::Response;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, CONTENT_ENCODING,
    CONTENT_TYPE, ORIGIN, VARY,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, slug};

/// A query whose answer is several kilobytes of JSON.
const LARGE_QUERY: &str = "{ __schema { types { name description } } }";

fn header(response: &Response, name: impl reqwest::header::AsHeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The comma-separated values of a header, lower-cased.
fn header_list(response: &Response, name: impl reqwest::header::AsHeaderName) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

async fn post_large(app: &TestApp, token: &str, accept: &str, encoding: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, accept)
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(json!({ "query": LARGE_QUERY }).to_string());
    if let Some(encoding) = encoding {
        request = request.header(ACCEPT_ENCODING, encoding);
    }
    request.send().await.expect("the request is sent")
}

/// `GET /healthz` (a small JSON answer) with one extra request header.
async fn get_healthz(app: &TestApp, name: reqwest::header::HeaderName, value: &str) -> Response {
    app.client
        .get(app.url("/healthz"))
        .header(name, value)
        .send()
        .await
        .expect("the request is sent")
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .expect("a gzip body"),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .expect("a brotli body"),
        other => panic!("unexpected encoding {other}"),
    };
    out
}

#[tokio::test]
async fn a_client_asking_for_gzip_or_br_gets_a_compressed_body_that_decodes_to_the_same_json() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("compress")).await;
    for accept in ["application/json", "application/graphql-response+json"] {
        let plain = post_large(&app, &owner.token, accept, None).await;
        assert_eq!(plain.status(), 200);
        assert_eq!(
            header(&plain, CONTENT_ENCODING),
            None,
            "nobody asked for it"
        );
        let plain_bytes = plain.bytes().await.expect("a body");
        let expected: Value = serde_json::from_slice(&plain_bytes).expect("JSON");
        assert!(
            expected["data"]["__schema"]["types"].is_array(),
            "{expected}"
        );
        assert!(plain_bytes.len() > 2048, "{} bytes", plain_bytes.len());

        for encoding in ["gzip", "br"] {
            let response = post_large(&app, &owner.token, accept, Some(encoding)).await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                header(&response, CONTENT_ENCODING).as_deref(),
                Some(encoding),
                "{accept}"
            );
            assert!(
                header_list(&response, VARY).contains(&"accept-encoding".to_owned()),
                "caches must key on Accept-Encoding"
            );
            assert!(
                header(&response, CONTENT_TYPE).is_some_and(|ct| ct.starts_with(accept)),
                "the media type is unchanged"
            );
            let compressed = response.bytes().await.expect("a body");
            assert!(
                compressed.len() * 3 < plain_bytes.len(),
                "{encoding}: {} of {} bytes",
                compressed.len(),
                plain_bytes.len()
            );
            let decoded: Value =
                serde_json::from_slice(&decode(encoding, &compressed)).expect("JSON");
            assert_eq!(decoded, expected, "{encoding}, {accept}");
        }
    }

    // Both offered: the client's preference decides.
    let response = post_large(
        &app,
        &owner.token,
        "application/json",
        Some("gzip;q=0.5, br"),
    )
    .await;
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("br"));
}

#[tokio::test]
async fn a_small_response_is_sent_uncompressed_even_when_compression_is_offered() {
    let app = TestApp::spawn().await;
    let response = get_healthz(&app, ACCEPT_ENCODING, "gzip, br").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_ENCODING), None);
    let body: Value = response.json().await.expect("plain JSON");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn by_default_script_on_any_origin_may_call_and_read_retry_after_and_the_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(ORIGIN, "https://dashboard.example")
        .header(CONTENT_TYPE, "application/json")
        .body(json!({ "query": "{ __typename }" }).to_string())
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    let exposed = header_list(&response, ACCESS_CONTROL_EXPOSE_HEADERS);
    for name in ["retry-after", "x-request-id"] {
        assert!(exposed.contains(&name.to_owned()), "{name} in {exposed:?}");
    }
    assert_eq!(header(&response, ACCESS_CONTROL_ALLOW_CREDENTIALS), None);
}

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header(ORIGIN, origin)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization, content-type",
        )
        .send()
        .await
        .expect("the preflight is sent")
}

#[tokio::test]
async fn a_preflight_allows_the_authorization_header_by_name_and_offers_no_credentials() {
    // `Access-Control-Allow-Headers: *` does not cover `Authorization` in the Fetch spec, so a
    // browser would refuse every authenticated cross-origin call after such a preflight.
    let app = TestApp::spawn().await;
    let response = preflight(&app, "https://dashboard.example").await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header(&response, ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    let headers = header_list(&response, ACCESS_CONTROL_ALLOW_HEADERS);
    for name in ["authorization", "content-type"] {
        assert!(headers.contains(&name.to_owned()), "{name} in {headers:?}");
    }
    let methods = header_list(&response, ACCESS_CONTROL_ALLOW_METHODS);
    assert!(methods.contains(&"post".to_owned()), "{methods:?}");
    assert_eq!(header(&response, ACCESS_CONTROL_ALLOW_CREDENTIALS), None);
}

#[tokio::test]
async fn with_a_list_of_cors_origins_only_those_origins_are_allowed() {
    let app = TestApp::spawn_with(|config| {
        config.cors_origins = CorsOrigins::List(vec![
            "https://app.example.com".into(),
            "http://localhost:3000".into(),
        ]);
    })
    .await;
    for origin in ["https://app.example.com", "http://localhost:3000"] {
        let response = preflight(&app, origin).await;
        assert!(response.status().is_success(), "{}", response.status());
        assert_eq!(
            header(&response, ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
            Some(origin)
        );
        assert!(
            header_list(&response, ACCESS_CONTROL_ALLOW_HEADERS)
                .contains(&"authorization".to_owned())
        );
        let response = get_healthz(&app, ORIGIN, origin).await;
        assert_eq!(
            header(&response, ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
            Some(origin)
        );
        assert!(
            header_list(&response, VARY).contains(&"origin".to_owned()),
            "the answer depends on the origin, so caches must key on it"
        );
        assert!(
            header_list(&response, ACCESS_CONTROL_EXPOSE_HEADERS)
                .contains(&"x-request-id".to_owned())
        );
        assert_eq!(header(&response, ACCESS_CONTROL_ALLOW_CREDENTIALS), None);
    }

    // Another origin, or a near miss of a listed one, gets no CORS headers at all: its script
    // cannot read the answer.
    for origin in [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "http://app.example.com",
    ] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{origin}"
        );
        let response = get_healthz(&app, ORIGIN, origin).await;
        assert_eq!(
            header(&response, ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{origin}"
        );
    }
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads text messages until `count` have come (the server sends nothing else unasked here).
async fn read_texts(stream: &mut WsStream, count: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    while seen.len() < count {
        let next = tokio::time::timeout(crate::helpers::WS_WAIT, stream.next())
            .await
            .expect("a message in time");
        match next {
            Some(Ok(Message::Text(text))) => {
                seen.push(serde_json::from_str::<Value>(text.as_str()).expect("JSON"));
            }
            Some(Ok(_)) => continue,
            other => panic!("the socket ended: {other:?}"),
        }
    }
    seen
}

/// permessage-deflate (RFC 7692) cannot be negotiated with this stack: axum 0.8's WebSocket
/// runs on tungstenite 0.29, which has no implementation of the extension and fails any frame
/// with the RSV1 bit set (the bit that marks a compressed message). Accepting the offer would
/// break the first compressed message a client sends, so the server declines it the way the
/// RFC provides: the upgrade answers without `Sec-WebSocket-Extensions`, and the client sends
/// and expects uncompressed frames. This pins that a client offering it still gets a working
/// socket.
#[tokio::test]
async fn a_websocket_client_offering_permessage_deflate_is_declined_cleanly_and_the_socket_works() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("wsdeflate")).await;
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("a websocket request");
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    headers.insert(
        "sec-websocket-extensions",
        "permessage-deflate; client_max_window_bits"
            .parse()
            .expect("a header value"),
    );
    let (mut stream, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the upgrade succeeds");
    assert_eq!(response.headers().get("sec-websocket-extensions"), None);

    let init = json!({
        "type": "connection_init",
        "payload": { "authorization": format!("Bearer {}", owner.token) },
    });
    stream
        .send(Message::text(init.to_string()))
        .await
        .expect("sent");
    let ack = read_texts(&mut stream, 1).await;
    assert_eq!(ack[0]["type"], "connection_ack", "{ack:?}");
    let subscribe = json!({
        "type": "subscribe", "id": "1",
        "payload": { "query": "{ me { role } }" },
    });
    stream
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("sent");
    let mut seen = ack;
    seen.extend(read_texts(&mut stream, 2).await);
    assert_eq!(seen[0]["type"], "connection_ack", "{seen:?}");
    assert_eq!(seen[1]["type"], "next", "{seen:?}");
    assert_eq!(seen[1]["payload"]["data"]["me"]["role"], "OWNER");
    assert_eq!(seen[2]["type"], "complete", "{seen:?}");
}
