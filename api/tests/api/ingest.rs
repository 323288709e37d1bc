//! Group commit of ingest calls (`api/src/ingest.rs`): concurrent calls written in one
//! transaction, each with its own answer and audit row, and a failing call failing alone.

use std::time::Duration;

use chrono::Duration as Span;
use futures::future::join_all;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, assert_ok};
use crate::telemetry::{base_time, fleet, ingest, ingest_ok, point, series_ok};

/// Holds the ingest writers back until dropped (then rolled back): on SQLite by holding the
/// write gate, on PostgreSQL by locking the organization row against the `FOR KEY SHARE` every
/// call takes first. Calls made meanwhile queue up, and the writers take them as groups.
pub async fn hold_writers(app: &TestApp, organization_id: &str) -> api::db::WriteTx {
    let blocker = app.db.begin_write().await.unwrap();
    if app.db.backend() == DbBackend::Postgres {
        blocker
            .tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id FROM organizations WHERE id = $1::uuid FOR UPDATE",
                [organization_id.into()],
            ))
            .await
            .unwrap();
    }
    blocker
}

/// From now on, any write of the metric `boom` fails in the database: a transaction that holds
/// one fails (INTERNAL), whatever else it holds.
pub async fn refuse_boom(app: &TestApp) {
    let statements: &[&str] = match app.db.backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON telemetry_latest FOR EACH ROW \
             WHEN (NEW.metric = 'boom') EXECUTE FUNCTION refuse_boom()",
        ],
        _ => &[
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON telemetry_latest \
             WHEN NEW.metric = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
    };
    for sql in statements {
        app.db.conn.execute_unprepared(sql).await.unwrap();
    }
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .conn
        .query_one_raw(Statement::from_string(app.db.backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// `ingestTelemetry` audit rows: successes (`None`) or refusals with the code.
async fn audited(app: &TestApp, error_code: Option<&str>) -> i64 {
    let outcome = error_code.map_or("IS NULL".to_owned(), |code| format!("= '{code}'"));
    count(
        app,
        &format!(
            "SELECT COUNT(*) FROM audit_logs WHERE action = 'ingestTelemetry' AND error_code {outcome}"
        ),
    )
    .await
}

/// Runs `calls` concurrently while the writers are held, then lets them go.
async fn while_held(
    app: &TestApp,
    organization_id: &str,
    token: &str,
    calls: &[Value],
) -> Vec<Value> {
    let blocker = hold_writers(app, organization_id).await;
    let release = async {
        // Long enough for every request to be parsed and queued.
        tokio::time::sleep(Duration::from_millis(400)).await;
        blocker.rollback().await.unwrap();
    };
    let (bodies, ()) = tokio::join!(
        join_all(
            calls
                .iter()
                .map(|points| ingest(app, token, points.clone()))
        ),
        release
    );
    bodies
}

#[tokio::test]
async fn concurrent_calls_are_written_together_and_each_gets_its_own_answer_and_audit_row() {
    // One writer on both backends, so that exactly one call (the one the writer took before
    // the others queued up) is written alone and the other seven as one group.
    let app = TestApp::spawn_with(|config| config.ingest_writers = 1).await;
    let (owner, _, robot) = fleet(&app, "ig-group").await;
    let t = base_time();
    // One call alone first: what a call costs in statements when it is written by itself.
    let before = app.db.statement_count();
    ingest_ok(&app, &owner.token, json!([point(&robot, "load", t, 1.0)])).await;
    let alone = app.db.statement_count() - before;

    // Eight calls, each with its own minute and value; every other one also names an unknown
    // asset, which only that call must report (at its own index).
    let calls: Vec<Value> = (1..=8)
        .map(|i| {
            let at = t + Span::minutes(i);
            let mut points = vec![
                point(&robot, "load", at, i as f64),
                point(&robot, "load", at + Span::seconds(1), i as f64 * 10.0),
            ];
            if i % 2 == 0 {
                points.insert(
                    1,
                    json!({ "assetCode": "NO-SUCH", "metric": "load", "value": 1.0 }),
                );
            }
            Value::Array(points)
        })
        .collect();
    let before = app.db.statement_count();
    let bodies = while_held(&app, &owner.organization_id, &owner.token, &calls).await;
    let together = app.db.statement_count() - before;

    for (i, body) in (1..=8).zip(&bodies) {
        assert_ok(body);
        let expected = if i % 2 == 0 {
            json!({ "accepted": 2, "rejected": [{ "index": 1, "reason": "unknown asset" }] })
        } else {
            json!({ "accepted": 2, "rejected": [] })
        };
        assert_eq!(
            body["data"]["ingestTelemetry"], expected,
            "call {i}: {body}"
        );
    }
    // Written as groups, eight calls cost far less than eight calls alone: each still pays its
    // own authentication, asset resolution and audit row, but the point, latest-value, rollup,
    // catalog and asset writes, the rule read and the commit are paid once per group.
    assert!(
        3 * together < 2 * 8 * alone,
        "8 calls cost {together} statements; one alone costs {alone}"
    );
    // Every point is stored, every minute rolled up exactly, and every call audited once.
    let minutes = series_ok(
        &app,
        &owner.token,
        &robot,
        "load",
        t,
        t + Span::minutes(10),
        Some(60),
    )
    .await;
    let buckets = minutes["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 9, "{minutes}");
    for (i, bucket) in buckets.iter().enumerate() {
        let (count, avg) = if i == 0 {
            (1, 1.0)
        } else {
            (2, i as f64 * 5.5)
        };
        assert_eq!(bucket["count"], count, "minute {i}: {bucket}");
        assert_eq!(bucket["avg"].as_f64(), Some(avg), "minute {i}: {bucket}");
    }
    assert_eq!(audited(&app, None).await, 9);
}

#[tokio::test]
async fn a_call_that_fails_inside_a_group_fails_alone_and_the_others_are_stored() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "ig-fail").await;
    refuse_boom(&app).await;
    let t = base_time();
    let calls: Vec<Value> = (0..4)
        .map(|i| {
            let metric = if i == 2 { "boom" } else { "load" };
            json!([point(&robot, metric, t + Span::seconds(i), i as f64)])
        })
        .collect();
    let bodies = while_held(&app, &owner.organization_id, &owner.token, &calls).await;
    for (i, body) in bodies.iter().enumerate() {
        if i == 2 {
            assert_code(body, "INTERNAL");
        } else {
            assert_ok(body);
            assert_eq!(
                body["data"]["ingestTelemetry"]["accepted"], 1,
                "call {i}: {body}"
            );
        }
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM telemetry_points WHERE metric = 'load'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM telemetry_points WHERE metric = 'boom'"
        )
        .await,
        0
    );
    assert_eq!(audited(&app, None).await, 3);
    assert_eq!(audited(&app, Some("INTERNAL")).await, 1);
}

