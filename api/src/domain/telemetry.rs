//! Telemetry: ingest, storage (raw points, exact per-minute rollups, latest values, the metric
//! catalog) and queries.
//!
//! An ingest call's points, the rollups they touch, the latest values, the catalog, the assets'
//! `last_seen_at` and the alert evaluation commit together, and only then is the batch published
//! (docs/ARCHITECTURE.md §9.1). [`prepare`] validates a call and [`write`] stores one or several
//! prepared calls; `crate::ingest` runs them, several concurrent calls in one transaction.
//! Re-sending a batch changes nothing: points are keyed on (asset, metric, ts); a new point is
//! added to its minute's rollup, and the minutes of a re-sent point whose value changed are
//! recomputed from the raw points, so the rollups stay exact.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::status::{self, Cause};
use crate::domain::{assets, now, validate};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{
    AssetStatus, Quality, assets as asset_rows, metrics, organizations, telemetry_latest,
    telemetry_points, telemetry_rollups,
};

/// Longest unit, in characters.
pub const MAX_UNIT_CHARS: usize = 16;
/// Most points one ingest call may carry.
pub const MAX_POINTS_PER_CALL: usize = 10_000;
/// How far ahead of the server's clock a timestamp may be (clock skew of devices).
pub const MAX_FUTURE: Duration = Duration::minutes(5);
/// Most points or buckets one series query returns.
pub const MAX_SERIES_POINTS: u32 = 10_000;
pub const DEFAULT_SERIES_POINTS: u32 = 1_000;
/// Most series in one multi-series query.
pub const MAX_SERIES: usize = 50;
/// Longest range one query may cover.
pub const MAX_RANGE: Duration = Duration::days(400);

const MINUTE_MS: i64 = 60_000;
/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters at 6 columns a row.
const INSERT_CHUNK: usize = 1_000;

/// How an ingested point names its asset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssetRef {
    Id(Uuid),
    Code(String),
}

#[derive(Debug, Clone)]
pub struct PointInput {
    pub asset: AssetRef,
    pub metric: String,
    pub ts: Option<DateTime<Utc>>,
    pub value: f64,
    pub quality: Option<Quality>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RejectedPoint {
    pub index: usize,
    pub reason: String,
}

/// A point that passed validation, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub asset_id: Uuid,
    pub metric: String,
    pub ts: i64,
    pub value: f64,
    pub quality: Quality,
}

impl Sample {
    /// What identifies a stored point: (asset, metric, ts).
    fn key(&self) -> (Uuid, &str, i64) {
        (self.asset_id, self.metric.as_str(), self.ts)
    }

    /// The series the point belongs to: (asset, metric).
    pub(crate) fn series(&self) -> (Uuid, &str) {
        (self.asset_id, self.metric.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// The rules of device input (docs/ARCHITECTURE.md §9.1), one copy for every path: GraphQL's
// `ingestTelemetry` and the MQTT bridge decode their wire format (the bridge with the two
// parsers below) into [`PointInput`]s, and [`prepare`] applies everything else per point.

/// The largest magnitude a value may have. Every aggregate of the rollups must stay finite: a
/// bucket sums the squares of its points (for the standard deviation), and a bucket holds at
/// most 60,000 points a minute (keys are per millisecond) for at most 31 days (the widest
/// bucket), 2.7e9 points, so |v| <= 2.6e149 keeps the sum of squares below f64::MAX; 1e100 is
/// that with ample room. Values outside are refused per point.
pub const MAX_ABS_VALUE: f64 = 1e100;

/// A timestamp written as text: RFC 3339, relaxed as GraphQL's `DateTime` scalar relaxes it
/// (the same parser, chrono's): `T` or a space between date and time, an offset with or without
/// its colon, `Z` or `UTC`. Digits below the millisecond are dropped when the point is stored.
pub fn parse_timestamp(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    text.parse::<DateTime<Utc>>().map_err(|e| {
        format!(
            "ts must be an RFC 3339 date-time (2026-01-02T03:04:05.678Z) or epoch milliseconds: {e}"
        )
    })
}

/// A timestamp written as epoch milliseconds. A fraction is dropped (rounded down), as digits
/// below the millisecond are when the time is written as text: one instant, one stored `ts`.
pub fn epoch_millis(ms: f64) -> Option<DateTime<Utc>> {
    // Range-checked before the cast, which would saturate.
    if !ms.is_finite() || ms.abs() >= 9.0e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.floor() as i64)
}

/// Why a value cannot be stored, if it cannot.
fn value_problem(value: f64) -> Option<String> {
    (!value.is_finite() || value.abs() > MAX_ABS_VALUE).then(|| {
        format!("value must be a finite number between -{MAX_ABS_VALUE:e} and {MAX_ABS_VALUE:e}")
    })
}

/// A metric key: lower-case letters, digits, `_` and `.`, starting with a letter, 1..=64.
pub fn metric_key(field: &str, key: &str) -> Result<String> {
    let key = key.trim();
    let valid = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    if !valid {
        return Err(AppError::validation(
            field,
            "a metric key is 1-64 lower-case letters, digits, '_' or '.', starting with a letter",
        ));
    }
    Ok(key.to_owned())
}

fn quality_str(quality: Quality) -> &'static str {
    match quality {
        Quality::Good => "good",
        Quality::Bad => "bad",
        Quality::Uncertain => "uncertain",
    }
}

/// Resolves every asset reference of the batch in at most two statements, locking the rows
/// `FOR KEY SHARE` on PostgreSQL: `telemetry_points` has no per-row foreign keys (migration
/// 000009), so this is what keeps an asset from being deleted under the batch, once per asset
/// rather than once per point. SQLite ignores the lock and keeps its foreign keys.
async fn resolve_assets<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    points: &[PointInput],
) -> Result<HashMap<AssetRef, asset_rows::Model>> {
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for p in points {
        match &p.asset {
            AssetRef::Id(id) => {
                ids.insert(*id);
            }
            AssetRef::Code(code) => {
                codes.insert(code.trim().to_ascii_uppercase());
            }
        }
    }
    let mut found = HashMap::new();
    if !ids.is_empty() {
        let rows = assets::visible(tenant)
            .filter(asset_rows::Column::Id.is_in(ids))
            .filter(asset_rows::Column::ArchivedAt.is_null())
            .lock(LockType::KeyShare)
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|a| (AssetRef::Id(a.id), a)));
    }
    if !codes.is_empty() {
        let rows = assets::visible(tenant)
            .filter(asset_rows::Column::Code.is_in(codes))
            .filter(asset_rows::Column::ArchivedAt.is_null())
            .lock(LockType::KeyShare)
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|a| (AssetRef::Code(a.code.clone()), a)),
        );
    }
    Ok(found)
}

/// What a caller may ask of ingest before any database work: the permission and the size.
pub fn check(tenant: &Tenant, points: usize) -> Result<()> {
    tenant.require(Permission::TelemetryWrite)?;
    if points > MAX_POINTS_PER_CALL {
        return Err(AppError::validation(
            "input.points",
            format!("at most {MAX_POINTS_PER_CALL} points per call, not {points}"),
        ));
    }
    Ok(())
}

/// One caller's batch, validated inside the write transaction and ready for [`write`], alone or
/// together with other callers' batches (`crate::ingest` commits several calls at once).
pub struct Prepared {
    pub organization_id: Uuid,
    /// Who sent it: the actor of the status changes it causes.
    cause: Cause,
    /// In arrival order; [`write`] keeps the last point of each (asset, metric, ts), as if the
    /// points had arrived in separate calls.
    samples: Vec<Sample>,
    units: HashMap<(Uuid, String), String>,
    /// The batch's assets, by id, as resolved (and locked) for it.
    assets: HashMap<Uuid, asset_rows::Model>,
    pub accepted: usize,
    pub rejected: Vec<RejectedPoint>,
}

