//! The test harness: a real server on 127.0.0.1:0 with a fresh database per test.
//!
//! On the embedded default each test gets its own SQLite file. With `TEST_DATABASE_URL`
//! (postgres) each test gets its own database, created from a template migrated once per test
//! run, which is far quicker than migrating every database.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use api::config::Config;
use api::db::Db;
use api::startup::Application;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use tokio::sync::{Mutex, oneshot};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    pub db: Db,
    /// The database this app runs on (what `spawn_sibling` shares).
    database_url: String,
    sqlite_file: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// A signed-in user, as tests use them.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub user_id: String,
    pub organization_id: String,
    pub email: String,
    pub slug: String,
}

/// Name of the migrated template database of this test run, created on first use.
static TEMPLATE: Mutex<Option<String>> = Mutex::const_new(None);
static CLEANED: AtomicBool = AtomicBool::new(false);

fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

async fn admin_exec(url: &str, sql: &str) {
    use sea_orm::ConnectionTrait;
    let conn = sea_orm::Database::connect(url)
        .await
        .expect("connect to the test PostgreSQL server");
    conn.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
}

/// A fresh PostgreSQL database cloned from the run's migrated template.
async fn fresh_postgres(admin: &str) -> String {
    let mut template = TEMPLATE.lock().await;
    if template.is_none() {
        if !CLEANED.swap(true, Ordering::SeqCst) {
            drop_leftovers(admin).await;
        }
        let name = format!("fgt_tpl_{}", Uuid::now_v7().simple());
        admin_exec(admin, &format!("CREATE DATABASE {name}")).await;
        let db = Db::connect(&with_database(admin, &name))
            .await
            .expect("connect to the template");
        db.migrate().await.expect("migrate the template");
        db.conn.close().await.ok();
        *template = Some(name);
    }
    let name = format!("fgt_{}", Uuid::now_v7().simple());
    let tpl = template.as_deref().unwrap_or_default();
    // Cloning is done under the lock: PostgreSQL refuses to copy a template that another
    // CREATE DATABASE is reading.
    admin_exec(admin, &format!("CREATE DATABASE {name} TEMPLATE {tpl}")).await;
    with_database(admin, &name)
}

/// Test databases left by earlier runs. Their names end in a UUIDv7, whose first 48 bits are
/// its creation time in epoch milliseconds; only those older than an hour are dropped, so a
/// test run going on at the same time (another checkout, a CI run) keeps its databases.
async fn drop_leftovers(admin: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    const MAX_AGE_MS: i64 = 60 * 60 * 1000;
    let conn = sea_orm::Database::connect(admin)
        .await
        .expect("connect to the test PostgreSQL server");
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'fgt\\_%'",
        ))
        .await
        .unwrap_or_default();
    let now_ms = chrono::Utc::now().timestamp_millis();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created_ms = name
            .rsplit('_')
            .next()
            .and_then(|hex| hex.get(..12))
            .and_then(|hex| i64::from_str_radix(hex, 16).ok());
        if created_ms.is_some_and(|created| now_ms - created > MAX_AGE_MS) {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
    conn.close().await.ok();
}

