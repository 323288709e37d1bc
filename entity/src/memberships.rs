use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    /// The member's badge or RFID tag for starting machine sessions in this organization;
    /// unique within the organization (`uq_memberships_organization_id_badge_tag`).
    pub badge_tag: Option<String>,
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
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    Users,
    #[sea_orm(has_many = "super::membership_sites::Entity")]
    MembershipSites,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl Related<super::membership_sites::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MembershipSites.def()
    }
}

/// The sites this membership is restricted to; none means every site of the organization.
impl Related<super::sites::Entity> for Entity {
    fn to() -> RelationDef {
        super::membership_sites::Relation::Sites.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::membership_sites::Relation::Memberships.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
