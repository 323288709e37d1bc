use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EstopScope;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "estop_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub scope: EstopScope,
    pub asset_id: Option<Uuid>,
    pub zone_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub reason: String,
    pub triggered_by_user_id: Option<Uuid>,
    pub triggered_by_api_key_id: Option<Uuid>,
    pub triggered_at: DateTimeUtc,
    pub alert_id: Option<Uuid>,
    pub reset_at: Option<DateTimeUtc>,
    pub reset_by_user_id: Option<Uuid>,
    pub reset_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
