use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{CommandStatus, Priority};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "commands")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub asset_id: Uuid,
    pub command: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub priority: Priority,
    pub status: CommandStatus,
    pub not_before: Option<DateTimeUtc>,
    /// When it became deliverable and was announced (null: scheduled, not yet due).
    pub released_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub result: Option<Json>,
    pub error: Option<String>,
    pub created_by_user_id: Option<Uuid>,
    pub created_by_api_key_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
