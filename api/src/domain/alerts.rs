//! Alert rules and alerts: threshold evaluation on ingest, manual alerts, the
//! open -> acknowledged -> resolved lifecycle, and the `alert_events` resync log.
//!
//! Evaluation runs inside the ingest transaction, so points and the alerts they cause commit
//! together. Per (rule, asset) there is at most one unresolved alert (a partial unique index
//! enforces it as well); further breaches update it, a value back inside the clear level
//! resolves it.
//!
//! Every change of an alert appends one `alert_events` row whose `seq` is the cursor clients
//! resync from (docs/ARCHITECTURE.md §8.4): 1, 2, 3 ... per organization, in commit order. It yields one bus
//! event carrying the same data, so subscribers read the database only to fill a gap.
//!
//! Choices worth knowing:
//! - Idempotent ingest: per (rule, asset) the newest `last_seen_at` of its recent alerts is a
//!   watermark, and points at or before it are not evaluated again. Re-sending a batch (or a
//!   late point older than what was already evaluated) therefore changes no alert and raises no
//!   duplicate. `last_seen_at` and `first_seen_at` are measurement times (the points' `ts`).
//! - Noise: within one ingest call an alert yields at most one `raised` or `updated` event
//!   (carrying its state after the batch's last breach) plus, if it cleared, one `resolved`.
//!   A long breach sent point by point still yields one `updated` per call.
//! - Points of quality `bad` are not evaluated: a broken sensor must not page anyone.
//! - Severity never de-escalates while an alert is unresolved; acknowledging keeps the alert
//!   acknowledged through further breaches (the `updated` event still notifies).
//! - Disabling or deleting a rule resolves its unresolved alerts (nothing would ever clear
//!   them otherwise). A disabled asset rule no longer overrides the organization-wide rules.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select, Statement,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::{Permission, Tenant};
use crate::domain::audit::{Audited, Change};
use crate::domain::page::{self, Page, PageRequest, SortKey};
use crate::domain::telemetry::{Sample, metric_key};
use crate::domain::{assets, now, validate};
use crate::error::{AppError, Result};
use crate::events::{Event, TopicKind};
use entity::{
    AlertDirection, AlertEventKind, AlertKind, AlertStatus, Quality, Severity, alert_breaches,
    alert_events, alert_rules, alert_sequences, alerts, assets as asset_rows,
};

/// Longest `for_seconds` a rule may ask for (one day).
pub const MAX_FOR_SECONDS: i32 = 86_400;
/// Most events one `alertEvents` call returns.
pub const MAX_EVENT_PAGE: i32 = 500;
pub const DEFAULT_EVENT_PAGE: i32 = 100;

const CLEARED_COMMENT: &str = "cleared: value back within threshold";

// ---------------------------------------------------------------------------------------------
// Shared helpers

pub fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
        Severity::Critical => 3,
    }
}

fn status_str(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Open => "open",
        AlertStatus::Acknowledged => "acknowledged",
        AlertStatus::Resolved => "resolved",
    }
}

fn event_kind_str(kind: AlertEventKind) -> &'static str {
    match kind {
        AlertEventKind::Raised => "raised",
        AlertEventKind::Updated => "updated",
        AlertEventKind::Acknowledged => "acknowledged",
        AlertEventKind::Resolved => "resolved",
    }
}

fn ms_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Serialises the alert changes of one organization on PostgreSQL.
///
/// Taken before the alert state is read and held until commit, it makes that read current: no
/// two evaluations of the same organization race to open the same alert, and an acknowledgement
/// never works on a stale status. It also serialises the organization's event log, whose `seq`
/// must be taken in commit order (a client that resumed `after: 11` must never be handed 10
/// later); the counter row of [`take_seqs`] guarantees that by itself, the lock makes the wait
/// happen before any work. SQLite needs none of this: the write gate already serialises write
/// transactions.
///
/// Returns whether it took a lock (PostgreSQL), after which the alert state must be read anew.
pub async fn lock_alert_log<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<bool> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(false);
    }
    // A fixed salt keeps the key apart from other advisory-lock users of the same database.
    const SALT: u64 = 0x616c_6572_745f_6c6f; // "alert_lo"
    let (hi, lo) = organization_id.as_u64_pair();
    let key = (hi ^ lo ^ SALT) as i64;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(true)
}

/// The sites of the given assets (for the `siteId` of events).
pub(crate) async fn sites_of<C: ConnectionTrait>(
    db: &C,
    asset_ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Uuid>> {
    let ids: BTreeSet<Uuid> = asset_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = asset_rows::Entity::find()
        .select_only()
        .column(asset_rows::Column::Id)
        .column(asset_rows::Column::SiteId)
        .filter(asset_rows::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A new open alert with one occurrence, seen now; callers fill in what their source knows.
fn open_alert(
    organization_id: Uuid,
    asset_id: Option<Uuid>,
    kind: AlertKind,
    severity: Severity,
    title: String,
    message: Option<String>,
    source: &str,
) -> alerts::Model {
    let now = now();
    alerts::Model {
        id: Uuid::now_v7(),
        organization_id,
        asset_id,
        rule_id: None,
        kind,
        severity,
        status: AlertStatus::Open,
        title,
        message,
        source: source.to_owned(),
        metric: None,
        value: None,
        threshold: None,
        occurrences: 1,
        first_seen_at: now,
        last_seen_at: now,
        acknowledged_by: None,
        acknowledged_at: None,
        acknowledge_comment: None,
        resolved_by: None,
        resolved_at: None,
        resolve_comment: None,
        created_at: now,
        updated_at: now,
    }
}

/// Takes the next `n` numbers of the organization's alert event sequence and returns the
/// first. The upsert locks the organization's `alert_sequences` row until commit, so a
/// concurrent writer of the same organization (on any replica) waits and then continues after
/// these numbers: numbers are taken in commit order, and a rollback gives them back (no gaps).
async fn take_seqs<C: ConnectionTrait>(db: &C, organization_id: Uuid, n: i64) -> Result<i64> {
    use alert_sequences::Column as S;
    use sea_orm::sea_query::ExprTrait as _;
    let row = alert_sequences::ActiveModel {
        organization_id: Set(organization_id),
        last_seq: Set(n),
    };
    let last = alert_sequences::Entity::insert(row)
        .on_conflict(
            OnConflict::column(S::OrganizationId)
                .value(
                    S::LastSeq,
                    Expr::col((alert_sequences::Entity, S::LastSeq)).add(n),
                )
                .to_owned(),
        )
        .exec_with_returning(db)
        .await?
        .last_seq;
    Ok(last - n + 1)
}

/// Appends events to the log (call [`lock_alert_log`] first) and returns them for the bus.
async fn append_events<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    changes: Vec<(AlertEventKind, alerts::Model)>,
    site_of: &HashMap<Uuid, Uuid>,
) -> Result<Vec<Event>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let first = take_seqs(db, organization_id, changes.len() as i64).await?;
    let mut rows = Vec::with_capacity(changes.len());
    let mut out = Vec::with_capacity(changes.len());
    let created_at = now();
    for (seq, (kind, alert)) in (first..).zip(changes) {
        let site_id = alert.asset_id.and_then(|a| site_of.get(&a).copied());
        let alert_json = serde_json::to_value(&alert)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("alert not serialisable: {e}")))?;
        // The row keeps what the bus event carries, except `seq`, which is part of its key.
        let stored =
            json!({ "kind": event_kind_str(kind), "siteId": site_id, "alert": alert_json });
        rows.push(alert_events::ActiveModel {
            organization_id: Set(organization_id),
            seq: Set(seq),
            alert_id: Set(alert.id),
            kind: Set(kind),
            payload: Set(stored),
            created_at: Set(created_at),
        });
        out.push(Event::new(
            organization_id,
            TopicKind::Alerts,
            json!({
                "seq": seq,
                "kind": event_kind_str(kind),
                "siteId": site_id,
                "alert": alert_json,
            }),
        ));
    }
    alert_events::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// Where a value stands against a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// At or beyond a threshold.
    Breach(Severity),
    /// Between the lowest threshold and the clear level: nothing changes (hysteresis).
    Band,
    /// Back inside the clear level.
    Clear,
}

