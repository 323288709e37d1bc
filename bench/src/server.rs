//! The server under test, started in this process, and the fixtures the scenarios need.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use api::config::Config;
use api::startup::Application;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Where the server keeps its data.
#[derive(Debug, Clone, clap::Args)]
pub struct Backend {
    /// `postgres://user@host:port/NAME`: the benchmark creates database NAME (it must not exist;
    /// a path of `/` or `/postgres` picks a fresh `fleetgraph_bench_<id>`) and drops it at the
    /// end. Without it, a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Redis for the event bus (`redis://127.0.0.1:6379`); the in-process bus without it.
    #[arg(long)]
    pub redis_url: Option<String>,
    /// Server log filter.
    #[arg(long, default_value = "warn")]
    pub log_filter: String,
}

/// What has to be removed at the end.
enum Store {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

pub struct Server {
    pub addr: SocketAddr,
    /// The database URL the server runs on.
    pub database_url: String,
    pub backend: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    store: Store,
}

/// A signed-up organization with a site and `assets` robots.
pub struct Fleet {
    pub owner_token: String,
    pub asset_ids: Vec<String>,
}

impl Server {
    /// Creates the database, migrates it and serves on 127.0.0.1:0.
    pub async fn start(backend: &Backend) -> anyhow::Result<Self> {
        let (database_url, store) = match backend.database_url.as_deref() {
            Some(url) if url.starts_with("postgres") => {
                let (admin_url, name, url) = postgres_names(url)?;
                admin_exec(&admin_url, &format!("CREATE DATABASE {name}"))
                    .await
                    .with_context(|| format!("creating the bench database {name}"))?;
                (url, Store::Postgres { admin_url, name })
            }
            Some(other) => bail!("--database-url must be a postgres:// URL, not {other}"),
            None => {
                let path = std::env::temp_dir()
                    .join(format!("fleetgraph-bench-{}.db", Uuid::now_v7().simple()));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Store::Sqlite(path),
                )
            }
        };
        let mut config = Config::with_defaults();
        config.bind = "127.0.0.1:0".parse()?;
        config.demo = false;
        config.mqtt_url = None;
        config.database_url = database_url.clone();
        config.redis_url = backend.redis_url.clone();
        config.log_filter = backend.log_filter.clone();
        config.shutdown_grace_seconds = 2;
        crate::commits::init_tracing(&config);
        let mut server = Self {
            addr: "127.0.0.1:0".parse()?,
            database_url,
            backend: match (&store, &backend.redis_url) {
                (Store::Sqlite(_), None) => "SQLite (WAL, temp file), in-process bus".into(),
                (Store::Sqlite(_), Some(_)) => "SQLite (WAL, temp file), Redis bus".into(),
                (Store::Postgres { .. }, None) => "PostgreSQL, in-process bus".into(),
                (Store::Postgres { .. }, Some(_)) => "PostgreSQL + Redis bus".into(),
            },
            stop: None,
            task: None,
            store,
        };
        // From here on `server` owns the database: an error below still drops it via `stop`.
        match Application::build(config).await {
            Ok(app) => {
                server.addr = app.local_addr();
                let (stop, stopped) = oneshot::channel::<()>();
                server.stop = Some(stop);
                server.task = Some(tokio::spawn(app.run_until(async move {
                    let _ = stopped.await;
                })));
                Ok(server)
            }
            Err(e) => {
                server.stop().await;
                Err(e.context("building the application"))
            }
        }
    }

