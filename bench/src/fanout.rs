//! `fanout`: N WebSocket subscribers to one organization's `telemetry`, a batch ingested every
//! interval, and the delivery latency from the batch's commit (and from the ingest call's send
//! and return) to each subscriber.
//!
//! The subscribers run in a child process (this binary, `fanout-clients`), so this process's
//! resident memory is the server's (plus one HTTP client): its growth from before the child
//! connected to after every subscription was live, divided by N, is the server's memory per
//! subscriber. The two processes share the wall clock (same machine) for latencies: the parent
//! tells the child, over its stdin, when each batch's ingest call was sent and returned and when
//! its transaction committed (the server's commit event, see [`crate::commits`]).

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::commits::{last_commit_since, now_us};
use crate::frames::{Frame, Reader};
use crate::server::{Backend, Server};
use crate::stats::{rss_kib, summary, table};

const INGEST: &str = "mutation($points: [TelemetryPointInput!]!) {
    ingestTelemetry(input: { points: $points }) { accepted } }";
const SUBSCRIBE: &str = "subscription { telemetry { readings { value } } }";

#[derive(Debug, Clone, clap::Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub backend: Backend,
    /// Concurrent WebSocket subscribers (each needs a file descriptor here and in the child:
    /// raise `ulimit -n` first).
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Seconds of ingesting.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Milliseconds between batches.
    #[arg(long, default_value_t = 100)]
    pub interval_ms: u64,
    /// Points per batch (one per asset).
    #[arg(long, default_value_t = 10)]
    pub points: usize,
    /// WebSocket handshakes in flight at once while connecting.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// Runtime worker threads of the subscriber process: 0 for tokio's default (one per core),
    /// 1 for a current-thread runtime. (One thread was tried on 2 cores: p99 30-45 % higher,
    /// the subscribers' work then queues behind one core.)
    #[arg(long, default_value_t = 0)]
    pub client_threads: usize,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    #[arg(long)]
    pub addr: String,
    #[arg(long)]
    pub token: String,
    #[arg(long)]
    pub subscribers: usize,
    #[arg(long)]
    pub connect_concurrency: usize,
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub async fn run(args: FanoutArgs) -> anyhow::Result<()> {
    if args.subscribers == 0 || args.points == 0 || args.interval_ms == 0 {
        bail!("--subscribers, --points and --interval-ms must be positive");
    }
    let server = Server::start(&args.backend).await?;
    let result = measure(&server, &args).await;
    server.stop().await;
    result
}