/// Validates one caller's batch: resolves (and locks) its organization and assets, and sorts
/// its points into samples and rejects. Writes nothing.
pub async fn prepare<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    points: &[PointInput],
) -> Result<Prepared> {
    check(tenant, points.len())?;
    // Locked like the assets below: the organization cannot go (its trigger deletes its points)
    // while this batch writes some.
    let org = organizations::Entity::find_by_id(tenant.organization_id)
        .lock(LockType::KeyShare)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("organization"))?;
    let now = now();
    let newest_allowed = (now + MAX_FUTURE).timestamp_millis();
    let oldest_allowed =
        (now - Duration::days(i64::from(org.telemetry_retention_days))).timestamp_millis();
    let resolved = resolve_assets(db, tenant, points).await?;

    let mut part = Prepared {
        organization_id: tenant.organization_id,
        cause: Cause::of(tenant),
        samples: Vec::with_capacity(points.len()),
        units: HashMap::new(),
        assets: HashMap::new(),
        accepted: 0,
        rejected: Vec::new(),
    };
    for (index, p) in points.iter().enumerate() {
        let reject = |reason: String| RejectedPoint { index, reason };
        let key = match &p.asset {
            AssetRef::Code(code) => AssetRef::Code(code.trim().to_ascii_uppercase()),
            id => id.clone(),
        };
        let Some(asset) = resolved.get(&key) else {
            part.rejected.push(reject("unknown asset".into()));
            continue;
        };
        let metric = match metric_key("metric", &p.metric) {
            Ok(m) => m,
            Err(e) => {
                part.rejected.push(reject(format!("bad metric key: {e}")));
                continue;
            }
        };
        if let Some(problem) = value_problem(p.value) {
            part.rejected.push(reject(problem));
            continue;
        }
        let ts =
            p.ts.map_or(now.timestamp_millis(), |t| t.timestamp_millis());
        if ts > newest_allowed {
            part.rejected
                .push(reject("timestamp is too far in the future".into()));
            continue;
        }
        if ts < oldest_allowed {
            part.rejected.push(reject(format!(
                "timestamp is older than the retention of {} days",
                org.telemetry_retention_days
            )));
            continue;
        }
        match validate::optional_text("unit", p.unit.as_deref(), MAX_UNIT_CHARS) {
            Ok(Some(unit)) => {
                part.units.insert((asset.id, metric.clone()), unit);
            }
            Ok(None) => {}
            Err(e) => {
                part.rejected.push(reject(e.to_string()));
                continue;
            }
        }
        let quality = p.quality.unwrap_or(Quality::Good);
        part.samples.push(Sample {
            asset_id: asset.id,
            metric,
            ts,
            value: p.value,
            quality,
        });
        part.assets.entry(asset.id).or_insert_with(|| asset.clone());
        part.accepted += 1;
    }
    Ok(part)
}

/// Writes prepared batches: per organization (in id order), their samples merged (a later
/// batch's point wins over an earlier one's with the same key, as if they had been written one
/// after the other), stored, rolled up and evaluated once. Takes the samples out of `parts`
/// and leaves their counts and rejects. Returns the events to publish after the commit.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    parts: &mut [Prepared],
    insert: Insert,
) -> Result<Vec<Outgoing>> {
    let mut organizations: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if !part.samples.is_empty() {
            organizations
                .entry(part.organization_id)
                .or_default()
                .push(i);
        }
    }
    let mut events = Vec::new();
    for (organization_id, members) in organizations {
        let mut samples = Vec::new();
        let mut units = HashMap::new();
        // Each reporting asset with the cause of the first batch that reported it.
        let mut reporting: BTreeMap<Uuid, (asset_rows::Model, Cause)> = BTreeMap::new();
        for i in members {
            let part = &mut parts[i];
            let cause = part.cause;
            for (id, asset) in part.assets.drain() {
                reporting.entry(id).or_insert((asset, cause));
            }
            // Later batches' points replace earlier ones with the same key.
            samples.append(&mut part.samples);
            units.extend(part.units.drain());
        }
        let samples = last_per_key(samples);
        let written =
            write_organization(db, organization_id, &samples, &units, &reporting, insert).await?;
        events.push(Outgoing::Telemetry(Readings {
            organization_id,
            sites: reporting
                .iter()
                .map(|(id, (asset, _))| (*id, asset.site_id))
                .collect(),
            samples,
        }));
        events.extend(written.into_iter().map(Outgoing::Event));
    }
    Ok(events)
}

/// The samples in key order, one per key: of several with the same key, the last to arrive.
fn last_per_key(mut samples: Vec<Sample>) -> Vec<Sample> {
    // Stable: samples with the same key stay in arrival order.
    samples.sort_by(|a, b| a.key().cmp(&b.key()));
    let mut last: Vec<Sample> = Vec::with_capacity(samples.len());
    for sample in samples {
        match last.last_mut() {
            Some(previous) if previous.key() == sample.key() => *previous = sample,
            _ => last.push(sample),
        }
    }
    last
}

/// What a write has to publish once it has committed.
pub enum Outgoing {
    Event(Event),
    /// The stored points, turned into their `telemetry` event only when published: a
    /// 1,000-point event takes a while to build, and the writer has better things to do while
    /// it holds its rows.
    Telemetry(Readings),
}

/// One organization's stored points.
pub struct Readings {
    organization_id: Uuid,
    samples: Vec<Sample>,
    sites: HashMap<Uuid, Uuid>,
}

impl Outgoing {
    pub fn into_event(self) -> Event {
        match self {
            Self::Event(event) => event,
            Self::Telemetry(readings) => readings.into_event(),
        }
    }
}

impl Readings {
    /// Each point names its site, so that site-restricted subscribers can be served without a
    /// database read per event.
    fn into_event(self) -> Event {
        let payload: Vec<_> = self
            .samples
            .iter()
            .map(|s| {
                json!({
                    "assetId": s.asset_id, "siteId": self.sites.get(&s.asset_id),
                    "metric": s.metric, "ts": s.ts, "value": s.value,
                    "quality": quality_str(s.quality),
                })
            })
            .collect();
        Event::new(
            self.organization_id,
            TopicKind::Telemetry,
            json!({ "points": payload }),
        )
    }
}

/// Stores one organization's samples (in key order) and evaluates them; returns the status and
/// alert events.
///
/// The statements run in two stretches. First what concurrent batches do not contend for: the
/// alert rules are read and the points stored (rows no other batch writes, unless it carries
/// the same points). Then the rows every batch of a series writes, held from their first write
/// to the commit, so as few round trips as possible from there: the latest values, rollups,
/// catalog and `last_seen_at` in one statement, the alert state, the commit.
async fn write_organization<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[Sample],
    units: &HashMap<(Uuid, String), String>,
    reporting: &BTreeMap<Uuid, (asset_rows::Model, Cause)>,
    insert: Insert,
) -> Result<Vec<Event>> {
    let rules = crate::domain::alerts::rules_for(db, organization_id, samples).await?;
    let fates = store_points(db, organization_id, samples, insert).await?;
    // New points are added to their minute's rollup (an increment, which commutes with
    // concurrent increments); the minutes of re-sent points whose value changed are recomputed
    // from the raw points, after the state statement on purpose. Upserting a series' latest
    // row locks it (inserted, updated, or left alone by the WHERE: PostgreSQL locks every
    // conflicting row), so concurrent batches of the same series queue there until the earlier
    // one commits. A recompute that follows is a new statement, with a new snapshot (READ
    // COMMITTED), that therefore sees the points of every batch committed before it. Were it
    // before, a recompute could miss a concurrent batch's points and overwrite its increment.
    SeriesState::of(samples, &fates, units)
        .write(db, organization_id)
        .await?;
    let changed: Vec<Sample> = samples
        .iter()
        .zip(&fates)
        .filter(|(_, fate)| **fate == Fate::Changed)
        .map(|(s, _)| s.clone())
        .collect();
    if !changed.is_empty() {
        recompute_rollups(db, organization_id, &changed).await?;
    }
    let mut events = bring_online(db, reporting).await?;
    let assets = reporting.values().map(|(asset, _)| asset);
    events.extend(
        crate::domain::alerts::evaluate(db, organization_id, samples, &rules, assets).await?,
    );
    Ok(events)
}

