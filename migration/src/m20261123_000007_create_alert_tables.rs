//! Alerting: rules, the alerts they (or operators) raise, the alert event log that clients
//! resync from, and the breach clock of rules with a `for_seconds` delay.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index, unique_index};
use crate::m20261123_000001_create_identity_tables::{Organizations, Users};
use crate::m20261123_000003_create_asset_tables::Assets;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertRules {
    Table,
    Id,
    OrganizationId,
    AssetId,
    Name,
    Metric,
    Direction,
    WarningThreshold,
    CriticalThreshold,
    ClearHysteresis,
    ForSeconds,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Alerts {
    Table,
    Id,
    OrganizationId,
    AssetId,
    RuleId,
    Kind,
    Severity,
    Status,
    Title,
    Message,
    Source,
    Metric,
    Value,
    Threshold,
    Occurrences,
    FirstSeenAt,
    LastSeenAt,
    AcknowledgedBy,
    AcknowledgedAt,
    AcknowledgeComment,
    ResolvedBy,
    ResolvedAt,
    ResolveComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertEvents {
    Table,
    Seq,
    OrganizationId,
    AlertId,
    Kind,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertBreaches {
    Table,
    RuleId,
    AssetId,
    OrganizationId,
    SinceTs,
    Severity,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertRules::Table)
                    .col(pk_uuid(AlertRules::Id))
                    .col(uuid(AlertRules::OrganizationId))
                    // NULL: the rule applies to every asset of the organization.
                    .col(uuid_null(AlertRules::AssetId))
                    .col(string_len(AlertRules::Name, 100))
                    .col(string_len(AlertRules::Metric, 64))
                    .col(enum_string(
                        AlertRules::Direction,
                        enum_values::ALERT_DIRECTION,
                    ))
                    .col(double_null(AlertRules::WarningThreshold))
                    .col(double_null(AlertRules::CriticalThreshold))
                    .col(
                        double(AlertRules::ClearHysteresis)
                            .default(0.0)
                            .check(Expr::col(AlertRules::ClearHysteresis).gte(0)),
                    )
                    .col(
                        integer(AlertRules::ForSeconds)
                            .default(0)
                            .check(Expr::col(AlertRules::ForSeconds).gte(0)),
                    )
                    .col(boolean(AlertRules::Enabled).default(true))
                    .col(timestamp_with_time_zone(AlertRules::CreatedAt))
                    .col(timestamp_with_time_zone(AlertRules::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        AlertRules::Table,
                        AlertRules::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        AlertRules::Table,
                        AlertRules::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(
                    AlertRules::Table,
                    &[AlertRules::OrganizationId, AlertRules::Metric],
                ),
                index(AlertRules::Table, &[AlertRules::AssetId]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(pk_uuid(Alerts::Id))
                    .col(uuid(Alerts::OrganizationId))
                    .col(uuid_null(Alerts::AssetId))
                    .col(uuid_null(Alerts::RuleId))
                    .col(enum_string(Alerts::Kind, enum_values::ALERT_KIND))
                    .col(enum_string(Alerts::Severity, enum_values::SEVERITY))
                    .col(enum_string(Alerts::Status, enum_values::ALERT_STATUS))
                    .col(string_len(Alerts::Title, 200))
                    .col(string_len_null(Alerts::Message, 1000))
                    .col(string_len(Alerts::Source, 32))
                    .col(string_len_null(Alerts::Metric, 64))
                    .col(double_null(Alerts::Value))
                    .col(double_null(Alerts::Threshold))
                    .col(integer(Alerts::Occurrences).default(1))
                    .col(timestamp_with_time_zone(Alerts::FirstSeenAt))
                    .col(timestamp_with_time_zone(Alerts::LastSeenAt))
                    .col(uuid_null(Alerts::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(Alerts::AcknowledgedAt))
                    .col(string_len_null(Alerts::AcknowledgeComment, 1000))
                    .col(uuid_null(Alerts::ResolvedBy))
                    .col(timestamp_with_time_zone_null(Alerts::ResolvedAt))
                    .col(string_len_null(Alerts::ResolveComment, 1000))
                    .col(timestamp_with_time_zone(Alerts::CreatedAt))
                    .col(timestamp_with_time_zone(Alerts::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Alerts::Table,
                        Alerts::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Alerts::Table,
                        Alerts::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Alerts::Table,
                        Alerts::RuleId,
                        AlertRules::Table,
                        AlertRules::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        Alerts::Table,
                        Alerts::AcknowledgedBy,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        Alerts::Table,
                        Alerts::ResolvedBy,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // The two partial unique indexes keep at most one unresolved alert per (rule, asset) and
        // one unresolved offline alert per asset. Both backends support `CREATE UNIQUE INDEX ...
        // WHERE`; rows with a NULL key column are never in conflict (NULLs are distinct).
        create_indexes(
            manager,
            [
                index(
                    Alerts::Table,
                    &[Alerts::OrganizationId, Alerts::Status, Alerts::Severity],
                ),
                index(Alerts::Table, &[Alerts::OrganizationId, Alerts::CreatedAt]),
                index(Alerts::Table, &[Alerts::AssetId]),
                index(Alerts::Table, &[Alerts::RuleId]),
                index(Alerts::Table, &[Alerts::AcknowledgedBy]),
                index(Alerts::Table, &[Alerts::ResolvedBy]),
                unique_index(Alerts::Table, &[Alerts::RuleId, Alerts::AssetId])
                    .name("uq_alerts_open_rule_asset")
                    .and_where(Expr::col(Alerts::Status).ne("resolved"))
                    .take(),
                unique_index(Alerts::Table, &[Alerts::AssetId])
                    .name("uq_alerts_open_offline")
                    .and_where(Expr::col(Alerts::Kind).eq("offline"))
                    .and_where(Expr::col(Alerts::Status).ne("resolved"))
                    .take(),
            ],
        )
        .await?;

        // `seq` is the resync cursor. sea-query writes a big integer as `integer` on SQLite, so
        // this becomes `integer PRIMARY KEY AUTOINCREMENT` there (a rowid alias, never reused)
        // and `bigint GENERATED BY DEFAULT AS IDENTITY` on PostgreSQL.
        manager
            .create_table(
                Table::create()
                    .table(AlertEvents::Table)
                    .col(big_integer(AlertEvents::Seq).auto_increment().primary_key())
                    .col(uuid(AlertEvents::OrganizationId))
                    .col(uuid(AlertEvents::AlertId))
                    .col(enum_string(
                        AlertEvents::Kind,
                        enum_values::ALERT_EVENT_KIND,
                    ))
                    .col(json_binary(AlertEvents::Payload))
                    .col(timestamp_with_time_zone(AlertEvents::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        AlertEvents::Table,
                        AlertEvents::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        AlertEvents::Table,
                        AlertEvents::AlertId,
                        Alerts::Table,
                        Alerts::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(
                    AlertEvents::Table,
                    &[AlertEvents::OrganizationId, AlertEvents::Seq],
                ),
                index(AlertEvents::Table, &[AlertEvents::AlertId]),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AlertBreaches::Table)
                    .col(uuid(AlertBreaches::RuleId))
                    .col(uuid(AlertBreaches::AssetId))
                    .col(uuid(AlertBreaches::OrganizationId))
                    .col(big_integer(AlertBreaches::SinceTs))
                    .col(enum_string(AlertBreaches::Severity, enum_values::SEVERITY))
                    .primary_key(
                        Index::create()
                            .col(AlertBreaches::RuleId)
                            .col(AlertBreaches::AssetId),
                    )
                    .foreign_key(&mut foreign_key(
                        AlertBreaches::Table,
                        AlertBreaches::RuleId,
                        AlertRules::Table,
                        AlertRules::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        AlertBreaches::Table,
                        AlertBreaches::AssetId,
                        Assets::Table,
                        Assets::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        AlertBreaches::Table,
                        AlertBreaches::OrganizationId,
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
                index(AlertBreaches::Table, &[AlertBreaches::AssetId]),
                index(AlertBreaches::Table, &[AlertBreaches::OrganizationId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                AlertBreaches::Table.into_iden(),
                AlertEvents::Table.into_iden(),
                Alerts::Table.into_iden(),
                AlertRules::Table.into_iden(),
            ],
        )
        .await
    }
}
