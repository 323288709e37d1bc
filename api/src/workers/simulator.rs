//! The demo simulator (`--demo`): every demo robot and machine reports plausible metrics once a
//! second through the real ingest path, with occasional excursions that raise alerts and then
//! resolve them, so that a newcomer sees subscriptions and alerts move without doing anything.
//!
//! One asset (the paint robot) stays silent on purpose, to show an offline asset.

use std::collections::HashMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::watch;
use uuid::Uuid;

use crate::auth::{Origin, Tenant};
use crate::db::Db;
use crate::domain::telemetry::{AssetRef, PointInput};
use crate::events::EventBus;
use crate::ingest::Ingestor;
use entity::{AssetKind, Role, assets, memberships, organizations};

/// The asset left silent, to demonstrate staleness.
pub const SILENT_ASSET: &str = "R-PAINT-01";

/// One metric's state: a value drifting around its baseline, pushed away during an excursion.
#[derive(Debug, Clone)]
struct Signal {
    baseline: f64,
    value: f64,
    noise: f64,
    min: f64,
    max: f64,
    /// Where an excursion drives the value, and for how many more ticks.
    excursion: Option<(f64, u32)>,
}

impl Signal {
    fn new(baseline: f64, noise: f64, min: f64, max: f64) -> Self {
        Self {
            baseline,
            value: baseline,
            noise,
            min,
            max,
            excursion: None,
        }
    }

    fn step(&mut self, rng: &mut StdRng) -> f64 {
        let target = match &mut self.excursion {
            Some((target, ticks)) if *ticks > 0 => {
                *ticks -= 1;
                *target
            }
            _ => {
                self.excursion = None;
                self.baseline
            }
        };
        // Mean-reverting random walk: move a fifth of the way to the target, plus noise.
        self.value += (target - self.value) * 0.2 + rng.random_range(-self.noise..=self.noise);
        self.value = self.value.clamp(self.min, self.max);
        (self.value * 10.0).round() / 10.0
    }
}

struct SimAsset {
    id: Uuid,
    signals: Vec<(&'static str, &'static str, Signal)>,
}

fn signals_for(
    asset: &assets::Model,
    rng: &mut StdRng,
) -> Vec<(&'static str, &'static str, Signal)> {
    let jitter = rng.random_range(-5.0..5.0);
    let mut s = vec![
        ("cpu", "%", Signal::new(35.0 + jitter, 3.0, 0.0, 100.0)),
        ("memory", "%", Signal::new(50.0 + jitter, 1.5, 0.0, 100.0)),
        (
            "temperature",
            "°C",
            Signal::new(45.0 + jitter / 2.0, 0.5, -20.0, 120.0),
        ),
        (
            "power",
            "kW",
            Signal::new(
                if asset.kind == AssetKind::Machine {
                    12.0
                } else {
                    3.5
                },
                0.4,
                0.0,
                80.0,
            ),
        ),
    ];
    if asset.kind == AssetKind::Robot {
        s.push(("battery", "%", Signal::new(80.0 + jitter, 0.3, 0.0, 100.0)));
        s.push((
            "servo_temp",
            "°C",
            Signal::new(40.0 + jitter / 2.0, 0.6, -20.0, 120.0),
        ));
        s.push(("speed", "m/s", Signal::new(0.8, 0.15, 0.0, 2.5)));
    }
    s
}

/// Starts an excursion now and then: about one every few minutes per asset.
fn maybe_excursion(asset: &mut SimAsset, rng: &mut StdRng) {
    if !rng.random_bool(0.004) {
        return;
    }
    let index = rng.random_range(0..asset.signals.len());
    let (metric, _, signal) = &mut asset.signals[index];
    let target = match *metric {
        "cpu" => rng.random_range(80.0..98.0),
        "memory" => rng.random_range(80.0..95.0),
        "temperature" => rng.random_range(72.0..88.0),
        "servo_temp" => rng.random_range(62.0..82.0),
        "battery" => rng.random_range(5.0..18.0),
        _ => signal.baseline * 1.5,
    };
    signal.excursion = Some((target, rng.random_range(20..60)));
}

async fn load(db: &Db, organization_id: Uuid, rng: &mut StdRng) -> anyhow::Result<Vec<SimAsset>> {
    let rows = assets::Entity::find()
        .filter(assets::Column::OrganizationId.eq(organization_id))
        .filter(assets::Column::ArchivedAt.is_null())
        .filter(assets::Column::Code.ne(SILENT_ASSET))
        .all(&db.conn)
        .await?;
    Ok(rows
        .iter()
        .map(|a| SimAsset {
            id: a.id,
            signals: signals_for(a, rng),
        })
        .collect())
}