async fn measure(server: &Server, args: &FanoutArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let fleet = server.fleet(&client, args.points).await?;
    let write_key = server
        .api_key(&client, &fleet, &["telemetry:write"])
        .await?;
    let read_key = server.api_key(&client, &fleet, &["telemetry:read"]).await?;
    let url = server.url("/graphql");
    let batch = |seq: u64| {
        let points: Vec<Value> = fleet
            .asset_ids
            .iter()
            .map(|id| json!({ "assetId": id, "metric": "seq", "value": seq as f64 }))
            .collect();
        json!({ "query": INGEST, "variables": { "points": points } }).to_string()
    };
    // A warm-up batch before the baseline: the code paths of ingest and publish are then warm.
    post(&client, &url, &write_key, batch(0), args.points).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kib();

    let exe = std::env::current_exe().context("locating this binary")?;
    let mut child = tokio::process::Command::new(exe)
        .args([
            "fanout-clients",
            "--addr",
            &server.addr.to_string(),
            "--token",
            &read_key,
            "--subscribers",
            &args.subscribers.to_string(),
            "--connect-concurrency",
            &args.connect_concurrency.to_string(),
            "--threads",
            &args.client_threads.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting the subscriber process")?;
    let mut to_child = child.stdin.take().context("child stdin")?;
    let mut from_child = BufReader::new(child.stdout.take().context("child stdout")?).lines();

    let ready = tokio::time::timeout(Duration::from_secs(600), from_child.next_line())
        .await
        .context("subscribers not ready within 10 minutes")??
        .context("the subscriber process ended")?;
    let fields: Vec<&str> = ready.split_whitespace().collect();
    let (connected, failed, child_rss, connect_s): (usize, usize, u64, f64) = match fields[..] {
        ["READY", c, f, r, s] => (c.parse()?, f.parse()?, r.parse()?, s.parse()?),
        _ => bail!("unexpected line from the subscriber process: {ready}"),
    };
    eprintln!("{connected} subscribers live ({failed} failed) in {connect_s:.1} s");
    // Let the last subscriptions reach the event bus and the allocator settle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_subscribed = rss_kib();

    let batches = (args.seconds * 1000 / args.interval_ms).max(1);
    let mut ticker = tokio::time::interval(Duration::from_millis(args.interval_ms));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ingest_ms = Vec::new();
    let started = Instant::now();
    for seq in 1..=batches {
        ticker.tick().await;
        let body = batch(seq);
        let t0 = now_us();
        post(&client, &url, &write_key, body, args.points).await?;
        let t1 = now_us();
        ingest_ms.push((t1 - t0) as f64 / 1000.0);
        // One batch is in flight at a time, so the latest commit since its send is its own
        // (0: none was seen, and the child leaves the batch out of the after-commit figures).
        let tc = last_commit_since(t0).unwrap_or(0);
        to_child
            .write_all(format!("B {seq} {t0} {t1} {tc}\n").as_bytes())
            .await?;
    }
    let ingest_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_end = rss_kib();
    to_child.write_all(b"END\n").await?;
    to_child.flush().await?;
    let line = tokio::time::timeout(Duration::from_secs(120), from_child.next_line())
        .await
        .context("no result from the subscriber process")??
        .context("the subscriber process ended without a result")?;
    let result: Value = serde_json::from_str(
        line.strip_prefix("RESULT ")
            .with_context(|| format!("unexpected line: {line}"))?,
    )?;
    let _ = child.wait().await;

    let (i50, i99, _) = summary(&mut ingest_ms);
    let n = connected.max(1) as f64;
    let f = |k: &str| result[k].as_f64().unwrap_or(f64::NAN);
    table(
        &format!(
            "fan-out of `telemetry` to {} subscribers: {}",
            args.subscribers, server.backend
        ),
        &[
            (
                "subscribers live / failed",
                format!("{connected} / {failed}"),
            ),
            ("connect + subscribe time", format!("{connect_s:.1} s")),
            (
                "batches (points each)",
                format!(
                    "{batches} ({}) in {ingest_s:.1} s, every {} ms",
                    args.points, args.interval_ms
                ),
            ),
            ("ingest call p50 / p99", format!("{i50:.1} / {i99:.1} ms")),
            (
                "messages received / expected",
                format!("{} / {}", result["received"], result["expected"]),
            ),
            (
                "batches without a commit seen",
                format!("{}", result["batches_without_commit"]),
            ),
            (
                "latency after commit p50",
                format!("{:.1} ms", f("after_commit_p50_ms")),
            ),
            (
                "latency after commit p99",
                format!("{:.1} ms", f("after_commit_p99_ms")),
            ),
            (
                "latency after commit max",
                format!("{:.1} ms", f("after_commit_max_ms")),
            ),
            (
                "first receipt after commit p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    f("first_after_commit_p50_ms"),
                    f("first_after_commit_p99_ms")
                ),
            ),
            (
                "commit to return p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    f("commit_to_return_p50_ms"),
                    f("commit_to_return_p99_ms")
                ),
            ),
            (
                "latency after return p50",
                format!("{:.1} ms", f("after_return_p50_ms")),
            ),
            (
                "latency after return p99",
                format!("{:.1} ms", f("after_return_p99_ms")),
            ),
            (
                "latency after return max",
                format!("{:.1} ms", f("after_return_max_ms")),
            ),
            (
                "received before return",
                format!("{}", result["before_return"]),
            ),
            (
                "latency from send p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    f("after_send_p50_ms"),
                    f("after_send_p99_ms")
                ),
            ),
            (
                "server RSS before / subscribed",
                format!(
                    "{:.1} / {:.1} MiB",
                    rss_before as f64 / 1024.0,
                    rss_subscribed as f64 / 1024.0
                ),
            ),
            (
                "server RSS per subscriber",
                format!(
                    "{:.1} KiB (after the run: {:.1} KiB)",
                    (rss_subscribed as f64 - rss_before as f64) / n,
                    (rss_end as f64 - rss_before as f64) / n
                ),
            ),
            (
                "client process RSS per subscriber",
                format!("{:.1} KiB", child_rss as f64 / n),
            ),
        ],
    );
    Ok(())
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: String,
    size: usize,
) -> anyhow::Result<()> {
    let response: Value = client
        .post(url)
        .bearer_auth(key)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?
        .json()
        .await?;
    if response["data"]["ingestTelemetry"]["accepted"].as_u64() != Some(size as u64) {
        bail!("ingest failed: {response}");
    }
    Ok(())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, initialises and subscribes; returns once the subscription is running.
async fn subscribe(addr: &str, token: &str) -> anyhow::Result<Ws> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    // tungstenite allocates its 128 KiB default read buffer per socket up front; the messages
    // here are a few hundred bytes, and 20,000 sockets share this process and machine with the
    // server.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?;
    let send = |v: Value| Message::text(v.to_string());
    ws.send(send(json!({
        "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") },
    })))
    .await?;
    expect(&mut ws, "connection_ack").await?;
    ws.send(send(json!({
        "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIBE },
    })))
    .await?;
    // The server reads a socket's messages in order: the pong says the subscribe was handled.
    ws.send(send(json!({ "type": "ping" }))).await?;
    expect(&mut ws, "pong").await?;
    Ok(ws)
}

