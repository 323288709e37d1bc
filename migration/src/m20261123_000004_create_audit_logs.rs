//! The audit trail. Created last because it references organizations, users and api_keys.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_indexes, foreign_key, index};
use crate::m20261123_000001_create_identity_tables::{ApiKeys, Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum AuditLogs {
    Table,
    Id,
    OrganizationId,
    ActorUserId,
    ActorApiKeyId,
    Action,
    ResourceType,
    ResourceId,
    Changes,
    Ip,
    RequestId,
    Success,
    ErrorCode,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLogs::Table)
                    .col(pk_uuid(AuditLogs::Id))
                    .col(uuid_null(AuditLogs::OrganizationId))
                    .col(uuid_null(AuditLogs::ActorUserId))
                    .col(uuid_null(AuditLogs::ActorApiKeyId))
                    .col(string_len(AuditLogs::Action, 64))
                    .col(string_len_null(AuditLogs::ResourceType, 32))
                    .col(uuid_null(AuditLogs::ResourceId))
                    .col(json_binary_null(AuditLogs::Changes))
                    .col(string_len_null(AuditLogs::Ip, 64))
                    .col(string_len_null(AuditLogs::RequestId, 64))
                    .col(boolean(AuditLogs::Success))
                    .col(string_len_null(AuditLogs::ErrorCode, 32))
                    .col(timestamp_with_time_zone(AuditLogs::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        AuditLogs::Table,
                        AuditLogs::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    // SET NULL keeps the trail when an actor is deleted.
                    .foreign_key(&mut foreign_key(
                        AuditLogs::Table,
                        AuditLogs::ActorUserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        AuditLogs::Table,
                        AuditLogs::ActorApiKeyId,
                        ApiKeys::Table,
                        ApiKeys::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // (organization_id, created_at) serves both the FK and the newest-first tenant listing.
        create_indexes(
            manager,
            [
                index(
                    AuditLogs::Table,
                    &[AuditLogs::OrganizationId, AuditLogs::CreatedAt],
                ),
                index(AuditLogs::Table, &[AuditLogs::ActorUserId]),
                index(AuditLogs::Table, &[AuditLogs::ActorApiKeyId]),
                index(
                    AuditLogs::Table,
                    &[AuditLogs::ResourceType, AuditLogs::ResourceId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLogs::Table).to_owned())
            .await
    }
}