fn classify(rule: &alert_rules::Model, value: f64) -> Level {
    let (warning, critical) = (rule.warning_threshold, rule.critical_threshold);
    match rule.direction {
        AlertDirection::Above => {
            if critical.is_some_and(|c| value >= c) {
                return Level::Breach(Severity::Critical);
            }
            if warning.is_some_and(|w| value >= w) {
                return Level::Breach(Severity::Warning);
            }
            let lowest = [warning, critical].into_iter().flatten().reduce(f64::min);
            match lowest {
                Some(t) if value >= t - rule.clear_hysteresis => Level::Band,
                _ => Level::Clear,
            }
        }
        AlertDirection::Below => {
            if critical.is_some_and(|c| value <= c) {
                return Level::Breach(Severity::Critical);
            }
            if warning.is_some_and(|w| value <= w) {
                return Level::Breach(Severity::Warning);
            }
            let highest = [warning, critical].into_iter().flatten().reduce(f64::max);
            match highest {
                Some(t) if value <= t + rule.clear_hysteresis => Level::Band,
                _ => Level::Clear,
            }
        }
    }
}

fn threshold_of(rule: &alert_rules::Model, severity: Severity) -> Option<f64> {
    match severity {
        Severity::Critical => rule.critical_threshold,
        _ => rule.warning_threshold,
    }
}

fn describe(rule: &alert_rules::Model, value: f64, severity: Severity) -> String {
    let side = match rule.direction {
        AlertDirection::Above => "at or above",
        AlertDirection::Below => "at or below",
    };
    let level = if severity == Severity::Critical {
        "critical"
    } else {
        "warning"
    };
    match threshold_of(rule, severity) {
        Some(t) => format!(
            "{} is {value}, {side} the {level} threshold {t}",
            rule.metric
        ),
        None => format!("{} is {value}", rule.metric),
    }
}

/// An alert being changed by this evaluation.
struct Working {
    model: alerts::Model,
    is_new: bool,
    dirty: bool,
    /// Index into `pending` of this batch's `raised`/`updated` event, to coalesce into.
    open_event: Option<usize>,
}

/// An event to append once the alerts are written; `None` = the alert's final state.
struct Pending {
    alert: usize,
    kind: AlertEventKind,
    snapshot: Option<alerts::Model>,
}

#[derive(Clone, Copy, PartialEq)]
struct Breach {
    since_ts: i64,
    severity: Severity,
}

/// The state of one (rule, asset) pair during evaluation.
struct Track<'a> {
    rule: &'a alert_rules::Model,
    asset_id: Uuid,
    open: Option<usize>,
    breach: Option<Breach>,
    breach_before: Option<Breach>,
    watermark: i64,
}

struct Evaluation<'a> {
    working: Vec<Working>,
    pending: Vec<Pending>,
    codes: &'a HashMap<Uuid, String>,
    organization_id: Uuid,
}

impl Evaluation<'_> {
    /// Whether the evaluation changed anything: an alert, an event to log, a breach.
    fn writes_anything(&self, tracks: &[Track<'_>]) -> bool {
        !self.pending.is_empty()
            || self.working.iter().any(|w| w.dirty)
            || tracks.iter().any(|t| t.breach != t.breach_before)
    }

    fn touch(&mut self, index: usize) {
        self.working[index].dirty = true;
    }

    fn raise(&mut self, track: &mut Track<'_>, sample: &Sample, severity: Severity, since: i64) {
        let rule = track.rule;
        let code = self
            .codes
            .get(&track.asset_id)
            .map_or("an asset", String::as_str);
        let model = alerts::Model {
            rule_id: Some(rule.id),
            metric: Some(rule.metric.clone()),
            value: Some(sample.value),
            threshold: threshold_of(rule, severity),
            first_seen_at: ms_to_time(since),
            last_seen_at: ms_to_time(sample.ts),
            ..open_alert(
                self.organization_id,
                Some(track.asset_id),
                AlertKind::Threshold,
                severity,
                format!("{} on {code}", rule.name),
                Some(describe(rule, sample.value, severity)),
                "rule",
            )
        };
        let index = self.working.len();
        self.pending.push(Pending {
            alert: index,
            kind: AlertEventKind::Raised,
            snapshot: None,
        });
        self.working.push(Working {
            model,
            is_new: true,
            dirty: true,
            open_event: Some(self.pending.len() - 1),
        });
        track.open = Some(index);
    }

    fn update(
        &mut self,
        index: usize,
        rule: &alert_rules::Model,
        sample: &Sample,
        severity: Severity,
    ) {
        let w = &mut self.working[index];
        let m = &mut w.model;
        if severity_rank(severity) > severity_rank(m.severity) {
            m.severity = severity;
        }
        m.value = Some(sample.value);
        m.threshold = threshold_of(rule, m.severity);
        m.message = Some(describe(rule, sample.value, severity));
        m.occurrences = m.occurrences.saturating_add(1);
        m.last_seen_at = m.last_seen_at.max(ms_to_time(sample.ts));
        m.updated_at = now();
        if w.open_event.is_none() {
            self.pending.push(Pending {
                alert: index,
                kind: AlertEventKind::Updated,
                snapshot: None,
            });
            w.open_event = Some(self.pending.len() - 1);
        }
        self.touch(index);
    }

    fn resolve(&mut self, index: usize) {
        // A `raised`/`updated` event of this batch shows the state before the resolution.
        if let Some(event) = self.working[index].open_event.take() {
            self.pending[event].snapshot = Some(self.working[index].model.clone());
        }
        let m = &mut self.working[index].model;
        let now = now();
        m.status = AlertStatus::Resolved;
        m.resolved_at = Some(now);
        m.resolved_by = None;
        m.resolve_comment = Some(CLEARED_COMMENT.into());
        m.updated_at = now;
        self.pending.push(Pending {
            alert: index,
            kind: AlertEventKind::Resolved,
            snapshot: None,
        });
        self.touch(index);
    }

    fn step(&mut self, track: &mut Track<'_>, sample: &Sample) {
        if sample.ts <= track.watermark || sample.quality == Quality::Bad {
            return;
        }
        let rule = track.rule;
        match classify(rule, sample.value) {
            Level::Band => {}
            Level::Clear => {
                track.breach = None;
                if let Some(index) = track.open.take() {
                    self.resolve(index);
                }
            }
            Level::Breach(severity) => {
                if let Some(index) = track.open {
                    self.update(index, rule, sample, severity);
                    return;
                }
                let since = if rule.for_seconds > 0 {
                    let breach = track.breach.get_or_insert(Breach {
                        since_ts: sample.ts,
                        severity,
                    });
                    breach.since_ts = breach.since_ts.min(sample.ts);
                    if severity_rank(severity) > severity_rank(breach.severity) {
                        breach.severity = severity;
                    }
                    let lasted = sample.ts - breach.since_ts;
                    if lasted < i64::from(rule.for_seconds) * 1000 {
                        return;
                    }
                    breach.since_ts
                } else {
                    sample.ts
                };
                self.raise(track, sample, severity, since);
            }
        }
    }
}

