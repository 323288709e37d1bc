//! Tenants, users and how users get in: organizations, users, memberships, sessions, api_keys.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Organizations {
    Table,
    Id,
    Name,
    Slug,
    Plan,
    Settings,
    TelemetryRetentionDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    BadgeTag,
    FailedLoginAttempts,
    LockedUntil,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Memberships {
    Table,
    Id,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    OrganizationId,
    AccessTokenHash,
    AccessExpiresAt,
    RefreshTokenHash,
    RefreshExpiresAt,
    Ip,
    UserAgent,
    CreatedAt,
    LastUsedAt,
    RotatedAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    Name,
    Prefix,
    SecretHash,
    Scopes,
    RateLimitPerMinute,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedByUserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(string_len(Organizations::Name, 100))
                    .col(string_len(Organizations::Slug, 63))
                    .col(enum_string(Organizations::Plan, enum_values::PLAN).default("free"))
                    .col(json_binary(Organizations::Settings))
                    .col(
                        integer(Organizations::TelemetryRetentionDays)
                            .default(30)
                            .check(
                                Expr::col(Organizations::TelemetryRetentionDays).between(1, 3650),
                            ),
                    )
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [unique_index(Organizations::Table, &[Organizations::Slug])],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len(Users::Email, 254))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len_null(Users::BadgeTag, 64))
                    .col(integer(Users::FailedLoginAttempts).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Both backends treat NULLs as distinct in a unique index, so many users may lack a badge.
        create_indexes(
            manager,
            [
                unique_index(Users::Table, &[Users::Email]),
                unique_index(Users::Table, &[Users::BadgeTag]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(pk_uuid(Memberships::Id))
                    .col(uuid(Memberships::OrganizationId))
                    .col(uuid(Memberships::UserId))
                    .col(enum_string(Memberships::Role, enum_values::ROLE))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .col(timestamp_with_time_zone(Memberships::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Memberships::Table,
                        Memberships::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Memberships::Table,
                        Memberships::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(
                    Memberships::Table,
                    &[Memberships::OrganizationId, Memberships::UserId],
                ),
                index(Memberships::Table, &[Memberships::UserId]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(uuid(Sessions::OrganizationId))
                    .col(string_len(Sessions::AccessTokenHash, 64))
                    .col(timestamp_with_time_zone(Sessions::AccessExpiresAt))
                    .col(string_len(Sessions::RefreshTokenHash, 64))
                    .col(timestamp_with_time_zone(Sessions::RefreshExpiresAt))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 255))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone_null(Sessions::LastUsedAt))
                    .col(timestamp_with_time_zone_null(Sessions::RotatedAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_len_null(Sessions::RevokedReason, 32))
                    .foreign_key(&mut foreign_key(
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Sessions::Table,
                        Sessions::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(Sessions::Table, &[Sessions::AccessTokenHash]),
                unique_index(Sessions::Table, &[Sessions::RefreshTokenHash]),
                index(Sessions::Table, &[Sessions::UserId]),
                index(Sessions::Table, &[Sessions::OrganizationId]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::OrganizationId))
                    .col(string_len(ApiKeys::Name, 100))
                    .col(string_len(ApiKeys::Prefix, 32))
                    .col(string_len(ApiKeys::SecretHash, 64))
                    .col(json_binary(ApiKeys::Scopes))
                    // A CHECK passes on NULL, so "unlimited" (NULL) needs no special case.
                    .col(
                        integer_null(ApiKeys::RateLimitPerMinute)
                            .check(Expr::col(ApiKeys::RateLimitPerMinute).gt(0)),
                    )
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(uuid_null(ApiKeys::CreatedByUserId))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        ApiKeys::Table,
                        ApiKeys::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        ApiKeys::Table,
                        ApiKeys::CreatedByUserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_index(ApiKeys::Table, &[ApiKeys::Prefix]),
                unique_index(ApiKeys::Table, &[ApiKeys::SecretHash]),
                index(ApiKeys::Table, &[ApiKeys::OrganizationId]),
                index(ApiKeys::Table, &[ApiKeys::CreatedByUserId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                ApiKeys::Table.into_iden(),
                Sessions::Table.into_iden(),
                Memberships::Table.into_iden(),
                Users::Table.into_iden(),
                Organizations::Table.into_iden(),
            ],
        )
        .await
    }
}
