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
    sqlite_file: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
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

/// Databases of earlier test runs (test binaries run one after another, so none is in use).
async fn drop_leftovers(admin: &str) {
    use sea_orm::{ConnectionTrait, Statement};
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
    for row in rows {
        if let Ok(name) = row.try_get::<String>("", "datname") {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
    conn.close().await.ok();
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::with_defaults();
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.demo = false;
        config.redis_url = std::env::var("TEST_REDIS_URL").ok();
        config.log_filter = "warn".into();
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
        let app = Application::build_with_db(config, db.clone())
            .await
            .expect("build the app");
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            client: reqwest::Client::new(),
            db,
            sqlite_file,
            stop: Some(stop),
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

    /// Adds a member with `role` to the owner's organization and signs them in.
    pub async fn member(&self, owner: &Session, role: &str) -> Session {
        let email = format!(
            "{}-{}@{}.example.com",
            role.to_lowercase(),
            Uuid::now_v7().simple(),
            owner.slug
        );
        let body = self
            .gql(
                Some(&owner.token),
                "mutation($input: AddMemberInput!) { addMember(input: $input) { member { id } } }",
                json!({ "input": { "email": email, "role": role, "password": PASSWORD } }),
            )
            .await;
        assert!(
            body["data"]["addMember"].is_object(),
            "addMember failed: {body}"
        );
        let login = self.login(&email, PASSWORD, Some(&owner.slug)).await;
        let p = &login["data"]["login"];
        assert!(p.is_object(), "login failed: {login}");
        Session {
            token: str_of(&p["accessToken"]),
            refresh_token: str_of(&p["refreshToken"]),
            user_id: str_of(&p["user"]["id"]),
            organization_id: owner.organization_id.clone(),
            email,
            slug: owner.slug.clone(),
        }
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

/// Asserts that the response has no errors, printing the body when it has.
#[track_caller]
pub fn assert_ok(body: &Value) {
    assert!(body["errors"].is_null(), "expected no errors, got {body}");
}