/// What [`evaluate`] reads of the alert state of a batch's (rule, asset) pairs.
struct StateRead<'a> {
    organization_id: Uuid,
    rule_ids: &'a BTreeSet<Uuid>,
    pair_assets: &'a BTreeSet<Uuid>,
    /// The rules with a "for at least" duration, whose breaches are kept.
    timed: &'a BTreeSet<Uuid>,
    /// The batch's oldest point.
    oldest: i64,
}

/// The alert state as read: known alerts and the breaches of timed rules.
struct AlertState {
    known: Vec<alerts::Model>,
    breaches: Vec<alert_breaches::Model>,
}

impl StateRead<'_> {
    async fn load<C: ConnectionTrait>(&self, db: &C) -> Result<AlertState> {
        // Unresolved alerts, plus resolved ones recent enough to hold a watermark for this batch.
        let known = alerts::Entity::find()
            .filter(alerts::Column::OrganizationId.eq(self.organization_id))
            .filter(alerts::Column::RuleId.is_in(self.rule_ids.iter().copied()))
            .filter(alerts::Column::AssetId.is_in(self.pair_assets.iter().copied()))
            .filter(
                Condition::any()
                    .add(alerts::Column::Status.ne(AlertStatus::Resolved))
                    .add(alerts::Column::LastSeenAt.gte(ms_to_time(self.oldest))),
            )
            .all(db)
            .await?;
        let breaches = if self.timed.is_empty() {
            Vec::new()
        } else {
            alert_breaches::Entity::find()
                .filter(alert_breaches::Column::RuleId.is_in(self.timed.iter().copied()))
                .filter(alert_breaches::Column::AssetId.is_in(self.pair_assets.iter().copied()))
                .all(db)
                .await?
        };
        Ok(AlertState { known, breaches })
    }
}

/// Evaluates each series of a batch against its rule, from the alert state as read; nothing is
/// written yet.
fn plan<'a>(
    state: AlertState,
    series: &[(&'a alert_rules::Model, Uuid, &[Sample])],
    codes: &'a HashMap<Uuid, String>,
    organization_id: Uuid,
) -> (Evaluation<'a>, Vec<Track<'a>>) {
    let mut eval = Evaluation {
        working: Vec::new(),
        pending: Vec::new(),
        codes,
        organization_id,
    };
    let mut open_of: HashMap<(Uuid, Uuid), alerts::Model> = HashMap::new();
    let mut watermark_of: HashMap<(Uuid, Uuid), i64> = HashMap::new();
    for alert in state.known {
        let (Some(rule), Some(asset)) = (alert.rule_id, alert.asset_id) else {
            continue;
        };
        let mark = watermark_of.entry((rule, asset)).or_insert(i64::MIN);
        *mark = (*mark).max(alert.last_seen_at.timestamp_millis());
        if alert.status != AlertStatus::Resolved {
            open_of.insert((rule, asset), alert);
        }
    }
    let mut breach_of: HashMap<(Uuid, Uuid), Breach> = state
        .breaches
        .into_iter()
        .map(|b| {
            let breach = Breach {
                since_ts: b.since_ts,
                severity: b.severity,
            };
            ((b.rule_id, b.asset_id), breach)
        })
        .collect();

    let mut tracks = Vec::with_capacity(series.len());
    for &(rule, asset_id, run) in series {
        let key = (rule.id, asset_id);
        let open = open_of.remove(&key).map(|model| {
            eval.working.push(Working {
                model,
                is_new: false,
                dirty: false,
                open_event: None,
            });
            eval.working.len() - 1
        });
        let breach = breach_of.remove(&key);
        let mut track = Track {
            rule,
            asset_id,
            open,
            breach,
            breach_before: breach,
            watermark: watermark_of.get(&key).copied().unwrap_or(i64::MIN),
        };
        for sample in run {
            eval.step(&mut track, sample);
        }
        tracks.push(track);
    }
    (eval, tracks)
}

/// The enabled rules that may apply to a batch's points: the organization's rules for their
/// metrics, organization-wide or for one of their assets. Read before the ingest transaction
/// takes its contended rows (see `telemetry::write_organization`).
pub async fn rules_for<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[Sample],
) -> Result<Vec<alert_rules::Model>> {
    if samples.is_empty() {
        return Ok(Vec::new());
    }
    let metrics: BTreeSet<&str> = samples.iter().map(|s| s.metric.as_str()).collect();
    let asset_ids: BTreeSet<Uuid> = samples.iter().map(|s| s.asset_id).collect();
    Ok(alert_rules::Entity::find()
        .filter(alert_rules::Column::OrganizationId.eq(organization_id))
        .filter(alert_rules::Column::Enabled.eq(true))
        .filter(alert_rules::Column::Metric.is_in(metrics.iter().copied()))
        .filter(
            Condition::any()
                .add(alert_rules::Column::AssetId.is_null())
                .add(alert_rules::Column::AssetId.is_in(asset_ids.iter().copied())),
        )
        .order_by_asc(alert_rules::Column::Id)
        .all(db)
        .await?)
}