async fn expect(ws: &mut Ws, kind: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .with_context(|| format!("no {kind} within 60 s"))?
            .with_context(|| format!("closed before {kind}"))??;
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(text.as_str())?;
            if v["type"] == kind {
                return Ok(());
            }
            if v["type"] != "ping" {
                bail!("expected {kind}, got {v}");
            }
            ws.send(Message::text(json!({ "type": "pong" }).to_string()))
                .await?;
        }
    }
}

/// What a subscriber reads of a server message: its type and, for `next`, the first reading's
/// value (the batch's sequence number). Typed rather than a `serde_json::Value`, so that 20,000
/// clients on the server's two cores do not build a tree of every message they receive.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    payload: Option<NextPayload>,
}

#[derive(Deserialize)]
struct NextPayload {
    data: Option<NextData>,
}

#[derive(Deserialize)]
struct NextData {
    telemetry: Option<Batch>,
}

#[derive(Deserialize)]
struct Batch {
    readings: Vec<Reading>,
}

#[derive(Deserialize)]
struct Reading {
    value: f64,
}

impl Incoming<'_> {
    fn seq(&self) -> Option<f64> {
        let batch = self.payload.as_ref()?.data.as_ref()?.telemetry.as_ref()?;
        batch.readings.first().map(|r| r.value)
    }
}

/// One subscriber's receipts (batch sequence number, µs since the epoch) and whether its socket
/// ended early.
#[derive(Default)]
struct Log {
    receipts: std::sync::Mutex<Vec<(u64, i64)>>,
    closed: AtomicBool,
}

impl Log {
    fn push(&self, seq: u64, at: i64) {
        // Only its subscriber's task locks it until the end of the run: uncontended.
        self.receipts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((seq, at));
    }
}