/// How [`write`] stores points that look new (see `store_points`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// PostgreSQL: a point newer than its series' newest stored one goes in by a plain INSERT.
    /// Should a concurrent transaction store the same key first, the write fails with a unique
    /// violation (CONFLICT); retry it with `Checked`.
    Optimistic,
    /// Every point goes in by `ON CONFLICT DO NOTHING`: never fails on a stored key.
    Checked,
}

/// What writing a sample did to its stored point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// A new point: its rollup bucket gains it.
    New,
    /// A re-sent point with another value or quality: its bucket is recomputed.
    Changed,
    /// A re-sent point, identical: nothing to do.
    Same,
}

/// Writes the points, and says for each sample (in order) whether it was new, changed or the
/// same.
///
/// [`Insert::Optimistic`] (PostgreSQL): a sample newer than its series' newest stored point
/// cannot be stored yet, since every stored point's series has a latest row at least as new
/// (both are written in one transaction, and the latest value never goes back). Those samples,
/// in a fleet that reports forward in time nearly all of them, go in by a plain INSERT: about
/// half the cost of an `ON CONFLICT` one, which checks each key twice and writes a second WAL
/// record per row. The latest rows are read without a lock (a lock would serialise every
/// concurrent batch of a series, not just the conflicting ones), so a concurrent batch may
/// still commit the same key in between: the INSERT then fails with a unique violation, and
/// the caller retries with [`Insert::Checked`].
///
/// Every other sample (all of them with `Checked`, and on SQLite) goes through
/// `ON CONFLICT DO NOTHING`, which reports the keys that were already stored; only then does a
/// last statement update those whose value or quality differ.
async fn store_points<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[Sample],
    insert: Insert,
) -> Result<Vec<Fate>> {
    let mut fates = vec![Fate::New; samples.len()];
    let optimistic =
        insert == Insert::Optimistic && db.get_database_backend() == DbBackend::Postgres;
    let maybe_stored: Vec<usize> = if optimistic {
        let newest = newest_stored(db, organization_id, samples).await?;
        let (fresh, maybe_stored): (Vec<usize>, Vec<usize>) = (0..samples.len()).partition(|&i| {
            let s = &samples[i];
            newest.get(&s.series()).is_some_and(|&stored| s.ts > stored)
        });
        let fresh: Vec<&Sample> = fresh.iter().map(|&i| &samples[i]).collect();
        insert_fresh_points(db, organization_id, &fresh).await?;
        maybe_stored
    } else {
        (0..samples.len()).collect()
    };
    if maybe_stored.is_empty() {
        return Ok(fates);
    }
    let candidates: Vec<&Sample> = maybe_stored.iter().map(|&i| &samples[i]).collect();
    let existing: Vec<usize> = insert_new_points(db, organization_id, &candidates)
        .await?
        .into_iter()
        .map(|j| maybe_stored[j])
        .collect();
    if existing.is_empty() {
        return Ok(fates);
    }
    for &i in &existing {
        fates[i] = Fate::Same;
    }
    let resent: Vec<&Sample> = existing.iter().map(|&i| &samples[i]).collect();
    let mut changed = update_resent_points(db, organization_id, &resent).await?;
    changed.sort_unstable();
    for &i in &existing {
        let s = &samples[i];
        let key = s.key();
        if changed
            .binary_search_by(|(a, m, t)| (*a, m.as_str(), *t).cmp(&key))
            .is_ok()
        {
            fates[i] = Fate::Changed;
        }
    }
    Ok(fates)
}

/// PostgreSQL: the newest stored timestamp of each of the samples' series (from their latest
/// rows). Series with no stored point yet are absent.
async fn newest_stored<'a, C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &'a [Sample],
) -> Result<HashMap<(Uuid, &'a str), i64>> {
    // Samples come in key order: each series' samples are adjacent, and the series sorted.
    let mut series: Vec<(Uuid, &str)> = samples.iter().map(Sample::series).collect();
    series.dedup();
    // One primary-key probe per series, whatever the planner believes. As a plain join of the
    // arrays with the table, the statement's generic plan (which the driver's prepared
    // statement gets after five executions) was a nested loop that compared every series with
    // every latest row of the organization: 62,250 comparisons and 3-6 ms for a batch of 250
    // series, against 0.2 ms for the custom plan. The LIMIT keeps the lateral subquery from
    // being folded back into such a join. The organization is checked after the probe, not by
    // its index (the assets are the tenant's already; this is a second line).
    let sql = "SELECT u.asset_id, u.metric, l.ts \
        FROM UNNEST($2::uuid[], $3::text[]) AS u(asset_id, metric) \
        CROSS JOIN LATERAL (SELECT p.ts, p.organization_id FROM telemetry_latest p \
            WHERE p.asset_id = u.asset_id AND p.metric = u.metric LIMIT 1) AS l \
        WHERE l.organization_id = $1";
    let values = vec![
        organization_id.into(),
        array(series.iter().map(|(a, _)| *a)),
        array(series.iter().map(|(_, m)| (*m).to_owned())),
    ];
    let rows = query_pg(db, sql, values).await?;
    // Keyed by the batch's own (borrowed) series, found by binary search.
    let mut newest = HashMap::with_capacity(rows.len());
    for row in &rows {
        let (asset_id, metric, ts) = point_key(row)?;
        if let Ok(i) = series.binary_search(&(asset_id, metric.as_str())) {
            newest.insert(series[i], ts);
        }
    }
    Ok(newest)
}

/// PostgreSQL: inserts samples that look new (see [`store_points`]).
async fn insert_fresh_points<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[&Sample],
) -> Result<()> {
    if samples.is_empty() {
        return Ok(());
    }
    let sql = "INSERT INTO telemetry_points (asset_id, organization_id, metric, ts, value, quality) \
        SELECT u.asset_id, $1::uuid, u.metric, u.ts, u.value, u.quality \
        FROM UNNEST($2::uuid[], $3::text[], $4::int8[], $5::float8[], $6::text[]) \
            AS u(asset_id, metric, ts, value, quality)";
    execute_pg(db, sql, point_arrays(organization_id, samples)).await
}

/// The parameters of an array-bound point statement: `$1` the organization, `$2..$6` the
/// asset, metric, ts, value and quality columns.
fn point_arrays(organization_id: Uuid, samples: &[&Sample]) -> Vec<sea_orm::Value> {
    vec![
        organization_id.into(),
        array(samples.iter().map(|s| s.asset_id)),
        array(samples.iter().map(|s| s.metric.clone())),
        array(samples.iter().map(|s| s.ts)),
        array(samples.iter().map(|s| s.value)),
        array(samples.iter().map(|s| quality_str(s.quality).to_owned())),
    ]
}