/// Evaluates `rules` (from [`rules_for`] on the same samples) against a batch of stored points
/// (sorted by asset, metric, ts), inside the ingest transaction. `assets` are the batch's
/// assets as ingest resolved them (their site and code go into the events). Returns the events
/// to publish after commit.
pub async fn evaluate<'a, C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    samples: &[Sample],
    rules: &[alert_rules::Model],
    assets: impl Iterator<Item = &'a asset_rows::Model>,
) -> Result<Vec<Event>> {
    if samples.is_empty() || rules.is_empty() {
        return Ok(Vec::new());
    }
    // An asset's own rules for a metric replace the organization-wide ones of that metric.
    let mut specific: HashMap<(Uuid, &str), Vec<&alert_rules::Model>> = HashMap::new();
    let mut general: HashMap<&str, Vec<&alert_rules::Model>> = HashMap::new();
    for rule in rules {
        match rule.asset_id {
            Some(asset) => specific.entry((asset, rule.metric.as_str())).or_default(),
            None => general.entry(rule.metric.as_str()).or_default(),
        }
        .push(rule);
    }
    // The series of the batch: runs of equal (asset, metric), in ts order.
    let mut series: Vec<(&alert_rules::Model, Uuid, &[Sample])> = Vec::new();
    for run in samples.chunk_by(|a, b| a.series() == b.series()) {
        let (asset, metric) = run[0].series();
        let applicable = specific
            .get(&(asset, metric))
            .or_else(|| general.get(metric));
        for rule in applicable.into_iter().flatten() {
            series.push((rule, asset, run));
        }
    }
    if series.is_empty() {
        return Ok(Vec::new());
    }

    let rule_ids: BTreeSet<Uuid> = series.iter().map(|(r, _, _)| r.id).collect();
    let pair_assets: BTreeSet<Uuid> = series.iter().map(|(_, a, _)| *a).collect();
    let timed: BTreeSet<Uuid> = series
        .iter()
        .filter(|(r, _, _)| r.for_seconds > 0)
        .map(|(r, _, _)| r.id)
        .collect();
    let oldest = samples.iter().map(|s| s.ts).min().unwrap_or_default();
    let read = StateRead {
        organization_id,
        rule_ids: &rule_ids,
        pair_assets: &pair_assets,
        timed: &timed,
        oldest,
    };
    let assets: Vec<&asset_rows::Model> = assets.filter(|a| pair_assets.contains(&a.id)).collect();
    let site_of: HashMap<Uuid, Uuid> = assets.iter().map(|a| (a.id, a.site_id)).collect();
    let codes: HashMap<Uuid, String> = assets.iter().map(|a| (a.id, a.code.clone())).collect();

    // Most batches change no alert: their values are normal and nothing is open. That much is
    // decided without the organization's alert lock, which would otherwise queue every batch
    // of the organization behind the one before until it commits. Reading the state unlocked
    // is safe for that decision: every batch of the same series committed before this one
    // took the series' latest rows (see `telemetry::write_organization`), so its alerts are
    // visible here, and what an operator does meanwhile (acknowledge, resolve) never makes a
    // write necessary that this evaluation would skip. When something is to be written, the
    // lock is taken and the state read and evaluated again under it (PostgreSQL).
    let (mut eval, mut tracks) = plan(read.load(db).await?, &series, &codes, organization_id);
    if !eval.writes_anything(&tracks) {
        return Ok(Vec::new());
    }
    if lock_alert_log(db, organization_id).await? {
        (eval, tracks) = plan(read.load(db).await?, &series, &codes, organization_id);
    }

    // Breaches of timed rules: written only where they changed.
    for track in &tracks {
        if track.breach == track.breach_before {
            continue;
        }
        let (rule_id, asset_id) = (track.rule.id, track.asset_id);
        match track.breach {
            None => {
                alert_breaches::Entity::delete_many()
                    .filter(alert_breaches::Column::RuleId.eq(rule_id))
                    .filter(alert_breaches::Column::AssetId.eq(asset_id))
                    .exec(db)
                    .await?;
            }
            Some(b) => {
                use alert_breaches::Column as B;
                let row = alert_breaches::ActiveModel {
                    rule_id: Set(rule_id),
                    asset_id: Set(asset_id),
                    organization_id: Set(organization_id),
                    since_ts: Set(b.since_ts),
                    severity: Set(b.severity),
                };
                alert_breaches::Entity::insert(row)
                    .on_conflict(
                        OnConflict::columns([B::RuleId, B::AssetId])
                            .update_columns([B::SinceTs, B::Severity])
                            .to_owned(),
                    )
                    .exec_without_returning(db)
                    .await?;
            }
        }
    }

    // Alerts in the order they were touched: for one (rule, asset), a resolved alert is
    // written before its successor is inserted, as the partial unique index requires.
    for w in eval.working.iter().filter(|w| w.dirty) {
        let active = w.model.clone().into_active_model().reset_all();
        if w.is_new {
            alerts::Entity::insert(active)
                .exec_without_returning(db)
                .await?;
        } else {
            active.update(db).await?;
        }
    }
    let Evaluation {
        working, pending, ..
    } = eval;
    let changes = pending
        .into_iter()
        .map(|p| {
            let alert = p.snapshot.unwrap_or_else(|| working[p.alert].model.clone());
            (p.kind, alert)
        })
        .collect();
    append_events(db, organization_id, changes, &site_of).await
}

// ---------------------------------------------------------------------------------------------
// Rules

/// What every new organization starts with: (metric, name, direction, warning, critical,
/// hysteresis).
const DEFAULT_RULES: &[(&str, &str, AlertDirection, f64, f64, f64)] = &[
    (
        "cpu",
        "High CPU load",
        AlertDirection::Above,
        70.0,
        90.0,
        5.0,
    ),
    (
        "memory",
        "High memory use",
        AlertDirection::Above,
        75.0,
        90.0,
        5.0,
    ),
    (
        "temperature",
        "High temperature",
        AlertDirection::Above,
        70.0,
        80.0,
        3.0,
    ),
    (
        "battery",
        "Low battery",
        AlertDirection::Below,
        20.0,
        10.0,
        5.0,
    ),
    (
        "servo_temp",
        "High servo temperature",
        AlertDirection::Above,
        60.0,
        75.0,
        3.0,
    ),
];

/// Creates the organization-wide default rules (called when an organization is created).
pub async fn create_default_rules<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<()> {
    let now = now();
    let rows = DEFAULT_RULES.iter().map(
        |&(metric, name, direction, warning, critical, hysteresis)| alert_rules::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            asset_id: Set(None),
            name: Set(name.into()),
            metric: Set(metric.into()),
            direction: Set(direction),
            warning_threshold: Set(Some(warning)),
            critical_threshold: Set(Some(critical)),
            clear_hysteresis: Set(hysteresis),
            for_seconds: Set(0),
            enabled: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        },
    );
    alert_rules::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Rows of an entity with a nullable `asset_id`, narrowed to what a site-restricted member
/// may see: everything organization-wide plus the assets of their sites.
fn site_condition(tenant: &Tenant, asset_column: impl ColumnTrait) -> Option<Condition> {
    tenant.site_scope.as_ref().map(|ids| {
        Condition::any()
            .add(asset_column.is_null())
            .add(asset_column.in_subquery(assets::ids_on_sites(tenant.organization_id, ids)))
    })
}

/// The rules this caller may see.
pub fn visible_rules(tenant: &Tenant) -> Select<alert_rules::Entity> {
    let q = alert_rules::Entity::find()
        .filter(alert_rules::Column::OrganizationId.eq(tenant.organization_id));
    match site_condition(tenant, alert_rules::Column::AssetId) {
        Some(c) => q.filter(c),
        None => q,
    }
}

pub async fn get_rule<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<alert_rules::Model> {
    tenant.require(Permission::AlertsRead)?;
    visible_rules(tenant)
        .filter(alert_rules::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("alert rule"))
}

#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    pub metric: Option<String>,
    pub asset_id: Option<Uuid>,
    pub enabled: Option<bool>,
}

impl crate::domain::visibility::Filtered for RuleFilter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new().with(Kind::Asset, self.asset_id)
    }

    fn texts(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("filter.metric", self.metric.as_deref())]
    }
}

/// Most rules one list returns (they are few; this bounds a pathological organization).
pub const MAX_RULES: u64 = 1000;

