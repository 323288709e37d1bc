//! Building and running the application: the one place where configuration becomes a server.
//!
//! `Application::build` binds the listener before returning, so tests can bind port 0 and read
//! the port back, then drive the real server over HTTP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::auth::{CredentialThrottle, PasswordHasher};
use crate::config::Config;
use crate::db::Db;
use crate::domain::identity::TokenSettings;
use crate::events::EventBus;
use crate::graphql::{self, Limits, Services};
use crate::http::{self, AppState, auth::Authenticator};
use crate::workers::Workers;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    config: Config,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if config.demo && !config.bind.ip().is_loopback() {
            anyhow::bail!(
                "--demo creates accounts with published passwords; it only runs on a loopback address, not {}",
                config.bind
            );
        }
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Self::build_with_db(config, db).await
    }

    /// Builds on an existing, migrated database (tests use a per-test database).
    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Self> {
        let hasher = PasswordHasher::new(config.hash_concurrency)?;
        if config.demo {
            crate::demo::seed(&db, &hasher)
                .await
                .context("failed to seed the demo data")?;
        }
        let events = EventBus::connect(config.redis_url.as_deref()).await?;
        tracing::info!(backend = events.backend_name(), "event bus ready");
        let writers = match (config.ingest_writers, db.backend()) {
            (0, sea_orm::DbBackend::Postgres) => 2,
            (0, _) => 1,
            (n, _) => n,
        };
        let ingest = crate::ingest::Ingestor::start(db.clone(), events.clone(), writers)
            .context("failed to start the ingest writers")?;
        let counters = config
            .redis_url
            .as_deref()
            .map(|url| crate::limits::RedisCounters::new(url, &config.redis_key_prefix))
            .transpose()
            .context("invalid Redis URL for the rate limits")?;
        let throttle = CredentialThrottle::new(
            config.auth_attempts_per_address,
            config.auth_attempts_per_email,
            counters,
        );
        let services = Services {
            ingest,
            throttle: Arc::new(throttle),
            events,
            db: db.clone(),
            hasher,
            tokens: TokenSettings {
                access_ttl: chrono::Duration::minutes(config.access_token_minutes),
                refresh_ttl: chrono::Duration::days(config.refresh_token_days),
                refresh_grace: chrono::Duration::seconds(config.refresh_grace_seconds.max(0)),
            },
            signup_enabled: !config.disable_signup,
            alert_update_interval: std::time::Duration::from_secs(
                config.alert_update_interval_seconds,
            ),
        };
        let limits = Limits {
            max_depth: config.max_depth,
            max_complexity: config.max_complexity,
            introspection: !config.disable_introspection,
        };
        let schema = graphql::build_schema(Some(services.clone()), &limits);
        let state = AppState {
            schema,
            services,
            auth: Arc::new(Authenticator::new(db)),
            max_batch: config.max_batch,
            ws: config.ws(),
            ws_streams: Default::default(),
            mqtt: None,
            web: match &config.web_dir {
                Some(dir) => http::web::WebApp::from_dir(dir)?,
                None => http::web::WebApp::embedded(),
            },
        };
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("failed to bind {}", config.bind))?;
        Ok(Self {
            listener,
            state,
            config,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn db(&self) -> &Db {
        &self.state.services.db
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish (up to the grace
    /// period).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = Duration::from_secs(self.config.shutdown_grace_seconds);
        let events = self.state.services.events.clone();
        let mqtt = self
            .config
            .mqtt_url
            .as_deref()
            .map(|url| {
                let services = &self.state.services;
                crate::mqtt::MqttBridge::start(url, services.db.clone(), services.ingest.clone())
            })
            .transpose()?;
        let workers = start_workers(&self.config, &self.state.services);
        let mut state = self.state;
        state.mqtt = mqtt.as_ref().map(crate::mqtt::MqttBridge::stats);
        let router = http::router(state, self.config.max_body_bytes, &self.config.cors_origins);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        // TCP_NODELAY on every accepted connection (axum 0.8 leaves Nagle on): a WebSocket
        // writes each event, ping and pong as it happens, and a small write behind an
        // unacknowledged one would otherwise wait for the client's delayed ACK (up to 40 ms).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
            }
        });
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down; waiting for in-flight requests");
            let _ = stop_tx.send(true);
        });
        let mut stop = stop_rx;
        let result = tokio::select! {
            result = server.into_future() => result.context("server error"),
            _ = async {
                let _ = stop.wait_for(|s| *s).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("grace period over; dropping remaining connections");
                Ok(())
            }
        };
        workers.shutdown().await;
        if let Some(mqtt) = mqtt {
            mqtt.shutdown().await;
        }
        events.shutdown();
        result
    }
}

