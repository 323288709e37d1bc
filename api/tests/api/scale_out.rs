//! Scale-out through Redis (docs/ARCHITECTURE.md §3.3, §8): alert events caused on one instance
//! reach subscribers on another, only of their own organization; and after Redis drops the
//! process's one pattern subscription, the server resubscribes and `alertEvents(after:)` fills
//! whatever the bus lost in between.
//!
//! Both tests need Redis (`TEST_REDIS_URL`). `CLIENT KILL TYPE pubsub` is server-wide, so any
//! Redis subscription of this test run may be dropped while the second test runs: where a test
//! depends on the bus delivering, it causes fresh alerts until one arrives (within a bound).
//! What the database returns is asserted strictly.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, WS_WAIT, WsClient, assert_ok, slug, str_of};
use crate::telemetry::{base_time, ingest_ok, point};

const ALERTS: &str =
    "subscription { alerts { seq kind alert { id title severity status asset { id } } } }";

/// How long a subscriber that should receive nothing is watched.
const QUIET: Duration = Duration::from_millis(300);

/// How long the tests keep causing alerts until the bus delivers one.
const DELIVERY: Duration = Duration::from_secs(10);

fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok()
}

/// An organization with one site; every alert is caused on a robot of its own.
struct Org {
    owner: Session,
    site: String,
    /// The robots alerted so far, in the order their alerts were raised.
    alerted: Vec<String>,
}

impl Org {
    async fn new(app: &TestApp, prefix: &str) -> Self {
        let owner = app.sign_up(&slug(prefix)).await;
        let site = app.create_site(&owner.token, "plant").await;
        Self {
            owner,
            site,
            alerted: Vec::new(),
        }
    }

    /// Raises a new CRITICAL alert through `app`: a fresh robot reports cpu = 95 (the default
    /// cpu rule: above 70 warning, above 90 critical). Returns the robot.
    async fn raise_alert(&mut self, app: &TestApp) -> String {
        let code = format!("r-{}", self.alerted.len() + 1);
        let robot = app
            .create_robot(&self.owner.token, &self.site, None, &code)
            .await;
        ingest_ok(
            app,
            &self.owner.token,
            json!([point(&robot, "cpu", base_time(), 95.0)]),
        )
        .await;
        self.alerted.push(robot.clone());
        robot
    }
}

/// The `alerts` event of a `next` message of operation `id`.
#[track_caller]
fn alert_event(message: &Value, id: &str) -> Value {
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], id, "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["alerts"].clone()
}

/// Waits `wait` for an event on `ws`; when none comes, raises another alert in `org` through
/// `via` and waits again, until one arrives within DELIVERY. With `raise_first`, an alert is
/// raised before the first wait.
async fn raise_until_delivered(
    via: &TestApp,
    org: &mut Org,
    ws: &mut WsClient,
    raise_first: bool,
    wait: Duration,
) -> Value {
    let deadline = tokio::time::Instant::now() + DELIVERY;
    if raise_first {
        org.raise_alert(via).await;
    }
    loop {
        if let Some(message) = ws.next_message(wait).await {
            return alert_event(&message, "a");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no alert event arrived within {DELIVERY:?} ({} alerts raised)",
            org.alerted.len()
        );
        org.raise_alert(via).await;
    }
}

#[track_caller]
fn assert_quiet(message: Option<Value>, who: &str) {
    assert!(
        message.is_none(),
        "{who} should have received nothing, got {message:?}"
    );
}

