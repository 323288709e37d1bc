//! The demo organization seeded by `--demo`: one user per role, two sites with zones, robots and
//! machines with realistic vendors, models and configuration. Seeding is idempotent: when the
//! organization exists, nothing is written again.
//!
//! It is built through the same domain functions as the API, so the demo data obeys every rule
//! real data does.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Origin, PasswordHasher, Tenant};
use crate::db::Db;
use crate::domain::assets::{self, AssetFields, Location, MachineFields, RobotFields};
use crate::domain::sites::{self, SiteFields};
use crate::domain::zones::{self, NewZone};
use crate::domain::{members, now, organizations};
use entity::{AssetStatus, Role, organizations as orgs, users};

pub const DEMO_SLUG: &str = "demo";

/// The demo accounts: (role, email, password). Published in the README; refused off loopback.
pub const DEMO_USERS: [(Role, &str, &str); 5] = [
    (Role::Owner, "owner@demo.fleetgraph.dev", "demo-owner-pass"),
    (Role::Admin, "admin@demo.fleetgraph.dev", "demo-admin-pass"),
    (
        Role::Engineer,
        "engineer@demo.fleetgraph.dev",
        "demo-engineer-pass",
    ),
    (
        Role::Operator,
        "operator@demo.fleetgraph.dev",
        "demo-operator-pass",
    ),
    (
        Role::Viewer,
        "viewer@demo.fleetgraph.dev",
        "demo-viewer-pass",
    ),
];

struct DemoRobot {
    site: &'static str,
    zone: &'static str,
    code: &'static str,
    name: &'static str,
    vendor: &'static str,
    model: &'static str,
    firmware: &'static str,
    status: AssetStatus,
    location: (f64, f64, f64),
    config: fn() -> serde_json::Value,
}

struct DemoMachine {
    site: &'static str,
    zone: &'static str,
    code: &'static str,
    name: &'static str,
    vendor: &'static str,
    model: &'static str,
    requires_badge: bool,
    timeout: i32,
    warning: i32,
    edge: &'static str,
    status: AssetStatus,
    config: fn() -> serde_json::Value,
}

const ROBOTS: [DemoRobot; 7] = [
    DemoRobot {
        site: "BER",
        zone: "WELD",
        code: "R-WELD-01",
        name: "Spot welder 1",
        vendor: "KUKA",
        model: "KR 210 R2700-2",
        firmware: "KSS 8.7.4",
        status: AssetStatus::Busy,
        location: (12.0, 4.5, 0.0),
        config: || json!({ "payloadKg": 210, "reachMm": 2700, "axes": 6, "controller": "KR C5" }),
    },
    DemoRobot {
        site: "BER",
        zone: "WELD",
        code: "R-WELD-02",
        name: "Spot welder 2",
        vendor: "KUKA",
        model: "KR 210 R2700-2",
        firmware: "KSS 8.7.4",
        status: AssetStatus::Online,
        location: (16.0, 4.5, 0.0),
        config: || json!({ "payloadKg": 210, "reachMm": 2700, "axes": 6, "controller": "KR C5" }),
    },
    DemoRobot {
        site: "BER",
        zone: "ASSY",
        code: "R-ASSY-01",
        name: "Assembly arm",
        vendor: "FANUC",
        model: "M-20iD/25",
        firmware: "V9.40P/25",
        status: AssetStatus::Busy,
        location: (30.0, 10.0, 0.0),
        config: || json!({ "payloadKg": 25, "reachMm": 1831, "axes": 6, "controller": "R-30iB Plus" }),
    },
    DemoRobot {
        site: "BER",
        zone: "ASSY",
        code: "R-COBOT-01",
        name: "Screwdriving cobot",
        vendor: "Universal Robots",
        model: "UR10e",
        firmware: "PolyScope 5.15",
        status: AssetStatus::Idle,
        location: (33.5, 12.0, 0.0),
        config: || json!({ "payloadKg": 12.5, "reachMm": 1300, "safetyConfig": "collaborative" }),
    },
    DemoRobot {
        site: "BER",
        zone: "PAINT",
        code: "R-PAINT-01",
        name: "Paint robot",
        vendor: "ABB",
        model: "IRB 5500",
        firmware: "RobotWare 7.10",
        // Online at first; the simulator keeps it silent, so the staleness worker takes it
        // offline (with an alert) a minute after start.
        status: AssetStatus::Online,
        location: (50.0, 6.0, 0.0),
        config: || json!({ "atex": true, "bellCup": "RB1000", "axes": 7 }),
    },
    DemoRobot {
        site: "LYS",
        zone: "PICK",
        code: "AMR-01",
        name: "Picking AMR 1",
        vendor: "Locus Robotics",
        model: "Origin",
        firmware: "4.12.0",
        status: AssetStatus::Busy,
        location: (5.0, 40.0, 0.0),
        config: || json!({ "maxSpeedMps": 1.5, "payloadKg": 36, "batteryWh": 1200 }),
    },
    DemoRobot {
        site: "LYS",
        zone: "PICK",
        code: "AMR-02",
        name: "Picking AMR 2",
        vendor: "Locus Robotics",
        model: "Origin",
        firmware: "4.12.0",
        status: AssetStatus::Online,
        location: (8.0, 42.0, 0.0),
        config: || json!({ "maxSpeedMps": 1.5, "payloadKg": 36, "batteryWh": 1200 }),
    },
];

