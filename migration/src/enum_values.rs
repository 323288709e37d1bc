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