    /// Stops the server and removes its database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("server ended with an error: {e:#}"),
                Err(e) => eprintln!("server task failed: {e}"),
            }
        }
        match &self.store {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Store::Postgres { admin_url, name } => {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                if let Err(e) = admin_exec(admin_url, &sql).await {
                    eprintln!("could not drop the bench database {name}: {e:#}");
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.store, Store::Postgres { .. })
    }

    /// POSTs one GraphQL operation and returns `data`, failing on errors.
    pub async fn gql(
        &self,
        client: &reqwest::Client,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await?.json().await?;
        if !body["errors"].is_null() {
            bail!("GraphQL errors: {}", body["errors"]);
        }
        Ok(body["data"].clone())
    }

    /// Signs up an organization with one site and `assets` robots.
    pub async fn fleet(&self, client: &reqwest::Client, assets: usize) -> anyhow::Result<Fleet> {
        let slug = format!("bench-{}", &Uuid::now_v7().simple().to_string()[20..]);
        let data = self
            .gql(
                client,
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
                json!({ "input": {
                    "organizationName": "Bench", "organizationSlug": slug,
                    "email": format!("owner@{slug}.example.com"),
                    "password": "correct horse battery staple", "displayName": "Bench",
                }}),
            )
            .await?;
        let token = str_of(&data["signUp"]["accessToken"])?;
        let data = self
            .gql(
                client,
                Some(&token),
                "mutation($input: CreateSiteInput!) { createSite(input: $input) { site { id } } }",
                json!({ "input": { "code": "plant", "name": "Plant", "timezone": "UTC" } }),
            )
            .await?;
        let site = str_of(&data["createSite"]["site"]["id"])?;
        let mut asset_ids = Vec::with_capacity(assets);
        for i in 0..assets {
            let data = self
                .gql(
                    client,
                    Some(&token),
                    "mutation($input: CreateRobotInput!) { createRobot(input: $input) { robot { id } } }",
                    json!({ "input": {
                        "siteId": site, "code": format!("r-{i}"), "name": format!("Robot {i}"),
                        "vendor": "KUKA", "model": "KR 210",
                    }}),
                )
                .await?;
            asset_ids.push(str_of(&data["createRobot"]["robot"]["id"])?);
        }
        Ok(Fleet {
            owner_token: token,
            asset_ids,
        })
    }

    /// Creates an API key with `scopes` and no rate limit; returns its secret.
    pub async fn api_key(
        &self,
        client: &reqwest::Client,
        fleet: &Fleet,
        scopes: &[&str],
    ) -> anyhow::Result<String> {
        let data = self
            .gql(
                client,
                Some(&fleet.owner_token),
                "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }",
                json!({ "input": { "name": "bench", "scopes": scopes } }),
            )
            .await?;
        str_of(&data["createApiKey"]["secret"])
    }
}

fn str_of(value: &Value) -> anyhow::Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("expected a string, got {value}"))
}

/// (admin URL on the `postgres` database, bench database name, bench database URL).
fn postgres_names(url: &str) -> anyhow::Result<(String, String, String)> {
    let mut parsed = url::Url::parse(url).context("--database-url is not a URL")?;
    let requested = parsed.path().trim_start_matches('/').to_owned();
    let name = if requested.is_empty() || requested == "postgres" {
        format!(
            "fleetgraph_bench_{}",
            &Uuid::now_v7().simple().to_string()[16..]
        )
    } else {
        requested
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        bail!("the bench database name {name:?} must be lower-case letters, digits and '_'");
    }
    parsed.set_path("/postgres");
    let admin = parsed.to_string();
    parsed.set_path(&format!("/{name}"));
    Ok((admin, name, parsed.to_string()))
}

async fn admin_exec(admin_url: &str, sql: &str) -> anyhow::Result<()> {
    let conn = sea_orm::Database::connect(admin_url)
        .await
        .with_context(|| format!("connecting to {admin_url}"))?;
    let result = conn.execute_unprepared(sql).await;
    conn.close().await.ok();
    result.with_context(|| sql.to_owned())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_bench_database_names() {
        let (admin, name, url) =
            postgres_names("postgres://postgres@127.0.0.1:5432/fg_bench").unwrap();
        assert_eq!(admin, "postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(name, "fg_bench");
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/fg_bench");
        let (_, name, _) = postgres_names("postgres://postgres@127.0.0.1:5432/").unwrap();
        assert!(name.starts_with("fleetgraph_bench_"));
        assert!(postgres_names("postgres://h/Robert'); DROP").is_err());
    }
}