#[tokio::test]
async fn an_alert_caused_on_instance_a_reaches_a_subscriber_on_instance_b() {
    let _bus = crate::helpers::BUS.read().await;
    // Without Redis each instance has its own in-process bus and nothing crosses; the
    // subscriptions module covers that case.
    if redis_url().is_none() {
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.spawn_sibling().await;
    let mut x = Org::new(&a, "scale-x").await;
    let mut y = Org::new(&a, "scale-y").await;

    let mut x_on_b = b.ws(&x.owner.token).await;
    x_on_b.subscribe("a", ALERTS, json!({})).await;
    let mut y_on_b = b.ws(&y.owner.token).await;
    y_on_b.subscribe("a", ALERTS, json!({})).await;

    let event = raise_until_delivered(&a, &mut x, &mut x_on_b, true, Duration::from_secs(1)).await;
    assert_eq!(event["kind"], "RAISED", "{event}");
    assert_eq!(event["alert"]["severity"], "CRITICAL", "{event}");
    assert_eq!(event["alert"]["status"], "OPEN", "{event}");
    let robot = str_of(&event["alert"]["asset"]["id"]);
    assert!(
        x.alerted.contains(&robot),
        "the event is about one of X's robots: {event}"
    );
    assert!(str_of(&event["seq"]).parse::<i64>().unwrap() > 0, "{event}");
    // B reads the same alert from the shared database.
    let body = b
        .gql(
            Some(&x.owner.token),
            "query($id: ID!) { alert(id: $id) { title severity } }",
            json!({ "id": event["alert"]["id"] }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["alert"]["title"], event["alert"]["title"]);
    assert_eq!(body["data"]["alert"]["severity"], "CRITICAL");

    // Every alert X raised is X's alone.
    assert_quiet(
        y_on_b.next_message(QUIET).await,
        "another organization's subscriber on B",
    );

    // Y's socket is live: it receives Y's own alert caused on A, and X hears nothing of it.
    let event = raise_until_delivered(&a, &mut y, &mut y_on_b, true, Duration::from_secs(1)).await;
    assert_eq!(event["kind"], "RAISED", "{event}");
    assert_eq!(event["alert"]["severity"], "CRITICAL", "{event}");
    assert!(
        y.alerted.contains(&str_of(&event["alert"]["asset"]["id"])),
        "the event is about one of Y's robots: {event}"
    );
    assert_quiet(
        x_on_b.next_message(QUIET).await,
        "the first organization's subscriber on B",
    );
}

#[tokio::test]
async fn after_the_redis_subscription_is_killed_the_server_resubscribes_and_alert_events_fill_the_gap()
 {
    // Killing the bus's subscription needs Redis; the in-process bus has nothing to kill.
    let Some(url) = redis_url() else { return };
    // Exclusive: the kill below drops every test's Redis subscription in this process's run.
    let _bus = crate::helpers::BUS.write().await;
    let app = TestApp::spawn().await;
    let mut org = Org::new(&app, "scale-kill").await;
    let token = org.owner.token.clone();
    let mut ws = app.ws(&token).await;
    ws.subscribe("a", ALERTS, json!({})).await;

    // Alert #1, received live.
    let first = raise_until_delivered(&app, &mut org, &mut ws, true, Duration::from_secs(1)).await;
    assert_eq!(first["kind"], "RAISED", "{first}");
    let first_seq = str_of(&first["seq"]);
    let first_robot = str_of(&first["alert"]["asset"]["id"]);
    let first_index = org
        .alerted
        .iter()
        .position(|r| *r == first_robot)
        .unwrap_or_else(|| panic!("alert #1 is about one of our robots: {first}"));
    let mut delivered = vec![first.clone()];

    // Redis drops every pub/sub connection, this process's one subscription among them.
    let client = redis::Client::open(url.as_str()).expect("a Redis URL");
    let mut admin = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut admin)
        .await
        .expect("CLIENT KILL");
    assert!(killed >= 1, "at least our subscription was killed");

    // Alert #2 right away: the bus may lose it (at-most-once).
    let killed_at = org.alerted.len();
    let second_robot = org.raise_alert(&app).await;
    // Further alerts until one arrives: the server subscribed again.
    let after =
        raise_until_delivered(&app, &mut org, &mut ws, false, Duration::from_millis(500)).await;
    assert_eq!(after["kind"], "RAISED", "{after}");
    assert!(
        org.alerted[killed_at..].contains(&str_of(&after["alert"]["asset"]["id"])),
        "the event delivered after the kill is about an alert raised after it: {after}"
    );
    delivered.push(after);
    // Anything else already on its way.
    while let Some(message) = ws.next_message(QUIET).await {
        delivered.push(alert_event(&message, "a"));
    }

    // The resync: every event after #1, page by page.
    let mut resynced: Vec<Value> = Vec::new();
    let mut cursor = first_seq.clone();
    loop {
        let body = app
            .gql(
                Some(&token),
                "query($after: String, $first: Int) { alertEvents(after: $after, first: $first) {
                    endCursor hasMore events { seq kind alert { id severity status asset { id } } } } }",
                json!({ "after": cursor, "first": 5 }),
            )
            .await;
        assert_ok(&body);
        let page = &body["data"]["alertEvents"];
        resynced.extend(page["events"].as_array().unwrap().iter().cloned());
        if page["hasMore"] != true {
            break;
        }
        cursor = str_of(&page["endCursor"]);
    }
    let seqs: Vec<i64> = resynced
        .iter()
        .map(|e| str_of(&e["seq"]).parse().unwrap())
        .collect();
    let first_seq_n: i64 = first_seq.parse().unwrap();
    assert!(
        seqs.first().is_some_and(|s| *s > first_seq_n),
        "only events after #1 ({first_seq}): {seqs:?}"
    );
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    let pairs: Vec<(String, String)> = resynced
        .iter()
        .map(|e| (str_of(&e["seq"]), str_of(&e["alert"]["id"])))
        .collect();
    assert_eq!(
        pairs.iter().collect::<HashSet<_>>().len(),
        pairs.len(),
        "no duplicate (seq, alert id): {pairs:?}"
    );
    // Exactly the alerts raised after #1, in the order they were raised; #2 among them.
    for e in &resynced {
        assert_eq!(e["kind"], "RAISED", "{e}");
        assert_eq!(e["alert"]["severity"], "CRITICAL", "{e}");
        assert_eq!(e["alert"]["status"], "OPEN", "{e}");
    }
    let resynced_robots: Vec<String> = resynced
        .iter()
        .map(|e| str_of(&e["alert"]["asset"]["id"]))
        .collect();
    assert_eq!(resynced_robots, org.alerted[first_index + 1..].to_vec());
    assert!(resynced_robots.contains(&second_robot));
    // What the subscription delivered carries the same cursors as the database.
    for e in &delivered[1..] {
        let pair = (str_of(&e["seq"]), str_of(&e["alert"]["id"]));
        assert!(
            pairs.contains(&pair),
            "a delivered event is in the resync: {e}"
        );
    }
    let delivered_ids: Vec<String> = delivered
        .iter()
        .map(|e| str_of(&e["alert"]["id"]))
        .collect();
    assert_eq!(
        delivered_ids.iter().collect::<HashSet<_>>().len(),
        delivered_ids.len(),
        "the subscription delivered no event twice: {delivered_ids:?}"
    );

    // Delivered and resynced, de-duplicated by alert id: every alert raised from #1 on.
    let body = app
        .gql(
            Some(&token),
            "{ alerts(first: 200) { totalCount edges { node { id asset { id } } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["alerts"]["totalCount"],
        org.alerted.len(),
        "one alert per robot: {body}"
    );
    let since_first: HashSet<String> = body["data"]["alerts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| org.alerted[first_index..].contains(&str_of(&e["node"]["asset"]["id"])))
        .map(|e| str_of(&e["node"]["id"]))
        .collect();
    let seen: HashSet<String> = delivered_ids
        .into_iter()
        .chain(resynced.iter().map(|e| str_of(&e["alert"]["id"])))
        .collect();
    assert_eq!(seen, since_first);

    // The instance is ready again.
    let body = readiness(&app).await;
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["eventBus"]["backend"], "redis", "{body}");
    assert_eq!(body["eventBus"]["status"], "ok", "{body}");
}

