use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SessionEnd;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "machine_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub machine_id: Uuid,
    pub user_id: Uuid,
    pub badge_tag: Option<String>,
    pub started_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub warned_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub ended_by: Option<SessionEnd>,
    pub ended_by_user_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
