//! Raw telemetry points without per-row foreign-key checks (PostgreSQL).
//!
//! `telemetry_points` is the one table written at device rate: a 1,000-point ingest call inserts
//! 1,000 rows, and each row's two foreign keys (asset, organization) ran a referential-integrity
//! check of its own, a lookup and a share lock on the referenced row. Measured on the
//! benchmark's shape, those checks took about 40 % of the insert (docs/BENCHMARKS.md, Ingest).
//! The guarantees they gave are kept by cheaper means:
//!
//! - *A point's asset exists and belongs to the point's organization.* Ingest resolves every
//!   asset of a batch inside the transaction, by organization, and locks those rows
//!   `FOR KEY SHARE` in one statement (what the per-row checks did, once per asset instead of
//!   once per point), so an asset cannot be deleted under a batch.
//! - *An asset with telemetry cannot be deleted* (archive it instead). Every point is written
//!   together with its series' `telemetry_latest` row, in the same transaction, and that table
//!   keeps its `RESTRICT` foreign key: an asset with points always has a latest row that refuses
//!   the delete.
//! - *An organization's points go with it.* The `ON DELETE CASCADE` becomes a trigger that runs
//!   before an organization row is deleted and deletes its points series by series (its
//!   `telemetry_latest` rows, which the delete then cascades, name every series).
//!
//! It also drops the `(organization_id, ts)` index of `telemetry_points`, on both backends: it
//! cost about a tenth of every insert to serve the hourly retention sweep, which now finds old
//! points series by series through the primary key (`workers::retention`).
//!
//! SQLite keeps the foreign keys: it cannot drop a constraint without rebuilding the table, its
//! checks are in-process index probes, and the throughput target is PostgreSQL's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "\
ALTER TABLE telemetry_points \
    DROP CONSTRAINT IF EXISTS fk_telemetry_points_asset_id, \
    DROP CONSTRAINT IF EXISTS fk_telemetry_points_organization_id;
CREATE FUNCTION telemetry_points_follow_organization() RETURNS trigger \
    LANGUAGE plpgsql AS $$ \
    BEGIN \
        DELETE FROM telemetry_points p USING telemetry_latest l \
        WHERE l.organization_id = OLD.id AND p.asset_id = l.asset_id AND p.metric = l.metric; \
        RETURN OLD; \
    END $$;
CREATE TRIGGER telemetry_points_follow_organization \
    BEFORE DELETE ON organizations \
    FOR EACH ROW EXECUTE FUNCTION telemetry_points_follow_organization();
DROP INDEX IF EXISTS idx_telemetry_points_organization_id_ts;";

const DOWN: &str = "\
CREATE INDEX IF NOT EXISTS idx_telemetry_points_organization_id_ts \
    ON telemetry_points (organization_id, ts);
DROP TRIGGER IF EXISTS telemetry_points_follow_organization ON organizations;
DROP FUNCTION IF EXISTS telemetry_points_follow_organization();
ALTER TABLE telemetry_points \
    ADD CONSTRAINT fk_telemetry_points_asset_id FOREIGN KEY (asset_id) \
        REFERENCES assets (id) ON DELETE RESTRICT, \
    ADD CONSTRAINT fk_telemetry_points_organization_id FOREIGN KEY (organization_id) \
        REFERENCES organizations (id) ON DELETE CASCADE;";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(UP).await?;
        } else {
            db.execute_unprepared("DROP INDEX IF EXISTS idx_telemetry_points_organization_id_ts")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(DOWN).await?;
        } else {
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_telemetry_points_organization_id_ts \
                 ON telemetry_points (organization_id, ts)",
            )
            .await?;
        }
        Ok(())
    }
}
