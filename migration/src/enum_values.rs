//! The strings stored in enum columns, enforced by CHECK constraints.
//!
//! Must stay identical to `ALL_DB_VALUES` of the matching enums in `entity::enums`; this crate
//! cannot depend on `entity`, and a migration must keep describing the schema as it was when
//! written. Widening a list later therefore needs a new migration, not an edit here.

pub const ROLE: &[&str] = &["owner", "admin", "engineer", "operator", "viewer"];
pub const PLAN: &[&str] = &["free", "pro", "enterprise"];
pub const ASSET_KIND: &[&str] = &["robot", "machine"];
pub const ASSET_STATUS: &[&str] = &[
    "online",
    "idle",
    "busy",
    "offline",
    "error",
    "maintenance",
    "e_stopped",
];
pub const QUALITY: &[&str] = &["good", "bad", "uncertain"];
pub const ALERT_DIRECTION: &[&str] = &["above", "below"];
pub const ALERT_KIND: &[&str] = &["threshold", "offline", "manual"];
pub const SEVERITY: &[&str] = &["info", "warning", "error", "critical"];
pub const ALERT_STATUS: &[&str] = &["open", "acknowledged", "resolved"];
pub const ALERT_EVENT_KIND: &[&str] = &["raised", "updated", "acknowledged", "resolved"];

// Added by m20261129_000008 (operations).
pub const ALERT_KIND_V2: &[&str] = &["threshold", "offline", "manual", "estop", "maintenance"];
pub const PRIORITY: &[&str] = &["low", "normal", "high", "critical"];
pub const JOB_STATUS: &[&str] = &[
    "queued",
    "running",
    "paused",
    "completed",
    "failed",
    "cancelled",
];
pub const COMMAND_STATUS: &[&str] = &[
    "pending",
    "sent",
    "acknowledged",
    "completed",
    "failed",
    "expired",
];
pub const MAINTENANCE_KIND: &[&str] = &["preventive", "corrective", "emergency"];
pub const MAINTENANCE_STATUS: &[&str] = &["scheduled", "in_progress", "completed", "cancelled"];
pub const SESSION_END: &[&str] = &["user", "timeout", "admin", "estop"];
pub const ESTOP_SCOPE: &[&str] = &["asset", "zone", "site"];
pub const ACTOR_KIND: &[&str] = &["user", "api_key", "device", "system"];

// Added by m20261204_000013 (invitations).
pub const INVITATION_STATUS: &[&str] = &["pending", "accepted", "declined", "revoked"];