pub async fn list_rules<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &RuleFilter,
) -> Result<Vec<alert_rules::Model>> {
    tenant.require(Permission::AlertsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let mut q = visible_rules(tenant);
    if let Some(metric) = &filter.metric {
        q = q.filter(alert_rules::Column::Metric.eq(metric_key("filter.metric", metric)?));
    }
    if let Some(asset) = filter.asset_id {
        q = q.filter(alert_rules::Column::AssetId.eq(asset));
    }
    if let Some(enabled) = filter.enabled {
        q = q.filter(alert_rules::Column::Enabled.eq(enabled));
    }
    Ok(q.order_by_asc(alert_rules::Column::Metric)
        .order_by_asc(alert_rules::Column::Name)
        .order_by_asc(alert_rules::Column::Id)
        .limit(MAX_RULES)
        .all(db)
        .await?)
}

/// The rules of many ids (for the DataLoader).
pub async fn rules_by_ids<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    ids: &[Uuid],
) -> Result<Vec<alert_rules::Model>> {
    tenant.require(Permission::AlertsRead)?;
    Ok(visible_rules(tenant)
        .filter(alert_rules::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct RuleFields {
    pub name: Option<String>,
    pub metric: Option<String>,
    pub asset_id: Option<Uuid>,
    pub direction: Option<AlertDirection>,
    pub warning_threshold: Option<Option<f64>>,
    pub critical_threshold: Option<Option<f64>>,
    pub clear_hysteresis: Option<f64>,
    pub for_seconds: Option<i32>,
    pub enabled: Option<bool>,
}

fn direction_str(direction: AlertDirection) -> &'static str {
    match direction {
        AlertDirection::Above => "above",
        AlertDirection::Below => "below",
    }
}

/// Validates `fields` onto `rule` (the current or a blank rule), recording what changed.
fn apply_rule(
    fields: RuleFields,
    rule: &mut alert_rules::Model,
    changes: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(name) = fields.name {
        rule.name = validate::name("input.name", &name, 100)?;
        changes.insert("name".into(), json!(rule.name));
    }
    if let Some(direction) = fields.direction {
        rule.direction = direction;
        changes.insert("direction".into(), json!(direction_str(direction)));
    }
    if let Some(warning) = fields.warning_threshold {
        rule.warning_threshold = validate::finite("input.warningThreshold", warning)?;
        changes.insert("warningThreshold".into(), json!(rule.warning_threshold));
    }
    if let Some(critical) = fields.critical_threshold {
        rule.critical_threshold = validate::finite("input.criticalThreshold", critical)?;
        changes.insert("criticalThreshold".into(), json!(rule.critical_threshold));
    }
    if let Some(h) = fields.clear_hysteresis {
        if !h.is_finite() || h < 0.0 {
            return Err(AppError::validation(
                "input.clearHysteresis",
                "must be a number of at least 0",
            ));
        }
        rule.clear_hysteresis = h;
        changes.insert("clearHysteresis".into(), json!(h));
    }
    if let Some(s) = fields.for_seconds {
        rule.for_seconds = validate::int_range("input.forSeconds", s, 0, MAX_FOR_SECONDS)?;
        changes.insert("forSeconds".into(), json!(s));
    }
    if let Some(enabled) = fields.enabled {
        rule.enabled = enabled;
        changes.insert("enabled".into(), json!(enabled));
    }
    // The thresholds must agree with the direction, whichever of the three was changed.
    match (
        rule.warning_threshold,
        rule.critical_threshold,
        rule.direction,
    ) {
        (None, None, _) => {
            return Err(AppError::validation(
                "input.warningThreshold",
                "set a warning threshold, a critical threshold, or both",
            ));
        }
        (Some(w), Some(c), AlertDirection::Above) if w >= c => {
            return Err(AppError::validation(
                "input.criticalThreshold",
                "must be greater than the warning threshold for an ABOVE rule",
            ));
        }
        (Some(w), Some(c), AlertDirection::Below) if w <= c => {
            return Err(AppError::validation(
                "input.criticalThreshold",
                "must be less than the warning threshold for a BELOW rule",
            ));
        }
        _ => {}
    }
    Ok(())
}

fn rule_writable(tenant: &Tenant) -> Result<()> {
    tenant.require(Permission::AlertRulesWrite)
}

/// A site-restricted member manages only the rules of their assets, not organization-wide ones.
fn check_rule_scope(tenant: &Tenant, asset_id: Option<Uuid>) -> Result<()> {
    if tenant.site_scope.is_some() && asset_id.is_none() {
        return Err(AppError::forbidden(
            "a member restricted to some sites cannot manage organization-wide alert rules",
        ));
    }
    Ok(())
}

pub async fn create_rule<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    fields: RuleFields,
) -> Result<Audited<alert_rules::Model>> {
    rule_writable(tenant)?;
    let metric = fields
        .metric
        .as_deref()
        .ok_or_else(|| AppError::validation("input.metric", "is required"))?;
    let metric = metric_key("input.metric", metric)?;
    let name = fields
        .name
        .clone()
        .ok_or_else(|| AppError::validation("input.name", "is required"))?;
    let direction = fields
        .direction
        .ok_or_else(|| AppError::validation("input.direction", "is required"))?;
    let asset_id = match fields.asset_id {
        Some(id) => Some(
            assets::get(db, tenant, id, None)
                .await
                .map_err(|e| match e {
                    AppError::Forbidden(_) => AppError::NotFound("asset"),
                    other => other,
                })?
                .id,
        ),
        None => None,
    };
    check_rule_scope(tenant, asset_id)?;
    let now = now();
    let mut rule = alert_rules::Model {
        id: Uuid::now_v7(),
        organization_id: tenant.organization_id,
        asset_id,
        name,
        metric: metric.clone(),
        direction,
        warning_threshold: None,
        critical_threshold: None,
        clear_hysteresis: 0.0,
        for_seconds: 0,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let mut changes = Map::new();
    changes.insert("metric".into(), json!(metric));
    changes.insert("assetId".into(), json!(asset_id));
    apply_rule(
        RuleFields {
            metric: None,
            asset_id: None,
            ..fields
        },
        &mut rule,
        &mut changes,
    )?;
    let rule = rule.into_active_model().reset_all().insert(db).await?;
    Ok(Audited::new(
        rule.clone(),
        Change::of("alert_rule", rule.id).with(changes.into()),
    ))
}

pub async fn update_rule<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    fields: RuleFields,
) -> Result<Audited<alert_rules::Model>> {
    rule_writable(tenant)?;
    let before = get_rule(db, tenant, id).await?;
    check_rule_scope(tenant, before.asset_id)?;
    let mut rule = before.clone();
    let mut changes = Map::new();
    apply_rule(fields, &mut rule, &mut changes)?;
    rule.updated_at = now();
    let rule = rule.into_active_model().reset_all().update(db).await?;
    // A disabled rule is no longer evaluated, so nothing would ever clear its alerts.
    let events = if before.enabled && !rule.enabled {
        close_alerts_of_rule(db, tenant, rule.id, "rule disabled").await?
    } else {
        Vec::new()
    };
    Ok(Audited::new(
        rule.clone(),
        Change::of("alert_rule", rule.id).with(changes.into()),
    )
    .publish(events))
}

pub async fn delete_rule<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<Audited<Uuid>> {
    rule_writable(tenant)?;
    let rule = get_rule(db, tenant, id).await?;
    check_rule_scope(tenant, rule.asset_id)?;
    let events = close_alerts_of_rule(db, tenant, rule.id, "rule deleted").await?;
    alert_rules::Entity::delete_by_id(rule.id).exec(db).await?;
    Ok(Audited::new(
        rule.id,
        Change::of("alert_rule", rule.id).with(json!({ "name": rule.name, "metric": rule.metric })),
    )
    .publish(events))
}

/// Resolves the unresolved alerts of a rule and forgets its pending breaches.
async fn close_alerts_of_rule<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    rule_id: Uuid,
    comment: &str,
) -> Result<Vec<Event>> {
    lock_alert_log(db, tenant.organization_id).await?;
    alert_breaches::Entity::delete_many()
        .filter(alert_breaches::Column::RuleId.eq(rule_id))
        .exec(db)
        .await?;
    let open = alerts::Entity::find()
        .filter(alerts::Column::OrganizationId.eq(tenant.organization_id))
        .filter(alerts::Column::RuleId.eq(rule_id))
        .filter(alerts::Column::Status.ne(AlertStatus::Resolved))
        .all(db)
        .await?;
    let mut changes = Vec::with_capacity(open.len());
    for alert in open {
        let resolved = write_resolution(db, tenant, alert, Some(comment.to_owned())).await?;
        changes.push((AlertEventKind::Resolved, resolved));
    }
    let site_of = sites_of(db, changes.iter().filter_map(|(_, a)| a.asset_id)).await?;
    append_events(db, tenant.organization_id, changes, &site_of).await
}

