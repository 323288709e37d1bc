//! Operations: status history, jobs, device commands, maintenance, machine sessions and
//! emergency stops; and two new alert kinds (`estop`, `maintenance`).

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index, unique_index};
use crate::m20261123_000001_create_identity_tables::{ApiKeys, Organizations, Users};
use crate::m20261123_000002_create_place_tables::{Sites, Zones};
use crate::m20261123_000003_create_asset_tables::Assets;
use crate::m20261123_000007_create_alert_tables::Alerts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum AssetStatusHistory {
    Table,
    Id,
    OrganizationId,
    AssetId,
    PreviousStatus,
    Status,
    Reason,
    ActorKind,
    ActorId,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Jobs {
    Table,
    Id,
    OrganizationId,
    AssetId,
    Name,
    Kind,
    Priority,
    Status,
    Payload,
    ItemsTotal,
    ItemsDone,
    LastItem,
    Result,
    Error,
    CreatedByUserId,
    CreatedByApiKeyId,
    StartedAt,
    FinishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Commands {
    Table,
    Id,
    OrganizationId,
    AssetId,
    Command,
    Payload,
    Priority,
    Status,
    NotBefore,
    ReleasedAt,
    ExpiresAt,
    SentAt,
    AcknowledgedAt,
    CompletedAt,
    Result,
    Error,
    CreatedByUserId,
    CreatedByApiKeyId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum MaintenanceTasks {
    Table,
    Id,
    OrganizationId,
    AssetId,
    Title,
    Description,
    Kind,
    Priority,
    Status,
    AssigneeUserId,
    DueAt,
    StartedAt,
    CompletedAt,
    EstimatedMinutes,
    ActualMinutes,
    CostCents,
    Parts,
    Notes,
    RecurrenceDays,
    RecurrenceRunningHours,
    PreviousTaskId,
    AssetPreviousStatus,
    OverdueAlertId,
    CreatedByUserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum MachineSessions {
    Table,
    Id,
    OrganizationId,
    MachineId,
    UserId,
    BadgeTag,
    StartedAt,
    LastActivityAt,
    WarnedAt,
    EndedAt,
    EndedBy,
    EndedByUserId,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum EstopEvents {
    Table,
    Id,
    OrganizationId,
    Scope,
    AssetId,
    ZoneId,
    SiteId,
    Reason,
    TriggeredByUserId,
    TriggeredByApiKeyId,
    TriggeredAt,
    AlertId,
    ResetAt,
    ResetByUserId,
    ResetNote,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum EstopAssets {
    Table,
    EstopId,
    AssetId,
    PreviousStatus,
}

/// `organization_id` with its cascading foreign key, shared by every table here.
fn org_fk<T: Iden + Copy + 'static, C: Iden + Copy + 'static>(
    table: T,
    col: C,
) -> ForeignKeyCreateStatement {
    foreign_key(
        table,
        col,
        Organizations::Table,
        Organizations::Id,
        ForeignKeyAction::Cascade,
    )
}

fn asset_fk<T: Iden + Copy + 'static, C: Iden + Copy + 'static>(
    table: T,
    col: C,
) -> ForeignKeyCreateStatement {
    foreign_key(
        table,
        col,
        Assets::Table,
        Assets::Id,
        ForeignKeyAction::Cascade,
    )
}

fn user_fk<T: Iden + Copy + 'static, C: Iden + Copy + 'static>(
    table: T,
    col: C,
) -> ForeignKeyCreateStatement {
    foreign_key(
        table,
        col,
        Users::Table,
        Users::Id,
        ForeignKeyAction::SetNull,
    )
}

fn api_key_fk<T: Iden + Copy + 'static, C: Iden + Copy + 'static>(
    table: T,
    col: C,
) -> ForeignKeyCreateStatement {
    foreign_key(
        table,
        col,
        ApiKeys::Table,
        ApiKeys::Id,
        ForeignKeyAction::SetNull,
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_alert_kinds(manager, enum_values::ALERT_KIND, enum_values::ALERT_KIND_V2).await?;

        use AssetStatusHistory as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_uuid(H::Id))
                    .col(uuid(H::OrganizationId))
                    .col(uuid(H::AssetId))
                    // NULL for the first row of an asset (its creation).
                    .col(
                        string_len_null(H::PreviousStatus, 16).check(
                            Expr::col(H::PreviousStatus)
                                .is_in(enum_values::ASSET_STATUS.iter().copied()),
                        ),
                    )
                    .col(enum_string(H::Status, enum_values::ASSET_STATUS))
                    .col(string_len(H::Reason, 200))
                    .col(enum_string(H::ActorKind, enum_values::ACTOR_KIND))
                    // A user or API key id; NULL for the system and devices.
                    .col(uuid_null(H::ActorId))
                    .col(timestamp_with_time_zone(H::At))
                    .foreign_key(&mut org_fk(H::Table, H::OrganizationId))
                    .foreign_key(&mut asset_fk(H::Table, H::AssetId))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(H::Table, &[H::AssetId, H::At]),
                index(H::Table, &[H::OrganizationId, H::At]),
            ],
        )
        .await?;

        use Jobs as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(pk_uuid(J::Id))
                    .col(uuid(J::OrganizationId))
                    .col(uuid(J::AssetId))
                    .col(string_len(J::Name, 200))
                    .col(string_len(J::Kind, 64))
                    .col(enum_string(J::Priority, enum_values::PRIORITY))
                    .col(enum_string(J::Status, enum_values::JOB_STATUS))
                    .col(json_binary(J::Payload))
                    .col(integer_null(J::ItemsTotal).check(Expr::col(J::ItemsTotal).gte(0)))
                    .col(
                        integer(J::ItemsDone)
                            .default(0)
                            .check(Expr::col(J::ItemsDone).gte(0)),
                    )
                    .col(string_len_null(J::LastItem, 500))
                    .col(json_binary_null(J::Result))
                    .col(string_len_null(J::Error, 2000))
                    .col(uuid_null(J::CreatedByUserId))
                    .col(uuid_null(J::CreatedByApiKeyId))
                    .col(timestamp_with_time_zone_null(J::StartedAt))
                    .col(timestamp_with_time_zone_null(J::FinishedAt))
                    .col(timestamp_with_time_zone(J::CreatedAt))
                    .col(timestamp_with_time_zone(J::UpdatedAt))
                    .foreign_key(&mut org_fk(J::Table, J::OrganizationId))
                    .foreign_key(&mut asset_fk(J::Table, J::AssetId))
                    .foreign_key(&mut user_fk(J::Table, J::CreatedByUserId))
                    .foreign_key(&mut api_key_fk(J::Table, J::CreatedByApiKeyId))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(J::Table, &[J::OrganizationId, J::CreatedAt]),
                index(J::Table, &[J::OrganizationId, J::Status]),
                index(J::Table, &[J::AssetId, J::Status]),
                index(J::Table, &[J::CreatedByUserId]),
                index(J::Table, &[J::CreatedByApiKeyId]),
            ],
        )
        .await?;

        use Commands as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(pk_uuid(C::Id))
                    .col(uuid(C::OrganizationId))
                    .col(uuid(C::AssetId))
                    .col(string_len(C::Command, 64))
                    .col(json_binary(C::Payload))
                    .col(enum_string(C::Priority, enum_values::PRIORITY))
                    .col(enum_string(C::Status, enum_values::COMMAND_STATUS))
                    // Not delivered before this time (a scheduled command).
                    .col(timestamp_with_time_zone_null(C::NotBefore))
                    // When it became deliverable and was announced to subscribers: at creation,
                    // or (scheduled) when the commands worker found its `not_before` passed.
                    .col(timestamp_with_time_zone_null(C::ReleasedAt))
                    // Expires when not acknowledged by then.
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(timestamp_with_time_zone_null(C::SentAt))
                    .col(timestamp_with_time_zone_null(C::AcknowledgedAt))
                    .col(timestamp_with_time_zone_null(C::CompletedAt))
                    .col(json_binary_null(C::Result))
                    .col(string_len_null(C::Error, 2000))
                    .col(uuid_null(C::CreatedByUserId))
                    .col(uuid_null(C::CreatedByApiKeyId))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(&mut org_fk(C::Table, C::OrganizationId))
                    .foreign_key(&mut asset_fk(C::Table, C::AssetId))
                    .foreign_key(&mut user_fk(C::Table, C::CreatedByUserId))
                    .foreign_key(&mut api_key_fk(C::Table, C::CreatedByApiKeyId))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(C::Table, &[C::OrganizationId, C::CreatedAt]),
                index(C::Table, &[C::AssetId, C::Status]),
                index(C::Table, &[C::Status, C::ExpiresAt]),
                index(C::Table, &[C::CreatedByUserId]),
                index(C::Table, &[C::CreatedByApiKeyId]),
            ],
        )
        .await?;

        use MaintenanceTasks as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(pk_uuid(M::Id))
                    .col(uuid(M::OrganizationId))
                    .col(uuid(M::AssetId))
                    .col(string_len(M::Title, 200))
                    .col(string_len_null(M::Description, 4000))
                    .col(enum_string(M::Kind, enum_values::MAINTENANCE_KIND))
                    .col(enum_string(M::Priority, enum_values::PRIORITY))
                    .col(enum_string(M::Status, enum_values::MAINTENANCE_STATUS))
                    .col(uuid_null(M::AssigneeUserId))
                    .col(timestamp_with_time_zone(M::DueAt))
                    .col(timestamp_with_time_zone_null(M::StartedAt))
                    .col(timestamp_with_time_zone_null(M::CompletedAt))
                    .col(
                        integer_null(M::EstimatedMinutes)
                            .check(Expr::col(M::EstimatedMinutes).gte(0)),
                    )
                    .col(integer_null(M::ActualMinutes).check(Expr::col(M::ActualMinutes).gte(0)))
                    // Exact money: hundredths of the organization's currency unit.
                    .col(big_integer_null(M::CostCents).check(Expr::col(M::CostCents).gte(0)))
                    .col(json_binary(M::Parts))
                    .col(string_len_null(M::Notes, 4000))
                    .col(integer_null(M::RecurrenceDays).check(Expr::col(M::RecurrenceDays).gt(0)))
                    .col(
                        integer_null(M::RecurrenceRunningHours)
                            .check(Expr::col(M::RecurrenceRunningHours).gt(0)),
                    )
                    .col(uuid_null(M::PreviousTaskId))
                    .col(
                        string_len_null(M::AssetPreviousStatus, 16).check(
                            Expr::col(M::AssetPreviousStatus)
                                .is_in(enum_values::ASSET_STATUS.iter().copied()),
                        ),
                    )
                    .col(uuid_null(M::OverdueAlertId))
                    .col(uuid_null(M::CreatedByUserId))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .col(timestamp_with_time_zone(M::UpdatedAt))
                    .foreign_key(&mut org_fk(M::Table, M::OrganizationId))
                    .foreign_key(&mut asset_fk(M::Table, M::AssetId))
                    .foreign_key(&mut user_fk(M::Table, M::AssigneeUserId))
                    .foreign_key(&mut user_fk(M::Table, M::CreatedByUserId))
                    .foreign_key(&mut foreign_key(
                        M::Table,
                        M::PreviousTaskId,
                        M::Table,
                        M::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        M::Table,
                        M::OverdueAlertId,
                        Alerts::Table,
                        Alerts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(M::Table, &[M::OrganizationId, M::Status, M::DueAt]),
                index(M::Table, &[M::AssetId, M::DueAt]),
                index(M::Table, &[M::Status, M::DueAt]),
                index(M::Table, &[M::AssigneeUserId]),
                index(M::Table, &[M::CreatedByUserId]),
                index(M::Table, &[M::PreviousTaskId]),
                index(M::Table, &[M::OverdueAlertId]),
            ],
        )
        .await?;

        use MachineSessions as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::OrganizationId))
                    .col(uuid(S::MachineId))
                    .col(uuid(S::UserId))
                    .col(string_len_null(S::BadgeTag, 64))
                    .col(timestamp_with_time_zone(S::StartedAt))
                    .col(timestamp_with_time_zone(S::LastActivityAt))
                    .col(timestamp_with_time_zone_null(S::WarnedAt))
                    .col(timestamp_with_time_zone_null(S::EndedAt))
                    .col(string_len_null(S::EndedBy, 16).check(
                        Expr::col(S::EndedBy).is_in(enum_values::SESSION_END.iter().copied()),
                    ))
                    .col(uuid_null(S::EndedByUserId))
                    .foreign_key(&mut org_fk(S::Table, S::OrganizationId))
                    .foreign_key(&mut asset_fk(S::Table, S::MachineId))
                    .foreign_key(&mut foreign_key(
                        S::Table,
                        S::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut user_fk(S::Table, S::EndedByUserId))
                    .to_owned(),
            )
            .await?;
        // One active session per machine: a partial unique index, on both backends.
        create_indexes(
            manager,
            [
                index(S::Table, &[S::OrganizationId, S::StartedAt]),
                index(S::Table, &[S::MachineId, S::StartedAt]),
                index(S::Table, &[S::UserId, S::StartedAt]),
                index(S::Table, &[S::EndedByUserId]),
                index(S::Table, &[S::EndedAt, S::LastActivityAt]),
                unique_index(S::Table, &[S::MachineId])
                    .name("uq_machine_sessions_active_machine")
                    .and_where(Expr::col(S::EndedAt).is_null())
                    .take(),
            ],
        )
        .await?;

        use EstopEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::OrganizationId))
                    .col(enum_string(E::Scope, enum_values::ESTOP_SCOPE))
                    .col(uuid_null(E::AssetId))
                    .col(uuid_null(E::ZoneId))
                    .col(uuid_null(E::SiteId))
                    .col(string_len(E::Reason, 1000))
                    .col(uuid_null(E::TriggeredByUserId))
                    .col(uuid_null(E::TriggeredByApiKeyId))
                    .col(timestamp_with_time_zone(E::TriggeredAt))
                    .col(uuid_null(E::AlertId))
                    .col(timestamp_with_time_zone_null(E::ResetAt))
                    .col(uuid_null(E::ResetByUserId))
                    .col(string_len_null(E::ResetNote, 1000))
                    .foreign_key(&mut org_fk(E::Table, E::OrganizationId))
                    .foreign_key(&mut asset_fk(E::Table, E::AssetId))
                    .foreign_key(&mut foreign_key(
                        E::Table,
                        E::ZoneId,
                        Zones::Table,
                        Zones::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        E::Table,
                        E::SiteId,
                        Sites::Table,
                        Sites::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut user_fk(E::Table, E::TriggeredByUserId))
                    .foreign_key(&mut api_key_fk(E::Table, E::TriggeredByApiKeyId))
                    .foreign_key(&mut user_fk(E::Table, E::ResetByUserId))
                    .foreign_key(&mut foreign_key(
                        E::Table,
                        E::AlertId,
                        Alerts::Table,
                        Alerts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(E::Table, &[E::OrganizationId, E::TriggeredAt]),
                index(E::Table, &[E::AssetId]),
                index(E::Table, &[E::ZoneId]),
                index(E::Table, &[E::SiteId]),
                index(E::Table, &[E::AlertId]),
                index(E::Table, &[E::TriggeredByUserId]),
                index(E::Table, &[E::TriggeredByApiKeyId]),
                index(E::Table, &[E::ResetByUserId]),
            ],
        )
        .await?;

        use EstopAssets as EA;
        manager
            .create_table(
                Table::create()
                    .table(EA::Table)
                    .col(uuid(EA::EstopId))
                    .col(uuid(EA::AssetId))
                    // What the asset returns to at the reset.
                    .col(enum_string(EA::PreviousStatus, enum_values::ASSET_STATUS))
                    .primary_key(Index::create().col(EA::EstopId).col(EA::AssetId))
                    .foreign_key(&mut foreign_key(
                        EA::Table,
                        EA::EstopId,
                        E::Table,
                        E::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut asset_fk(EA::Table, EA::AssetId))
                    .to_owned(),
            )
            .await?;
        create_indexes(manager, [index(EA::Table, &[EA::AssetId])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                EstopAssets::Table.into_iden(),
                EstopEvents::Table.into_iden(),
                MachineSessions::Table.into_iden(),
                MaintenanceTasks::Table.into_iden(),
                Commands::Table.into_iden(),
                Jobs::Table.into_iden(),
                AssetStatusHistory::Table.into_iden(),
            ],
        )
        .await?;
        // Alerts of the new kinds cannot satisfy the narrower constraint.
        let new_kinds = enum_values::ALERT_KIND_V2
            .iter()
            .filter(|k| !enum_values::ALERT_KIND.contains(k));
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Alerts::Table)
                    .and_where(Expr::col(Alerts::Kind).is_in(new_kinds.copied()))
                    .to_owned(),
            )
            .await?;
        set_alert_kinds(manager, enum_values::ALERT_KIND_V2, enum_values::ALERT_KIND).await
    }
}

