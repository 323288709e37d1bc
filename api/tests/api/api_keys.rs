//! API keys: creation and the once-shown secret, scopes, expiry, revocation, last use, rate
//! limits, and what a key may never do.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_bad_input, assert_code, assert_ok, slug, str_of};

const CREATE: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
    secret apiKey { id name prefix scopes rateLimitPerMinute expiresAt lastUsedAt revokedAt
    createdAt createdBy { id } } } }";

async fn create_key(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), CREATE, json!({ "input": input }))
        .await
}

async fn list_keys(app: &TestApp, token: &str, include_revoked: bool) -> Value {
    app.gql(
        Some(token),
        "query($all: Boolean!) { apiKeys(includeRevoked: $all) { totalCount edges { node {
            id name prefix scopes rateLimitPerMinute expiresAt lastUsedAt revokedAt } } } }",
        json!({ "all": include_revoked }),
    )
    .await
}

async fn revoke_key(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id revokedAt } } }",
        json!({ "id": id }),
    )
    .await
}

/// The listed key with `id` (including revoked ones).
async fn listed_key(app: &TestApp, token: &str, id: &str) -> Value {
    let body = list_keys(app, token, true).await;
    assert_ok(&body);
    body["data"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("key {id} not listed: {body}"))
}

async fn me(app: &TestApp, secret: &str) -> Value {
    app.gql(Some(secret), "{ me { apiKey { id } } }", json!({}))
        .await
}

#[tokio::test]
async fn creating_a_key_shows_its_secret_once() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keys")).await;
    let body = create_key(
        &app,
        &owner.token,
        json!({ "name": " Line PLC ", "scopes": ["telemetry:write", "assets:read", "telemetry:write"],
                "rateLimitPerMinute": 600 }),
    )
    .await;
    assert_ok(&body);
    let p = &body["data"]["createApiKey"];
    let secret = str_of(&p["secret"]);
    let key = &p["apiKey"];
    let prefix = str_of(&key["prefix"]);
    assert!(prefix.starts_with("fgk_"), "{prefix}");
    assert!(secret.starts_with(&prefix), "{secret} starts with {prefix}");
    assert!(secret.len() > prefix.len() + 32, "{secret}");
    assert_eq!(key["name"], "Line PLC");
    assert_eq!(key["scopes"], json!(["telemetry:write", "assets:read"]));
    assert_eq!(key["rateLimitPerMinute"], 600);
    assert!(key["lastUsedAt"].is_null());
    assert!(key["revokedAt"].is_null());
    assert_eq!(key["createdBy"]["id"], owner.user_id.as_str());

    let list = list_keys(&app, &owner.token, false).await;
    assert_ok(&list);
    assert_eq!(list["data"]["apiKeys"]["totalCount"], 1);
    let listed = &list["data"]["apiKeys"]["edges"][0]["node"];
    assert_eq!(listed["prefix"], prefix.as_str());
    assert_eq!(listed["scopes"], json!(["telemetry:write", "assets:read"]));
    assert!(
        !list.to_string().contains(&secret),
        "the listing never shows the secret: {list}"
    );

    // No field of an ApiKey holds the secret or its hash.
    let fields = app
        .gql(
            Some(&owner.token),
            "{ __type(name: \"ApiKey\") { fields { name } } }",
            json!({}),
        )
        .await;
    assert_ok(&fields);
    let names: Vec<String> = fields["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| str_of(&f["name"]))
        .collect();
    assert!(names.contains(&"prefix".to_owned()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.to_lowercase().contains("secret") || n.to_lowercase().contains("hash")),
        "{names:?}"
    );
    let asking = app
        .gql(
            Some(&owner.token),
            "{ apiKeys { edges { node { secret } } } }",
            json!({}),
        )
        .await;
    assert_code(&asking, "BAD_USER_INPUT");

    // Nor does the audit row of its creation.
    let audit = app
        .gql(
            Some(&owner.token),
            "{ auditLogs(filter: { action: \"createApiKey\" }) { nodes { changes success } } }",
            json!({}),
        )
        .await;
    assert_ok(&audit);
    assert_eq!(
        audit["data"]["auditLogs"]["nodes"][0]["success"], true,
        "{audit}"
    );
    assert!(!audit.to_string().contains(&secret), "{audit}");
}