/// A point another transaction stores while a call is being written (a device re-sending a
/// batch through a second replica, say). On PostgreSQL the call's first attempt inserts the
/// points that look new (newer than the series' latest value) without a conflict check, runs
/// into the other transaction's key, fails with a unique violation once that one commits, and
/// is written again with every point checked. On SQLite the call waits for the write lock and
/// checks every point anyway. Either way the call succeeds, its value replaces the other one,
/// and the minute's rollup is exact.
#[tokio::test]
async fn a_point_stored_concurrently_by_another_transaction_is_replaced_not_an_error() {
    use sea_orm::ActiveModelTrait;
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "ig-race").await;
    let t = base_time();
    ingest_ok(&app, &owner.token, json!([point(&robot, "load", t, 1.0)])).await;

    let blocker = app.db.begin_write().await.unwrap();
    entity::telemetry_points::ActiveModel {
        asset_id: sea_orm::Set(robot.parse().unwrap()),
        organization_id: sea_orm::Set(owner.organization_id.parse().unwrap()),
        metric: sea_orm::Set("load".into()),
        ts: sea_orm::Set((t + Span::seconds(10)).timestamp_millis()),
        value: sea_orm::Set(3.0),
        quality: sea_orm::Set(entity::enums::Quality::Good),
    }
    .insert(&blocker.tx)
    .await
    .unwrap();
    let release = async {
        // Long enough for the call to reach the stored key.
        tokio::time::sleep(Duration::from_millis(400)).await;
        blocker.commit().await.unwrap();
    };
    let points = json!([
        point(&robot, "load", t + Span::seconds(10), 5.0),
        point(&robot, "load", t + Span::seconds(20), 9.0),
    ]);
    let (body, ()) = tokio::join!(ingest(&app, &owner.token, points), release);
    assert_ok(&body);
    assert_eq!(
        body["data"]["ingestTelemetry"],
        json!({ "accepted": 2, "rejected": [] }),
        "{body}"
    );

    let to = t + Span::minutes(1);
    let raw = series_ok(&app, &owner.token, &robot, "load", t, to, None).await;
    let values: Vec<f64> = raw["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [1.0, 5.0, 9.0], "{raw}");
    let minute = series_ok(&app, &owner.token, &robot, "load", t, to, Some(60)).await;
    assert_eq!(minute["buckets"][0]["count"], 3, "{minute}");
    assert_eq!(minute["buckets"][0]["avg"].as_f64(), Some(5.0), "{minute}");
    assert_eq!(audited(&app, None).await, 2);
}