/// The configuration every test app starts from: an ephemeral port, no demo, Redis when
/// `TEST_REDIS_URL` is set.
fn test_config() -> Config {
    let mut config = Config::with_defaults();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.demo = false;
    config.redis_url = std::env::var("TEST_REDIS_URL").ok();
    config.log_filter = "warn".into();
    // Tests drive the workers themselves with a chosen clock; the app's own rounds would only
    // add statements to the counters that DataLoader tests compare. A test that wants them sets
    // a short period in `configure`.
    config.commands_interval_seconds = 3600;
    config.maintenance_interval_seconds = 3600;
    config.sessions_interval_seconds = 3600;
    // Every test logs in from 127.0.0.1, many at once: the credential throttle is off unless a
    // test turns it on, and its Redis keys are the test's own.
    config.auth_attempts_per_address = 0;
    config.auth_attempts_per_email = 0;
    config.redis_key_prefix = format!("fgtest-{}", Uuid::now_v7().simple());
    config
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        let (url, sqlite_file) = match postgres_url() {
            Some(admin) => (fresh_postgres(&admin).await, None),
            None => {
                let path = std::env::temp_dir()
                    .join(format!("fleetgraph-test-{}.db", Uuid::now_v7().simple()));
                (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
            }
        };
        config.database_url = url.clone();
        configure(&mut config);
        let db = Db::connect(&config.database_url)
            .await
            .expect("connect to the test database");
        if sqlite_file.is_some() {
            db.migrate().await.expect("migrate the test database");
        }
        let config_url = config.database_url.clone();
        let app = Application::build_with_db(config, db.clone())
            .await
            .expect("build the app");
        let addr = app.local_addr();
        let (stop, server) = serve(app);
        Self {
            addr,
            client: reqwest::Client::new(),
            db,
            database_url: config_url,
            sqlite_file,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops the server and waits until it has stopped: requests finished, workers and the
    /// MQTT bridge shut down (it has left the broker).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), server).await;
            assert!(stopped.is_ok(), "the server did not stop");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// How many SQL statements the app has run so far.
    pub fn sql_statements(&self) -> u64 {
        self.db.statement_count()
    }

    /// POSTs a GraphQL request and returns the JSON body (whatever the status).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self
            .post_graphql(token, &json!({ "query": query, "variables": variables }))
            .await;
        response.json().await.expect("a JSON body")
    }

    pub async fn post_graphql(&self, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        request.send().await.expect("the request is sent")
    }

    /// Signs up a new organization with the given slug; its owner is signed in.
    pub async fn sign_up(&self, slug: &str) -> Session {
        let email = format!("owner@{slug}.example.com");
        let body = self
            .gql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) {
                    accessToken refreshToken user { id } organization { id slug } } }",
                json!({ "input": {
                    "organizationName": format!("Org {slug}"), "organizationSlug": slug,
                    "email": email, "password": PASSWORD, "displayName": "Owner",
                }}),
            )
            .await;
        let p = &body["data"]["signUp"];
        assert!(p.is_object(), "signUp failed: {body}");
        Session {
            token: str_of(&p["accessToken"]),
            refresh_token: str_of(&p["refreshToken"]),
            user_id: str_of(&p["user"]["id"]),
            organization_id: str_of(&p["organization"]["id"]),
            email,
            slug: slug.to_owned(),
        }
    }

    pub async fn login(&self, email: &str, password: &str, slug: Option<&str>) -> Value {
        self.gql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) {
                accessToken refreshToken role user { id } organization { id slug } } }",
            json!({ "input": { "email": email, "password": password, "organizationSlug": slug } }),
        )
        .await
    }

    /// Invites `email` to the admin's organization with `role` (and sites), returning the
    /// invitation token.
    pub async fn invite(
        &self,
        admin: &Session,
        email: &str,
        role: &str,
        site_ids: Option<&[&str]>,
    ) -> String {
        let body = self
            .gql(
                Some(&admin.token),
                "mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
                    token invitation { id } } }",
                json!({ "input": { "email": email, "role": role, "siteIds": site_ids } }),
            )
            .await;
        let p = &body["data"]["inviteMember"];
        assert!(p.is_object(), "inviteMember failed: {body}");
        str_of(&p["token"])
    }

    /// Signs up a new account for `email` with an invitation token; it joins the inviting
    /// organization and is signed in there.
    pub async fn sign_up_invited(&self, email: &str, token: &str) -> Value {
        self.gql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) {
                accessToken refreshToken role user { id } organization { id slug } } }",
            json!({ "input": {
                "email": email, "password": PASSWORD, "displayName": "Invited",
                "invitationToken": token,
            }}),
        )
        .await
    }

    /// A new account invited into the owner's organization with `role` and `sites`, signed
    /// in there (invitation, then sign-up with its token).
    pub async fn member_with_sites(
        &self,
        owner: &Session,
        role: &str,
        site_ids: Option<&[&str]>,
    ) -> Session {
        let email = format!(
            "{}-{}@{}.example.com",
            role.to_lowercase(),
            Uuid::now_v7().simple(),
            owner.slug
        );
        let token = self.invite(owner, &email, role, site_ids).await;
        let body = self.sign_up_invited(&email, &token).await;
        let p = &body["data"]["signUp"];
        assert!(p.is_object(), "signUp with an invitation failed: {body}");
        Session {
            token: str_of(&p["accessToken"]),
            refresh_token: str_of(&p["refreshToken"]),
            user_id: str_of(&p["user"]["id"]),
            organization_id: owner.organization_id.clone(),
            email,
            slug: owner.slug.clone(),
        }
    }

    /// `guest` (signed in elsewhere) accepts an invitation to `role` in `admin`'s organization;
    /// returns the acceptance's response.
    pub async fn accept(&self, guest: &Session, token: &str) -> Value {
        self.gql(
            Some(&guest.token),
            "mutation($t: String!) { acceptInvitation(input: { token: $t }) {
                role organization { id slug } } }",
            json!({ "t": token }),
        )
        .await
    }

    /// `guest`, a user of another organization, is invited into `admin`'s organization with
    /// `role`, accepts, and is signed in there.
    pub async fn join(&self, admin: &Session, guest: &Session, role: &str) -> Session {
        let token = self.invite(admin, &guest.email, role, None).await;
        let body = self.accept(guest, &token).await;
        assert!(
            body["data"]["acceptInvitation"].is_object(),
            "acceptInvitation failed: {body}"
        );
        let login = self.login(&guest.email, PASSWORD, Some(&admin.slug)).await;
        let p = &login["data"]["login"];
        assert!(p.is_object(), "login failed: {login}");
        Session {
            token: str_of(&p["accessToken"]),
            refresh_token: str_of(&p["refreshToken"]),
            user_id: guest.user_id.clone(),
            organization_id: admin.organization_id.clone(),
            email: guest.email.clone(),
            slug: admin.slug.clone(),
        }
    }

    /// A new account invited into the owner's organization with `role`, signed in there.
    pub async fn member(&self, owner: &Session, role: &str) -> Session {
        self.member_with_sites(owner, role, None).await
    }

    /// A member of `owner`'s organization restricted to `site_ids`: their access token.
    pub async fn member_on_sites(&self, owner: &Session, role: &str, site_ids: &[&str]) -> String {
        self.member_with_sites(owner, role, Some(site_ids))
            .await
            .token
    }

    /// Creates an API key with `scopes`, returning (id, secret).
    pub async fn api_key(
        &self,
        admin: &Session,
        scopes: &[&str],
        rate_limit: Option<i32>,
    ) -> (String, String) {
        let body = self
            .gql(
                Some(&admin.token),
                "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }",
                json!({ "input": { "name": "test key", "scopes": scopes, "rateLimitPerMinute": rate_limit } }),
            )
            .await;
        let p = &body["data"]["createApiKey"];
        assert!(p.is_object(), "createApiKey failed: {body}");
        (str_of(&p["apiKey"]["id"]), str_of(&p["secret"]))
    }

    pub async fn create_site(&self, token: &str, code: &str) -> String {
        let body = self
            .gql(
                Some(token),
                "mutation($input: CreateSiteInput!) { createSite(input: $input) { site { id } } }",
                json!({ "input": { "code": code, "name": format!("Site {code}"), "timezone": "Europe/Berlin" } }),
            )
            .await;
        let id = &body["data"]["createSite"]["site"]["id"];
        assert!(id.is_string(), "createSite failed: {body}");
        str_of(id)
    }

    pub async fn create_zone(&self, token: &str, site_id: &str, code: &str) -> String {
        let body = self
            .gql(
                Some(token),
                "mutation($input: CreateZoneInput!) { createZone(input: $input) { zone { id } } }",
                json!({ "input": { "siteId": site_id, "code": code, "name": format!("Zone {code}") } }),
            )
            .await;
        let id = &body["data"]["createZone"]["zone"]["id"];
        assert!(id.is_string(), "createZone failed: {body}");
        str_of(id)
    }

    pub async fn create_robot(
        &self,
        token: &str,
        site_id: &str,
        zone_id: Option<&str>,
        code: &str,
    ) -> String {
        let body = self
            .gql(
                Some(token),
                "mutation($input: CreateRobotInput!) { createRobot(input: $input) { robot { id } } }",
                json!({ "input": {
                    "siteId": site_id, "zoneId": zone_id, "code": code, "name": format!("Robot {code}"),
                    "vendor": "KUKA", "model": "KR 210", "serialNumber": format!("SN-{code}"),
                }}),
            )
            .await;
        let id = &body["data"]["createRobot"]["robot"]["id"];
        assert!(id.is_string(), "createRobot failed: {body}");
        str_of(id)
    }

    pub async fn create_machine(&self, token: &str, site_id: &str, code: &str) -> String {
        let body = self
            .gql(
                Some(token),
                "mutation($input: CreateMachineInput!) { createMachine(input: $input) { machine { id } } }",
                json!({ "input": {
                    "siteId": site_id, "code": code, "name": format!("Machine {code}"),
                    "vendor": "TRUMPF", "model": "TruLaser 3030", "requiresBadge": true,
                }}),
            )
            .await;
        let id = &body["data"]["createMachine"]["machine"]["id"];
        assert!(id.is_string(), "createMachine failed: {body}");
        str_of(id)
    }
}