/// The background workers of this process.
fn start_workers(config: &Config, services: &Services) -> Workers {
    let mut workers = Workers::new();
    let db = services.db.clone();
    workers.every(
        "retention",
        Duration::from_secs(config.retention_interval_seconds.max(1)),
        move || {
            let db = db.clone();
            async move {
                crate::workers::retention::run(&db, chrono::Utc::now())
                    .await
                    .map(|_| ())
            }
        },
    );
    let (db, events) = (services.db.clone(), services.events.clone());
    let window = Duration::from_secs(config.staleness_seconds.max(1));
    // Checked several times per window, so an asset goes offline soon after the window ends.
    let period = Duration::from_secs((config.staleness_seconds / 4).clamp(1, 15));
    workers.every("staleness", period, move || {
        let (db, events) = (db.clone(), events.clone());
        async move {
            crate::workers::staleness::run(&db, &events, window, chrono::Utc::now())
                .await
                .map(|_| ())
        }
    });
    let (db, events) = (services.db.clone(), services.events.clone());
    let period = Duration::from_secs(config.sessions_interval_seconds.max(1));
    workers.every("sessions", period, move || {
        let (db, events) = (db.clone(), events.clone());
        async move {
            crate::workers::sessions::run(&db, &events, chrono::Utc::now())
                .await
                .map(|_| ())
        }
    });
    let (db, events) = (services.db.clone(), services.events.clone());
    workers.every(
        "maintenance",
        Duration::from_secs(config.maintenance_interval_seconds.max(1)),
        move || {
            let (db, events) = (db.clone(), events.clone());
            async move {
                crate::workers::maintenance::run(&db, &events, chrono::Utc::now())
                    .await
                    .map(|_| ())
            }
        },
    );
    let (db, events) = (services.db.clone(), services.events.clone());
    workers.every(
        "commands",
        Duration::from_secs(config.commands_interval_seconds.max(1)),
        move || {
            let (db, events) = (db.clone(), events.clone());
            async move {
                crate::workers::commands::run(&db, &events, chrono::Utc::now())
                    .await
                    .map(|_| ())
            }
        },
    );
    if config.demo {
        let (db, events, ingest) = (
            services.db.clone(),
            services.events.clone(),
            services.ingest.clone(),
        );
        workers.spawn("demo simulator", move |stop| {
            crate::workers::simulator::run(db, events, ingest, stop)
        });
    }
    workers
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Installs the global tracing subscriber (once; later calls are no-ops, for tests).
pub fn init_tracing(config: &Config) {
    init_tracing_with(config, None);
}

/// A layer of [`init_tracing_with`].
pub type ExtraLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync + 'static>;

/// [`init_tracing`] with one more layer beside the log output, with a filter of its own (the
/// benchmark's clock of ingest commits: it runs the server in its own process). Without one,
/// the subscriber holds the log output alone, so callsites the log filter disables stay
/// disabled.
pub fn init_tracing_with(config: &Config, extra: Option<ExtraLayer>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let output = tracing_subscriber::fmt::layer().with_ansi(ansi);
    let output = match config.log_format {
        crate::config::LogFormat::Json => output.json().with_filter(filter).boxed(),
        crate::config::LogFormat::Text => output.with_filter(filter).boxed(),
    };
    let mut layers = vec![output];
    layers.extend(extra);
    let _ = tracing_subscriber::registry().with(layers).try_init();
}