/// Inserts the samples whose key is not stored yet; returns the positions of those that were.
async fn insert_new_points<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[&Sample],
) -> Result<Vec<usize>> {
    use telemetry_points::Column as P;
    if db.get_database_backend() == DbBackend::Postgres {
        // One array per column instead of six parameters per point: PostgreSQL then parses,
        // binds and plans a statement of six parameters rather than 6,000. The samples are in
        // key order, and so are the rows the INSERT writes (deadlock-free against concurrent
        // re-sends). Only the keys that were skipped come back: none, unless this is a re-send.
        let sql = "WITH new AS ( \
                INSERT INTO telemetry_points (asset_id, organization_id, metric, ts, value, quality) \
                SELECT u.asset_id, $1::uuid, u.metric, u.ts, u.value, u.quality \
                FROM UNNEST($2::uuid[], $3::text[], $4::int8[], $5::float8[], $6::text[]) \
                    AS u(asset_id, metric, ts, value, quality) \
                ON CONFLICT (asset_id, metric, ts) DO NOTHING \
                RETURNING asset_id, metric, ts) \
            SELECT u.i - 1 AS i \
            FROM UNNEST($2::uuid[], $3::text[], $4::int8[]) WITH ORDINALITY AS u(asset_id, metric, ts, i) \
            WHERE NOT EXISTS (SELECT 1 FROM new \
                WHERE new.asset_id = u.asset_id AND new.metric = u.metric AND new.ts = u.ts)";
        let values = point_arrays(organization_id, samples);
        let rows = query_pg(db, sql, values).await?;
        return rows
            .iter()
            .map(|row| {
                let i: i64 = row.try_get("", "i")?;
                Ok(usize::try_from(i).unwrap_or_default())
            })
            .collect();
    }
    // SQLite: the inserted keys come back; the samples (in key order) are matched against them.
    let mut existing = Vec::new();
    for (chunk_no, chunk) in samples.chunks(INSERT_CHUNK).enumerate() {
        let insert = points_upsert(
            organization_id,
            chunk.iter().copied(),
            OnConflict::columns([P::AssetId, P::Metric, P::Ts])
                .do_nothing()
                .to_owned(),
        )?;
        let mut inserted: Vec<(Uuid, String, i64)> = db
            .query_all(&insert)
            .await?
            .iter()
            .map(point_key)
            .collect::<Result<_>>()?;
        inserted.sort_unstable();
        let mut next = inserted.iter().peekable();
        for (i, s) in chunk.iter().enumerate() {
            let key = s.key();
            match next.peek() {
                Some((a, m, t)) if (*a, m.as_str(), *t) == key => {
                    next.next();
                }
                _ => existing.push(chunk_no * INSERT_CHUNK + i),
            }
        }
    }
    Ok(existing)
}

/// Re-sent points: stores the new value and quality where they differ; returns those keys.
async fn update_resent_points<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[&Sample],
) -> Result<Vec<(Uuid, String, i64)>> {
    use telemetry_points::Column as P;
    // An upsert rather than an UPDATE: it writes rows in the (key) order of its input, so
    // concurrent re-sends cannot deadlock, and a point the retention sweep removed meanwhile is
    // simply stored again (and reported as changed).
    let changed = Expr::cust(
        "telemetry_points.value <> excluded.value OR telemetry_points.quality <> excluded.quality",
    );
    let mut keys = Vec::new();
    for chunk in samples.chunks(INSERT_CHUNK) {
        let insert = points_upsert(
            organization_id,
            chunk.iter().copied(),
            OnConflict::columns([P::AssetId, P::Metric, P::Ts])
                .update_columns([P::Value, P::Quality])
                .action_and_where(changed.clone())
                .to_owned(),
        )?;
        for row in db.query_all(&insert).await? {
            keys.push(point_key(&row)?);
        }
    }
    Ok(keys)
}

/// A multi-row point upsert that returns the keys it wrote.
fn points_upsert<'a>(
    organization_id: Uuid,
    samples: impl Iterator<Item = &'a Sample>,
    on_conflict: OnConflict,
) -> Result<sea_orm::sea_query::InsertStatement> {
    use telemetry_points::Column as P;
    let mut insert = Query::insert();
    insert
        .into_table(telemetry_points::Entity)
        .columns([
            P::AssetId,
            P::OrganizationId,
            P::Metric,
            P::Ts,
            P::Value,
            P::Quality,
        ])
        .on_conflict(on_conflict)
        .returning(Query::returning().columns([P::AssetId, P::Metric, P::Ts]));
    for s in samples {
        insert
            .values([
                s.asset_id.into(),
                organization_id.into(),
                s.metric.clone().into(),
                s.ts.into(),
                s.value.into(),
                quality_str(s.quality).into(),
            ])
            .map_err(|e| AppError::Internal(anyhow::anyhow!("point statement: {e}")))?;
    }
    Ok(insert)
}

/// The (asset, metric, ts) key a point statement returned.
fn point_key(row: &sea_orm::QueryResult) -> Result<(Uuid, String, i64)> {
    Ok((
        row.try_get("", "asset_id")?,
        row.try_get("", "metric")?,
        row.try_get("", "ts")?,
    ))
}

/// One column of an array-bound statement (PostgreSQL `$n::type[]`).
fn array<T>(items: impl Iterator<Item = T>) -> sea_orm::Value
where
    Vec<T>: Into<sea_orm::Value>,
{
    items.collect::<Vec<T>>().into()
}

/// Runs one PostgreSQL query (the array-bound forms of the ingest reads and writes).
async fn query_pg<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<sea_orm::QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?)
}

/// Runs one PostgreSQL statement (the array-bound forms of the ingest writes).
async fn execute_pg<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
    .await?;
    Ok(())
}

/// The assets and metrics of the series that share one span of minutes.
type SeriesGroup<'a> = (BTreeSet<Uuid>, BTreeSet<&'a str>);

