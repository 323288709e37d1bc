//! Configuration: one struct, read from command-line flags with environment-variable fallbacks.
//!
//! Every flag is documented here and nowhere else; `fleetgraph --help` prints these comments and
//! the README's configuration table mirrors them.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Fleetgraph: a multi-tenant GraphQL API for fleets of robots and shop-floor machines.
#[derive(Debug, Parser)]
#[command(name = "fleetgraph", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the API (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) and exit.
    ExportSchema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://fleetgraph.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Redis URL for the shared event bus (`redis://host:6379`); in-process bus when unset.
    #[arg(long, env = "REDIS_URL", global = true, value_parser = parse_redis_url)]
    pub redis_url: Option<String>,

    /// MQTT broker to take device telemetry from (`mqtt://[user:pass@]host:1883[?client_id=..]`),
    /// subscribing to `fleetgraph/<org-slug>/<asset-code>/telemetry`; off when unset. The broker's
    /// ACLs decide who may write for which organization.
    #[arg(long, env = "MQTT_URL", global = true, value_parser = parse_mqtt_url)]
    pub mqtt_url: Option<String>,

    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000", global = true)]
    pub bind: SocketAddr,

    /// Seed the demo organization (idempotent) and print its credentials. Loopback binds only.
    #[arg(long, env = "FLEETGRAPH_DEMO", global = true)]
    pub demo: bool,

    /// Refuse `signUp`: new organizations are then created by operators only.
    #[arg(long, env = "FLEETGRAPH_DISABLE_SIGNUP", global = true)]
    pub disable_signup: bool,

    /// Turn off schema introspection (and the playground's schema explorer with it).
    #[arg(long, env = "FLEETGRAPH_DISABLE_INTROSPECTION", global = true)]
    pub disable_introspection: bool,

    /// Log format.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` syntax (`info`, `fleetgraph=debug,info`, ...).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,

    /// Deepest query nesting accepted.
    #[arg(
        long,
        env = "FLEETGRAPH_MAX_DEPTH",
        default_value_t = 12,
        global = true
    )]
    pub max_depth: usize,

    /// Highest operation cost accepted (each object in the answer costs 1; pages multiply their
    /// selection by `first`, `limit` or `maxPoints`; see the README).
    #[arg(
        long,
        env = "FLEETGRAPH_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub max_complexity: usize,

    /// Most operations accepted in one batched HTTP request.
    #[arg(
        long,
        env = "FLEETGRAPH_MAX_BATCH",
        default_value_t = 10,
        global = true
    )]
    pub max_batch: usize,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "FLEETGRAPH_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Most password hashes computed at once (argon2id is deliberately memory- and CPU-hungry).
    #[arg(
        long,
        env = "FLEETGRAPH_HASH_CONCURRENCY",
        default_value_t = 2,
        global = true
    )]
    pub hash_concurrency: usize,

    /// Lifetime of an access token, in minutes.
    #[arg(
        long,
        env = "FLEETGRAPH_ACCESS_TOKEN_MINUTES",
        default_value_t = 15,
        global = true
    )]
    pub access_token_minutes: i64,

    /// Lifetime of a refresh token, in days.
    #[arg(
        long,
        env = "FLEETGRAPH_REFRESH_TOKEN_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_token_days: i64,

    /// Grace period, in seconds, in which presenting the same refresh token again (a client
    /// retrying after a lost response) answers with the same new tokens instead of being taken
    /// for theft.
    #[arg(
        long,
        env = "FLEETGRAPH_REFRESH_GRACE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_grace_seconds: i64,

    /// Unauthenticated credential checks (`login`, `signUp`) one client address may make per
    /// minute; 0 turns the limit off. Shared by replicas through Redis when configured.
    #[arg(
        long,
        env = "FLEETGRAPH_AUTH_ATTEMPTS_PER_ADDRESS",
        default_value_t = 30,
        global = true
    )]
    pub auth_attempts_per_address: u32,

    /// Credential checks per minute for one email address, from anywhere; 0 turns the limit
    /// off.
    #[arg(
        long,
        env = "FLEETGRAPH_AUTH_ATTEMPTS_PER_EMAIL",
        default_value_t = 10,
        global = true
    )]
    pub auth_attempts_per_email: u32,

    /// Prefix of the keys the shared rate limits keep in Redis (deployments sharing one Redis
    /// give each its own).
    #[arg(
        long,
        env = "FLEETGRAPH_REDIS_KEY_PREFIX",
        default_value = "fleetgraph",
        global = true
    )]
    pub redis_key_prefix: String,

    /// Seconds between server pings on a WebSocket; a peer silent for as long again is dropped.
    #[arg(
        long,
        env = "FLEETGRAPH_WS_PING_SECONDS",
        default_value_t = 15,
        global = true
    )]
    pub ws_ping_seconds: u64,

    /// Seconds between re-checks of a WebSocket's credentials (a revoked key or ended session
    /// closes it with 4403).
    #[arg(
        long,
        env = "FLEETGRAPH_WS_REVALIDATE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub ws_revalidate_seconds: u64,

    /// Operations one WebSocket may run at once.
    #[arg(
        long,
        env = "FLEETGRAPH_WS_MAX_OPERATIONS",
        default_value_t = 50,
        global = true
    )]
    pub ws_max_operations: usize,

    /// Seconds between two UPDATED events of one alert on an `alerts` subscription when only
    /// its value changed (a change of severity, status or acknowledgement is sent at once).
    #[arg(
        long,
        env = "FLEETGRAPH_ALERT_UPDATE_INTERVAL_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub alert_update_interval_seconds: u64,

    /// Seconds between retention sweeps of old telemetry.
    #[arg(
        long,
        env = "FLEETGRAPH_RETENTION_INTERVAL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub retention_interval_seconds: u64,

    /// Telemetry writer tasks: concurrent ingest calls are written together, in one transaction
    /// per group, by these (see `api/src/ingest.rs`). 0 picks 2 on PostgreSQL and 1 on SQLite,
    /// whose write transactions are serialised anyway.
    #[arg(
        long,
        env = "FLEETGRAPH_INGEST_WRITERS",
        default_value_t = 0,
        global = true
    )]
    pub ingest_writers: usize,

    /// Seconds between checks for overdue maintenance tasks.
    #[arg(
        long,
        env = "FLEETGRAPH_MAINTENANCE_INTERVAL_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub maintenance_interval_seconds: u64,

    /// Seconds without telemetry after which a reporting asset is marked offline.
    #[arg(
        long,
        env = "FLEETGRAPH_STALENESS_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub staleness_seconds: u64,

    /// Seconds between sweeps of machine sessions (expiry warnings and idle timeouts).
    #[arg(
        long,
        env = "FLEETGRAPH_SESSIONS_INTERVAL_SECONDS",
        default_value_t = 15,
        global = true
    )]
    pub sessions_interval_seconds: u64,

    /// Seconds between rounds of the commands worker (expiry of unacknowledged commands,
    /// release of scheduled ones).
    #[arg(
        long,
        env = "FLEETGRAPH_COMMANDS_INTERVAL_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub commands_interval_seconds: u64,

    /// Origins whose JavaScript may call the API (CORS), comma-separated, each written as a
    /// browser sends it (`https://app.example.com`, `http://localhost:3000`); `*` (the default)
    /// lets any origin call it. No cookies are involved: callers send their token in
    /// `Authorization`, so credentialed CORS is never offered.
    #[arg(
        long,
        env = "FLEETGRAPH_CORS_ORIGINS",
        default_value = "*",
        value_parser = parse_cors_origins,
        global = true
    )]
    pub cors_origins: CorsOrigins,

    /// Serve the web app from this folder (what `npm run build` writes in `frontend/dist`)
    /// instead of the copy built into the binary; read once at startup.
    #[arg(long, env = "FLEETGRAPH_WEB_DIR", global = true)]
    pub web_dir: Option<std::path::PathBuf>,

    /// Seconds that in-flight requests get to finish after SIGINT/SIGTERM.
    #[arg(
        long,
        env = "FLEETGRAPH_SHUTDOWN_GRACE_SECONDS",
        default_value_t = 20,
        global = true
    )]
    pub shutdown_grace_seconds: u64,
}