#[tokio::test]
async fn a_read_only_key_reads_assets_but_cannot_write() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("readkey")).await;
    let site = app.create_site(&owner.token, "PLANT").await;
    app.create_robot(&owner.token, &site, None, "R-1").await;
    let (_, secret) = app.api_key(&owner, &["assets:read"], None).await;

    let robots = app
        .gql(
            Some(&secret),
            "{ robots { totalCount edges { node { code site { code } } } } }",
            json!({}),
        )
        .await;
    assert_ok(&robots);
    assert_eq!(robots["data"]["robots"]["totalCount"], 1);
    assert_eq!(
        robots["data"]["robots"]["edges"][0]["node"]["site"]["code"],
        "PLANT"
    );

    let body = app
        .gql(
            Some(&secret),
            "mutation { createSite(input: { code: \"KEYSITE\", name: \"Nope\" }) { site { id } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    let members = app
        .gql(Some(&secret), "{ members { totalCount } }", json!({}))
        .await;
    assert_code(&members, "FORBIDDEN");
    let sites = app
        .gql(Some(&owner.token), "{ sites { totalCount } }", json!({}))
        .await;
    assert_eq!(sites["data"]["sites"]["totalCount"], 1);
}

#[tokio::test]
async fn key_input_is_validated() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keybad")).await;
    let body = create_key(
        &app,
        &owner.token,
        json!({ "name": "k", "scopes": ["assets:read", "root", "everything"] }),
    )
    .await;
    assert_bad_input(&body, "input.scopes.1");
    let body = create_key(&app, &owner.token, json!({ "name": "k", "scopes": [] })).await;
    assert_bad_input(&body, "input.scopes");
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let body = create_key(
        &app,
        &owner.token,
        json!({ "name": "k", "scopes": ["assets:read"], "expiresAt": past }),
    )
    .await;
    assert_bad_input(&body, "input.expiresAt");
    let body = create_key(
        &app,
        &owner.token,
        json!({ "name": "", "scopes": ["assets:read"] }),
    )
    .await;
    assert_bad_input(&body, "input.name");
    for rate in [0, -5] {
        let body = create_key(
            &app,
            &owner.token,
            json!({ "name": "k", "scopes": ["assets:read"], "rateLimitPerMinute": rate }),
        )
        .await;
        assert_bad_input(&body, "input.rateLimitPerMinute");
    }
    let list = list_keys(&app, &owner.token, true).await;
    assert_eq!(
        list["data"]["apiKeys"]["totalCount"], 0,
        "nothing was created: {list}"
    );

    // A future expiry is fine and is listed.
    let future = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let body = create_key(
        &app,
        &owner.token,
        json!({ "name": "k", "scopes": ["assets:read"], "expiresAt": future }),
    )
    .await;
    assert_ok(&body);
    assert!(body["data"]["createApiKey"]["apiKey"]["expiresAt"].is_string());
    assert_ok(&me(&app, &str_of(&body["data"]["createApiKey"]["secret"])).await);
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("revoke")).await;
    let (id, secret) = app.api_key(&owner, &["assets:read"], None).await;
    assert_ok(&me(&app, &secret).await);

    let body = revoke_key(&app, &owner.token, &id).await;
    assert_ok(&body);
    assert!(body["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string());
    assert_code(&me(&app, &secret).await, "UNAUTHENTICATED");

    let active = list_keys(&app, &owner.token, false).await;
    assert_eq!(active["data"]["apiKeys"]["totalCount"], 0, "{active}");
    assert!(listed_key(&app, &owner.token, &id).await["revokedAt"].is_string());
    assert_code(&revoke_key(&app, &owner.token, &id).await, "CONFLICT");
}

#[tokio::test]
async fn an_expired_key_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("expired")).await;
    let (id, secret) = app.api_key(&owner, &["assets:read"], None).await;
    assert_ok(&me(&app, &secret).await);

    // The API refuses an expiry under a minute away, so the clock is moved on in the database.
    let key_id = uuid::Uuid::parse_str(&id).unwrap();
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let updated = entity::api_keys::Entity::update_many()
        .col_expr(entity::api_keys::Column::ExpiresAt, Expr::value(Some(past)))
        .filter(entity::api_keys::Column::Id.eq(key_id))
        .exec(&app.db.conn)
        .await
        .expect("the key's expiry is moved into the past");
    assert_eq!(updated.rows_affected, 1);

    let body = me(&app, &secret).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test]
