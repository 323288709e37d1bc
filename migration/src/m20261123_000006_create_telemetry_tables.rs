//! Telemetry: the per-organization metric catalog, raw points, exact per-minute rollups and the
//! latest value per asset and metric.
//!
//! Telemetry timestamps (`ts`, `bucket`) are epoch milliseconds in BIGINT columns, so the bucket
//! arithmetic is the same integer SQL on SQLite and PostgreSQL. Points reference their asset with
//! ON DELETE RESTRICT: an asset with telemetry is archived, not deleted, unless its organization
//! goes (which cascades).

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index};
use crate::m20261123_000001_create_identity_tables::Organizations;
use crate::m20261123_000003_create_asset_tables::Assets;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Metrics {
    Table,
    OrganizationId,
    Key,
    Unit,
    DisplayName,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum TelemetryPoints {
    Table,
    AssetId,
    OrganizationId,
    Metric,
    Ts,
    Value,
    Quality,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum TelemetryRollups {
    Table,
    AssetId,
    OrganizationId,
    Metric,
    Bucket,
    Count,
    Sum,
    Min,
    Max,
    SumSq,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum TelemetryLatest {
    Table,
    AssetId,
    OrganizationId,
    Metric,
    Ts,
    Value,
    Quality,
    Unit,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Metrics::Table)
                    .col(uuid(Metrics::OrganizationId))
                    .col(string_len(Metrics::Key, 64))
                    .col(string_len_null(Metrics::Unit, 16))
                    .col(string_len(Metrics::DisplayName, 100))
                    .col(timestamp_with_time_zone(Metrics::CreatedAt))
                    .col(timestamp_with_time_zone(Metrics::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(Metrics::OrganizationId)
                            .col(Metrics::Key),
                    )
                    .foreign_key(&mut foreign_key(
                        Metrics::Table,
                        Metrics::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        // No separate asset_id index on the three telemetry tables: their primary keys start
        // with it.
        manager
            .create_table(
                Table::create()
                    .table(TelemetryPoints::Table)
                    .col(uuid(TelemetryPoints::AssetId))
                    .col(uuid(TelemetryPoints::OrganizationId))
                    .col(string_len(TelemetryPoints::Metric, 64))
                    .col(big_integer(TelemetryPoints::Ts))
                    .col(double(TelemetryPoints::Value))
                    .col(
                        enum_string(TelemetryPoints::Quality, enum_values::QUALITY).default("good"),
                    )
                    .primary_key(
                        Index::create()
                            .col(TelemetryPoints::AssetId)
                            .col(TelemetryPoints::Metric)
                            .col(TelemetryPoints::Ts),
                    )
                    .foreign_key(&mut foreign_key(
                        TelemetryPoints::Table,
                        TelemetryPoints::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        TelemetryPoints::Table,
                        TelemetryPoints::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Backs the retention sweep (delete everything of an organization older than a cutoff).
        create_indexes(
            manager,
            [index(
                TelemetryPoints::Table,
                &[TelemetryPoints::OrganizationId, TelemetryPoints::Ts],
            )],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TelemetryRollups::Table)
                    .col(uuid(TelemetryRollups::AssetId))
                    .col(uuid(TelemetryRollups::OrganizationId))
                    .col(string_len(TelemetryRollups::Metric, 64))
                    .col(big_integer(TelemetryRollups::Bucket))
                    .col(big_integer(TelemetryRollups::Count))
                    .col(double(TelemetryRollups::Sum))
                    .col(double(TelemetryRollups::Min))
                    .col(double(TelemetryRollups::Max))
                    .col(double(TelemetryRollups::SumSq))
                    .primary_key(
                        Index::create()
                            .col(TelemetryRollups::AssetId)
                            .col(TelemetryRollups::Metric)
                            .col(TelemetryRollups::Bucket),
                    )
                    .foreign_key(&mut foreign_key(
                        TelemetryRollups::Table,
                        TelemetryRollups::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        TelemetryRollups::Table,
                        TelemetryRollups::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [index(
                TelemetryRollups::Table,
                &[TelemetryRollups::OrganizationId, TelemetryRollups::Bucket],
            )],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TelemetryLatest::Table)
                    .col(uuid(TelemetryLatest::AssetId))
                    .col(uuid(TelemetryLatest::OrganizationId))
                    .col(string_len(TelemetryLatest::Metric, 64))
                    .col(big_integer(TelemetryLatest::Ts))
                    .col(double(TelemetryLatest::Value))
                    .col(enum_string(TelemetryLatest::Quality, enum_values::QUALITY))
                    .col(string_len_null(TelemetryLatest::Unit, 16))
                    .primary_key(
                        Index::create()
                            .col(TelemetryLatest::AssetId)
                            .col(TelemetryLatest::Metric),
                    )
                    .foreign_key(&mut foreign_key(
                        TelemetryLatest::Table,
                        TelemetryLatest::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        TelemetryLatest::Table,
                        TelemetryLatest::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [index(
                TelemetryLatest::Table,
                &[TelemetryLatest::OrganizationId],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                TelemetryLatest::Table.into_iden(),
                TelemetryRollups::Table.into_iden(),
                TelemetryPoints::Table.into_iden(),
                Metrics::Table.into_iden(),
            ],
        )
        .await
    }
}
