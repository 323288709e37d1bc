//! Where assets live: sites, zones, and the optional site restriction of a membership.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_indexes, drop_tables, foreign_key, index, unique_index};
use crate::m20261123_000001_create_identity_tables::{Memberships, Organizations};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Sites {
    Table,
    Id,
    OrganizationId,
    Code,
    Name,
    Timezone,
    Address,
    Latitude,
    Longitude,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Zones {
    Table,
    Id,
    OrganizationId,
    SiteId,
    Code,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum MembershipSites {
    Table,
    MembershipId,
    SiteId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .col(pk_uuid(Sites::Id))
                    .col(uuid(Sites::OrganizationId))
                    .col(string_len(Sites::Code, 32))
                    .col(string_len(Sites::Name, 100))
                    .col(string_len(Sites::Timezone, 64))
                    .col(string_len_null(Sites::Address, 255))
                    .col(double_null(Sites::Latitude))
                    .col(double_null(Sites::Longitude))
                    .col(timestamp_with_time_zone_null(Sites::ArchivedAt))
                    .col(timestamp_with_time_zone(Sites::CreatedAt))
                    .col(timestamp_with_time_zone(Sites::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Sites::Table,
                        Sites::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Leads with organization_id, so it also serves as that foreign key's index.
        create_indexes(
            manager,
            [unique_index(
                Sites::Table,
                &[Sites::OrganizationId, Sites::Code],
            )],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Zones::Table)
                    .col(pk_uuid(Zones::Id))
                    .col(uuid(Zones::OrganizationId))
                    .col(uuid(Zones::SiteId))
                    .col(string_len(Zones::Code, 32))
                    .col(string_len(Zones::Name, 100))
                    .col(string_len_null(Zones::Description, 500))
                    .col(timestamp_with_time_zone(Zones::CreatedAt))
                    .col(timestamp_with_time_zone(Zones::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Zones::Table,
                        Zones::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Zones::Table,
                        Zones::SiteId,
                        Sites::Table,
                        Sites::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(Zones::Table, &[Zones::SiteId, Zones::Code]),
                index(Zones::Table, &[Zones::OrganizationId]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MembershipSites::Table)
                    .col(uuid(MembershipSites::MembershipId))
                    .col(uuid(MembershipSites::SiteId))
                    .primary_key(
                        Index::create()
                            .col(MembershipSites::MembershipId)
                            .col(MembershipSites::SiteId),
                    )
                    .foreign_key(&mut foreign_key(
                        MembershipSites::Table,
                        MembershipSites::MembershipId,
                        Memberships::Table,
                        Memberships::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        MembershipSites::Table,
                        MembershipSites::SiteId,
                        Sites::Table,
                        Sites::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [index(MembershipSites::Table, &[MembershipSites::SiteId])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                MembershipSites::Table.into_iden(),
                Zones::Table.into_iden(),
                Sites::Table.into_iden(),
            ],
        )
        .await
    }
}