/// Recomputes, from the raw points, every minute bucket the batch touched.
async fn recompute_rollups<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[Sample],
) -> Result<()> {
    use telemetry_points::Column as P;
    use telemetry_rollups::Column as R;
    // The touched minute span of each (asset, metric) series. Recomputing from the raw points
    // is exact whatever else lies in the span, so minutes between touched ones are safe to
    // include.
    let mut spans: BTreeMap<(Uuid, &str), (i64, i64)> = BTreeMap::new();
    for s in samples {
        let bucket = s.ts.div_euclid(MINUTE_MS) * MINUTE_MS;
        spans
            .entry(s.series())
            .and_modify(|(lo, hi)| {
                *lo = std::cmp::min(*lo, bucket);
                *hi = std::cmp::max(*hi, bucket);
            })
            .or_insert((bucket, bucket));
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Exactly the batch's series, each with its own span, in one statement. Only these
        // series are locked by this transaction (their latest rows, see `ingest`); recomputing
        // another series here, as the cross product below does, could overwrite a concurrent
        // batch's rollup of it with a snapshot that lacks that batch's points.
        let sql = "INSERT INTO telemetry_rollups \
                (asset_id, organization_id, metric, bucket, \"count\", \"sum\", \"min\", \"max\", sum_sq) \
            SELECT p.asset_id, $1::uuid, p.metric, (p.ts / 60000) * 60000 AS b, \
                COUNT(p.value), SUM(p.value), MIN(p.value), MAX(p.value), SUM(p.value * p.value) \
            FROM UNNEST($2::uuid[], $3::text[], $4::int8[], $5::int8[]) AS s(asset_id, metric, lo, hi) \
            JOIN telemetry_points p \
                ON p.asset_id = s.asset_id AND p.metric = s.metric AND p.ts >= s.lo AND p.ts < s.hi \
            GROUP BY p.asset_id, p.metric, b \
            ORDER BY p.asset_id, p.metric, b \
            ON CONFLICT (asset_id, metric, bucket) DO UPDATE SET \"count\" = excluded.\"count\", \
                \"sum\" = excluded.\"sum\", \"min\" = excluded.\"min\", \"max\" = excluded.\"max\", \
                sum_sq = excluded.sum_sq";
        let values = vec![
            organization_id.into(),
            array(spans.keys().map(|(a, _)| *a)),
            array(spans.keys().map(|(_, m)| (*m).to_owned())),
            array(spans.values().map(|(lo, _)| *lo)),
            array(spans.values().map(|(_, hi)| hi + MINUTE_MS)),
        ];
        return execute_pg(db, sql, values).await;
    }
    // SQLite has no arrays: series are grouped by span, and each group costs one statement over
    // the cross product of its assets and metrics (one statement for a batch whose series all
    // cover the same minutes, the usual case). SQLite serialises write transactions
    // (`Db::begin_write`), so recomputing series outside the batch is harmless there.
    let mut groups: BTreeMap<(i64, i64), SeriesGroup<'_>> = BTreeMap::new();
    for ((asset_id, metric), span) in spans {
        let group = groups.entry(span).or_default();
        group.0.insert(asset_id);
        group.1.insert(metric);
    }
    for ((lo, hi), (asset_ids, metric_keys)) in groups {
        let bucket_expr = bucket_of(Expr::col(P::Ts), MINUTE_MS);
        let select = Query::select()
            .column(P::AssetId)
            .expr(Expr::val(organization_id))
            .column(P::Metric)
            .expr(bucket_expr.clone())
            .expr(Func::count(Expr::col(P::Value)))
            .expr(Func::sum(Expr::col(P::Value)))
            .expr(Func::min(Expr::col(P::Value)))
            .expr(Func::max(Expr::col(P::Value)))
            .expr(Func::sum(Expr::col(P::Value).mul(Expr::col(P::Value))))
            .from(telemetry_points::Entity)
            .and_where(Expr::col(P::AssetId).is_in(asset_ids))
            .and_where(Expr::col(P::Metric).is_in(metric_keys))
            .and_where(Expr::col(P::Ts).gte(lo))
            .and_where(Expr::col(P::Ts).lt(hi + MINUTE_MS))
            .group_by_col(P::AssetId)
            .group_by_col(P::Metric)
            .add_group_by([bucket_expr.clone()])
            // Rows are upserted in key order, so concurrent batches cannot deadlock on them.
            .order_by(P::AssetId, sea_orm::Order::Asc)
            .order_by(P::Metric, sea_orm::Order::Asc)
            .order_by_expr(bucket_expr, sea_orm::Order::Asc)
            .to_owned();
        let insert = Query::insert()
            .into_table(telemetry_rollups::Entity)
            .columns(ROLLUP_COLUMNS)
            .select_from(select)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rollup statement: {e}")))?
            .on_conflict(
                OnConflict::columns([R::AssetId, R::Metric, R::Bucket])
                    .update_columns([R::Count, R::Sum, R::Min, R::Max, R::SumSq])
                    .to_owned(),
            )
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The columns of a rollup row, in the order the rollup statements write them.
const ROLLUP_COLUMNS: [telemetry_rollups::Column; 9] = {
    use telemetry_rollups::Column as R;
    [
        R::AssetId,
        R::OrganizationId,
        R::Metric,
        R::Bucket,
        R::Count,
        R::Sum,
        R::Min,
        R::Max,
        R::SumSq,
    ]
};

/// One minute of one series, aggregated over the batch's new points.
struct Increment {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
    sum_sq: f64,
}

impl Increment {
    fn of(value: f64) -> Self {
        Self {
            count: 1,
            sum: value,
            min: value,
            max: value,
            sum_sq: value * value,
        }
    }

    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum_sq += value * value;
    }
}

/// What one organization's stored samples change besides their points: the latest value of
/// each series, the minute rollups their new points add to, the metric catalog, and the
/// reporting assets' `last_seen_at`. Every list is in key order, so concurrent batches lock
/// these rows in the same order and cannot deadlock.
struct SeriesState<'a> {
    /// The newest sample of each series, with the unit reported for it ("" for none: arrays
    /// cannot hold NULL through the driver's binding, and `ingest` drops blank units).
    latest: Vec<(&'a Sample, &'a str)>,
    /// The new points' increments of each (asset, metric, minute).
    buckets: BTreeMap<(Uuid, &'a str, i64), Increment>,
    /// Each metric, with the last unit the batch reported for it.
    catalog: BTreeMap<&'a str, Option<&'a str>>,
    /// Each reporting asset's newest timestamp.
    seen: BTreeMap<Uuid, i64>,
}

impl<'a> SeriesState<'a> {
    /// `samples` in key order, `fates` what storing each did.
    fn of(
        samples: &'a [Sample],
        fates: &[Fate],
        units: &'a HashMap<(Uuid, String), String>,
    ) -> Self {
        let mut latest = Vec::new();
        let mut catalog: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut seen: BTreeMap<Uuid, i64> = BTreeMap::new();
        // Each series' samples are adjacent and in ts order (one per key): the last is newest.
        for run in samples.chunk_by(|a, b| a.series() == b.series()) {
            let Some(newest) = run.last() else { continue };
            let unit = units
                .get(&(newest.asset_id, newest.metric.clone()))
                .map(String::as_str);
            latest.push((newest, unit.unwrap_or_default()));
            let known = catalog.entry(newest.metric.as_str()).or_default();
            if unit.is_some() {
                *known = unit;
            }
            let last_seen = seen.entry(newest.asset_id).or_insert(newest.ts);
            *last_seen = std::cmp::max(*last_seen, newest.ts);
        }
        let mut buckets: BTreeMap<(Uuid, &str, i64), Increment> = BTreeMap::new();
        for (s, _) in samples.iter().zip(fates).filter(|(_, f)| **f == Fate::New) {
            let bucket = s.ts.div_euclid(MINUTE_MS) * MINUTE_MS;
            buckets
                .entry((s.asset_id, s.metric.as_str(), bucket))
                .and_modify(|b| b.add(s.value))
                .or_insert_with(|| Increment::of(s.value));
        }
        Self {
            latest,
            buckets,
            catalog,
            seen,
        }
    }

    async fn write<C: ConnectionTrait>(&self, db: &C, organization_id: Uuid) -> Result<()> {
        if db.get_database_backend() == DbBackend::Postgres {
            return self.write_pg(db, organization_id).await;
        }
        self.write_latest(db, organization_id).await?;
        self.write_rollups(db, organization_id).await?;
        self.write_catalog(db, organization_id).await?;
        self.write_seen(db).await
    }

    /// PostgreSQL: all four in one statement. Its rows are the ones concurrent batches of the
    /// same series contend for, and each is held from its first write to the commit: one round
    /// trip here instead of four is three fewer waits (each one a wake-up of this writer and of
    /// the server process, on a machine whose cores are busy) while the rows are held. The
    /// statement's parts are independent (no part reads what another writes); PostgreSQL runs
    /// them in one fixed order, the same for every batch, and each writes its rows in key
    /// order.
    ///
    /// - latest: an older point arriving late must not replace a newer latest value (the WHERE
    ///   leaves the row alone, but still locks it: that lock is what queues concurrent batches
    ///   of a series, see `write_organization`);
    /// - rollups: increments, which commute with concurrent increments;
    /// - catalog: a known metric keeps its display name; a unit, once reported, is kept up to
    ///   date;
    /// - seen: `UPDATE ... FROM` locks rows in whatever order its join runs, which is not
    ///   necessarily the order of the arrays; the `seen` CTE locks them in id order first (NO
    ///   KEY UPDATE, as the UPDATE itself would, so it does not conflict with the foreign-key
    ///   checks of other batches' points). MATERIALIZED keeps the locking step from being
    ///   folded away.
    async fn write_pg<C: ConnectionTrait>(&self, db: &C, organization_id: Uuid) -> Result<()> {
        let sql = "WITH latest AS ( \
                INSERT INTO telemetry_latest \
                    (asset_id, organization_id, metric, ts, value, quality, unit) \
                SELECT u.asset_id, $1::uuid, u.metric, u.ts, u.value, u.quality, \
                    NULLIF(u.unit, '') \
                FROM UNNEST($2::uuid[], $3::text[], $4::int8[], $5::float8[], $6::text[], \
                    $7::text[]) AS u(asset_id, metric, ts, value, quality, unit) \
                ON CONFLICT (asset_id, metric) DO UPDATE SET ts = excluded.ts, \
                    value = excluded.value, quality = excluded.quality, \
                    unit = COALESCE(excluded.unit, telemetry_latest.unit) \
                WHERE telemetry_latest.ts <= excluded.ts), \
            rollups AS ( \
                INSERT INTO telemetry_rollups (asset_id, organization_id, metric, bucket, \
                    \"count\", \"sum\", \"min\", \"max\", sum_sq) \
                SELECT u.asset_id, $1::uuid, u.metric, u.bucket, u.n, u.total, u.lo, u.hi, u.sq \
                FROM UNNEST($8::uuid[], $9::text[], $10::int8[], $11::int8[], $12::float8[], \
                    $13::float8[], $14::float8[], $15::float8[]) \
                    AS u(asset_id, metric, bucket, n, total, lo, hi, sq) \
                ON CONFLICT (asset_id, metric, bucket) DO UPDATE SET \
                    \"count\" = telemetry_rollups.\"count\" + excluded.\"count\", \
                    \"sum\" = telemetry_rollups.\"sum\" + excluded.\"sum\", \
                    \"min\" = LEAST(telemetry_rollups.\"min\", excluded.\"min\"), \
                    \"max\" = GREATEST(telemetry_rollups.\"max\", excluded.\"max\"), \
                    sum_sq = telemetry_rollups.sum_sq + excluded.sum_sq), \
            catalog AS ( \
                INSERT INTO metrics \
                    (organization_id, key, unit, display_name, created_at, updated_at) \
                SELECT $1::uuid, u.key, NULLIF(u.unit, ''), u.display_name, $16::timestamptz, \
                    $16::timestamptz \
                FROM UNNEST($17::text[], $18::text[], $19::text[]) AS u(key, unit, display_name) \
                ON CONFLICT (organization_id, key) DO UPDATE \
                    SET unit = COALESCE(excluded.unit, metrics.unit) \
                WHERE excluded.unit IS NOT NULL \
                    AND (metrics.unit IS NULL OR metrics.unit <> excluded.unit)), \
            seen AS MATERIALIZED ( \
                SELECT a.id, timestamptz 'epoch' + u.ms * interval '1 millisecond' AS ts \
                FROM assets a JOIN UNNEST($20::uuid[], $21::int8[]) AS u(id, ms) ON a.id = u.id \
                WHERE a.last_seen_at IS NULL \
                    OR a.last_seen_at < timestamptz 'epoch' + u.ms * interval '1 millisecond' \
                ORDER BY a.id \
                FOR NO KEY UPDATE OF a), \
            touched AS ( \
                UPDATE assets SET last_seen_at = seen.ts FROM seen \
                WHERE assets.id = seen.id \
                    AND (assets.last_seen_at IS NULL OR assets.last_seen_at < seen.ts)) \
            SELECT 1";
        let latest = &self.latest;
        let buckets = &self.buckets;
        let values = vec![
            organization_id.into(),
            array(latest.iter().map(|(s, _)| s.asset_id)),
            array(latest.iter().map(|(s, _)| s.metric.clone())),
            array(latest.iter().map(|(s, _)| s.ts)),
            array(latest.iter().map(|(s, _)| s.value)),
            array(
                latest
                    .iter()
                    .map(|(s, _)| quality_str(s.quality).to_owned()),
            ),
            array(latest.iter().map(|(_, unit)| (*unit).to_owned())),
            array(buckets.keys().map(|(a, _, _)| *a)),
            array(buckets.keys().map(|(_, m, _)| (*m).to_owned())),
            array(buckets.keys().map(|(_, _, b)| *b)),
            array(buckets.values().map(|b| b.count)),
            array(buckets.values().map(|b| b.sum)),
            array(buckets.values().map(|b| b.min)),
            array(buckets.values().map(|b| b.max)),
            array(buckets.values().map(|b| b.sum_sq)),
            now().into(),
            array(self.catalog.keys().map(|key| (*key).to_owned())),
            array(
                self.catalog
                    .values()
                    .map(|unit| unit.unwrap_or_default().to_owned()),
            ),
            array(self.catalog.keys().map(|key| display_name(key))),
            array(self.seen.keys().copied()),
            array(self.seen.values().copied()),
        ];
        execute_pg(db, sql, values).await
    }

    /// SQLite: the latest values (see [`Self::write_pg`]).
    async fn write_latest<C: ConnectionTrait>(&self, db: &C, organization_id: Uuid) -> Result<()> {
        use telemetry_latest::Column as L;
        let rows: Vec<_> = self
            .latest
            .iter()
            .map(|(s, unit)| telemetry_latest::ActiveModel {
                asset_id: sea_orm::Set(s.asset_id),
                organization_id: sea_orm::Set(organization_id),
                metric: sea_orm::Set(s.metric.clone()),
                ts: sea_orm::Set(s.ts),
                value: sea_orm::Set(s.value),
                quality: sea_orm::Set(s.quality),
                unit: sea_orm::Set(Some(*unit).filter(|u| !u.is_empty()).map(str::to_owned)),
            })
            .collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            telemetry_latest::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([L::AssetId, L::Metric])
                        .update_columns([L::Ts, L::Value, L::Quality])
                        .value(
                            L::Unit,
                            Expr::cust("COALESCE(excluded.unit, telemetry_latest.unit)"),
                        )
                        .action_and_where(
                            Expr::col((telemetry_latest::Entity, L::Ts))
                                .lte(Expr::cust("excluded.ts")),
                        )
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// SQLite: the rollup increments; its two-argument MIN/MAX are LEAST/GREATEST.
    async fn write_rollups<C: ConnectionTrait>(&self, db: &C, organization_id: Uuid) -> Result<()> {
        use telemetry_rollups::Column as R;
        let rows: Vec<_> = self.buckets.iter().collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut insert = Query::insert();
            insert
                .into_table(telemetry_rollups::Entity)
                .columns(ROLLUP_COLUMNS)
                .on_conflict(
                    OnConflict::columns([R::AssetId, R::Metric, R::Bucket])
                        .value(
                            R::Count,
                            Expr::cust("telemetry_rollups.count + excluded.count"),
                        )
                        .value(R::Sum, Expr::cust("telemetry_rollups.sum + excluded.sum"))
                        .value(
                            R::Min,
                            Expr::cust("MIN(telemetry_rollups.min, excluded.min)"),
                        )
                        .value(
                            R::Max,
                            Expr::cust("MAX(telemetry_rollups.max, excluded.max)"),
                        )
                        .value(
                            R::SumSq,
                            Expr::cust("telemetry_rollups.sum_sq + excluded.sum_sq"),
                        )
                        .to_owned(),
                );
            for ((asset_id, metric, bucket), b) in chunk {
                insert
                    .values([
                        (*asset_id).into(),
                        organization_id.into(),
                        (*metric).into(),
                        (*bucket).into(),
                        b.count.into(),
                        b.sum.into(),
                        b.min.into(),
                        b.max.into(),
                        b.sum_sq.into(),
                    ])
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("rollup statement: {e}")))?;
            }
            db.execute(&insert).await?;
        }
        Ok(())
    }

    /// SQLite: the metric catalog.
    async fn write_catalog<C: ConnectionTrait>(&self, db: &C, organization_id: Uuid) -> Result<()> {
        use metrics::Column as M;
        let now = now();
        let rows: Vec<_> = self
            .catalog
            .iter()
            .map(|(key, unit)| metrics::ActiveModel {
                organization_id: sea_orm::Set(organization_id),
                key: sea_orm::Set((*key).to_owned()),
                unit: sea_orm::Set(unit.map(str::to_owned)),
                display_name: sea_orm::Set(display_name(key)),
                created_at: sea_orm::Set(now),
                updated_at: sea_orm::Set(now),
            })
            .collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            metrics::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([M::OrganizationId, M::Key])
                        .value(M::Unit, Expr::cust("COALESCE(excluded.unit, metrics.unit)"))
                        .action_and_where(Expr::cust("excluded.unit IS NOT NULL AND (metrics.unit IS NULL OR metrics.unit <> excluded.unit)"))
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// SQLite (3.33 and later has UPDATE ... FROM; VALUES names its columns column1, column2):
    /// moves each reporting asset's `last_seen_at` forward to its newest point.
    async fn write_seen<C: ConnectionTrait>(&self, db: &C) -> Result<()> {
        let rows: Vec<(Uuid, DateTime<Utc>)> = self
            .seen
            .iter()
            .filter_map(|(id, ts)| Some((*id, DateTime::from_timestamp_millis(*ts)?)))
            .collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let tuples = vec!["(?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "UPDATE assets SET last_seen_at = v.ts \
                 FROM (SELECT column1 AS id, column2 AS ts FROM (VALUES {tuples})) AS v \
                 WHERE assets.id = v.id AND (assets.last_seen_at IS NULL OR assets.last_seen_at < v.ts)"
            );
            let values: Vec<sea_orm::Value> = chunk
                .iter()
                .flat_map(|(id, ts)| [(*id).into(), (*ts).into()])
                .collect();
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                sql,
                values,
            ))
            .await?;
        }
        Ok(())
    }
}

