//! Database migrations for Fleetgraph.
//!
//! Every migration is written with sea-query builders only, so the same code runs on SQLite
//! and PostgreSQL. Consequences of targeting SQLite: foreign keys are declared inside
//! CREATE TABLE (it cannot add them later), enums are CHECK-constrained strings, and every
//! UNIQUE constraint is a named unique index.

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

pub mod enum_values;
mod helpers;
mod m20261123_000001_create_identity_tables;
mod m20261123_000002_create_place_tables;
mod m20261123_000003_create_asset_tables;
mod m20261123_000004_create_audit_logs;
mod m20261123_000005_create_used_refresh_tokens;
mod m20261123_000006_create_telemetry_tables;
mod m20261123_000007_create_alert_tables;
mod m20261129_000008_create_operations_tables;
mod m20261129_000009_telemetry_points_checked_per_batch;
mod m20261130_000010_telemetry_metric_byte_order;
mod m20261130_000011_telemetry_state_fillfactor;
mod m20261204_000013_invitations_and_member_badges;
mod m20261204_000014_alert_events_per_organization;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_identity_tables::Migration),
            Box::new(m20261123_000002_create_place_tables::Migration),
            Box::new(m20261123_000003_create_asset_tables::Migration),
            Box::new(m20261123_000004_create_audit_logs::Migration),
            Box::new(m20261123_000005_create_used_refresh_tokens::Migration),
            Box::new(m20261123_000006_create_telemetry_tables::Migration),
            Box::new(m20261123_000007_create_alert_tables::Migration),
            Box::new(m20261129_000008_create_operations_tables::Migration),
            Box::new(m20261129_000009_telemetry_points_checked_per_batch::Migration),
            Box::new(m20261130_000010_telemetry_metric_byte_order::Migration),
            Box::new(m20261130_000011_telemetry_state_fillfactor::Migration),
            Box::new(m20261204_000013_invitations_and_member_badges::Migration),
            Box::new(m20261204_000014_alert_events_per_organization::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::{Database, DatabaseConnection, QueryResult};

    /// An organization row as the migration tests insert it.
    fn organization(id: &str, now: &str) -> String {
        format!(
            "INSERT INTO organizations (id, name, slug, plan, settings, created_at, updated_at) \
             VALUES ('{id}', 'O', '{id}', 'free', '{{}}', {now}, {now})"
        )
    }

    /// The rows `sql` selects, each decoded by `decode`.
    async fn query_rows<T>(
        db: &DatabaseConnection,
        sql: &str,
        decode: impl Fn(&QueryResult) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        use sea_orm_migration::sea_orm::Statement;
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// An open critical alert with no asset or rule.
    fn alert_row(id: &str, organization: &str, kind: &str, now: &str) -> String {
        format!(
            "INSERT INTO alerts (id, organization_id, kind, severity, status, title, source, \
             first_seen_at, last_seen_at, created_at, updated_at) \
             VALUES ('{id}', '{organization}', '{kind}', 'critical', 'open', 't', 's', \
             {now}, {now}, {now}, {now})"
        )
    }

    #[tokio::test]
    async fn up_down_up_on_sqlite() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        Migrator::up(&db, None).await?;
        // A second run must find nothing to do.
        Migrator::up(&db, None).await?;
        assert!(Migrator::get_pending_migrations(&db).await?.is_empty());
        Migrator::down(&db, None).await?;
        let manager = SchemaManager::new(&db);
        assert!(!manager.has_table("organizations").await?);
        Migrator::up(&db, None).await?;
        assert!(manager.has_table("audit_logs").await?);
        assert!(
            manager
                .has_index("assets", "uq_assets_organization_id_code")
                .await?
        );
        for table in [
            "metrics",
            "telemetry_points",
            "telemetry_rollups",
            "telemetry_latest",
            "alert_rules",
            "alerts",
            "alert_events",
            "alert_breaches",
            "invitations",
            "alert_sequences",
        ] {
            assert!(manager.has_table(table).await?, "{table} missing");
        }
        assert!(
            manager
                .has_index("alerts", "uq_alerts_open_rule_asset")
                .await?
        );
        assert!(
            manager
                .has_index("alerts", "uq_alerts_open_offline")
                .await?
        );
        // Migration 000009: the retention sweep goes through the primary key, not this index.
        assert!(
            !manager
                .has_index(
                    "telemetry_points",
                    "idx_telemetry_points_organization_id_ts"
                )
                .await?
        );
        Ok(())
    }

    /// The alert constraints SQLite cannot express the obvious way: the partial unique indexes;
    /// and `alert_events` keyed by (organization, seq).
    #[tokio::test]
    async fn alert_constraints_on_sqlite() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        Migrator::up(&db, None).await?;
        let now = "'2026-01-01T00:00:00Z'";
        for sql in [
            organization("o", now),
            format!(
                "INSERT INTO sites (id, organization_id, code, name, timezone, created_at, \
                 updated_at) VALUES ('s', 'o', 's', 'S', 'UTC', {now}, {now})"
            ),
            format!(
                "INSERT INTO assets (id, organization_id, kind, name, code, site_id, vendor, \
                 model, created_at, updated_at) \
                 VALUES ('a', 'o', 'robot', 'A', 'a', 's', 'v', 'm', {now}, {now})"
            ),
            format!(
                "INSERT INTO alert_rules (id, organization_id, name, metric, direction, \
                 created_at, updated_at) VALUES ('r', 'o', 'R', 'temp', 'above', {now}, {now})"
            ),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        let alert = |id: &str, kind: &str, status: &str, rule: &str| {
            format!(
                "INSERT INTO alerts (id, organization_id, asset_id, rule_id, kind, severity, \
                 status, title, source, first_seen_at, last_seen_at, created_at, updated_at) \
                 VALUES ('{id}', 'o', 'a', {rule}, '{kind}', 'warning', '{status}', 't', 'rule', \
                 {now}, {now}, {now}, {now})"
            )
        };
        db.execute_unprepared(&alert("1", "threshold", "open", "'r'"))
            .await?;
        db.execute_unprepared(&alert("2", "threshold", "resolved", "'r'"))
            .await?;
        assert!(
            db.execute_unprepared(&alert("3", "threshold", "acknowledged", "'r'"))
                .await
                .is_err(),
            "a second unresolved alert for the same rule and asset"
        );
        db.execute_unprepared(&alert("4", "offline", "open", "NULL"))
            .await?;
        assert!(
            db.execute_unprepared(&alert("5", "offline", "open", "NULL"))
                .await
                .is_err(),
            "a second unresolved offline alert for the same asset"
        );

        // Migration 000014: the cursor is numbered per organization, and a number is taken
        // once within it.
        let event = |seq: i64| {
            format!(
                "INSERT INTO alert_events (organization_id, seq, alert_id, kind, payload, \
                 created_at) VALUES ('o', {seq}, '1', 'raised', '{{}}', {now})"
            )
        };
        db.execute_unprepared(&event(1)).await?;
        db.execute_unprepared(&event(2)).await?;
        assert!(
            db.execute_unprepared(&event(2)).await.is_err(),
            "the same cursor twice in one organization"
        );
        Ok(())
    }

    /// The operations migration widens `alerts.kind` in place: existing alerts and their event
    /// log survive, the new kinds are accepted, unknown kinds are still refused, and a machine
    /// has at most one active session.
    #[tokio::test]
    async fn operations_constraints_on_sqlite() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        Migrator::up(&db, Some(7)).await?;
        let now = "'2026-01-01T00:00:00Z'";
        let alert = |id: &str, kind: &str| alert_row(id, "o", kind, now);
        for sql in [
            organization("o", now),
            format!(
                "INSERT INTO users (id, email, password_hash, display_name, \
                 created_at, updated_at) VALUES ('u', 'u@x', 'h', 'U', {now}, {now})"
            ),
            format!(
                "INSERT INTO sites (id, organization_id, code, name, timezone, created_at, \
                 updated_at) VALUES ('s', 'o', 's', 'S', 'UTC', {now}, {now})"
            ),
            format!(
                "INSERT INTO assets (id, organization_id, kind, name, code, site_id, vendor, \
                 model, created_at, updated_at) \
                 VALUES ('m', 'o', 'machine', 'M', 'm', 's', 'v', 'm', {now}, {now})"
            ),
            alert("1", "manual"),
            format!(
                "INSERT INTO alert_events (organization_id, alert_id, kind, payload, created_at) \
                 VALUES ('o', '1', 'raised', '{{}}', {now})"
            ),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        assert!(db.execute_unprepared(&alert("2", "estop")).await.is_err());
        Migrator::up(&db, None).await?;
        db.execute_unprepared(&alert("2", "estop")).await?;
        db.execute_unprepared(&alert("3", "maintenance")).await?;
        assert!(db.execute_unprepared(&alert("4", "bogus")).await.is_err());
        let count = |table: &'static str| {
            let db = &db;
            async move {
                let row = db
                    .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                        db.get_database_backend(),
                        format!("SELECT COUNT(*) AS n FROM {table}"),
                    ))
                    .await?
                    .expect("a count row");
                row.try_get::<i64>("", "n")
            }
        };
        assert_eq!(count("alerts").await?, 3);
        assert_eq!(count("alert_events").await?, 1);

        let session = |id: &str, ended: &str| {
            format!(
                "INSERT INTO machine_sessions (id, organization_id, machine_id, user_id, \
                 started_at, last_activity_at, ended_at) \
                 VALUES ('{id}', 'o', 'm', 'u', {now}, {now}, {ended})"
            )
        };
        db.execute_unprepared(&session("a", "NULL")).await?;
        assert!(
            db.execute_unprepared(&session("b", "NULL")).await.is_err(),
            "a second active session on one machine"
        );
        db.execute_unprepared(&session("c", now)).await?;

        // Down to before this migration and up again: the narrower constraint comes back and
        // the new kinds go.
        let after_seventh = Migrator::get_applied_migrations(&db).await?.len() - 7;
        Migrator::down(&db, Some(after_seventh as u32)).await?;
        assert_eq!(count("alerts").await?, 1);
        assert!(db.execute_unprepared(&alert("5", "estop")).await.is_err());
        Migrator::up(&db, None).await?;
        db.execute_unprepared(&alert("5", "estop")).await?;
        Ok(())
    }

    /// Migration 000013 moves badge tags from users to memberships without losing any: a user
    /// in two organizations keeps their tag in both, the tag is unique per organization only,
    /// and going down puts one tag back on each user without breaking the global uniqueness.
    #[tokio::test]
    async fn badges_move_to_memberships_and_back_on_sqlite() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        // Whatever migrations follow 000013, the test goes up to just before it and back there.
        let all = Migrator::migrations();
        let before = all
            .iter()
            .position(|m| m.name().contains("_000013_"))
            .expect("migration 000013 is listed") as u32;
        let after = all.len() as u32 - before;
        Migrator::up(&db, Some(before)).await?;
        let now = "'2026-01-01T00:00:00Z'";
        let later = "'2026-01-02T00:00:00Z'";
        let mut setup = Vec::new();
        for org in ["o1", "o2"] {
            setup.push(organization(org, now));
        }
        for (user, badge) in [("u1", "'B1'"), ("u2", "NULL"), ("u3", "'B3'")] {
            setup.push(format!(
                "INSERT INTO users (id, email, password_hash, display_name, badge_tag, \
                 created_at, updated_at) VALUES ('{user}', '{user}@x', 'h', 'U', {badge}, \
                 {now}, {now})"
            ));
        }
        for (id, org, user, at) in [
            ("m1", "o1", "u1", now),
            ("m2", "o2", "u1", later),
            ("m3", "o1", "u2", now),
            ("m4", "o2", "u3", now),
        ] {
            setup.push(format!(
                "INSERT INTO memberships (id, organization_id, user_id, role, created_at, \
                 updated_at) VALUES ('{id}', '{org}', '{user}', 'operator', {at}, {at})"
            ));
        }
        for sql in setup {
            db.execute_unprepared(&sql).await?;
        }
        Migrator::up(&db, None).await?;
        let manager = SchemaManager::new(&db);
        assert!(!manager.has_column("users", "badge_tag").await?);
        assert!(manager.has_table("invitations").await?);
        let badges = |sql: &'static str| {
            query_rows(&db, sql, |row| {
                Ok((
                    row.try_get::<String>("", "id")?,
                    row.try_get::<Option<String>>("", "badge_tag")?,
                ))
            })
        };
        let tag = |t: &str| Some(t.to_owned());
        assert_eq!(
            badges("SELECT id, badge_tag FROM memberships ORDER BY id").await?,
            [
                ("m1".to_owned(), tag("B1")),
                ("m2".to_owned(), tag("B1")),
                ("m3".to_owned(), None),
                ("m4".to_owned(), tag("B3")),
            ]
        );
        // Per organization: B3 is free in o1, taken in o2.
        db.execute_unprepared("UPDATE memberships SET badge_tag = 'B3' WHERE id = 'm3'")
            .await?;
        assert!(
            db.execute_unprepared("UPDATE memberships SET badge_tag = 'B3' WHERE id = 'm2'")
                .await
                .is_err()
        );

        // Down: each tag goes back to the user holding its oldest membership. B3 is now on m3
        // (u2) and m4 (u3), created at the same time; m3 has the lower id, so u2 keeps B3 and
        // u3, whose only tag it was, gets none (the global unique index allows one holder).
        Migrator::down(&db, Some(after)).await?;
        assert!(!manager.has_table("invitations").await?);
        assert_eq!(
            badges("SELECT id, badge_tag FROM users ORDER BY id").await?,
            [
                ("u1".to_owned(), tag("B1")),
                ("u2".to_owned(), tag("B3")),
                ("u3".to_owned(), None),
            ]
        );
        Migrator::up(&db, None).await?;
        assert_eq!(
            badges("SELECT id, badge_tag FROM memberships ORDER BY id").await?,
            [
                ("m1".to_owned(), tag("B1")),
                ("m2".to_owned(), tag("B1")),
                ("m3".to_owned(), tag("B3")),
                ("m4".to_owned(), None),
            ]
        );
        Ok(())
    }

    /// Migration 000014 renumbers the alert event log per organization in its old order, loses
    /// no event, continues each organization's sequence after its last event, and goes back to
    /// one global sequence (every event kept) when rolled back.
    #[tokio::test]
    async fn alert_events_are_renumbered_per_organization() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        Migrator::up(&db, Some(11)).await?;
        let now = "'2026-01-01T00:00:00Z'";
        for org in ["a", "b"] {
            db.execute_unprepared(&organization(org, now)).await?;
            db.execute_unprepared(&alert_row(&format!("{org}1"), org, "manual", now))
                .await?;
        }
        // Interleaved, as one global sequence numbered them: a b a a b.
        for (n, org) in ["a", "b", "a", "a", "b"].into_iter().enumerate() {
            db.execute_unprepared(&format!(
                "INSERT INTO alert_events (organization_id, alert_id, kind, payload, created_at) \
                 VALUES ('{org}', '{org}1', 'raised', '{{\"n\": {n}}}', {now})"
            ))
            .await?;
        }
        let rows = |sql: &'static str| {
            query_rows(&db, sql, |row| {
                Ok((
                    row.try_get::<String>("", "o")?,
                    row.try_get::<i64>("", "s")?,
                    row.try_get::<String>("", "p")?,
                ))
            })
        };
        let events = "SELECT organization_id AS o, seq AS s, CAST(payload AS TEXT) AS p \
                      FROM alert_events ORDER BY organization_id, seq";
        Migrator::up(&db, None).await?;
        let renumbered = rows(events).await?;
        let expected: Vec<(String, i64, String)> = [
            ("a", 1, 0),
            ("a", 2, 2),
            ("a", 3, 3),
            ("b", 1, 1),
            ("b", 2, 4),
        ]
        .into_iter()
        .map(|(o, s, n)| (o.to_owned(), s, format!("{{\"n\": {n}}}")))
        .collect();
        assert_eq!(renumbered, expected);
        let last = rows(
            "SELECT organization_id AS o, last_seq AS s, '' AS p FROM alert_sequences \
             ORDER BY organization_id",
        )
        .await?;
        assert_eq!(
            last,
            [
                ("a".into(), 3, String::new()),
                ("b".into(), 2, String::new())
            ]
        );

        // Down: one global sequence again, every event kept.
        Migrator::down(&db, Some(1)).await?;
        let global = rows(
            "SELECT organization_id AS o, seq AS s, CAST(payload AS TEXT) AS p \
             FROM alert_events ORDER BY seq",
        )
        .await?;
        assert_eq!(global.len(), 5);
        let seqs: Vec<i64> = global.iter().map(|(_, s, _)| *s).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        Migrator::up(&db, None).await?;
        assert_eq!(rows(events).await?.len(), 5);
        Ok(())
    }
}
