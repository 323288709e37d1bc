//! `ingest`: points per second through `ingestTelemetry`, and on PostgreSQL the COPY ceiling.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::server::{Backend, Server};
use crate::stats::{summary, table};

/// Attempts per batch before the run is given up.
const MAX_ATTEMPTS: usize = 5;

const INGEST: &str = "mutation($points: [TelemetryPointInput!]!) {
    ingestTelemetry(input: { points: $points }) { accepted rejected { index reason } } }";

#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub backend: Backend,
    /// Batches sent in the measured run.
    #[arg(long, default_value_t = 200)]
    pub batches: usize,
    /// Points per batch.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Assets reporting (robots of one organization).
    #[arg(long, default_value_t = 50)]
    pub assets: usize,
    /// Metrics per asset; a batch holds `batch_size / (assets * metrics)` timestamps of each.
    /// The first five are the metrics a new organization has alert rules for (cpu, memory,
    /// temperature, battery, servo_temp), so every point is evaluated against a rule; further
    /// ones are `m5`, `m6`, ... without rules.
    #[arg(long, default_value_t = 5)]
    pub metrics: usize,
    /// Skip the COPY ceiling on PostgreSQL.
    #[arg(long)]
    pub no_copy: bool,
}

/// The metrics with default alert rules, and the low end of a value range 40 wide that stays
/// clear of their thresholds (cpu warns at 70, memory 75, temperature 70, servo_temp 60,
/// battery below 20).
const RULED: [(&str, f64); 5] = [
    ("cpu", 10.0),
    ("memory", 20.0),
    ("temperature", 20.0),
    ("battery", 50.0),
    ("servo_temp", 15.0),
];

/// One batch's points: assets x metrics x timestamps, one second apart, all in the past hour
/// and unique across the run (batch `index` starts at timestamp `index * per_series`).
fn batch_points(args: &IngestArgs, assets: &[String], base_ms: i64, index: usize) -> Vec<Point> {
    let per_series = timestamps_per_batch(args);
    let mut points = Vec::with_capacity(args.batch_size);
    'fill: for t in 0..per_series {
        let ts = base_ms + ((index * per_series + t) as i64) * 1000;
        for (a, asset) in assets.iter().enumerate() {
            for m in 0..args.metrics {
                if points.len() == args.batch_size {
                    break 'fill;
                }
                // Within 40 of a ruled metric's `low`: inside its default rules' normal range,
                // so the rules are evaluated on every point but raise no alert.
                let spread = ((index * 7 + a * 13 + m * 3 + t) % 400) as f64 / 10.0;
                let (metric, value) = match RULED.get(m) {
                    Some((name, low)) => ((*name).to_owned(), low + spread),
                    None => (format!("m{m}"), spread),
                };
                points.push(Point {
                    asset: asset.clone(),
                    metric,
                    ts,
                    value,
                });
            }
        }
    }
    points
}

fn timestamps_per_batch(args: &IngestArgs) -> usize {
    args.batch_size
        .div_ceil((args.assets * args.metrics).max(1))
        .max(1)
}

