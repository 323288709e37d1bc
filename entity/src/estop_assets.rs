use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AssetStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "estop_assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub estop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub asset_id: Uuid,
    pub previous_status: AssetStatus,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