/// Runs until `stop` flips; one ingest per second for the whole fleet.
pub async fn run(
    db: Db,
    events: EventBus,
    ingest: Ingestor,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let org = organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(crate::demo::DEMO_SLUG))
        .one(&db.conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo organization"))?;
    let engineer = memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(org.id))
        .filter(memberships::Column::Role.eq(Role::Engineer))
        .one(&db.conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo engineer"))?;
    let origin = Origin {
        ip: None,
        user_agent: Some("demo simulator".into()),
        request_id: "simulator".into(),
    };
    let tenant = Tenant::user(
        org.id,
        engineer.user_id,
        Uuid::nil(),
        Role::Engineer,
        None,
        origin,
    );
    let mut rng = StdRng::from_os_rng();
    let mut fleet = load(&db, org.id, &mut rng).await?;
    let mut known: HashMap<Uuid, usize> =
        fleet.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tracing::info!(assets = fleet.len(), "demo simulator running");
    for tick in 0u64.. {
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            _ = ticker.tick() => {}
        }
        // Assets created in the demo organization join the simulation.
        if tick % 30 == 29 {
            for asset in load(&db, org.id, &mut rng).await? {
                if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(asset.id) {
                    slot.insert(fleet.len());
                    fleet.push(asset);
                }
            }
        }
        let mut points = Vec::new();
        for asset in &mut fleet {
            maybe_excursion(asset, &mut rng);
            for (metric, unit, signal) in &mut asset.signals {
                points.push(PointInput {
                    asset: AssetRef::Id(asset.id),
                    metric: (*metric).to_owned(),
                    ts: None,
                    value: signal.step(&mut rng),
                    quality: None,
                    unit: Some((*unit).to_owned()),
                });
            }
        }
        if let Err(e) = ingest.ingest(&tenant, points, None).await {
            tracing::warn!(error = %e, "demo simulator: ingest failed");
            continue;
        }
        if tick % 5 == 4
            && let Err(e) = advance_jobs(&db, &events, &tenant, &mut rng).await
        {
            tracing::warn!(error = %e, "demo simulator: job progress failed");
        }
    }
    Ok(())
}

/// Running demo jobs make progress, as their devices would report it; a finished job is
/// followed by the next one on the same asset, so `jobUpdated` always has something to show.
/// Paused jobs (an emergency stop pauses them) wait for someone to resume them.
async fn advance_jobs(
    db: &Db,
    events: &EventBus,
    tenant: &Tenant,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    use crate::domain::jobs::{self as job_domain, NewJob, Transition};
    let running = entity::jobs::Entity::find()
        .filter(entity::jobs::Column::OrganizationId.eq(tenant.organization_id))
        .filter(entity::jobs::Column::Status.eq(entity::JobStatus::Running))
        .all(&db.conn)
        .await?;
    for job in running {
        let Some(total) = job.items_total else {
            continue;
        };
        let tx = db.begin_write().await?;
        let done = (job.items_done + rng.random_range(1..=3)).min(total);
        let mut published = job_domain::report_progress(
            &tx.tx,
            tenant,
            job.id,
            done,
            Some(format!("item-{done:03}")),
        )
        .await?
        .events;
        if done == total {
            let finished = job_domain::transition(
                &tx.tx,
                tenant,
                job.id,
                Transition::Complete(Some(serde_json::json!({ "items": total }))),
            )
            .await?;
            published.extend(finished.events);
            let next = job_domain::create(
                &tx.tx,
                tenant,
                NewJob {
                    asset_id: job.asset_id,
                    name: next_name(&job.name),
                    kind: job.kind.clone(),
                    priority: job.priority,
                    payload: Some(job.payload.clone()),
                    items_total: Some(total),
                },
            )
            .await?;
            published.extend(next.events);
            let started =
                job_domain::transition(&tx.tx, tenant, next.value.id, Transition::Start).await?;
            published.extend(started.events);
        }
        tx.commit().await?;
        for event in published {
            events.publish(event).await;
        }
    }
    Ok(())
}

/// "Batch 42" -> "Batch 43"; a name without a trailing number gets " (next)".
fn next_name(name: &str) -> String {
    let digits = name.chars().rev().take_while(char::is_ascii_digit).count();
    let (stem, number) = name.split_at(name.len() - digits);
    match number.parse::<u64>() {
        Ok(n) => format!("{stem}{}", n + 1),
        Err(_) => format!("{name} (next)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_stay_in_range_and_return_after_an_excursion() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut s = Signal::new(40.0, 1.0, 0.0, 100.0);
        s.excursion = Some((90.0, 30));
        let peak = (0..30).map(|_| s.step(&mut rng)).fold(f64::MIN, f64::max);
        assert!(peak > 80.0, "peak {peak}");
        let settled = (0..60).map(|_| s.step(&mut rng)).last().unwrap();
        assert!((settled - 40.0).abs() < 8.0, "settled {settled}");
        for _ in 0..1000 {
            let v = s.step(&mut rng);
            assert!((0.0..=100.0).contains(&v));
        }
    }

    #[test]
    fn the_next_job_counts_on() {
        assert_eq!(
            next_name("Side panel seams, batch 42"),
            "Side panel seams, batch 43"
        );
        assert_eq!(next_name("Wave pick"), "Wave pick (next)");
    }
}