struct Point {
    asset: String,
    metric: String,
    ts: i64,
    value: f64,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn request_body(points: &[Point]) -> String {
    let points: Vec<Value> = points
        .iter()
        .map(|p| json!({ "assetId": p.asset, "metric": p.metric, "ts": rfc3339(p.ts), "value": p.value }))
        .collect();
    json!({ "query": INGEST, "variables": { "points": points } }).to_string()
}

pub async fn run(args: IngestArgs) -> anyhow::Result<()> {
    if args.batch_size == 0 || args.clients == 0 || args.assets == 0 || args.metrics == 0 {
        bail!("--batch-size, --clients, --assets and --metrics must be positive");
    }
    let server = Server::start(&args.backend).await?;
    let result = measure(&server, &args).await;
    server.stop().await;
    result
}

async fn measure(server: &Server, args: &IngestArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let setup = Instant::now();
    let fleet = server.fleet(&client, args.assets).await?;
    let key = server
        .api_key(&client, &fleet, &["telemetry:write"])
        .await?;
    eprintln!(
        "setup: organization, {} robots and an API key in {:.1?}",
        args.assets,
        setup.elapsed()
    );

    // Two hours back leaves room for the COPY rows (one hour back) and stays far inside the
    // default retention. One warm-up batch per client is sent first and not measured.
    let total = args.batches + args.clients;
    let span_s = (total * timestamps_per_batch(args)) as i64;
    if 2 * span_s > 3600 {
        bail!("{total} batches span {span_s} s of timestamps; keep it under half an hour");
    }
    let base_ms = chrono::Utc::now().timestamp_millis() / 1000 * 1000 - 2 * 3600 * 1000;
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..total)
            .map(|i| request_body(&batch_points(args, &fleet.asset_ids, base_ms, i)))
            .collect(),
    );
    let warm = (0..args.clients)
        .map(|i| send(&client, server, &key, &bodies[i], args.batch_size))
        .collect::<Vec<_>>();
    for result in futures::future::join_all(warm).await {
        result.context("warm-up batch")?;
    }

    let next = Arc::new(AtomicUsize::new(args.clients));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (client, next, bodies, key) =
            (client.clone(), next.clone(), bodies.clone(), key.clone());
        let failures = failures.clone();
        let url = server.url("/graphql");
        let size = args.batch_size;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    break;
                };
                let t = Instant::now();
                // A failed batch (PostgreSQL may abort one as a deadlock victim) is retried,
                // as a device would; the latency includes the retries.
                let mut attempt = 1;
                while let Err(e) = post(&client, &url, &key, body, size).await {
                    if attempt == MAX_ATTEMPTS {
                        return Err(e.context(format!("batch {i} failed {MAX_ATTEMPTS} times")));
                    }
                    if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                        eprintln!("batch {i} failed (retrying; first error only): {e:#}");
                    }
                    attempt += 1;
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let elapsed = started.elapsed();
    let failures = failures.load(Ordering::Relaxed);
    let stored = count_points(server).await?;
    let expected = (total * args.batch_size) as u64;
    let (p50, p99, max) = summary(&mut latencies);
    let points = (args.batches * args.batch_size) as f64;
    let secs = elapsed.as_secs_f64();
    table(
        &format!("ingest via ingestTelemetry over HTTP: {}", server.backend),
        &[
            (
                "batches x points",
                format!("{} x {}", args.batches, args.batch_size),
            ),
            (
                "shape",
                format!(
                    "{} assets x {} metrics x {} ts",
                    args.assets,
                    args.metrics,
                    timestamps_per_batch(args)
                ),
            ),
            ("concurrent clients", args.clients.to_string()),
            ("wall time", format!("{secs:.2} s")),
            ("batches/s", format!("{:.1}", args.batches as f64 / secs)),
            ("points/s", format!("{:.0}", points / secs)),
            ("batch latency p50", format!("{p50:.1} ms")),
            ("batch latency p99", format!("{p99:.1} ms")),
            ("batch latency max", format!("{max:.1} ms")),
            ("failed attempts (retried)", failures.to_string()),
            (
                "rows in telemetry_points",
                format!("{stored} (expected {expected})"),
            ),
        ],
    );
    if stored != expected {
        bail!("{stored} points stored, {expected} expected");
    }
    if server.is_postgres() && !args.no_copy {
        copy_ceiling(server, args, &fleet.asset_ids, base_ms + 3600 * 1000).await?;
    }
    Ok(())
}

async fn send(
    client: &reqwest::Client,
    server: &Server,
    key: &str,
    body: &str,
    size: usize,
) -> anyhow::Result<()> {
    post(client, &server.url("/graphql"), key, body, size).await
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &str,
    size: usize,
) -> anyhow::Result<()> {
    let response: Value = client
        .post(url)
        .bearer_auth(key)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await?
        .json()
        .await?;
    let accepted = response["data"]["ingestTelemetry"]["accepted"].as_u64();
    if accepted != Some(size as u64) {
        bail!("ingest did not accept the whole batch: {response}");
    }
    Ok(())
}