/// `(ts / width) * width`: integer division on both backends (BIGINT columns and literals).
/// The width is written into the SQL, not bound: PostgreSQL cannot tell that `($1 / $2) * $3`
/// in the select list and `($7 / $8) * $9` in GROUP BY are the same expression, and refuses the
/// query ("must appear in the GROUP BY clause"). It is an integer the server computed.
fn bucket_of(ts: Expr, width_ms: i64) -> Expr {
    let width = Expr::cust(width_ms.to_string());
    ts.div(width.clone()).mul(width)
}

/// `servo_temp` -> `Servo temp`.
fn display_name(key: &str) -> String {
    let spaced = key.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An offline asset that reports again is online again (the staleness worker took it offline).
/// Assets in id order, like every other multi-row write of ingest, so concurrent batches lock
/// rows in the same order.
async fn bring_online<C: ConnectionTrait>(
    db: &C,
    reporting: &BTreeMap<Uuid, (asset_rows::Model, Cause)>,
) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for (asset, cause) in reporting.values() {
        if asset.status != AssetStatus::Offline {
            continue;
        }
        let changed = status::transition(
            db,
            asset,
            AssetStatus::Online,
            "telemetry resumed",
            *cause,
            now(),
        )
        .await?;
        if let Some((online, event)) = changed {
            events.push(event);
            events.extend(crate::domain::alerts::resolve_offline(db, &online).await?);
        }
    }
    Ok(events)
}