impl Config {
    /// The configuration a test or an embedding program starts from: the documented defaults.
    pub fn with_defaults() -> Self {
        Cli::parse_from(["fleetgraph"]).config
    }

    /// The WebSocket settings these flags describe.
    pub fn ws(&self) -> crate::http::ws::WsConfig {
        use std::time::Duration;
        let ping = Duration::from_secs(self.ws_ping_seconds.max(1));
        crate::http::ws::WsConfig {
            ping_every: ping,
            pong_timeout: ping,
            revalidate_every: Duration::from_secs(self.ws_revalidate_seconds.max(1)),
            max_operations: self.ws_max_operations.max(1),
            ..Default::default()
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// The origins `--cors-origins` allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`*`).
    Any,
    /// Exactly these, as a browser serialises them in its `Origin` header.
    List(Vec<String>),
}

/// Parses `--cors-origins`: `*`, or a comma-separated list of origins. An entry must be exactly
/// what a browser sends in `Origin` (scheme, host, port if not the default; no path, no
/// trailing slash), since the CORS check compares the two byte for byte: a near miss would
/// silently allow nothing, so it is refused here with the spelling that would work.
fn parse_cors_origins(value: &str) -> Result<CorsOrigins, String> {
    let entries: Vec<&str> = value.split(',').map(str::trim).collect();
    if entries == ["*"] {
        return Ok(CorsOrigins::Any);
    }
    let mut origins = Vec::with_capacity(entries.len());
    for entry in entries {
        if entry == "*" {
            return Err("`*` allows every origin and cannot be combined with others".into());
        }
        if entry.is_empty() {
            return Err("an empty origin in the list (a stray comma?)".into());
        }
        let url = url::Url::parse(entry).map_err(|e| format!("`{entry}` is not an origin: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`{entry}` is not an http or https origin"));
        }
        let origin = url.origin().ascii_serialization();
        if origin != entry {
            return Err(format!(
                "`{entry}` is not an origin as browsers send it; write `{origin}`"
            ));
        }
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(CorsOrigins::List(origins))
}

/// Checks the URL at start-up so a typo fails fast rather than when the bus first connects.
fn parse_redis_url(value: &str) -> Result<String, String> {
    let info = redis::IntoConnectionInfo::into_connection_info(value)
        .map_err(|e| format!("invalid Redis URL: {e}"))?;
    drop(info);
    Ok(value.to_owned())
}

/// Checks the broker URL at start-up, like the Redis URL.
fn parse_mqtt_url(value: &str) -> Result<String, String> {
    crate::mqtt::BrokerSettings::parse(value)?;
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_embedded_and_loopback() {
        let config = Config::with_defaults();
        assert!(config.is_sqlite());
        assert!(config.bind.ip().is_loopback());
        assert_eq!(config.bind.port(), 8000);
        assert!(config.redis_url.is_none());
    }

    #[test]
    fn a_bad_redis_url_is_refused_at_parse_time() {
        let result = Cli::try_parse_from(["fleetgraph", "--redis-url", "http://nope"]);
        assert!(result.is_err());
        let ok = Cli::try_parse_from(["fleetgraph", "--redis-url", "redis://127.0.0.1:6379"]);
        assert!(ok.is_ok());
    }

    #[test]
    fn a_bad_mqtt_url_is_refused_at_parse_time() {
        for bad in [
            "http://broker",
            "mqtt://",
            "mqtts://broker:8883",
            "not a url",
        ] {
            let result = Cli::try_parse_from(["fleetgraph", "--mqtt-url", bad]);
            assert!(result.is_err(), "{bad} was accepted");
        }
        let cli = Cli::try_parse_from(["fleetgraph", "--mqtt-url", "mqtt://127.0.0.1:1883"])
            .expect("parses");
        assert_eq!(
            cli.config.mqtt_url.as_deref(),
            Some("mqtt://127.0.0.1:1883")
        );
    }

    #[test]
    fn cors_origins_default_to_any_and_take_a_comma_separated_list() {
        assert_eq!(Config::with_defaults().cors_origins, CorsOrigins::Any);
        let cli = Cli::try_parse_from([
            "fleetgraph",
            "--cors-origins",
            "https://app.example.com, http://localhost:3000",
        ])
        .expect("parses");
        assert_eq!(
            cli.config.cors_origins,
            CorsOrigins::List(vec![
                "https://app.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
    }

    #[test]
    fn a_cors_origin_that_no_browser_would_send_is_refused_at_parse_time() {
        for bad in [
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://App.example.com",
            "https://app.example.com:443",
            "app.example.com",
            "ftp://app.example.com",
            "*,https://app.example.com",
            "https://app.example.com,",
            "",
        ] {
            let result = Cli::try_parse_from(["fleetgraph", "--cors-origins", bad]);
            assert!(result.is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn flags_are_accepted_after_a_subcommand() {
        let cli =
            Cli::try_parse_from(["fleetgraph", "migrate", "--database-url", "sqlite::memory:"])
                .expect("parses");
        assert_eq!(cli.command, Some(Command::Migrate));
        assert_eq!(cli.config.database_url, "sqlite::memory:");
    }
}
