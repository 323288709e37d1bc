//! Room on every page of the two telemetry tables that ingest updates in place (PostgreSQL).
//!
//! `telemetry_latest` (one row per series) is rewritten by every batch that reports the
//! series, and each `telemetry_rollups` row (one per series and minute) by every batch with
//! points of its minute. PostgreSQL can write the new version of a row without touching its
//! indexes (a HOT update) only when it fits on the row's own page. Filled to the brim, as a
//! table's pages are by default, a rollup page had no such room: under the ingest benchmark
//! fewer than half of the rollup updates were HOT, each of the others added an entry to both
//! rollup indexes, and the table grew to about nine rows per page of dead versions. Pages
//! filled to half on insert leave the other half to the updates of their own rows (the dead
//! versions are pruned within the page as it fills).
//!
//! The cost is disk: up to twice the pages for these two tables, which hold one row per series
//! (latest) and one per series and minute (rollups): a sixtieth of the raw points at one point
//! per second, and far less in practice. `telemetry_points` is insert-only and keeps its
//! default. The setting applies to pages written from now on; existing pages get the room as
//! the table is rewritten (VACUUM FULL, CLUSTER), which this migration does not force.
//!
//! SQLite has no such setting (and no concurrent writers for it to matter to).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables, and the share of each page that inserts fill (percent).
const FILLFACTOR: [(&str, u8); 2] = [("telemetry_latest", 50), ("telemetry_rollups", 50)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, fill) in FILLFACTOR {
            db.execute_unprepared(&format!("ALTER TABLE {table} SET (fillfactor = {fill})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, _) in FILLFACTOR {
            db.execute_unprepared(&format!("ALTER TABLE {table} RESET (fillfactor)"))
                .await?;
        }
        Ok(())
    }
}