// ---------------------------------------------------------------------------------------------
// Alerts: reads

/// The alerts this caller may see: the organization's, and for a site-restricted member only
/// those of their sites' assets and the organization-wide ones.
pub fn visible(tenant: &Tenant) -> Select<alerts::Entity> {
    let q =
        alerts::Entity::find().filter(alerts::Column::OrganizationId.eq(tenant.organization_id));
    match site_condition(tenant, alerts::Column::AssetId) {
        Some(c) => q.filter(c),
        None => q,
    }
}

pub async fn get<C: ConnectionTrait>(db: &C, tenant: &Tenant, id: Uuid) -> Result<alerts::Model> {
    tenant.require(Permission::AlertsRead)?;
    visible(tenant)
        .filter(alerts::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("alert"))
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Option<Vec<AlertStatus>>,
    pub severities: Option<Vec<Severity>>,
    pub min_severity: Option<Severity>,
    pub asset_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub kind: Option<AlertKind>,
    /// Raised at or after.
    pub from: Option<DateTime<Utc>>,
    /// Raised before.
    pub to: Option<DateTime<Utc>>,
}

impl crate::domain::visibility::Filtered for Filter {
    fn refs(&self) -> crate::domain::visibility::Refs {
        use crate::domain::visibility::{Kind, Refs};
        Refs::new()
            .with(Kind::Asset, self.asset_id)
            .with(Kind::Site, self.site_id)
    }
}

const ALL_SEVERITIES: [Severity; 4] = [
    Severity::Info,
    Severity::Warning,
    Severity::Error,
    Severity::Critical,
];

fn filtered(tenant: &Tenant, filter: &Filter) -> Select<alerts::Entity> {
    use alerts::Column as A;
    let mut q = visible(tenant);
    if let Some(statuses) = &filter.statuses {
        q = q.filter(A::Status.is_in(statuses.iter().copied()));
    }
    if let Some(severities) = &filter.severities {
        q = q.filter(A::Severity.is_in(severities.iter().copied()));
    }
    if let Some(min) = filter.min_severity {
        let at_least = ALL_SEVERITIES
            .into_iter()
            .filter(|s| severity_rank(*s) >= severity_rank(min));
        q = q.filter(A::Severity.is_in(at_least));
    }
    if let Some(asset) = filter.asset_id {
        q = q.filter(A::AssetId.eq(asset));
    }
    if let Some(site) = filter.site_id {
        q = q.filter(A::AssetId.in_subquery(assets::ids_on_sites(tenant.organization_id, &[site])));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(A::Kind.eq(kind));
    }
    if let Some(from) = filter.from {
        q = q.filter(A::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(A::CreatedAt.lt(to));
    }
    q
}

const SORT: SortKey<alerts::Entity> = SortKey {
    column: None,
    id: alerts::Column::Id,
    key_of: |_| None,
    id_of: |a| a.id,
};

/// Alerts by creation (ids are UUIDv7), in the requested direction.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
    request: &PageRequest,
) -> Result<Page<alerts::Model>> {
    tenant.require(Permission::AlertsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::fetch(db, filtered(tenant, filter), &SORT, request).await
}

pub async fn count<C: ConnectionTrait>(db: &C, tenant: &Tenant, filter: &Filter) -> Result<u64> {
    tenant.require(Permission::AlertsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    page::count(db, filtered(tenant, filter)).await
}

/// Alerts matching `filter` by severity; unresolved ones unless the filter names statuses.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    filter: &Filter,
) -> Result<Vec<(Severity, i64)>> {
    tenant.require(Permission::AlertsRead)?;
    crate::domain::visibility::check(db, tenant, filter).await?;
    let mut filter = filter.clone();
    if filter.statuses.is_none() {
        filter.statuses = Some(vec![AlertStatus::Open, AlertStatus::Acknowledged]);
    }
    let rows: Vec<(Severity, i64)> = filtered(tenant, &filter)
        .select_only()
        .column(alerts::Column::Severity)
        .column_as(alerts::Column::Id.count(), "n")
        .group_by(alerts::Column::Severity)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

/// One entry of the resync log.
#[derive(Debug, Clone)]
pub struct AlertEventRecord {
    pub seq: i64,
    pub kind: AlertEventKind,
    /// The site of the alert's asset when the event was logged.
    pub site_id: Option<Uuid>,
    /// The alert as it was right after this change.
    pub alert: alerts::Model,
}

#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<AlertEventRecord>,
    /// The cursor to resume from: the last event's seq, or `after` when there was none.
    pub end_cursor: Option<i64>,
    pub has_more: bool,
}

/// The organization's newest alert event number (0 before its first event): where a live
/// subscription starts.
pub async fn last_seq<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<i64> {
    Ok(alert_sequences::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .map_or(0, |row| row.last_seq))
}

/// Whether the organization's alert event `seq` is committed (and visible to this connection).
pub async fn event_exists<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    seq: i64,
) -> Result<bool> {
    Ok(alert_events::Entity::find_by_id((organization_id, seq))
        .select_only()
        .column(alert_events::Column::Seq)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// A cursor of `alertEvents`: the seq of the last event seen, as a decimal string.
pub fn parse_event_cursor(field: &str, cursor: &str) -> Result<i64> {
    cursor
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| AppError::validation(field, "is not a valid alert event cursor"))
}

/// The organization's alert changes after `after`, in order (for clients resyncing after a
/// disconnect; they de-duplicate by alert id).
pub async fn events_after<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    after: Option<i64>,
    first: Option<i32>,
    kinds: Option<&[AlertEventKind]>,
) -> Result<EventPage> {
    use alert_events::Column as E;
    tenant.require(Permission::AlertsRead)?;
    let limit = match first {
        None => DEFAULT_EVENT_PAGE,
        Some(n) if !(0..=MAX_EVENT_PAGE).contains(&n) => {
            return Err(AppError::validation(
                "first",
                format!("must be between 0 and {MAX_EVENT_PAGE}"),
            ));
        }
        Some(n) => n,
    };
    let mut q = alert_events::Entity::find().filter(E::OrganizationId.eq(tenant.organization_id));
    if let Some(after) = after {
        q = q.filter(E::Seq.gt(after));
    }
    if let Some(kinds) = kinds {
        q = q.filter(E::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(condition) = site_condition(tenant, alerts::Column::AssetId) {
        let ids = Query::select()
            .column(alerts::Column::Id)
            .from(alerts::Entity)
            .and_where(alerts::Column::OrganizationId.eq(tenant.organization_id))
            .cond_where(condition)
            .to_owned();
        q = q.filter(E::AlertId.in_subquery(ids));
    }
    let rows = q
        .order_by_asc(E::Seq)
        .limit(limit as u64 + 1)
        .all(db)
        .await?;
    let has_more = rows.len() > limit as usize;
    let mut events = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.into_iter().take(limit as usize) {
        let alert = row
            .payload
            .get("alert")
            .cloned()
            .and_then(|a| serde_json::from_value::<alerts::Model>(a).ok())
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "alert event {} has no readable alert",
                    row.seq
                ))
            })?;
        let site_id = row
            .payload
            .get("siteId")
            .and_then(|s| serde_json::from_value::<Uuid>(s.clone()).ok());
        events.push(AlertEventRecord {
            seq: row.seq,
            kind: row.kind,
            site_id,
            alert,
        });
    }
    let end_cursor = events.last().map(|e| e.seq).or(after);
    Ok(EventPage {
        events,
        end_cursor,
        has_more,
    })
}

