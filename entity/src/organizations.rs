use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Plan;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub plan: Plan,
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    pub telemetry_retention_days: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::memberships::Entity")]
    Memberships,
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
    #[sea_orm(has_many = "super::api_keys::Entity")]
    ApiKeys,
    #[sea_orm(has_many = "super::sites::Entity")]
    Sites,
    #[sea_orm(has_many = "super::zones::Entity")]
    Zones,
    #[sea_orm(has_many = "super::assets::Entity")]
    Assets,
    #[sea_orm(has_many = "super::audit_logs::Entity")]
    AuditLogs,
    #[sea_orm(has_many = "super::metrics::Entity")]
    Metrics,
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
    #[sea_orm(has_many = "super::alert_events::Entity")]
    AlertEvents,
    #[sea_orm(has_many = "super::alert_breaches::Entity")]
    AlertBreaches,
}

impl Related<super::memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::api_keys::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiKeys.def()
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

impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assets.def()
    }
}

impl Related<super::audit_logs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditLogs.def()
    }
}

impl Related<super::metrics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Metrics.def()
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

impl Related<super::alert_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertEvents.def()
    }
}

impl Related<super::alert_breaches::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AlertBreaches.def()
    }
}

/// The organization's members, reached through `memberships`.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        super::memberships::Relation::Users.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::memberships::Relation::Organizations.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
