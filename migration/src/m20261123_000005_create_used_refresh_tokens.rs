//! Refresh tokens already exchanged, per session. Presenting one of these again is reuse (a
//! stolen token racing its owner) and revokes the session; a token that was never issued is
//! merely invalid, so a forged token cannot end somebody else's session.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_indexes, drop_tables, foreign_key, index};
use crate::m20261123_000001_create_identity_tables::Sessions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum UsedRefreshTokens {
    Table,
    TokenHash,
    SessionId,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsedRefreshTokens::Table)
                    .col(string_len(UsedRefreshTokens::TokenHash, 64).primary_key())
                    .col(uuid(UsedRefreshTokens::SessionId))
                    .col(timestamp_with_time_zone(UsedRefreshTokens::UsedAt))
                    .foreign_key(&mut foreign_key(
                        UsedRefreshTokens::Table,
                        UsedRefreshTokens::SessionId,
                        Sessions::Table,
                        Sessions::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [index(
                UsedRefreshTokens::Table,
                &[UsedRefreshTokens::SessionId],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [UsedRefreshTokens::Table.into_iden()]).await
    }
}
