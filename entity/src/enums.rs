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
    }
}