const MORE_ROBOTS: [DemoRobot; 1] = [DemoRobot {
    site: "LYS",
    zone: "INB",
    code: "R-UNLOAD-01",
    name: "Truck unloader",
    vendor: "Boston Dynamics",
    model: "Stretch",
    firmware: "2.3.1",
    status: AssetStatus::Idle,
    location: (2.0, 3.0, 0.0),
    config: || json!({ "casesPerHour": 600, "suctionGripper": true, "mastHeightM": 2.6 }),
}];

const MACHINES: [DemoMachine; 5] = [
    DemoMachine {
        site: "BER",
        zone: "ASSY",
        code: "M-LASER-01",
        name: "Laser cutter",
        vendor: "TRUMPF",
        model: "TruLaser 3030 fiber",
        requires_badge: true,
        timeout: 30,
        warning: 5,
        edge: "edge-ber-01",
        status: AssetStatus::Busy,
        config: || json!({ "laserPowerKw": 6, "sheetFormat": "3000x1500", "opcUa": "opc.tcp://10.0.1.21:4840" }),
    },
    DemoMachine {
        site: "BER",
        zone: "ASSY",
        code: "M-CNC-01",
        name: "Vertical mill",
        vendor: "DMG MORI",
        model: "CMX 1100 V",
        requires_badge: true,
        timeout: 45,
        warning: 10,
        edge: "edge-ber-01",
        status: AssetStatus::Online,
        config: || json!({ "spindleRpm": 12000, "toolMagazine": 30, "control": "CELOS / Siemens 840D" }),
    },
    DemoMachine {
        site: "BER",
        zone: "PAINT",
        code: "M-OVEN-01",
        name: "Curing oven",
        vendor: "Dürr",
        model: "EcoInCure",
        requires_badge: false,
        timeout: 120,
        warning: 15,
        edge: "edge-ber-02",
        status: AssetStatus::Online,
        config: || json!({ "maxTempC": 220, "zones": 4 }),
    },
    DemoMachine {
        site: "LYS",
        zone: "DISP",
        code: "M-WRAP-01",
        name: "Pallet wrapper",
        vendor: "Robopac",
        model: "Helix 3",
        requires_badge: false,
        timeout: 20,
        warning: 5,
        edge: "edge-lys-01",
        status: AssetStatus::Idle,
        config: || json!({ "filmPrestretchPct": 250, "cyclesPerHour": 45 }),
    },
    DemoMachine {
        site: "LYS",
        zone: "DISP",
        code: "M-SORT-01",
        name: "Parcel sorter",
        vendor: "Vanderlande",
        model: "POSISORTER",
        requires_badge: true,
        timeout: 60,
        warning: 10,
        edge: "edge-lys-01",
        status: AssetStatus::Error,
        config: || json!({ "itemsPerHour": 10000, "chutes": 48 }),
    },
];

