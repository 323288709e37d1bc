use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{AssetKind, AssetStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: AssetKind,
    pub name: String,
    pub code: String,
    pub status: AssetStatus,
    pub site_id: Uuid,
    pub zone_id: Option<Uuid>,
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub last_seen_at: Option<DateTimeUtc>,
    pub archived_at: Option<DateTimeUtc>,
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
        belongs_to = "super::sites::Entity",
        from = "Column::SiteId",
        to = "super::sites::Column::Id",
        on_delete = "Restrict"
    )]
    Sites,
    #[sea_orm(
        belongs_to = "super::zones::Entity",
        from = "Column::ZoneId",
        to = "super::zones::Column::Id",
        on_delete = "Restrict"
    )]
    Zones,
    #[sea_orm(has_one = "super::robots::Entity")]
    Robots,
    #[sea_orm(has_one = "super::machines::Entity")]
    Machines,
    #[sea_orm(has_many = "super::telemetry_points::Entity")]
    TelemetryPoints,
    #[sea_orm(has_many = "super::telemetry_rollups::Entity")]
    TelemetryRollups,
    #[sea_orm(has_many = "super::telemetry_latest::Entity")]
    TelemetryLatest,
    #[sea_orm(has_many = "super::alert_rules::Entity")]
    AlertRules,
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

impl Related<super::sites::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sites.def()
    }
}

impl Related<super::zones::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Zones.def()
    }
}

impl Related<super::robots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Robots.def()
    }
}

impl Related<super::machines::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Machines.def()
    }
}

impl Related<super::telemetry_points::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TelemetryPoints.def()
    }
}

impl Related<super::telemetry_rollups::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TelemetryRollups.def()
    }
}

impl Related<super::telemetry_latest::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TelemetryLatest.def()
    }
}

impl Related<super::alert_rules::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertRules.def()
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
