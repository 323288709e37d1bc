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