fn in_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    format!("IN ({})", quoted.join(", "))
}

/// Replaces the CHECK constraint of `alerts.kind` (allowing `from`) by one allowing `to`.
///
/// PostgreSQL alters the named constraint. SQLite cannot alter a CHECK, and rebuilding `alerts`
/// would cascade-delete its event log while foreign keys are on (they cannot be switched off
/// inside the migration's transaction); so this uses SQLite's documented procedure for changing
/// a constraint that existing rows already satisfy: rewrite the table's SQL in the schema table
/// under `writable_schema` and bump `schema_version`. Widening is always satisfied by the rows;
/// narrowing (`down`) first deletes the rows of the removed kinds.
async fn set_alert_kinds(
    manager: &SchemaManager<'_>,
    from: &[&str],
    to: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check, \
                 ADD CONSTRAINT alerts_kind_check CHECK (kind {})",
                in_list(to)
            ))
            .await?;
        }
        DbBackend::Sqlite => {
            let backend = DbBackend::Sqlite;
            let row = db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alerts'",
                ))
                .await?
                .ok_or_else(|| DbErr::Migration("table alerts not found".into()))?;
            let sql: String = row.try_get("", "sql")?;
            let (old, new) = (in_list(from), in_list(to));
            let column = format!("\"kind\" varchar(16) NOT NULL CHECK (\"kind\" {old})");
            if sql.matches(&column).count() != 1 {
                return Err(DbErr::Migration(format!(
                    "alerts.kind constraint not found as expected in: {sql}"
                )));
            }
            let rewritten = sql.replacen(
                &column,
                &format!("\"kind\" varchar(16) NOT NULL CHECK (\"kind\" {new})"),
                1,
            );
            let version: i64 = db
                .query_one_raw(Statement::from_string(backend, "PRAGMA schema_version"))
                .await?
                .ok_or_else(|| DbErr::Migration("no schema_version".into()))?
                .try_get_by_index(0)?;
            // One multi-statement call, so every step runs on the same pooled connection
            // (`writable_schema` is per connection).
            db.execute_unprepared(&format!(
                "PRAGMA writable_schema = ON; \
                 UPDATE sqlite_master SET sql = '{}' WHERE type = 'table' AND name = 'alerts'; \
                 PRAGMA schema_version = {}; \
                 PRAGMA writable_schema = OFF;",
                rewritten.replace('\'', "''"),
                version + 1
            ))
            .await?;
        }
        other => {
            return Err(DbErr::Migration(format!("unsupported backend {other:?}")));
        }
    }
    Ok(())
}
