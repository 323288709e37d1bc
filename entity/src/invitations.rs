use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{InvitationStatus, Role};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Lower-cased by the app, like `users.email`.
    pub email: String,
    pub role: Role,
    /// The sites the membership will be restricted to (a JSON array of ids; empty: every site).
    #[sea_orm(column_type = "JsonBinary")]
    pub site_ids: Json,
    #[serde(skip_serializing, default)]
    #[sea_orm(unique)]
    pub token_hash: String,
    pub status: InvitationStatus,
    pub invited_by_user_id: Option<Uuid>,
    pub accepted_by_user_id: Option<Uuid>,
    pub expires_at: DateTimeUtc,
    /// When it was accepted, declined or revoked.
    pub responded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
