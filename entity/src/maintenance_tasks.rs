use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{AssetStatus, MaintenanceKind, MaintenanceStatus, Priority};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "maintenance_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub asset_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub kind: MaintenanceKind,
    pub priority: Priority,
    pub status: MaintenanceStatus,
    pub assignee_user_id: Option<Uuid>,
    pub due_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub estimated_minutes: Option<i32>,
    pub actual_minutes: Option<i32>,
    pub cost_cents: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub parts: Json,
    pub notes: Option<String>,
    pub recurrence_days: Option<i32>,
    pub recurrence_running_hours: Option<i32>,
    pub previous_task_id: Option<Uuid>,
    pub asset_previous_status: Option<AssetStatus>,
    pub overdue_alert_id: Option<Uuid>,
    pub created_by_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
