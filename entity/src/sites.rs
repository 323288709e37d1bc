use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub code: String,
    pub name: String,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
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
    #[sea_orm(has_many = "super::zones::Entity")]
    Zones,
    #[sea_orm(has_many = "super::assets::Entity")]
    Assets,
    #[sea_orm(has_many = "super::membership_sites::Entity")]
    MembershipSites,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
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

impl Related<super::membership_sites::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MembershipSites.def()
    }
}

/// The memberships explicitly restricted to this site.
impl Related<super::memberships::Entity> for Entity {
    fn to() -> RelationDef {
        super::membership_sites::Relation::Memberships.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::membership_sites::Relation::Sites.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