// ---------------------------------------------------------------------------------------------
// Queries

/// The latest values of many assets (for the DataLoader): asset -> its rows, by metric.
pub async fn latest_of<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    asset_ids: &[Uuid],
) -> Result<Vec<telemetry_latest::Model>> {
    tenant.require(Permission::TelemetryRead)?;
    Ok(telemetry_latest::Entity::find()
        .filter(telemetry_latest::Column::OrganizationId.eq(tenant.organization_id))
        .filter(telemetry_latest::Column::AssetId.is_in(asset_ids.iter().copied()))
        .order_by_asc(telemetry_latest::Column::Metric)
        .all(db)
        .await?)
}

pub async fn catalog<C: ConnectionTrait>(db: &C, tenant: &Tenant) -> Result<Vec<metrics::Model>> {
    tenant.require(Permission::TelemetryRead)?;
    Ok(metrics::Entity::find()
        .filter(metrics::Column::OrganizationId.eq(tenant.organization_id))
        .order_by_asc(metrics::Column::Key)
        .limit(1000)
        .all(db)
        .await?)
}

#[derive(Debug, Clone)]
pub struct SeriesRequest {
    pub asset_id: Uuid,
    pub metric: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Bucket width in seconds; raw points when `None`.
    pub bucket_seconds: Option<i64>,
    pub max_points: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawPoint {
    pub ts: i64,
    pub value: f64,
    pub quality: Quality,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start: i64,
    pub count: i64,
    pub avg: f64,
    pub min: f64,
    pub max: f64,
    /// Population standard deviation.
    pub stddev: f64,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub asset_id: Uuid,
    pub metric: String,
    pub bucket_seconds: Option<i64>,
    pub points: Vec<RawPoint>,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, FromQueryResult)]
struct BucketRow {
    b: i64,
    n: i64,
    s: f64,
    mn: f64,
    mx: f64,
    sq: f64,
}

impl From<BucketRow> for Bucket {
    fn from(r: BucketRow) -> Self {
        let count = std::cmp::max(r.n, 1) as f64;
        let avg = r.s / count;
        // Clamped: rounding can make the variance of near-constant data slightly negative.
        let variance = (r.sq / count - avg * avg).max(0.0);
        Bucket {
            start: r.b,
            count: r.n,
            avg,
            min: r.mn,
            max: r.mx,
            stddev: variance.sqrt(),
        }
    }
}

struct CheckedWindow {
    from: i64,
    to: i64,
    width_ms: Option<i64>,
    max_points: u32,
}

fn check_window(window: &Window) -> Result<CheckedWindow> {
    if window.to <= window.from {
        return Err(AppError::validation("to", "must be after `from`"));
    }
    if window.to - window.from > MAX_RANGE {
        return Err(AppError::validation(
            "to",
            format!("a range is at most {} days", MAX_RANGE.num_days()),
        ));
    }
    let max_points = match window.max_points {
        None => DEFAULT_SERIES_POINTS,
        Some(n) if n < 1 || n as u32 > MAX_SERIES_POINTS => {
            return Err(AppError::validation(
                "maxPoints",
                format!("must be between 1 and {MAX_SERIES_POINTS}"),
            ));
        }
        Some(n) => n as u32,
    };
    let from = window.from.timestamp_millis();
    let to = window.to.timestamp_millis();
    let width_ms = match window.bucket_seconds {
        None => None,
        Some(s) if !(1..=31 * 24 * 3600).contains(&s) => {
            return Err(AppError::validation(
                "bucket",
                "must be between 1 second and 31 days",
            ));
        }
        Some(s) => {
            let width = s * 1000;
            let buckets = (to - from + width - 1) / width;
            if buckets > i64::from(max_points) {
                return Err(AppError::validation(
                    "bucket",
                    format!(
                        "{buckets} buckets exceed maxPoints ({max_points}); widen the bucket or narrow the range"
                    ),
                ));
            }
            Some(width)
        }
    };
    Ok(CheckedWindow {
        from,
        to,
        width_ms,
        max_points,
    })
}

