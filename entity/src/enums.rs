use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A member's role inside one organization, from most to least privileged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "owner")]
    Owner,
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "engineer")]
    Engineer,
    #[sea_orm(string_value = "operator")]
    Operator,
    #[sea_orm(string_value = "viewer")]
    Viewer,
}

impl Role {
    pub const ALL_DB_VALUES: &'static [&'static str] =
        &["owner", "admin", "engineer", "operator", "viewer"];
}

/// An organization's subscription plan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[sea_orm(string_value = "free")]
    Free,
    #[sea_orm(string_value = "pro")]
    Pro,
    #[sea_orm(string_value = "enterprise")]
    Enterprise,
}

impl Plan {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["free", "pro", "enterprise"];
}

/// Which detail table (`robots` or `machines`) extends an `assets` row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    #[sea_orm(string_value = "robot")]
    Robot,
    #[sea_orm(string_value = "machine")]
    Machine,
}

impl AssetKind {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["robot", "machine"];
}

/// The last known operational state of an asset.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AssetStatus {
    #[sea_orm(string_value = "online")]
    Online,
    #[sea_orm(string_value = "idle")]
    Idle,
    #[sea_orm(string_value = "busy")]
    Busy,
    #[sea_orm(string_value = "offline")]
    Offline,
    #[sea_orm(string_value = "error")]
    Error,
    #[sea_orm(string_value = "maintenance")]
    Maintenance,
    #[sea_orm(string_value = "e_stopped")]
    EStopped,
}

impl AssetStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] = &[
        "online",
        "idle",
        "busy",
        "offline",
        "error",
        "maintenance",
        "e_stopped",
    ];
}

/// How far a telemetry value can be trusted, as reported by its source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    #[sea_orm(string_value = "good")]
    Good,
    #[sea_orm(string_value = "bad")]
    Bad,
    #[sea_orm(string_value = "uncertain")]
    Uncertain,
}

impl Quality {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["good", "bad", "uncertain"];
}

/// Which side of a threshold an alert rule fires on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AlertDirection {
    #[sea_orm(string_value = "above")]
    Above,
    #[sea_orm(string_value = "below")]
    Below,
}

impl AlertDirection {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["above", "below"];
}

/// What raised an alert: a threshold rule, an asset going offline, or a person.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    #[sea_orm(string_value = "threshold")]
    Threshold,
    #[sea_orm(string_value = "offline")]
    Offline,
    #[sea_orm(string_value = "manual")]
    Manual,
    /// An emergency stop was triggered.
    #[sea_orm(string_value = "estop")]
    Estop,
    /// A maintenance task is overdue.
    #[sea_orm(string_value = "maintenance")]
    Maintenance,
}

impl AlertKind {
    pub const ALL_DB_VALUES: &'static [&'static str] =
        &["threshold", "offline", "manual", "estop", "maintenance"];
}

/// How serious an alert (or an ongoing rule breach) is, from least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[sea_orm(string_value = "info")]
    Info,
    #[sea_orm(string_value = "warning")]
    Warning,
    #[sea_orm(string_value = "error")]
    Error,
    #[sea_orm(string_value = "critical")]
    Critical,
}

impl Severity {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["info", "warning", "error", "critical"];
}

/// Where an alert is in its lifecycle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

impl AlertStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["open", "acknowledged", "resolved"];
}

/// What happened to an alert, as recorded in the `alert_events` log.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AlertEventKind {
    #[sea_orm(string_value = "raised")]
    Raised,
    #[sea_orm(string_value = "updated")]
    Updated,
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

impl AlertEventKind {
    pub const ALL_DB_VALUES: &'static [&'static str] =
        &["raised", "updated", "acknowledged", "resolved"];
}

/// How urgent a job, command or maintenance task is, from least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[sea_orm(string_value = "low")]
    Low,
    #[sea_orm(string_value = "normal")]
    Normal,
    #[sea_orm(string_value = "high")]
    High,
    #[sea_orm(string_value = "critical")]
    Critical,
}

impl Priority {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["low", "normal", "high", "critical"];
}