// ---------------------------------------------------------------------------------------------
// Alerts: writes

pub struct ManualAlert {
    pub asset_id: Option<Uuid>,
    pub severity: Severity,
    pub title: String,
    pub message: Option<String>,
}

/// An alert raised by a person (or an integration), optionally about one asset.
pub async fn raise<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    input: ManualAlert,
) -> Result<Audited<alerts::Model>> {
    tenant.require(Permission::AlertsAck)?;
    let title = validate::name("input.title", &input.title, 200)?;
    let message = validate::optional_text("input.message", input.message.as_deref(), 1000)?;
    let asset = match input.asset_id {
        Some(id) => Some(
            assets::get(db, tenant, id, None)
                .await
                .map_err(|e| match e {
                    AppError::Forbidden(_) => AppError::NotFound("asset"),
                    other => other,
                })?,
        ),
        None => None,
    };
    lock_alert_log(db, tenant.organization_id).await?;
    let alert = open_alert(
        tenant.organization_id,
        asset.as_ref().map(|a| a.id),
        AlertKind::Manual,
        input.severity,
        title,
        message,
        "manual",
    );
    let alert = alert.into_active_model().reset_all().insert(db).await?;
    let site_of: HashMap<Uuid, Uuid> = asset.iter().map(|a| (a.id, a.site_id)).collect();
    let events = append_events(
        db,
        tenant.organization_id,
        vec![(AlertEventKind::Raised, alert.clone())],
        &site_of,
    )
    .await?;
    let change = Change::of("alert", alert.id).with(json!({
        "title": alert.title, "severity": alert.severity, "assetId": alert.asset_id,
    }));
    Ok(Audited::new(alert, change).publish(events))
}

/// An alert the caller may change, read after taking the log lock so that its status is
/// current.
async fn for_transition<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
) -> Result<alerts::Model> {
    tenant.require(Permission::AlertsAck)?;
    // Existence and visibility first, so that another tenant's id is NOT_FOUND without
    // taking this organization's lock for nothing.
    get(db, tenant, id).await?;
    lock_alert_log(db, tenant.organization_id).await?;
    get(db, tenant, id).await
}

pub async fn acknowledge<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    comment: Option<String>,
) -> Result<Audited<alerts::Model>> {
    let comment = validate::optional_text("input.comment", comment.as_deref(), 1000)?;
    let alert = for_transition(db, tenant, id).await?;
    if alert.status != AlertStatus::Open {
        return Err(AppError::validation(
            "input.id",
            format!("cannot acknowledge {} alert", article(alert.status)),
        ));
    }
    let now = now();
    let mut active = alert.into_active_model();
    active.status = Set(AlertStatus::Acknowledged);
    active.acknowledged_by = Set(tenant.user_id());
    active.acknowledged_at = Set(Some(now));
    active.acknowledge_comment = Set(comment.clone());
    active.updated_at = Set(now);
    let alert = active.update(db).await?;
    let site_of = sites_of(db, alert.asset_id).await?;
    let events = append_events(
        db,
        tenant.organization_id,
        vec![(AlertEventKind::Acknowledged, alert.clone())],
        &site_of,
    )
    .await?;
    let change = Change::of("alert", alert.id).with(json!({
        "status": status_str(alert.status), "comment": comment,
    }));
    Ok(Audited::new(alert, change).publish(events))
}

fn article(status: AlertStatus) -> String {
    match status {
        AlertStatus::Acknowledged => "an acknowledged".into(),
        other => format!("a {}", status_str(other)),
    }
}

/// Writes the resolution of an unresolved alert by the caller and forgets its pending breach,
/// so that a breach still going on must last `for_seconds` again before it re-raises.
async fn write_resolution<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    alert: alerts::Model,
    comment: Option<String>,
) -> Result<alerts::Model> {
    if let (Some(rule), Some(asset)) = (alert.rule_id, alert.asset_id) {
        alert_breaches::Entity::delete_many()
            .filter(alert_breaches::Column::RuleId.eq(rule))
            .filter(alert_breaches::Column::AssetId.eq(asset))
            .exec(db)
            .await?;
    }
    let now = now();
    let mut active = alert.into_active_model();
    active.status = Set(AlertStatus::Resolved);
    active.resolved_by = Set(tenant.user_id());
    active.resolved_at = Set(Some(now));
    active.resolve_comment = Set(comment);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    tenant: &Tenant,
    id: Uuid,
    comment: Option<String>,
) -> Result<Audited<alerts::Model>> {
    let comment = validate::optional_text("input.comment", comment.as_deref(), 1000)?;
    let alert = for_transition(db, tenant, id).await?;
    if alert.status == AlertStatus::Resolved {
        return Err(AppError::validation(
            "input.id",
            "cannot resolve a resolved alert",
        ));
    }
    let alert = write_resolution(db, tenant, alert, comment.clone()).await?;
    let site_of = sites_of(db, alert.asset_id).await?;
    let events = append_events(
        db,
        tenant.organization_id,
        vec![(AlertEventKind::Resolved, alert.clone())],
        &site_of,
    )
    .await?;
    let change = Change::of("alert", alert.id).with(json!({
        "status": status_str(alert.status), "comment": comment,
    }));
    Ok(Audited::new(alert, change).publish(events))
}

// ---------------------------------------------------------------------------------------------
// Offline assets

/// Raises the offline alert of an asset that stopped reporting (at most one unresolved offline
/// alert per asset; the partial unique index `uq_alerts_open_offline` backs this up).
pub async fn raise_offline<C: ConnectionTrait>(
    db: &C,
    asset: &asset_rows::Model,
    silent_for: std::time::Duration,
) -> Result<Vec<Event>> {
    lock_alert_log(db, asset.organization_id).await?;
    let open = alerts::Entity::find()
        .filter(alerts::Column::AssetId.eq(asset.id))
        .filter(alerts::Column::Kind.eq(AlertKind::Offline))
        .filter(alerts::Column::Status.ne(AlertStatus::Resolved))
        .one(db)
        .await?;
    if open.is_some() {
        return Ok(Vec::new());
    }
    let alert = open_alert(
        asset.organization_id,
        Some(asset.id),
        AlertKind::Offline,
        Severity::Error,
        format!("{} is offline", asset.code),
        Some(format!("no telemetry for {} s", silent_for.as_secs())),
        "staleness",
    );
    let alert = alert.into_active_model().reset_all().insert(db).await?;
    let site_of = HashMap::from([(asset.id, asset.site_id)]);
    append_events(
        db,
        asset.organization_id,
        vec![(AlertEventKind::Raised, alert)],
        &site_of,
    )
    .await
}

