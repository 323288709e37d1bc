//! Bad input gets a coded error naming the field, never INTERNAL: NUL characters (which
//! PostgreSQL cannot store) anywhere in strings or JSON, on HTTP and WebSocket, in variables and
//! inline literals; over-long search and filter text (SQLite's "LIKE or GLOB pattern too
//! complex"); forged cursors.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{
    Session, TestApp, WS_WAIT, assert_bad_input, assert_ok, error_code, error_field, slug,
};

async fn floor(app: &TestApp) -> (Session, String, String) {
    let owner = app.sign_up(&slug("hygiene")).await;
    let site = app.create_site(&owner.token, "plant").await;
    let robot = app.create_robot(&owner.token, &site, None, "r1").await;
    (owner, site, robot)
}

fn assert_refused(body: &Value, field: &str, what: &str) {
    assert_eq!(
        error_code(body).as_deref(),
        Some("BAD_USER_INPUT"),
        "{what}: {body}"
    );
    assert_eq!(error_field(body).as_deref(), Some(field), "{what}: {body}");
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{what}: nothing ran: {body}"
    );
}

#[tokio::test]
async fn a_nul_character_anywhere_in_the_input_is_bad_user_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = floor(&app).await;
    let t = Some(owner.token.as_str());
    let nul = "a\u{0}b";
    let mut nul_key = serde_json::Map::new();
    nul_key.insert(nul.to_owned(), json!(1));
    // (what, token, document, variables, the field named)
    let cases: Vec<(&str, Option<&str>, String, Value, &str)> = vec![
        (
            "login email, without authentication",
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }".into(),
            json!({ "i": { "email": format!("{nul}@example.com"), "password": "x" } }),
            "input.email",
        ),
        (
            "login email as an inline literal",
            None,
            r#"mutation { login(input: { email: "a\u0000@example.com", password: "x" }) { accessToken } }"#.into(),
            json!({}),
            "input.email",
        ),
        (
            "asset search",
            t,
            "query($s: String) { assets(filter: { search: $s }) { totalCount } }".into(),
            json!({ "s": nul }),
            "filter.search",
        ),
        (
            "vendor filter",
            t,
            "query($v: String) { assets(filter: { vendor: $v }) { totalCount } }".into(),
            json!({ "v": nul }),
            "filter.vendor",
        ),
        (
            "command payload, nested in JSON",
            t,
            "mutation($i: SendCommandInput!) { sendCommand(input: $i) { command { id } } }".into(),
            json!({ "i": { "assetId": robot, "command": "home", "payload": { "speed": [1, { "mode": nul }] } } }),
            "input.payload.speed.1.mode",
        ),
        (
            "a JSON key",
            t,
            "mutation($i: SendCommandInput!) { sendCommand(input: $i) { command { id } } }".into(),
            json!({ "i": { "assetId": robot, "command": "home", "payload": nul_key } }),
            "input.payload.a\\u0000b",
        ),
        (
            "robot configuration",
            t,
            "mutation($i: UpdateRobotInput!) { updateRobot(input: $i) { robot { id } } }".into(),
            json!({ "i": { "id": robot, "configuration": { "tool": nul } } }),
            "input.configuration.tool",
        ),
        (
            "organization settings",
            t,
            "mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id } } }".into(),
            json!({ "i": { "settings": { "shift": nul } } }),
            "input.settings.shift",
        ),
        (
            "telemetry unit",
            t,
            "mutation($i: IngestTelemetryInput!) { ingestTelemetry(input: $i) { accepted } }".into(),
            json!({ "i": { "points": [
                { "assetId": robot, "metric": "cpu", "value": 1.0 },
                { "assetId": robot, "metric": "cpu", "value": 1.0, "unit": nul } ] } }),
            "input.points.1.unit",
        ),
        (
            "audit filter",
            t,
            "query($a: String) { auditLogs(filter: { action: $a }) { totalCount } }".into(),
            json!({ "a": nul }),
            "filter.action",
        ),
        (
            "a list of strings",
            t,
            "query($r: ID!, $m: [String!]) { robot(id: $r) { latest(metrics: $m) { value } } }".into(),
            json!({ "r": robot, "m": ["cpu", nul] }),
            "metrics.1",
        ),
    ];
    for (what, token, doc, variables, field) in cases {
        let body = app.gql(token, &doc, variables).await;
        assert_refused(&body, field, what);
    }
}

#[tokio::test]
async fn a_nul_character_over_the_websocket_is_refused_with_an_error_message() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = floor(&app).await;
    let mut ws = app.ws(&owner.token).await;
    ws.subscribe(
        "nul",
        "subscription($m: [String!]) { telemetry(metrics: $m) { readings { value } } }",
        json!({ "m": ["a\u{0}b"] }),
    )
    .await;
    let message = ws.next_message(WS_WAIT).await.expect("a refusal");
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{message}"
    );
    assert_eq!(message["payload"][0]["extensions"]["field"], "metrics.0");
    // No made-up `0:0` location: the refusal points at the argument by `field` alone.
    assert!(
        message["payload"][0].get("locations").is_none(),
        "{message}"
    );
    // The socket stays usable.
    ws.subscribe("q", "query { me { role } }", json!({})).await;
    let answer = ws.next_message(WS_WAIT).await.expect("an answer");
    assert_eq!(answer["payload"]["data"]["me"]["role"], "OWNER", "{answer}");
}