/// A `redis-server` of the test's own on a free port, so that it can be killed and restarted
/// without touching the Redis other tests share. Killed (by its own pid) when dropped.
struct OwnRedis {
    port: u16,
    process: Option<std::process::Child>,
}

impl OwnRedis {
    /// None when no `redis-server` can be started here.
    async fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let mut redis = Self {
            port,
            process: None,
        };
        redis.restart().await.then_some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port) and waits until it answers.
    async fn restart(&mut self) -> bool {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(child) = child else { return false };
        self.process = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if self.ping().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    }

    async fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
            return false;
        };
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok()
    }

    async fn kill_pubsub_clients(&self) -> i64 {
        let client = redis::Client::open(self.url()).expect("a Redis URL");
        let mut admin = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect to our Redis");
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut admin)
            .await
            .expect("CLIENT KILL")
    }

    /// Kills the server process outright (SIGKILL), as a crash would.
    fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A replica's readiness answer, which must be 200 whatever the state of the bus.
async fn readiness(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("GET /readyz");
    assert_eq!(response.status(), 200, "a replica stays ready");
    response.json().await.expect("a JSON body")
}

/// The event bus' state in a replica's readiness answer.
async fn bus_status(app: &TestApp) -> String {
    str_of(&readiness(app).await["eventBus"]["status"])
}