async fn count_points(server: &Server) -> anyhow::Result<u64> {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = sea_orm::Database::connect(&server.database_url).await?;
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM telemetry_points",
        ))
        .await?
        .context("COUNT(*) returned no row")?;
    let n: i64 = row.try_get("", "n")?;
    conn.close().await.ok();
    Ok(n as u64)
}

/// The same number of rows (and batches) loaded with COPY ... FROM STDIN (text format) into
/// `telemetry_points`: first in batches of `batch_size` from `clients` connections, then all
/// in one COPY. No rollups, latest values, rules or events: the floor of the work.
async fn copy_ceiling(
    server: &Server,
    args: &IngestArgs,
    assets: &[String],
    base_ms: i64,
) -> anyhow::Result<()> {
    use sea_orm::sqlx::postgres::{PgPool, PgPoolCopyExt, PgPoolOptions};
    let pool: PgPool = PgPoolOptions::new()
        .max_connections(args.clients as u32)
        .connect(&server.database_url)
        .await?;
    let org: (String,) =
        sea_orm::sqlx::query_as("SELECT organization_id::text FROM assets WHERE id::text = $1")
            .bind(&assets[0])
            .fetch_one(&pool)
            .await?;
    let org = org.0;
    let text = |index: usize, base: i64| -> String {
        let mut out = String::with_capacity(args.batch_size * 110);
        for p in batch_points(args, assets, base, index) {
            out.push_str(&format!(
                "{}\t{org}\t{}\t{}\t{}\tgood\n",
                p.asset, p.metric, p.ts, p.value
            ));
        }
        out
    };
    const COPY: &str =
        "COPY telemetry_points (asset_id, organization_id, metric, ts, value, quality) FROM STDIN";
    let batches: Arc<Vec<String>> = Arc::new((0..args.batches).map(|i| text(i, base_ms)).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (pool, next, batches) = (pool.clone(), next.clone(), batches.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(i) else {
                    break;
                };
                let t = Instant::now();
                let mut copy = pool.copy_in_raw(COPY).await?;
                copy.send(batch.as_bytes()).await?;
                copy.finish().await?;
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let batched = started.elapsed();

    // One COPY of all rows, timestamps shifted past the batched ones.
    let shift = (args.batches * timestamps_per_batch(args)) as i64 * 1000;
    let all: String = (0..args.batches)
        .map(|i| text(i, base_ms + shift))
        .collect();
    let started = Instant::now();
    let mut copy = pool.copy_in_raw(COPY).await?;
    copy.send(all.as_bytes()).await?;
    let rows = copy.finish().await?;
    let single = started.elapsed();
    pool.close().await;

    let points = (args.batches * args.batch_size) as f64;
    let (p50, p99, max) = summary(&mut latencies);
    table(
        "ceiling: COPY ... FROM STDIN (text) into telemetry_points, PostgreSQL",
        &[
            (
                "batched: batches x rows",
                format!("{} x {}", args.batches, args.batch_size),
            ),
            ("batched: connections", args.clients.to_string()),
            (
                "batched: wall time",
                format!("{:.2} s", batched.as_secs_f64()),
            ),
            (
                "batched: rows/s",
                format!("{:.0}", points / batched.as_secs_f64()),
            ),
            ("batched: batch latency p50", format!("{p50:.1} ms")),
            ("batched: batch latency p99", format!("{p99:.1} ms")),
            ("batched: batch latency max", format!("{max:.1} ms")),
            ("single COPY: rows", rows.to_string()),
            (
                "single COPY: wall time",
                format!("{:.2} s", single.as_secs_f64()),
            ),
            (
                "single COPY: rows/s",
                format!("{:.0}", rows as f64 / single.as_secs_f64()),
            ),
        ],
    );
    Ok(())
}