#[tokio::test]
async fn search_and_filter_text_is_bounded_and_never_too_complex_for_like() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = floor(&app).await;
    let t = Some(owner.token.as_str());
    for (what, text) in [
        ("50,000 characters", "w".repeat(50_000)),
        ("25,000 wildcards", "%_".repeat(12_500)),
        ("201 characters", "x".repeat(201)),
    ] {
        for (list, field) in [
            ("assets", "search"),
            ("sites", "search"),
            ("assets", "vendor"),
        ] {
            let body = app
                .gql(
                    t,
                    &format!(
                        "query($s: String) {{ {list}(filter: {{ {field}: $s }}) {{ totalCount }} }}"
                    ),
                    json!({ "s": text }),
                )
                .await;
            assert_refused(
                &body,
                &format!("filter.{field}"),
                &format!("{list} {field}: {what}"),
            );
        }
    }
    for (doc, field) in [
        (
            "query($s: String) { jobs(filter: { kind: $s }) { totalCount } }",
            "filter.kind",
        ),
        (
            "query($s: String) { commands(filter: { command: $s }) { totalCount } }",
            "filter.command",
        ),
        (
            "query($s: String) { auditLogs(filter: { resourceType: $s }) { totalCount } }",
            "filter.resourceType",
        ),
    ] {
        let body = app.gql(t, doc, json!({ "s": "%".repeat(30_000) })).await;
        assert_refused(&body, field, doc);
    }
    // 200 characters of wildcards are fine, and match only themselves: nothing here.
    let body = app
        .gql(
            t,
            "query($s: String) { assets(filter: { search: $s }) { totalCount } }",
            json!({ "s": "%_".repeat(100) }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["assets"]["totalCount"], 0);
    // A string beyond any field's bound is refused before any resolver sees it.
    let body = app
        .gql(
            t,
            "mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id } } }",
            json!({ "i": { "name": "n".repeat(300_000) } }),
        )
        .await;
    assert_bad_input(&body, "input.name");
}

#[tokio::test]
async fn a_forged_cursor_is_bad_user_input_never_internal() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = floor(&app).await;
    let forge =
        |cursor: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cursor.to_string());
    let id = "0190b6c4-0000-7000-8000-000000000000";
    for (what, cursor) in [
        (
            "a NUL in the key",
            forge(json!({ "k": "a\u{0}b", "i": id })),
        ),
        (
            "a huge key",
            forge(json!({ "k": "k".repeat(100_000), "i": id })),
        ),
        ("not base64", "!!!".to_owned()),
        ("not a cursor", forge(json!({ "x": 1 }))),
    ] {
        for doc in [
            "query($c: String) { assets(after: $c, orderBy: { field: NAME }) { totalCount } }",
            "query($c: String) { sites(after: $c, orderBy: { field: CODE }) { totalCount } }",
            "query($c: String) { jobs(after: $c, orderBy: { field: NAME }) { totalCount } }",
            "query($c: String) { maintenanceTasks(after: $c) { totalCount } }",
        ] {
            let body = app
                .gql(Some(&owner.token), doc, json!({ "c": cursor }))
                .await;
            assert_refused(&body, "after", &format!("{what}: {doc}"));
        }
    }
}

/// docs/ARCHITECTURE.md §5.4: control characters and bidirectional overrides, which would be shown
/// as they are (a bell, text reversed on screen), are refused in units, names and metric keys,
/// by the one check of `domain::validate`, whatever the path (MQTT: `mqtt.rs`). NUL is refused
/// for the whole request before (`graphql::guard`).
#[tokio::test]
async fn control_characters_and_bidi_overrides_are_refused_in_units_names_and_metric_keys() {
    let app = TestApp::spawn().await;
    let (owner, site, robot) = floor(&app).await;
    let ts = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let point = |metric: &str, unit: &str| json!({ "assetId": robot, "metric": metric, "ts": ts, "value": 1.0, "unit": unit });
    let body = app
        .gql(
            Some(&owner.token),
            "mutation($points: [TelemetryPointInput!]!) {
                ingestTelemetry(input: { points: $points }) { accepted rejected { index reason } } }",
            json!({ "points": [
                point("bell", "\u{7}"),
                point("rlo", "\u{202e}C°"),
                point("isolate", "m\u{2066}s"),
                point("cpu\u{202e}", "%"),
                point("cpu\u{7}", "%"),
                point("fine", "°C"),
            ]}),
        )
        .await;
    assert_ok(&body);
    let payload = &body["data"]["ingestTelemetry"];
    assert_eq!(payload["accepted"], 1, "{body}");
    let reasons: Vec<&str> = payload["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 5, "{body}");
    for reason in &reasons[..3] {
        assert_eq!(
            *reason, "unit: must not contain control characters or bidirectional overrides",
            "{body}"
        );
    }
    for reason in &reasons[3..] {
        assert!(reason.starts_with("bad metric key"), "{body}");
    }
    // Nothing of them reached the latest values or the catalog.
    let body = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { asset(id: $id) { latest { metric unit } } metrics { key unit } }",
            json!({ "id": robot }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["asset"]["latest"],
        json!([{ "metric": "fine", "unit": "°C" }])
    );
    assert_eq!(
        body["data"]["metrics"],
        json!([{ "key": "fine", "unit": "°C" }])
    );

    // Names: a site, a zone, a robot.
    for name in ["Hall\u{7}", "Hall \u{202e}A", "\u{2067}Hall"] {
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($input: CreateSiteInput!) { createSite(input: $input) { site { id } } }",
                json!({ "input": { "code": "S9", "name": name, "timezone": "UTC" } }),
            )
            .await;
        assert_bad_input(&body, "input.name");
        let body = app
            .gql(
                Some(&owner.token),
                "mutation($input: CreateZoneInput!) { createZone(input: $input) { zone { id } } }",
                json!({ "input": { "siteId": site, "code": "Z9", "name": name } }),
            )
            .await;
        assert_bad_input(&body, "input.name");
    }
}