/// Polls both replicas' readiness until their bus reports `want`; returns how long it took.
async fn until_bus_is(replicas: [&TestApp; 2], want: &str, within: Duration) -> Duration {
    let start = tokio::time::Instant::now();
    loop {
        let mut all = true;
        for app in replicas {
            all &= bus_status(app).await == want;
        }
        if all {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "the bus did not become {want} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn p99(latencies: &[Duration]) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len() * 99).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_subscriber_on_replica_two_receives_every_alert_event_in_order_across_redis_kills_and_an_outage()
 {
    // The in-process bus has no Redis to kill; runs with Redis use a server of their own.
    if redis_url().is_none() {
        return;
    }
    let Some(mut redis) = OwnRedis::start().await else {
        panic!("TEST_REDIS_URL is set but no redis-server could be started");
    };
    let url = redis.url();
    let one = TestApp::spawn_with(|c| c.redis_url = Some(url.clone())).await;
    let two = one
        .spawn_sibling_with(|c| c.redis_url = Some(url.clone()))
        .await;
    let owner = one.sign_up(&slug("bus-faults")).await;
    let token = owner.token.clone();
    let mut ws = two.ws(&token).await;
    ws.subscribe("a", "subscription { alerts { seq kind } }", json!({}))
        .await;
    ws.subscribe(
        "t",
        "subscription { telemetry { missedSince readings { value } } }",
        json!({}),
    )
    .await;

    use std::cell::{Cell, RefCell};
    // 0 normal, 1 after CLIENT KILL, 2 Redis down, 3 Redis back; 4 stops the writer.
    let phase = Cell::new(0usize);
    let latencies: RefCell<[Vec<Duration>; 4]> = RefCell::default();
    let written = Cell::new(0usize);
    let writer_done = Cell::new(false);
    let received: RefCell<Vec<i64>> = RefCell::default();
    let gaps = Cell::new(0usize);
    let resubscribed = Cell::new(Duration::ZERO);

    // Replica one raises alerts back to back; each mutation's latency is kept by phase.
    let writer = async {
        while phase.get() < 4 {
            let started = std::time::Instant::now();
            let body = one
                .gql(
                    Some(&token),
                    "mutation { raiseAlert(input: { severity: INFO, title: \"tick\" }) { alert { id } } }",
                    json!({}),
                )
                .await;
            assert_ok(&body);
            let at = phase.get().min(3);
            latencies.borrow_mut()[at].push(started.elapsed());
            written.set(written.get() + 1);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        writer_done.set(true);
    };
    // The client on replica two reads throughout (it also answers the server's pings).
    let reader = async {
        let mut ended: Option<tokio::time::Instant> = None;
        loop {
            if writer_done.get() {
                // What is still on its way gets a few seconds; what never comes fails below.
                let since = *ended.get_or_insert_with(tokio::time::Instant::now);
                if received.borrow().len() >= written.get() || since.elapsed() > WS_WAIT {
                    return;
                }
            }
            let Some(message) = ws.next_message(Duration::from_millis(100)).await else {
                continue;
            };
            assert_eq!(message["type"], "next", "{message}");
            assert!(message["payload"]["errors"].is_null(), "{message}");
            let data = &message["payload"]["data"];
            if message["id"] == "a" {
                received
                    .borrow_mut()
                    .push(str_of(&data["alerts"]["seq"]).parse().unwrap());
            } else if !data["telemetry"]["missedSince"].is_null() {
                gaps.set(gaps.get() + 1);
            }
        }
    };
    let faults = async {
        // Long enough a normal phase (about as many writes as the outage's) for its p99 to be
        // more than its few slowest writes.
        tokio::time::sleep(Duration::from_secs(8)).await;
        assert!(
            redis.kill_pubsub_clients().await >= 2,
            "both replicas' subscriptions"
        );
        phase.set(1);
        tokio::time::sleep(Duration::from_secs(2)).await;
        redis.kill();
        phase.set(2);
        // Degraded, not unready (bus_status asserts 200).
        until_bus_is([&one, &two], "degraded", Duration::from_secs(5)).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(redis.restart().await, "redis-server restarts");
        phase.set(3);
        resubscribed.set(until_bus_is([&one, &two], "ok", Duration::from_secs(5)).await);
        tokio::time::sleep(Duration::from_secs(2)).await;
        phase.set(4);
    };
    tokio::time::timeout(Duration::from_secs(90), async {
        futures::join!(writer, reader, faults)
    })
    .await
    .expect("the run ends");

    // Every event, once, in order: nothing was missed by the connected client.
    let received = received.into_inner();
    let expected: Vec<i64> = (1..=written.get() as i64).collect();
    assert_eq!(received, expected);
    // The telemetry stream was told, after each loss of the subscription, that readings may
    // have been missed.
    assert!(gaps.get() >= 2, "gap markers: {}", gaps.get());
    // Writes did not wait for Redis.
    let latencies = latencies.into_inner();
    let (normal, outage) = (p99(&latencies[0]), p99(&latencies[2]));
    eprintln!(
        "bus faults: {} alerts, none missed; mutation p99 normal {normal:?}, outage {outage:?}; resubscribed {:?} after Redis answered",
        written.get(),
        resubscribed.get()
    );
    // Before the bounded queue a write waited for Redis: seconds each during the outage, a few
    // dozen writes in its 10 s. The 2x goal of docs/BENCHMARKS.md is measured by the bench
    // script; here the bound has a floor of 1 s, because on a machine shared with builds a
    // debug build's p99 is mostly scheduling noise (seen with a 2 s normal phase: 262 ms normal,
    // 611 ms during the outage in one run, 127 ms and 26 ms in the next).
    assert!(
        latencies[2].len() >= 50,
        "writes went on during the outage: {}",
        latencies[2].len()
    );
    assert!(
        outage <= (normal * 2).max(Duration::from_secs(1)),
        "mutation p99 during the outage {outage:?} vs {normal:?} normally"
    );
    assert!(
        resubscribed.get() < Duration::from_secs(1),
        "resubscribed {:?} after Redis came back",
        resubscribed.get()
    );
}
