//! The alert event cursor (`alert_events.seq`) becomes a sequence of its own per organization.
//!
//! It was one identity column for the whole deployment, so an organization saw its cursor jump
//! by the number of events every other organization caused meanwhile: a tenant could watch
//! another's activity. Now `(organization_id, seq)` is the key, `seq` counts 1, 2, 3 ... within
//! each organization, and `alert_sequences` holds each organization's last number. The
//! application bumps that row in the transaction that appends the events (the row lock makes
//! concurrent writers of one organization take numbers in commit order; a rollback returns the
//! numbers, so the sequence has no gaps).
//!
//! Existing events are renumbered per organization in their old order (`ROW_NUMBER()` over the
//! old global `seq`), none is lost. The table is rebuilt (renamed aside, recreated, copied,
//! dropped) because SQLite cannot change a primary key in place. Down goes back to one global
//! identity, numbering the events by (created_at, organization, per-organization seq).

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, enum_string, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AlertEvents {
    Table,
    Seq,
    OrganizationId,
    AlertId,
    Kind,
    Payload,
    CreatedAt,
}

/// The table the old rows wait in while the new one is filled.
#[derive(DeriveIden, Clone, Copy)]
enum AlertEventsOld {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum AlertSequences {
    Table,
    OrganizationId,
    LastSeq,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
}

/// The columns both shapes of the table share, in copy order.
const COPIED: [AlertEvents; 6] = [
    AlertEvents::OrganizationId,
    AlertEvents::AlertId,
    AlertEvents::Kind,
    AlertEvents::Payload,
    AlertEvents::CreatedAt,
    AlertEvents::Seq,
];

/// `alert_events` as both versions have it, but for `seq` and the key.
fn table_without_key() -> TableCreateStatement {
    Table::create()
        .table(AlertEvents::Table)
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
        .to_owned()
}

/// Drops the indexes of the current `alert_events` (their names would clash with the new
/// table's on PostgreSQL, where index names are per schema) and moves it aside.
async fn move_aside(manager: &SchemaManager<'_>, indexes: &[&str]) -> Result<(), DbErr> {
    for name in indexes {
        manager
            .drop_index(
                Index::drop()
                    .name(*name)
                    .table(AlertEvents::Table)
                    .to_owned(),
            )
            .await?;
    }
    manager
        .rename_table(
            Table::rename()
                .table(AlertEvents::Table, AlertEventsOld::Table)
                .to_owned(),
        )
        .await
}

/// Copies the rows aside into the new `alert_events`, `seq` computed by `seq`, and drops the
/// old table.
async fn copy_back(
    manager: &SchemaManager<'_>,
    columns: &[AlertEvents],
    select: SelectStatement,
) -> Result<(), DbErr> {
    manager
        .exec_stmt(
            Query::insert()
                .into_table(AlertEvents::Table)
                .columns(columns.iter().copied())
                .select_from(select)
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned(),
        )
        .await?;
    manager
        .drop_table(Table::drop().table(AlertEventsOld::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on every backend, SQLite included (whose default here is none): the
    /// rows wait in a table of their own between steps, so a failure half-way must roll back
    /// rather than leave them there; and on SQLite it keeps every statement on one connection
    /// (without it each may take another pooled connection, one of which was seen to prepare
    /// against the schema from before the index drop: "index ... already exists").
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        move_aside(
            manager,
            &[
                "idx_alert_events_organization_id_seq",
                "idx_alert_events_alert_id",
            ],
        )
        .await?;
        manager
            .create_table(
                table_without_key()
                    .col(big_integer(AlertEvents::Seq))
                    .primary_key(
                        Index::create()
                            .name("pk_alert_events")
                            .col(AlertEvents::OrganizationId)
                            .col(AlertEvents::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        let renumbered = Query::select()
            .columns(COPIED[..5].iter().copied())
            .expr_window(
                Func::cust("ROW_NUMBER"),
                WindowStatement::partition_by(AlertEvents::OrganizationId)
                    .order_by(AlertEvents::Seq, Order::Asc)
                    .to_owned(),
            )
            .from(AlertEventsOld::Table)
            .to_owned();
        copy_back(manager, &COPIED, renumbered).await?;
        create_indexes(
            manager,
            [index(AlertEvents::Table, &[AlertEvents::AlertId])],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AlertSequences::Table)
                    .col(uuid(AlertSequences::OrganizationId).primary_key())
                    .col(big_integer(AlertSequences::LastSeq))
                    .foreign_key(&mut foreign_key(
                        AlertSequences::Table,
                        AlertSequences::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Each organization continues after its last event.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AlertSequences::Table)
                    .columns([AlertSequences::OrganizationId, AlertSequences::LastSeq])
                    .select_from(
                        Query::select()
                            .column(AlertEvents::OrganizationId)
                            .expr(Expr::col(AlertEvents::Seq).max())
                            .from(AlertEvents::Table)
                            .group_by_col(AlertEvents::OrganizationId)
                            .to_owned(),
                    )
                    .map_err(|e| DbErr::Migration(e.to_string()))?
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AlertSequences::Table).to_owned())
            .await?;
        move_aside(manager, &["idx_alert_events_alert_id"]).await?;
        // As migration 000007 created it: an identity (autoincrement rowid on SQLite).
        manager
            .create_table(
                table_without_key()
                    .col(big_integer(AlertEvents::Seq).auto_increment().primary_key())
                    .to_owned(),
            )
            .await?;
        // The identity numbers the rows in insertion order.
        let in_order = Query::select()
            .columns(COPIED[..5].iter().copied())
            .from(AlertEventsOld::Table)
            .order_by(AlertEvents::CreatedAt, Order::Asc)
            .order_by(AlertEvents::OrganizationId, Order::Asc)
            .order_by(AlertEvents::Seq, Order::Asc)
            .to_owned();
        copy_back(manager, &COPIED[..5], in_order).await?;
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
        .await
    }
}
