use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stored lower-cased by the app so the unique index is case-insensitive in effect.
    #[sea_orm(unique)]
    pub email: String,
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    pub display_name: String,
    pub failed_login_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::memberships::Entity")]
    Memberships,
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
    /// Keys this user created (`api_keys.created_by_user_id`).
    #[sea_orm(has_many = "super::api_keys::Entity")]
    ApiKeys,
    /// Audit entries this user performed (`audit_logs.actor_user_id`).
    #[sea_orm(has_many = "super::audit_logs::Entity")]
    AuditLogs,
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

impl Related<super::audit_logs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditLogs.def()
    }
}

/// The organizations the user belongs to, reached through `memberships`.
impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        super::memberships::Relation::Organizations.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::memberships::Relation::Users.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