/// Seeds the demo organization unless it exists; prints the credentials either way.
pub async fn seed(db: &Db, hasher: &PasswordHasher) -> anyhow::Result<()> {
    let existing = orgs::Entity::find()
        .filter(orgs::Column::Slug.eq(DEMO_SLUG))
        .one(&db.conn)
        .await?;
    if existing.is_none() {
        seed_new(db, hasher).await?;
        tracing::info!("demo organization seeded");
    }
    print_credentials();
    Ok(())
}

fn print_credentials() {
    println!("\nFleetgraph demo organization '{DEMO_SLUG}'. Log in with any of:");
    for (role, email, password) in DEMO_USERS {
        println!(
            "  {:<9} {email:<32} {password}",
            format!("{role:?}").to_lowercase()
        );
    }
    println!();
}

async fn seed_new(db: &Db, hasher: &PasswordHasher) -> anyhow::Result<()> {
    let tx = db.begin_write().await?;
    let conn = &tx.tx;
    let org = organizations::create(conn, "Demo Manufacturing", DEMO_SLUG).await?;
    let mut owner_id = Uuid::nil();
    for (role, email, password) in DEMO_USERS {
        let user = match users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(conn)
            .await?
        {
            Some(user) => user,
            None => {
                let name = format!("Demo {role:?}");
                let now = now();
                users::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(email.to_owned()),
                    password_hash: Set(hasher.hash(password).await?),
                    display_name: Set(name),
                    failed_login_attempts: Set(0),
                    locked_until: Set(None),
                    last_login_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(conn)
                .await?
            }
        };
        let membership = members::insert_membership(conn, org.id, user.id, role).await?;
        // Badges belong to the membership: this organization's tag for the demo user.
        let mut membership = membership.into_active_model();
        membership.badge_tag = Set(Some(format!(
            "BADGE-{}",
            format!("{role:?}").to_uppercase()
        )));
        membership.update(conn).await?;
        if role == Role::Owner {
            owner_id = user.id;
        }
    }
    let owner = Tenant::user(
        org.id,
        owner_id,
        Uuid::nil(),
        Role::Owner,
        None,
        Origin::default(),
    );

    let site_specs = [
        (
            "BER",
            "Berlin Body Shop",
            "Europe/Berlin",
            "Am Borsigturm 100, 13507 Berlin",
            52.5877,
            13.2846,
            vec![
                ("WELD", "Welding cell"),
                ("ASSY", "Final assembly"),
                ("PAINT", "Paint shop"),
            ],
        ),
        (
            "LYS",
            "Lyon Fulfilment Centre",
            "Europe/Paris",
            "12 Rue de l'Industrie, 69200 Vénissieux",
            45.7034,
            4.8808,
            vec![
                ("INB", "Inbound dock"),
                ("PICK", "Pick aisles"),
                ("DISP", "Dispatch"),
            ],
        ),
    ];
    let mut zone_ids = std::collections::HashMap::new();
    let mut site_ids = std::collections::HashMap::new();
    for (code, name, tz, address, lat, lon, zones_spec) in site_specs {
        let fields = SiteFields {
            code: Some(code.into()),
            name: Some(name.into()),
            timezone: Some(tz.into()),
            address: Some(Some(address.into())),
            latitude: Some(Some(lat)),
            longitude: Some(Some(lon)),
        };
        let site = sites::create(conn, &owner, fields).await?.value;
        site_ids.insert(code, site.id);
        for (zone_code, zone_name) in zones_spec {
            let zone = NewZone {
                site_id: site.id,
                code: zone_code.into(),
                name: zone_name.into(),
                description: None,
            };
            let zone = zones::create(conn, &owner, zone).await?.value;
            zone_ids.insert((code, zone_code), zone.id);
        }
    }
    let place = |site: &str, zone: &str| -> anyhow::Result<(Uuid, Uuid)> {
        let site_id = *site_ids
            .get(site)
            .ok_or_else(|| anyhow::anyhow!("demo site {site} missing"))?;
        let zone_id = *zone_ids
            .get(&(site, zone))
            .ok_or_else(|| anyhow::anyhow!("demo zone {zone} missing"))?;
        Ok((site_id, zone_id))
    };
    for (i, r) in ROBOTS.iter().chain(MORE_ROBOTS.iter()).enumerate() {
        let (site_id, zone_id) = place(r.site, r.zone)?;
        let fields = AssetFields {
            site_id: Some(site_id),
            zone_id: Some(Some(zone_id)),
            code: Some(r.code.into()),
            name: Some(r.name.into()),
            vendor: Some(r.vendor.into()),
            model: Some(r.model.into()),
            serial_number: Some(Some(format!(
                "SN-{}-{:05}",
                r.vendor.chars().take(3).collect::<String>().to_uppercase(),
                10_000 + i * 137
            ))),
            status: Some(r.status),
        };
        let robot = RobotFields {
            firmware_version: Some(Some(r.firmware.into())),
            location: Some(Some(Location {
                x: r.location.0,
                y: r.location.1,
                z: Some(r.location.2),
                heading: Some(90.0),
            })),
            configuration: Some((r.config)()),
        };
        assets::create_robot(conn, &owner, fields, robot).await?;
    }
    for (i, m) in MACHINES.iter().enumerate() {
        let (site_id, zone_id) = place(m.site, m.zone)?;
        let fields = AssetFields {
            site_id: Some(site_id),
            zone_id: Some(Some(zone_id)),
            code: Some(m.code.into()),
            name: Some(m.name.into()),
            vendor: Some(m.vendor.into()),
            model: Some(m.model.into()),
            serial_number: Some(Some(format!("MC-{:06}", 420_000 + i * 911))),
            status: Some(m.status),
        };
        let machine = MachineFields {
            requires_badge: Some(m.requires_badge),
            session_timeout_minutes: Some(m.timeout),
            warning_minutes: Some(m.warning),
            edge_node: Some(Some(m.edge.into())),
            configuration: Some((m.config)()),
        };
        assets::create_machine(conn, &owner, fields, machine).await?;
    }
    seed_operations(conn, &owner).await?;
    // Every demo asset has "just reported": the simulator keeps them fresh, except the one it
    // leaves silent to show an asset going offline.
    entity::assets::Entity::update_many()
        .filter(entity::assets::Column::OrganizationId.eq(org.id))
        .col_expr(
            entity::assets::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(Some(now())),
        )
        .exec(conn)
        .await?;
    seed_maintenance(conn, &owner).await?;
    tx.commit().await?;
    Ok(())
}

