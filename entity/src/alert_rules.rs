use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AlertDirection;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// `None`: the rule applies to every asset of the organization.
    pub asset_id: Option<Uuid>,
    pub name: String,
    pub metric: String,
    pub direction: AlertDirection,
    pub warning_threshold: Option<f64>,
    pub critical_threshold: Option<f64>,
    pub clear_hysteresis: f64,
    /// How long a breach must last before an alert is raised; 0 raises at once.
    pub for_seconds: i32,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::assets::Entity",
        from = "Column::AssetId",
        to = "super::assets::Column::Id",
        on_delete = "Cascade"
    )]
    Assets,
    #[sea_orm(has_many = "super::alerts::Entity")]
    Alerts,
    #[sea_orm(has_many = "super::alert_breaches::Entity")]
    AlertBreaches,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assets.def()
    }
}

impl Related<super::alerts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alerts.def()
    }
}

impl Related<super::alert_breaches::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertBreaches.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