async fn a_key_records_when_it_was_last_used() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("lastused")).await;
    let (id, secret) = app.api_key(&owner, &["assets:read"], None).await;
    assert!(listed_key(&app, &owner.token, &id).await["lastUsedAt"].is_null());
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    assert_ok(&me(&app, &secret).await);
    let used = listed_key(&app, &owner.token, &id).await;
    let at = chrono::DateTime::parse_from_rfc3339(&str_of(&used["lastUsedAt"])).unwrap();
    assert!(at >= before, "{at} is after {before}");
}

#[tokio::test]
async fn a_rate_limited_key_is_told_when_to_retry() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("ratelim")).await;
    let (_, secret) = app.api_key(&owner, &["assets:read"], Some(2)).await;
    let (_, other) = app.api_key(&owner, &["assets:read"], Some(2)).await;
    assert_ok(&me(&app, &secret).await);
    assert_ok(&me(&app, &secret).await);

    let third = me(&app, &secret).await;
    assert_code(&third, "RATE_LIMITED");
    let retry = third["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("retryAfter is a number: {third}"));
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(third["data"].is_null(), "{third}");

    let response = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, "application/graphql-response+json")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .body(json!({ "query": "{ me { scopes } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response
        .headers()
        .get(RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_code(&body, "RATE_LIMITED");

    // The limit is per key; people are not limited by it.
    assert_ok(&me(&app, &other).await);
    let people = app
        .gql(Some(&owner.token), "{ me { role } }", json!({}))
        .await;
    assert_ok(&people);
}

#[tokio::test]
async fn a_key_can_neither_create_keys_nor_add_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keypriv")).await;
    let all_scopes = [
        "org:read",
        "sites:read",
        "sites:write",
        "assets:read",
        "assets:write",
        "telemetry:read",
        "telemetry:write",
        "alerts:read",
        "alerts:write",
        "jobs:read",
        "jobs:write",
        "audit:read",
    ];
    let (id, secret) = app.api_key(&owner, &all_scopes, None).await;
    let body = create_key(
        &app,
        &secret,
        json!({ "name": "child", "scopes": ["assets:read"] }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    let body = app
        .gql(
            Some(&secret),
            "mutation { inviteMember(input: { email: \"intruder@example.com\", role: ADMIN }) { token } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_code(&revoke_key(&app, &secret, &id).await, "FORBIDDEN");
    assert_code(&list_keys(&app, &secret, false).await, "FORBIDDEN");
    let body = app
        .gql(
            Some(&secret),
            "mutation { updateOrganization(input: { name: \"Taken over\" }) { organization { name } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = app
        .gql(Some(&secret), "mutation { logout { success } }", json!({}))
        .await;
    assert_code(&body, "FORBIDDEN");

    let list = list_keys(&app, &owner.token, false).await;
    assert_eq!(list["data"]["apiKeys"]["totalCount"], 1, "{list}");
    assert_ok(&me(&app, &secret).await);
}

#[tokio::test]
async fn another_organizations_key_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keyours")).await;
    let other = app.sign_up(&slug("keytheirs")).await;
    let (their_id, their_secret) = app.api_key(&other, &["assets:read"], None).await;
    assert_code(
        &revoke_key(&app, &owner.token, &their_id).await,
        "NOT_FOUND",
    );
    assert_ok(&me(&app, &their_secret).await);
    let list = list_keys(&app, &owner.token, true).await;
    assert_eq!(list["data"]["apiKeys"]["totalCount"], 0, "{list}");
    // An ID that is no UUID at all names the field.
    assert_bad_input(
        &revoke_key(&app, &owner.token, "not-an-id").await,
        "input.id",
    );
}

#[tokio::test]
async fn only_admins_manage_keys() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keyrole")).await;
    let (id, secret) = app.api_key(&owner, &["assets:read"], None).await;
    let admin = app.member(&owner, "ADMIN").await;
    let engineer = app.member(&owner, "ENGINEER").await;

    let body = create_key(
        &app,
        &engineer.token,
        json!({ "name": "k", "scopes": ["assets:read"] }),
    )
    .await;
    assert_code(&body, "FORBIDDEN");
    assert_code(&list_keys(&app, &engineer.token, false).await, "FORBIDDEN");
    assert_code(&revoke_key(&app, &engineer.token, &id).await, "FORBIDDEN");
    assert_ok(&me(&app, &secret).await);

    let body = create_key(
        &app,
        &admin.token,
        json!({ "name": "k", "scopes": ["assets:read"] }),
    )
    .await;
    assert_ok(&body);
    assert_ok(&revoke_key(&app, &admin.token, &id).await);
    assert_code(&me(&app, &secret).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn keys_are_listed_newest_first_and_revoked_ones_on_request() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("keylist")).await;
    let (older, _) = app.api_key(&owner, &["assets:read"], None).await;
    let (newer, _) = app.api_key(&owner, &["sites:read"], None).await;
    let list = list_keys(&app, &owner.token, false).await;
    assert_ok(&list);
    let ids: Vec<String> = list["data"]["apiKeys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["node"]["id"]))
        .collect();
    assert_eq!(ids, [newer.clone(), older.clone()]);

    assert_ok(&revoke_key(&app, &owner.token, &older).await);
    let active = list_keys(&app, &owner.token, false).await;
    assert_eq!(active["data"]["apiKeys"]["totalCount"], 1);
    assert_eq!(
        active["data"]["apiKeys"]["edges"][0]["node"]["id"],
        newer.as_str()
    );
    let all = list_keys(&app, &owner.token, true).await;
    assert_eq!(all["data"]["apiKeys"]["totalCount"], 2);
}

#[tokio::test]
async fn every_operation_of_a_batch_counts_against_the_key_s_limit() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("ratebatch")).await;
    let (_, secret) = app.api_key(&owner, &["assets:read"], Some(3)).await;
    let batch: Vec<Value> = (0..5)
        .map(|_| json!({ "query": "{ me { scopes } }" }))
        .collect();
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .body(Value::Array(batch).to_string())
        .send()
        .await
        .unwrap();
    let bodies: Vec<Value> = response.json().await.unwrap();
    assert_eq!(bodies.len(), 5);
    for body in &bodies[..3] {
        assert_ok(body);
    }
    for body in &bodies[3..] {
        assert_code(body, "RATE_LIMITED");
        assert!(
            body["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1),
            "{body}"
        );
        assert!(body["data"].is_null(), "{body}");
    }
    // The next request is over the limit too.
    assert_code(&me(&app, &secret).await, "RATE_LIMITED");
}

#[tokio::test]
async fn every_operation_on_an_open_websocket_counts_and_the_socket_stays_open() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up(&slug("ratews")).await;
    let (_, secret) = app.api_key(&owner, &["assets:read"], Some(5)).await;
    // The connection itself is one request.
    let mut ws = app.ws(&secret).await;
    let mut answered = 0;
    let mut limited = 0;
    for i in 0..12 {
        ws.subscribe(&format!("q{i}"), "{ me { scopes } }", json!({}))
            .await;
        let message = ws
            .next_message(crate::helpers::WS_WAIT)
            .await
            .expect("an answer");
        match message["type"].as_str() {
            Some("next") => {
                assert!(message["payload"]["errors"].is_null(), "{message}");
                answered += 1;
                let done = ws
                    .next_message(crate::helpers::WS_WAIT)
                    .await
                    .expect("complete");
                assert_eq!(done["type"], "complete", "{done}");
            }
            Some("error") => {
                let error = &message["payload"][0];
                assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{message}");
                assert!(
                    error["extensions"]["retryAfter"].as_u64() >= Some(1),
                    "{message}"
                );
                limited += 1;
            }
            _ => panic!("unexpected {message}"),
        }
    }
    assert_eq!((answered, limited), (4, 8));
    // Still open: a ping is answered.
    ws.send(json!({ "type": "ping" })).await;
    let pong = ws
        .next_message(crate::helpers::WS_WAIT)
        .await
        .expect("a pong");
    assert_eq!(pong["type"], "pong");

    // A new connection over the limit is refused with the documented code and reason.
    let mut refused = app.ws_connect().await;
    refused
        .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {secret}") } }))
        .await;
    let (code, reason) = refused
        .closed(crate::helpers::WS_WAIT)
        .await
        .expect("the socket closes");
    assert_eq!(code, 1013, "{reason}");
    assert!(
        reason.starts_with("Try again later: rate limited, retry after "),
        "{reason}"
    );
}