/// A few maintenance tasks: a weekly preventive task (already done once, so its successor is
/// scheduled), a running-hours schedule, and an overdue repair the overdue worker alerts on
/// within a minute of starting.
async fn seed_maintenance(
    conn: &sea_orm::DatabaseTransaction,
    owner: &Tenant,
) -> anyhow::Result<()> {
    use crate::domain::maintenance::{self, Completion, Create, Fields, Recurrence};
    use entity::{MaintenanceKind, Priority};
    let operator = users::Entity::find()
        .filter(users::Column::Email.eq("operator@demo.fleetgraph.dev"))
        .one(conn)
        .await?
        .map(|u| u.id);
    let at = now();
    let task = |code: &'static str, title: &str, kind, priority, due, recurrence| Fields {
        title: Some(title.into()),
        description: Some(Some(format!("Demo task on {code}"))),
        kind: Some(kind),
        priority: Some(priority),
        due_at: Some(due),
        assignee_id: Some(operator),
        estimated_minutes: Some(Some(30)),
        notes: Some(None),
        recurrence: Some(recurrence),
    };
    let specs = [
        (
            "M-CNC-01",
            task(
                "M-CNC-01",
                "Spindle lubrication",
                MaintenanceKind::Preventive,
                Priority::Normal,
                at,
                Some(Recurrence::EveryDays(7)),
            ),
            true,
        ),
        (
            "M-LASER-01",
            task(
                "M-LASER-01",
                "Lens and nozzle inspection",
                MaintenanceKind::Preventive,
                Priority::High,
                at + chrono::Duration::days(3),
                Some(Recurrence::EveryRunningHours(200)),
            ),
            false,
        ),
        (
            "R-WELD-02",
            task(
                "R-WELD-02",
                "Replace welding tip",
                MaintenanceKind::Corrective,
                Priority::High,
                at - chrono::Duration::days(1),
                None,
            ),
            false,
        ),
    ];
    for (code, fields, complete) in specs {
        let asset = assets::by_code(conn, owner, code).await?;
        let created = maintenance::create(
            conn,
            owner,
            Create {
                asset_id: asset.id,
                fields,
            },
        )
        .await?
        .value;
        if complete {
            maintenance::start(conn, owner, created.id).await?;
            let done = Completion {
                actual_minutes: Some(25),
                cost: Some(rust_decimal::Decimal::new(4250, 2)),
                parts: None,
                notes: Some("Demo: lubricated, no findings".into()),
            };
            maintenance::complete(conn, owner, created.id, done).await?;
        }
    }
    Ok(())
}

