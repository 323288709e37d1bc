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
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::Database;

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
        Ok(())
    }
}