/// Runs the app until the returned sender fires (or is dropped).
fn serve(
    app: Application,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (stop, server)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

pub fn str_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

/// Asserts that the response failed with `code`, printing the body when it did not.
#[track_caller]
pub fn assert_code(body: &Value, code: &str) {
    assert_eq!(
        error_code(body).as_deref(),
        Some(code),
        "expected {code}, got {body}"
    );
}

/// A unique slug for a test's organization.
pub fn slug(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::now_v7().simple().to_string()[20..])
}

/// The `extensions.field` of the first error, if any.
pub fn error_field(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .map(str::to_owned)
}

/// Asserts that the response failed with BAD_USER_INPUT naming `field`.
#[track_caller]
pub fn assert_bad_input(body: &Value, field: &str) {
    assert_code(body, "BAD_USER_INPUT");
    assert_eq!(
        error_field(body).as_deref(),
        Some(field),
        "expected the error to name {field}, got {body}"
    );
}

#[track_caller]
/// NOT_FOUND, and no data at all: another organization's (or an invisible) ID.
pub fn assert_not_found(body: &Value, what: &str) {
    assert_eq!(
        error_code(body).as_deref(),
        Some("NOT_FOUND"),
        "{what}: expected NOT_FOUND, got {body}"
    );
    let data = &body["data"];
    assert!(
        data.is_null()
            || data
                .as_object()
                .is_some_and(|d| d.values().all(Value::is_null)),
        "{what}: no data may leak: {body}"
    );
}