/// One series: raw points, or buckets of any width (from the rollups when the width is a whole
/// number of minutes, from the raw points otherwise).
pub async fn series<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    request: &SeriesRequest,
    window: &Window,
) -> Result<Series> {
    tenant.require(Permission::TelemetryRead)?;
    let checked = check_window(window)?;
    let asset = assets::get(db, tenant, request.asset_id, None).await?;
    let metric = metric_key("metric", &request.metric)?;
    let mut series = Series {
        asset_id: asset.id,
        metric: metric.clone(),
        bucket_seconds: window.bucket_seconds,
        points: Vec::new(),
        buckets: Vec::new(),
    };
    match checked.width_ms {
        None => {
            use telemetry_points::Column as P;
            let rows = telemetry_points::Entity::find()
                .filter(P::AssetId.eq(asset.id))
                .filter(P::Metric.eq(metric.as_str()))
                .filter(P::Ts.gte(checked.from))
                .filter(P::Ts.lt(checked.to))
                .order_by_asc(P::Ts)
                .limit(u64::from(checked.max_points) + 1)
                .all(db)
                .await?;
            if rows.len() as u64 > u64::from(checked.max_points) {
                return Err(AppError::validation(
                    "maxPoints",
                    format!(
                        "more than {} points in range; use a bucket or narrow the range",
                        checked.max_points
                    ),
                ));
            }
            series.points = rows
                .into_iter()
                .map(|r| RawPoint {
                    ts: r.ts,
                    value: r.value,
                    quality: r.quality,
                })
                .collect();
        }
        Some(width) if width % MINUTE_MS == 0 => {
            use telemetry_rollups::Column as R;
            let b = bucket_of(Expr::col(R::Bucket), width);
            let select = Query::select()
                .expr_as(b.clone(), "b")
                .expr_as(Func::cast_as(Func::sum(Expr::col(R::Count)), "BIGINT"), "n")
                .expr_as(Func::sum(Expr::col(R::Sum)), "s")
                .expr_as(Func::min(Expr::col(R::Min)), "mn")
                .expr_as(Func::max(Expr::col(R::Max)), "mx")
                .expr_as(Func::sum(Expr::col(R::SumSq)), "sq")
                .from(telemetry_rollups::Entity)
                .and_where(Expr::col(R::AssetId).eq(asset.id))
                .and_where(Expr::col(R::Metric).eq(metric.as_str()))
                .and_where(Expr::col(R::Bucket).gte(checked.from.div_euclid(width) * width))
                .and_where(Expr::col(R::Bucket).lt(checked.to))
                .add_group_by([b.clone()])
                .order_by_expr(b, sea_orm::Order::Asc)
                .to_owned();
            let rows = BucketRow::find_by_statement(db.get_database_backend().build(&select))
                .all(db)
                .await?;
            series.buckets = rows.into_iter().map(Bucket::from).collect();
        }
        Some(width) => {
            use telemetry_points::Column as P;
            let b = bucket_of(Expr::col(P::Ts), width);
            let select = Query::select()
                .expr_as(b.clone(), "b")
                .expr_as(Func::count(Expr::col(P::Value)), "n")
                .expr_as(Func::sum(Expr::col(P::Value)), "s")
                .expr_as(Func::min(Expr::col(P::Value)), "mn")
                .expr_as(Func::max(Expr::col(P::Value)), "mx")
                .expr_as(
                    Func::sum(Expr::col(P::Value).mul(Expr::col(P::Value))),
                    "sq",
                )
                .from(telemetry_points::Entity)
                .and_where(Expr::col(P::AssetId).eq(asset.id))
                .and_where(Expr::col(P::Metric).eq(metric.as_str()))
                .and_where(Expr::col(P::Ts).gte(checked.from))
                .and_where(Expr::col(P::Ts).lt(checked.to))
                .add_group_by([b.clone()])
                .order_by_expr(b, sea_orm::Order::Asc)
                .to_owned();
            let rows = BucketRow::find_by_statement(db.get_database_backend().build(&select))
                .all(db)
                .await?;
            series.buckets = rows.into_iter().map(Bucket::from).collect();
        }
    }
    Ok(series)
}

/// Several series at once, for charts.
pub async fn many_series<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    requests: &[SeriesRequest],
    window: &Window,
) -> Result<Vec<Series>> {
    if requests.is_empty() || requests.len() > MAX_SERIES {
        return Err(AppError::validation(
            "series",
            format!("ask for 1 to {MAX_SERIES} series"),
        ));
    }
    // The window is the query's own arguments (`to`, `bucket`, `maxPoints`): checked once and
    // named as such. Only what belongs to one series is named after it (`series.1.metric`).
    check_window(window)?;
    let mut out = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        out.push(
            series(db, tenant, request, window)
                .await
                .map_err(|e| match e {
                    AppError::Validation { ref field, .. } if field == "metric" => {
                        e.in_field(&format!("series.{i}"))
                    }
                    other => other,
                })?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_keys_are_restricted() {
        assert_eq!(metric_key("m", " cpu ").unwrap(), "cpu");
        assert!(metric_key("m", "servo_temp.axis1").is_ok());
        for bad in ["", "CPU", "1cpu", "cpu load", "cpu-load", &"a".repeat(65)] {
            assert!(metric_key("m", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn of_several_samples_with_one_key_the_last_to_arrive_is_kept_in_key_order() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let sample = |asset_id, metric: &str, ts, value| Sample {
            asset_id,
            metric: metric.into(),
            ts,
            value,
            quality: Quality::Good,
        };
        let kept = last_per_key(vec![
            sample(b, "cpu", 1, 1.0),
            sample(a, "cpu", 2, 2.0),
            sample(b, "cpu", 1, 3.0),
            sample(a, "cpu", 1, 4.0),
            sample(b, "cpu", 1, 5.0),
            sample(a, "mem", 1, 6.0),
        ]);
        let kept: Vec<_> = kept
            .iter()
            .map(|s| (s.asset_id, s.metric.as_str(), s.ts, s.value))
            .collect();
        assert_eq!(
            kept,
            [
                (a, "cpu", 1, 4.0),
                (a, "cpu", 2, 2.0),
                (a, "mem", 1, 6.0),
                (b, "cpu", 1, 5.0),
            ]
        );
    }

    #[test]
    fn buckets_floor_to_their_width() {
        assert_eq!(125_000i64.div_euclid(MINUTE_MS) * MINUTE_MS, 120_000);
        assert_eq!(display_name("servo_temp"), "Servo temp");
    }

    #[test]
    fn stddev_is_population_and_never_nan() {
        let b = Bucket::from(BucketRow {
            b: 0,
            n: 2,
            s: 4.0,
            mn: 1.0,
            mx: 3.0,
            sq: 10.0,
        });
        assert_eq!(b.avg, 2.0);
        assert!((b.stddev - 1.0).abs() < 1e-9);
        let flat = Bucket::from(BucketRow {
            b: 0,
            n: 3,
            s: 0.3,
            mn: 0.1,
            mx: 0.1,
            sq: 0.03,
        });
        assert!(flat.stddev.is_finite());
    }

    #[test]
    fn windows_are_checked() {
        let t0 = DateTime::from_timestamp_millis(0).unwrap();
        let w = |to_min: i64, bucket: Option<i64>, max: Option<i32>| Window {
            from: t0,
            to: t0 + Duration::minutes(to_min),
            bucket_seconds: bucket,
            max_points: max,
        };
        assert!(check_window(&w(0, None, None)).is_err());
        assert!(check_window(&w(60, Some(60), None)).is_ok());
        assert!(check_window(&w(60, Some(1), Some(100))).is_err());
        assert!(check_window(&w(60, None, Some(0))).is_err());
        assert!(check_window(&w(60 * 24 * 500, Some(86_400), None)).is_err());
    }
}