/// Migrations 000010 and 000011: on PostgreSQL the telemetry tables' metric keys compare byte by
/// byte (`COLLATE "C"`) and the tables ingest updates in place fill their pages to half, and
/// both migrations go down and up again. SQLite compares text byte by byte already and has no
/// fill factor; there is nothing to check there.
#[tokio::test]
async fn telemetry_storage_settings_apply_and_revert_on_postgres() {
    use migration::Migrator;
    use migration::sea_orm_migration::MigratorTrait;
    let app = TestApp::spawn().await;
    if app.db.backend() != DbBackend::Postgres {
        return;
    }
    // Migration 000010: metric keys compare byte by byte.
    let byte_ordered = "SELECT COUNT(*) FROM information_schema.columns \
        WHERE table_name IN ('telemetry_points', 'telemetry_latest', 'telemetry_rollups') \
        AND column_name = 'metric' AND collation_name = 'C'";
    // Migration 000011: pages of the tables updated in place keep room for HOT updates.
    let roomy = "SELECT COUNT(*) FROM pg_class \
        WHERE relname IN ('telemetry_latest', 'telemetry_rollups') \
        AND 'fillfactor=50' = ANY(reloptions)";
    assert_eq!(
        (count(&app, byte_ordered).await, count(&app, roomy).await),
        (3, 2)
    );
    // Down to 000011 first, whatever migrations follow it.
    let migrations = Migrator::migrations();
    let after_11 = migrations.len()
        - 1
        - migrations
            .iter()
            .position(|m| m.name().contains("_000011_"))
            .expect("migration 000011 exists");
    if after_11 > 0 {
        Migrator::down(&app.db.conn, Some(after_11 as u32))
            .await
            .unwrap();
    }
    Migrator::down(&app.db.conn, Some(1)).await.unwrap();
    assert_eq!(
        (count(&app, byte_ordered).await, count(&app, roomy).await),
        (3, 0)
    );
    Migrator::down(&app.db.conn, Some(1)).await.unwrap();
    assert_eq!(
        (count(&app, byte_ordered).await, count(&app, roomy).await),
        (0, 0)
    );
    Migrator::up(&app.db.conn, None).await.unwrap();
    assert_eq!(
        (count(&app, byte_ordered).await, count(&app, roomy).await),
        (3, 2)
    );
}

/// A batch that changes no alert is evaluated without the organization's alert lock, so it
/// does not queue behind a transaction holding it; a batch that raises an alert waits for the
/// lock, then reads the alert state anew and raises it (PostgreSQL: SQLite serialises write
/// transactions and takes no such lock).
#[tokio::test]
async fn only_a_batch_that_changes_alerts_waits_for_the_organization_alert_lock() {
    let app = TestApp::spawn().await;
    if app.db.backend() != DbBackend::Postgres {
        return;
    }
    let (owner, _, robot) = fleet(&app, "alertlock").await;
    let organization_id: uuid::Uuid = owner.organization_id.parse().unwrap();
    let t = base_time();
    // The robot's first point brings it online, which resolves its offline alert (if any)
    // under the lock: done before the lock is held.
    ingest_ok(&app, &owner.token, json!([point(&robot, "cpu", t, 10.0)])).await;
    let blocker = app.db.begin_write().await.unwrap();
    assert!(
        api::domain::alerts::lock_alert_log(&blocker.tx, organization_id)
            .await
            .unwrap()
    );

    // cpu 10 % is inside the default rule (warning at 70 %): nothing to write.
    let normal = ingest(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", t + Span::seconds(1), 10.0)]),
    );
    let body = tokio::time::timeout(Duration::from_secs(10), normal)
        .await
        .expect("a batch that changes no alert must not wait for the alert lock");
    assert_ok(&body);

    // cpu 95 % raises a critical alert: it waits until the lock is released.
    let breach = ingest(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", t + Span::seconds(2), 95.0)]),
    );
    tokio::pin!(breach);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut breach)
            .await
            .is_err(),
        "a batch that raises an alert waits for the alert lock"
    );
    blocker.rollback().await.unwrap();
    let body = tokio::time::timeout(Duration::from_secs(10), breach)
        .await
        .expect("the batch goes on once the lock is released");
    assert_ok(&body);
    let open = "SELECT COUNT(*) FROM alerts WHERE status = 'open' AND severity = 'critical'";
    assert_eq!(count(&app, open).await, 1);
    let raised = "SELECT COUNT(*) FROM alert_events WHERE kind = 'raised'";
    assert_eq!(count(&app, raised).await, 1);
}
