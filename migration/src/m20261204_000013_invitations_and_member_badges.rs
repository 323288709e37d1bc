//! Members join by invitation, and badge tags belong to the membership.
//!
//! `invitations`: an organization's offer of a role (and optionally a site restriction) to an
//! email address. Only the SHA-256 of the one-time token handed to the invitee is stored. At
//! most one invitation per organization and email is pending at a time (a partial unique index).
//!
//! Badges move from `users.badge_tag` (one tag per person, unique across the deployment, which
//! let one organization overwrite the tag another organization's machines trust, and learn
//! through a CONFLICT which tags existed elsewhere) to `memberships.badge_tag`, unique within
//! one organization. Existing tags are copied to every membership of their user: each of those
//! organizations' machines accepted the tag before, and keeps accepting it; from then on each
//! organization manages its own copy. Down copies a tag back to the user from their oldest
//! membership that has one, unless an earlier user already took that tag (the global unique
//! index cannot hold two); tags set per organization after the upgrade can therefore be lost on
//! a downgrade, which is the nature of going back to one tag per person.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::enum_values;
use crate::helpers::{create_indexes, drop_tables, enum_string, foreign_key, index, unique_index};
use crate::m20261123_000001_create_identity_tables::{Memberships, Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Invitations {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    SiteIds,
    TokenHash,
    Status,
    InvitedByUserId,
    AcceptedByUserId,
    ExpiresAt,
    RespondedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Badge {
    BadgeTag,
}

const PENDING_INDEX: &str = "uq_invitations_pending_organization_id_email";
const MEMBER_BADGE_INDEX: &str = "uq_memberships_organization_id_badge_tag";

fn sub_query(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into_sub_query_statement()))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Invitations as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(pk_uuid(I::Id))
                    .col(uuid(I::OrganizationId))
                    // Lower-cased by the app, like `users.email`.
                    .col(string_len(I::Email, 254))
                    .col(enum_string(I::Role, enum_values::ROLE))
                    // The sites the membership will be restricted to (a JSON array of ids;
                    // empty: every site).
                    .col(json_binary(I::SiteIds))
                    .col(string_len(I::TokenHash, 64))
                    .col(enum_string(I::Status, enum_values::INVITATION_STATUS))
                    .col(uuid_null(I::InvitedByUserId))
                    .col(uuid_null(I::AcceptedByUserId))
                    .col(timestamp_with_time_zone(I::ExpiresAt))
                    .col(timestamp_with_time_zone_null(I::RespondedAt))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        I::Table,
                        I::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        I::Table,
                        I::InvitedByUserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        I::Table,
                        I::AcceptedByUserId,
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
                unique_index(I::Table, &[I::TokenHash]),
                index(I::Table, &[I::OrganizationId, I::CreatedAt]),
                index(I::Table, &[I::Email]),
                index(I::Table, &[I::InvitedByUserId]),
                index(I::Table, &[I::AcceptedByUserId]),
                unique_index(I::Table, &[I::OrganizationId, I::Email])
                    .name(PENDING_INDEX)
                    .and_where(Expr::col(I::Status).eq("pending"))
                    .take(),
            ],
        )
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Memberships::Table)
                    .add_column(string_len_null(Badge::BadgeTag, 64))
                    .to_owned(),
            )
            .await?;
        // Every membership takes its user's tag (type-agnostic SQL: ids are UUIDs on PostgreSQL
        // and blobs on SQLite).
        manager
            .get_connection()
            .execute(
                &Query::update()
                    .table(Memberships::Table)
                    .value(
                        Badge::BadgeTag,
                        sub_query(
                            Query::select()
                                .column((Users::Table, Users::BadgeTag))
                                .from(Users::Table)
                                .and_where(
                                    Expr::col((Users::Table, Users::Id))
                                        .equals((Memberships::Table, Memberships::UserId)),
                                )
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in a unique index on both backends: many members lack a badge.
        manager
            .create_index(
                Index::create()
                    .name(MEMBER_BADGE_INDEX)
                    .table(Memberships::Table)
                    .col(Memberships::OrganizationId)
                    .col(Badge::BadgeTag)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_users_badge_tag")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::BadgeTag)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Users::BadgeTag, 64))
                    .to_owned(),
            )
            .await?;
        // Each user takes the tag of their oldest membership that has one, unless that tag
        // appears on an older membership of another user (who then has the better claim).
        let (m, o) = (Alias::new("m"), Alias::new("o"));
        let older_elsewhere = Query::select()
            .expr(Expr::val(1))
            .from_as(Memberships::Table, o.clone())
            .and_where(Expr::col((o.clone(), Badge::BadgeTag)).equals((m.clone(), Badge::BadgeTag)))
            .and_where(
                Expr::col((o.clone(), Memberships::UserId))
                    .ne(Expr::col((m.clone(), Memberships::UserId))),
            )
            .cond_where(
                Cond::any()
                    .add(
                        Expr::col((o.clone(), Memberships::CreatedAt))
                            .lt(Expr::col((m.clone(), Memberships::CreatedAt))),
                    )
                    .add(
                        Cond::all()
                            .add(
                                Expr::col((o.clone(), Memberships::CreatedAt))
                                    .equals((m.clone(), Memberships::CreatedAt)),
                            )
                            .add(
                                Expr::col((o.clone(), Memberships::Id))
                                    .lt(Expr::col((m.clone(), Memberships::Id))),
                            ),
                    ),
            )
            .to_owned();
        let tag = Query::select()
            .column((m.clone(), Badge::BadgeTag))
            .from_as(Memberships::Table, m.clone())
            .and_where(
                Expr::col((m.clone(), Memberships::UserId)).equals((Users::Table, Users::Id)),
            )
            .and_where(Expr::col((m.clone(), Badge::BadgeTag)).is_not_null())
            .and_where(Expr::exists(older_elsewhere).not())
            .order_by((m.clone(), Memberships::CreatedAt), Order::Asc)
            .order_by((m.clone(), Memberships::Id), Order::Asc)
            .limit(1)
            .to_owned();
        manager
            .get_connection()
            .execute(
                &Query::update()
                    .table(Users::Table)
                    .value(Users::BadgeTag, sub_query(tag))
                    .to_owned(),
            )
            .await?;
        create_indexes(manager, [unique_index(Users::Table, &[Users::BadgeTag])]).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(MEMBER_BADGE_INDEX)
                    .table(Memberships::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Memberships::Table)
                    .drop_column(Badge::BadgeTag)
                    .to_owned(),
            )
            .await?;
        drop_tables(manager, [Invitations::Table.into_iden()]).await
    }
}
