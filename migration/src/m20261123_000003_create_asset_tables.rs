//! The fleet: assets with their kind-specific detail tables robots and machines.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index, unique_index};
use crate::m20261123_000001_create_identity_tables::Organizations;
use crate::m20261123_000002_create_place_tables::{Sites, Zones};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Assets {
    Table,
    Id,
    OrganizationId,
    Kind,
    Name,
    Code,
    Status,
    SiteId,
    ZoneId,
    Vendor,
    Model,
    SerialNumber,
    LastSeenAt,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Robots {
    Table,
    AssetId,
    FirmwareVersion,
    LocationX,
    LocationY,
    LocationZ,
    Heading,
    Configuration,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Machines {
    Table,
    AssetId,
    RequiresBadge,
    SessionTimeoutMinutes,
    WarningMinutes,
    EdgeNode,
    Configuration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .col(pk_uuid(Assets::Id))
                    .col(uuid(Assets::OrganizationId))
                    .col(enum_string(Assets::Kind, enum_values::ASSET_KIND))
                    .col(string_len(Assets::Name, 100))
                    .col(string_len(Assets::Code, 32))
                    .col(enum_string(Assets::Status, enum_values::ASSET_STATUS).default("offline"))
                    .col(uuid(Assets::SiteId))
                    .col(uuid_null(Assets::ZoneId))
                    .col(string_len(Assets::Vendor, 100))
                    .col(string_len(Assets::Model, 100))
                    .col(string_len_null(Assets::SerialNumber, 100))
                    .col(timestamp_with_time_zone_null(Assets::LastSeenAt))
                    .col(timestamp_with_time_zone_null(Assets::ArchivedAt))
                    .col(timestamp_with_time_zone(Assets::CreatedAt))
                    .col(timestamp_with_time_zone(Assets::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Assets::Table,
                        Assets::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Assets::Table,
                        Assets::SiteId,
                        Sites::Table,
                        Sites::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        Assets::Table,
                        Assets::ZoneId,
                        Zones::Table,
                        Zones::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // The (organization_id, x) indexes back the tenant-scoped list filters and sorts.
        create_indexes(
            manager,
            [
                unique_index(Assets::Table, &[Assets::OrganizationId, Assets::Code]),
                index(Assets::Table, &[Assets::SiteId]),
                index(Assets::Table, &[Assets::ZoneId]),
                index(Assets::Table, &[Assets::OrganizationId, Assets::Status]),
                index(Assets::Table, &[Assets::OrganizationId, Assets::Kind]),
                index(Assets::Table, &[Assets::OrganizationId, Assets::Vendor]),
                index(Assets::Table, &[Assets::OrganizationId, Assets::Name]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Robots::Table)
                    .col(pk_uuid(Robots::AssetId))
                    .col(string_len_null(Robots::FirmwareVersion, 64))
                    .col(double_null(Robots::LocationX))
                    .col(double_null(Robots::LocationY))
                    .col(double_null(Robots::LocationZ))
                    .col(double_null(Robots::Heading))
                    .col(json_binary(Robots::Configuration))
                    .foreign_key(&mut foreign_key(
                        Robots::Table,
                        Robots::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Machines::Table)
                    .col(pk_uuid(Machines::AssetId))
                    .col(boolean(Machines::RequiresBadge).default(false))
                    .col(
                        integer(Machines::SessionTimeoutMinutes)
                            .default(30)
                            .check(Expr::col(Machines::SessionTimeoutMinutes).gt(0)),
                    )
                    .col(
                        integer(Machines::WarningMinutes)
                            .default(5)
                            .check(Expr::col(Machines::WarningMinutes).gte(0)),
                    )
                    .col(string_len_null(Machines::EdgeNode, 100))
                    .col(json_binary(Machines::Configuration))
                    .foreign_key(&mut foreign_key(
                        Machines::Table,
                        Machines::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                Machines::Table.into_iden(),
                Robots::Table.into_iden(),
                Assets::Table.into_iden(),
            ],
        )
        .await
    }
}