/// Asserts that the response has no errors, printing the body when it has.
#[track_caller]
pub fn assert_ok(body: &Value) {
    assert!(body["errors"].is_null(), "expected no errors, got {body}");
}

// ---------------------------------------------------------------------------------------------
// Scale-out and WebSocket helpers (telemetry and subscription tests).

impl TestApp {
    /// A second server on this app's database (the same SQLite file, the same PostgreSQL
    /// database) with its own connection pool and event bus: a second replica. Only the owner
    /// deletes a SQLite file; the sibling never does.
    pub async fn spawn_sibling(&self) -> TestApp {
        self.spawn_sibling_with(|_| {}).await
    }

    /// Like [`Self::spawn_sibling`], configured further by `configure`.
    pub async fn spawn_sibling_with(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config();
        config.database_url = self.database_url.clone();
        configure(&mut config);
        let db = Db::connect(&config.database_url)
            .await
            .expect("connect the sibling to the shared database");
        let app = Application::build_with_db(config, db.clone())
            .await
            .expect("build the sibling app");
        let addr = app.local_addr();
        let (stop, server) = serve(app);
        TestApp {
            addr,
            client: reqwest::Client::new(),
            db,
            database_url: self.database_url.clone(),
            sqlite_file: None,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// A `graphql-transport-ws` socket on `/graphql/ws`, upgraded but not yet initialised.
    pub async fn ws_connect(&self) -> WsClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/graphql/ws", self.addr)
            .into_client_request()
            .expect("a websocket request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the websocket upgrade");
        WsClient {
            stream,
            pending: Default::default(),
        }
    }

    /// A socket whose `connection_init` carried `Bearer <token>` and was acknowledged.
    pub async fn ws(&self, token: &str) -> WsClient {
        let mut ws = self.ws_connect().await;
        ws.send(json!({
            "type": "connection_init",
            "payload": { "authorization": format!("Bearer {token}") },
        }))
        .await;
        let ack = ws.next_message(WS_WAIT).await;
        assert_eq!(
            ack.as_ref().map(|m| m["type"].clone()),
            Some(json!("connection_ack")),
            "expected connection_ack, got {ack:?}"
        );
        ws
    }
}

/// How long a helper waits for a message that should come.
pub const WS_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` client: answers the server's pings, hands out the other messages.
pub struct WsClient {
    stream: WsStream,
    /// Messages read while waiting for something else (a pong), in order.
    pending: std::collections::VecDeque<Value>,
}

/// What the socket yielded next.
enum WsFrame {
    Message(Value),
    Closed(Option<(u16, String)>),
    Timeout,
}

impl WsClient {
    pub async fn send(&mut self, message: Value) {
        use futures::SinkExt;
        use tokio_tungstenite::tungstenite::Message;
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("send a websocket message");
    }

    async fn frame(&mut self, deadline: tokio::time::Instant) -> WsFrame {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return WsFrame::Timeout,
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Text(text))) => {
                    let message: Value =
                        serde_json::from_str(text.as_str()).expect("the server sends JSON");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return WsFrame::Message(message);
                }
                Some(Ok(Message::Close(frame))) => {
                    return WsFrame::Closed(
                        frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned())),
                    );
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return WsFrame::Closed(None),
            }
        }
    }

    /// The next message within `timeout` (server pings are answered and skipped), or `None`
    /// when nothing came. Panics when the socket closes.
    pub async fn next_message(&mut self, timeout: std::time::Duration) -> Option<Value> {
        if let Some(message) = self.pending.pop_front() {
            return Some(message);
        }
        match self.frame(tokio::time::Instant::now() + timeout).await {
            WsFrame::Message(message) => Some(message),
            WsFrame::Timeout => None,
            WsFrame::Closed(close) => panic!("the socket closed: {close:?}"),
        }
    }

    /// Starts an operation, then waits for the answer to a ping sent after it: the server has
    /// read the `subscribe` (and, the test runtime being single-threaded, started it).
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "type": "subscribe", "id": id,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
        self.send(json!({ "type": "ping" })).await;
        let deadline = tokio::time::Instant::now() + WS_WAIT;
        loop {
            match self.frame(deadline).await {
                WsFrame::Message(m) if m["type"] == "pong" => return,
                WsFrame::Message(m) => self.pending.push_back(m),
                WsFrame::Timeout => panic!("no pong after subscribing"),
                WsFrame::Closed(close) => panic!("the socket closed: {close:?}"),
            }
        }
    }

    /// The close code and reason once the server closes the socket, skipping other messages;
    /// `None` when it stays open for `timeout`.
    pub async fn closed(&mut self, timeout: std::time::Duration) -> Option<(u16, String)> {
        self.pending.clear();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.frame(deadline).await {
                WsFrame::Message(_) => continue,
                WsFrame::Timeout => return None,
                WsFrame::Closed(close) => {
                    return Some(close.unwrap_or((1006, "no close frame".into())));
                }
            }
        }
    }
}

/// `CLIENT KILL TYPE pubsub` drops every Redis subscription on the server, so events that other
/// tests wait for would be lost meanwhile. Tests that wait for bus events hold this shared; the
/// test that kills the subscription holds it exclusively.
pub static BUS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());