/// Where a job is: queued -> running <-> paused -> completed | failed; or cancelled.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "paused")]
    Paused,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl JobStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] = &[
        "queued",
        "running",
        "paused",
        "completed",
        "failed",
        "cancelled",
    ];
}

/// Where a device command is: pending -> sent -> acknowledged -> completed | failed, or expired.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl CommandStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] = &[
        "pending",
        "sent",
        "acknowledged",
        "completed",
        "failed",
        "expired",
    ];
}

/// Why maintenance is done.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceKind {
    #[sea_orm(string_value = "preventive")]
    Preventive,
    #[sea_orm(string_value = "corrective")]
    Corrective,
    #[sea_orm(string_value = "emergency")]
    Emergency,
}

impl MaintenanceKind {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["preventive", "corrective", "emergency"];
}

/// Where a maintenance task is: scheduled -> in_progress -> completed; or cancelled.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceStatus {
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl MaintenanceStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] =
        &["scheduled", "in_progress", "completed", "cancelled"];
}

/// Why a machine session ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "timeout")]
    Timeout,
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "estop")]
    Estop,
}

impl SessionEnd {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["user", "timeout", "admin", "estop"];
}

/// What an emergency stop covers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum EstopScope {
    #[sea_orm(string_value = "asset")]
    Asset,
    #[sea_orm(string_value = "zone")]
    Zone,
    #[sea_orm(string_value = "site")]
    Site,
}

impl EstopScope {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["asset", "zone", "site"];
}

/// Who caused a recorded change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "api_key")]
    ApiKey,
    #[sea_orm(string_value = "device")]
    Device,
    #[sea_orm(string_value = "system")]
    System,
}

impl ActorKind {
    pub const ALL_DB_VALUES: &'static [&'static str] = &["user", "api_key", "device", "system"];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_values<E: ActiveEnum<Value = String>>() -> Vec<String> {
        E::iter().map(|v| v.to_value()).collect()
    }

    #[test]
    fn all_db_values_match_variants() {
        assert_eq!(db_values::<Role>(), Role::ALL_DB_VALUES);
        assert_eq!(db_values::<Plan>(), Plan::ALL_DB_VALUES);
        assert_eq!(db_values::<AssetKind>(), AssetKind::ALL_DB_VALUES);
        assert_eq!(db_values::<AssetStatus>(), AssetStatus::ALL_DB_VALUES);
        assert_eq!(db_values::<Quality>(), Quality::ALL_DB_VALUES);
        assert_eq!(db_values::<Priority>(), Priority::ALL_DB_VALUES);
        assert_eq!(db_values::<JobStatus>(), JobStatus::ALL_DB_VALUES);
        assert_eq!(db_values::<CommandStatus>(), CommandStatus::ALL_DB_VALUES);
        assert_eq!(
            db_values::<MaintenanceKind>(),
            MaintenanceKind::ALL_DB_VALUES
        );
        assert_eq!(
            db_values::<MaintenanceStatus>(),
            MaintenanceStatus::ALL_DB_VALUES
        );
        assert_eq!(db_values::<SessionEnd>(), SessionEnd::ALL_DB_VALUES);
        assert_eq!(db_values::<EstopScope>(), EstopScope::ALL_DB_VALUES);
        assert_eq!(db_values::<ActorKind>(), ActorKind::ALL_DB_VALUES);
        assert_eq!(db_values::<AlertDirection>(), AlertDirection::ALL_DB_VALUES);
        assert_eq!(db_values::<AlertKind>(), AlertKind::ALL_DB_VALUES);
        assert_eq!(db_values::<Severity>(), Severity::ALL_DB_VALUES);
        assert_eq!(db_values::<AlertStatus>(), AlertStatus::ALL_DB_VALUES);
        assert_eq!(db_values::<AlertEventKind>(), AlertEventKind::ALL_DB_VALUES);
    }
}

/// Where an invitation stands. An expired invitation keeps `Pending`; expiry is read from
/// `expires_at`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "declined")]
    Declined,
    #[sea_orm(string_value = "revoked")]
    Revoked,
}

impl InvitationStatus {
    pub const ALL_DB_VALUES: &'static [&'static str] =
        &["pending", "accepted", "declined", "revoked"];
}