/// The child process: holds the subscribers, records when each batch arrived at each of them.
pub async fn clients(args: ClientArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let ready = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut tasks = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        let (gate, ready, failed, done) =
            (gate.clone(), ready.clone(), failed.clone(), done_tx.clone());
        let (addr, token) = (args.addr.clone(), args.token.clone());
        // What the subscriber received, read by this task once the run is over: the subscriber
        // only reads its socket and is then aborted, so it polls no stop signal per message.
        let log = Arc::new(Log::default());
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                let permit = gate.acquire_owned().await;
                let ws = match subscribe(&addr, &token).await {
                    Ok(ws) => ws,
                    Err(e) => {
                        if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("subscriber failed: {e:#}");
                        }
                        log.closed.store(true, Ordering::Relaxed);
                        let _ = done.send(());
                        return;
                    }
                };
                drop(permit);
                ready.fetch_add(1, Ordering::Relaxed);
                let _ = done.send(());
                let mut reader = Reader::new(ws.into_inner(), 4 * 1024);
                loop {
                    // The receipt time is taken as soon as the read returns, before decoding.
                    let mut at = None;
                    let mut pinged = false;
                    let read = reader
                        .read(|frame| {
                            let at = *at.get_or_insert_with(now_us);
                            let Frame::Text(text) = frame else { return };
                            let Ok(message) = serde_json::from_slice::<Incoming>(text) else {
                                return;
                            };
                            match message.kind {
                                "next" => {
                                    if let Some(seq) = message.seq() {
                                        log.push(seq as u64, at);
                                    }
                                }
                                "ping" => pinged = true,
                                _ => {}
                            }
                        })
                        .await;
                    let open = match read {
                        Ok(open) if open && pinged => {
                            reader.send_text(r#"{"type":"pong"}"#).await.is_ok()
                        }
                        Ok(open) => open,
                        Err(_) => false,
                    };
                    if !open {
                        log.closed.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        });
        tasks.push((task, log));
    }
    drop(done_tx);
    for _ in 0..args.subscribers {
        if done_rx.recv().await.is_none() {
            break;
        }
    }
    let live = ready.load(Ordering::Relaxed);
    println!(
        "READY {live} {} {} {:.2}",
        failed.load(Ordering::Relaxed),
        rss_kib(),
        started.elapsed().as_secs_f64()
    );

    // Batches as the parent reports them: seq -> (sent, returned, committed or 0), until END.
    let mut sent: HashMap<u64, (i64, i64, i64)> = HashMap::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts[..] {
            ["B", seq, t0, t1, tc] => {
                sent.insert(seq.parse()?, (t0.parse()?, t1.parse()?, tc.parse()?));
            }
            ["END"] => break,
            _ => bail!("unexpected input: {line}"),
        }
    }
    let (mut after_commit, mut after_return, mut after_send) = (Vec::new(), Vec::new(), Vec::new());
    let (mut before_return, mut closed) = (0u64, 0u64);
    // Each batch's first receipt by any subscriber: how long the server takes from the commit to
    // its first delivery, as against the time it takes to get the message to every subscriber.
    let mut first: HashMap<u64, i64> = HashMap::new();
    for (task, log) in tasks {
        task.abort();
        let _ = task.await;
        if log.closed.load(Ordering::Relaxed) {
            closed += 1;
        }
        let receipts = std::mem::take(&mut *log.receipts.lock().unwrap_or_else(|e| e.into_inner()));
        for (seq, at) in receipts {
            let Some(&(t0, t1, tc)) = sent.get(&seq) else {
                continue;
            };
            if tc != 0 {
                after_commit.push((at - tc) as f64 / 1000.0);
                first
                    .entry(seq)
                    .and_modify(|first| *first = (*first).min(at))
                    .or_insert(at);
            }
            if at < t1 {
                before_return += 1;
            }
            after_return.push((at - t1).max(0) as f64 / 1000.0);
            after_send.push((at - t0) as f64 / 1000.0);
        }
    }
    let received = after_return.len();
    let mut commit_to_return: Vec<f64> = sent
        .values()
        .filter(|&&(_, _, tc)| tc != 0)
        .map(|&(_, t1, tc)| (t1 - tc) as f64 / 1000.0)
        .collect();
    let (c50, c99, cmax) = summary(&mut after_commit);
    let mut first_after_commit: Vec<f64> = first
        .iter()
        .map(|(seq, at)| (at - sent[seq].2) as f64 / 1000.0)
        .collect();
    let (f50, f99, _) = summary(&mut first_after_commit);
    let (cr50, cr99, _) = summary(&mut commit_to_return);
    let (r50, r99, rmax) = summary(&mut after_return);
    let (s50, s99, _) = summary(&mut after_send);
    let result = json!({
        "received": received,
        "expected": sent.len() * live,
        "before_return": before_return,
        "closed_early": closed,
        "batches_without_commit": sent.values().filter(|&&(_, _, tc)| tc == 0).count(),
        "after_commit_p50_ms": c50, "after_commit_p99_ms": c99, "after_commit_max_ms": cmax,
        "commit_to_return_p50_ms": cr50, "commit_to_return_p99_ms": cr99,
        "first_after_commit_p50_ms": f50, "first_after_commit_p99_ms": f99,
        "after_return_p50_ms": r50, "after_return_p99_ms": r99, "after_return_max_ms": rmax,
        "after_send_p50_ms": s50, "after_send_p99_ms": s99,
    });
    println!("RESULT {result}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_message_yields_its_first_reading() {
        let text = r#"{"id":"1","payload":{"data":{"telemetry":{"readings":[{"value":7.0},{"value":7.0}]}}},"type":"next"}"#;
        let message: Incoming = serde_json::from_str(text).expect("parses");
        assert_eq!((message.kind, message.seq()), ("next", Some(7.0)));
        let ping: Incoming = serde_json::from_str(r#"{"type":"ping"}"#).expect("parses");
        assert_eq!((ping.kind, ping.seq()), ("ping", None));
        let error =
            r#"{"id":"1","payload":{"data":null,"errors":[{"message":"x"}]},"type":"next"}"#;
        let error: Incoming = serde_json::from_str(error).expect("parses");
        assert_eq!(error.seq(), None);
    }
}
