//! The background workers, driven directly with a chosen "now" (no waiting on their periods).

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_ok, str_of};
use crate::telemetry::{base_time, fleet, ingest_ok, point};
use api::events::EventBus;

async fn count_points(app: &TestApp, asset: Uuid) -> u64 {
    entity::telemetry_points::Entity::find()
        .filter(entity::telemetry_points::Column::AssetId.eq(asset))
        .count(&app.db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn retention_deletes_points_past_the_organizations_retention_and_year_old_rollups_only() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "retention").await;
    let asset = Uuid::parse_str(&robot).unwrap();
    ingest_ok(
        &app,
        &owner.token,
        json!([point(&robot, "cpu", base_time(), 10.0)]),
    )
    .await;
    // Rows older than any retention are written directly: ingest refuses them, as it should.
    let org = Uuid::parse_str(&owner.organization_id).unwrap();
    let old = (Utc::now() - Duration::days(40)).timestamp_millis();
    let rows = (0..12_000).map(|i| entity::telemetry_points::ActiveModel {
        asset_id: Set(asset),
        organization_id: Set(org),
        metric: Set("cpu".into()),
        ts: Set(old + i),
        value: Set(1.0),
        quality: Set(entity::Quality::Good),
    });
    let rows: Vec<_> = rows.collect();
    for chunk in rows.chunks(1000) {
        entity::telemetry_points::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db.conn)
            .await
            .unwrap();
    }
    entity::telemetry_rollups::Entity::insert(entity::telemetry_rollups::ActiveModel {
        asset_id: Set(asset),
        organization_id: Set(org),
        metric: Set("cpu".into()),
        bucket: Set((Utc::now() - Duration::days(400)).timestamp_millis() / 60_000 * 60_000),
        count: Set(1),
        sum: Set(1.0),
        min: Set(1.0),
        max: Set(1.0),
        sum_sq: Set(1.0),
    })
    .exec_without_returning(&app.db.conn)
    .await
    .unwrap();
    assert_eq!(count_points(&app, asset).await, 12_001);

    // More than one batch (5,000 rows) of old points: the sweep repeats until none is left.
    let swept = api::workers::retention::run(&app.db, Utc::now())
        .await
        .unwrap();
    assert_eq!(swept.points, 12_000);
    assert_eq!(swept.rollups, 1);
    assert_eq!(count_points(&app, asset).await, 1, "the recent point stays");
    let again = api::workers::retention::run(&app.db, Utc::now())
        .await
        .unwrap();
    assert_eq!(again, api::workers::retention::Swept::default());
}

#[tokio::test]
async fn a_silent_asset_goes_offline_with_an_alert_and_comes_back_when_it_reports() {
    let app = TestApp::spawn().await;
    let (owner, _, robot) = fleet(&app, "stale").await;
    ingest_ok(
        &app,
        &owner.token,
        json!([{ "assetId": robot, "metric": "cpu", "value": 20.0 }]),
    )
    .await;
    let bus = EventBus::in_process();
    let window = StdDuration::from_secs(60);

    // Not yet silent for the window: nothing happens.
    let went = api::workers::staleness::run(&app.db, &bus, window, Utc::now())
        .await
        .unwrap();
    assert_eq!(went, 0);
    // Two minutes later it is.
    let later = Utc::now() + Duration::minutes(2);
    let went = api::workers::staleness::run(&app.db, &bus, window, later)
        .await
        .unwrap();
    assert_eq!(went, 1);
    let again = api::workers::staleness::run(&app.db, &bus, window, later)
        .await
        .unwrap();
    assert_eq!(again, 0, "an offline asset is not taken offline twice");

    let query = "query($id: ID!) { asset(id: $id) { status }
        alerts(filter: { kind: OFFLINE }) { totalCount nodes { title severity status assetId: asset { id } } } }";
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["asset"]["status"], "OFFLINE", "{body}");
    let alerts = &body["data"]["alerts"];
    assert_eq!(alerts["totalCount"], 1, "{body}");
    assert_eq!(alerts["nodes"][0]["severity"], "ERROR");
    assert_eq!(alerts["nodes"][0]["status"], "OPEN");
    assert_eq!(str_of(&alerts["nodes"][0]["assetId"]["id"]), robot);

    // Reporting again brings it back online and resolves the offline alert.
    ingest_ok(
        &app,
        &owner.token,
        json!([{ "assetId": robot, "metric": "cpu", "value": 21.0 }]),
    )
    .await;
    let body = app
        .gql(Some(&owner.token), query, json!({ "id": robot }))
        .await;
    assert_eq!(body["data"]["asset"]["status"], "ONLINE", "{body}");
    assert_eq!(
        body["data"]["alerts"]["nodes"][0]["status"], "RESOLVED",
        "{body}"
    );
}