/// Resolves the offline alert of an asset that reports again.
pub async fn resolve_offline<C: ConnectionTrait>(
    db: &C,
    asset: &asset_rows::Model,
) -> Result<Vec<Event>> {
    lock_alert_log(db, asset.organization_id).await?;
    let open = alerts::Entity::find()
        .filter(alerts::Column::AssetId.eq(asset.id))
        .filter(alerts::Column::Kind.eq(AlertKind::Offline))
        .filter(alerts::Column::Status.ne(AlertStatus::Resolved))
        .all(db)
        .await?;
    let now = now();
    let mut changes = Vec::with_capacity(open.len());
    for alert in open {
        let mut active = alert.into_active_model();
        active.status = Set(AlertStatus::Resolved);
        active.resolved_at = Set(Some(now));
        active.resolve_comment = Set(Some("cleared: telemetry resumed".into()));
        active.last_seen_at = Set(now);
        active.updated_at = Set(now);
        changes.push((AlertEventKind::Resolved, active.update(db).await?));
    }
    let site_of = HashMap::from([(asset.id, asset.site_id)]);
    append_events(db, asset.organization_id, changes, &site_of).await
}

// ---------------------------------------------------------------------------------------------
// Alerts raised by Fleetgraph itself (emergency stops, overdue maintenance)

/// What a system alert is about.
pub struct SystemAlert<'a> {
    pub organization_id: Uuid,
    /// The asset, when the alert is about one (its site routes the event to site-restricted
    /// subscribers).
    pub asset: Option<&'a asset_rows::Model>,
    pub kind: AlertKind,
    pub severity: Severity,
    pub title: String,
    pub message: Option<String>,
    /// A short tag of what raised it (`estop`, `maintenance`).
    pub source: &'static str,
}

/// Raises an open alert and logs it; returns the alert and the events to publish.
pub async fn raise_system<C: ConnectionTrait>(
    db: &C,
    alert: SystemAlert<'_>,
) -> Result<(alerts::Model, Vec<Event>)> {
    lock_alert_log(db, alert.organization_id).await?;
    let title: String = alert.title.chars().take(200).collect();
    let message = alert.message.map(|m| m.chars().take(1000).collect());
    let row = open_alert(
        alert.organization_id,
        alert.asset.map(|a| a.id),
        alert.kind,
        alert.severity,
        title,
        message,
        alert.source,
    );
    let row = row.into_active_model().reset_all().insert(db).await?;
    let site_of: HashMap<Uuid, Uuid> = alert.asset.iter().map(|a| (a.id, a.site_id)).collect();
    let events = append_events(
        db,
        alert.organization_id,
        vec![(AlertEventKind::Raised, row.clone())],
        &site_of,
    )
    .await?;
    Ok((row, events))
}

/// Resolves an alert of the organization because its cause is gone (an e-stop reset, a task
/// done); nothing happens when it is already resolved or no longer exists.
pub async fn resolve_system<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    alert_id: Uuid,
    resolved_by: Option<Uuid>,
    comment: &str,
) -> Result<Vec<Event>> {
    lock_alert_log(db, organization_id).await?;
    let Some(alert) = alerts::Entity::find_by_id(alert_id)
        .filter(alerts::Column::OrganizationId.eq(organization_id))
        .filter(alerts::Column::Status.ne(AlertStatus::Resolved))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let now = now();
    let mut active = alert.into_active_model();
    active.status = Set(AlertStatus::Resolved);
    active.resolved_by = Set(resolved_by);
    active.resolved_at = Set(Some(now));
    active.resolve_comment = Set(Some(comment.chars().take(1000).collect()));
    active.updated_at = Set(now);
    let alert = active.update(db).await?;
    let site_of = sites_of(db, alert.asset_id).await?;
    append_events(
        db,
        organization_id,
        vec![(AlertEventKind::Resolved, alert)],
        &site_of,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        direction: AlertDirection,
        w: Option<f64>,
        c: Option<f64>,
        h: f64,
    ) -> alert_rules::Model {
        let now = now();
        alert_rules::Model {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            asset_id: None,
            name: "r".into(),
            metric: "cpu".into(),
            direction,
            warning_threshold: w,
            critical_threshold: c,
            clear_hysteresis: h,
            for_seconds: 0,
            enabled: true,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn above_rules_breach_at_their_thresholds_and_clear_below_the_hysteresis() {
        let r = rule(AlertDirection::Above, Some(70.0), Some(90.0), 5.0);
        assert_eq!(classify(&r, 95.0), Level::Breach(Severity::Critical));
        assert_eq!(classify(&r, 90.0), Level::Breach(Severity::Critical));
        assert_eq!(classify(&r, 70.0), Level::Breach(Severity::Warning));
        assert_eq!(classify(&r, 69.0), Level::Band);
        assert_eq!(classify(&r, 65.0), Level::Band);
        assert_eq!(classify(&r, 64.9), Level::Clear);
    }

    #[test]
    fn below_rules_mirror_above_rules() {
        let r = rule(AlertDirection::Below, Some(20.0), Some(10.0), 5.0);
        assert_eq!(classify(&r, 5.0), Level::Breach(Severity::Critical));
        assert_eq!(classify(&r, 15.0), Level::Breach(Severity::Warning));
        assert_eq!(classify(&r, 25.0), Level::Band);
        assert_eq!(classify(&r, 25.1), Level::Clear);
    }

    #[test]
    fn a_rule_with_one_threshold_clears_relative_to_it() {
        let r = rule(AlertDirection::Above, None, Some(50.0), 0.0);
        assert_eq!(classify(&r, 50.0), Level::Breach(Severity::Critical));
        assert_eq!(classify(&r, 49.9), Level::Clear);
    }

    #[test]
    fn thresholds_must_agree_with_the_direction() {
        let mut r = rule(AlertDirection::Above, Some(70.0), Some(90.0), 5.0);
        let flip = RuleFields {
            direction: Some(AlertDirection::Below),
            ..Default::default()
        };
        let err = apply_rule(flip, &mut r, &mut Map::new()).unwrap_err();
        assert!(
            matches!(err, AppError::Validation { field, .. } if field == "input.criticalThreshold")
        );
        let none = RuleFields {
            warning_threshold: Some(None),
            critical_threshold: Some(None),
            ..Default::default()
        };
        let mut r = rule(AlertDirection::Above, Some(70.0), Some(90.0), 5.0);
        assert!(apply_rule(none, &mut r, &mut Map::new()).is_err());
    }

    #[test]
    fn cursors_are_non_negative_integers() {
        assert_eq!(parse_event_cursor("after", "42").unwrap(), 42);
        assert!(parse_event_cursor("after", "-1").is_err());
        assert!(parse_event_cursor("after", "abc").is_err());
    }
}
