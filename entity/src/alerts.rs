use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{AlertKind, AlertStatus, Severity};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub asset_id: Option<Uuid>,
    pub rule_id: Option<Uuid>,
    pub kind: AlertKind,
    pub severity: Severity,
    pub status: AlertStatus,
    pub title: String,
    pub message: Option<String>,
    pub source: String,
    pub metric: Option<String>,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub occurrences: i32,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledge_comment: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolve_comment: Option<String>,
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
    #[sea_orm(
        belongs_to = "super::alert_rules::Entity",
        from = "Column::RuleId",
        to = "super::alert_rules::Column::Id",
        on_delete = "SetNull"
    )]
    AlertRules,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::AcknowledgedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    AcknowledgedByUser,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ResolvedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    ResolvedByUser,
    #[sea_orm(has_many = "super::alert_events::Entity")]
    AlertEvents,
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

impl Related<super::alert_rules::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertRules.def()
    }
}

impl Related<super::alert_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertEvents.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