/// A few jobs (one running with progress, one queued, one completed) and a pending command,
/// so that the jobs and commands views are not empty on first start.
async fn seed_operations(
    conn: &sea_orm::DatabaseTransaction,
    owner: &Tenant,
) -> anyhow::Result<()> {
    use crate::domain::commands::{self, NewCommand};
    use crate::domain::jobs::{self, NewJob, Transition};
    use entity::Priority;

    let weld = assets::by_code(conn, owner, "R-WELD-01").await?;
    let amr = assets::by_code(conn, owner, "AMR-01").await?;
    let laser = assets::by_code(conn, owner, "M-LASER-01").await?;
    let job = |asset_id, name: &str, kind: &str, items_total| NewJob {
        asset_id,
        name: name.into(),
        kind: kind.into(),
        priority: Priority::Normal,
        payload: Some(json!({ "program": kind })),
        items_total,
    };

    let running = jobs::create(
        conn,
        owner,
        job(
            weld.id,
            "Side panel seams, batch 42",
            "weld_program",
            Some(120),
        ),
    )
    .await?
    .value;
    jobs::transition(conn, owner, running.id, Transition::Start).await?;
    jobs::report_progress(conn, owner, running.id, 45, Some("seam-045".into())).await?;

    jobs::create(
        conn,
        owner,
        job(amr.id, "Wave 7 pick run", "pick_run", Some(60)),
    )
    .await?;

    let done = jobs::create(
        conn,
        owner,
        job(laser.id, "Firmware 4.2 rollout", "software_rollout", None),
    )
    .await?
    .value;
    jobs::transition(conn, owner, done.id, Transition::Start).await?;
    jobs::transition(
        conn,
        owner,
        done.id,
        Transition::Complete(Some(json!({ "firmware": "4.2.0" }))),
    )
    .await?;

    commands::send(
        conn,
        owner,
        NewCommand {
            asset_id: amr.id,
            command: "home".into(),
            payload: Some(json!({ "dock": "D-3" })),
            priority: Priority::High,
            not_before: None,
            // A day, so that a newcomer still finds it pending after a while.
            ttl_seconds: Some(86_400),
        },
    )
    .await?;
    Ok(())
}
