//! Members over GraphQL.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, Utc};

use crate::domain::members::{self, AddMember, UpdateMember};
use crate::domain::page::PageRequest;
use crate::graphql::common::{Conn, Role, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_ids, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{SiteKey, SitesOfMember, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::places::Site;
use entity::memberships;

pub struct Member(pub memberships::Model);

#[Object]
impl Member {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(loader(ctx)?
            .load_one(UserKey(self.0.user_id))
            .await?
            .map(User))
    }
    /// The sites this member is restricted to; empty means every site.
    async fn sites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Site>> {
        let loader = loader(ctx)?;
        let ids = loader
            .load_one(SitesOfMember(self.0.id))
            .await?
            .unwrap_or_default();
        let sites = loader.load_many(ids.into_iter().map(SiteKey)).await?;
        let mut sites: Vec<Site> = sites.into_values().map(Site).collect();
        sites.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        Ok(sites)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct MembersQuery;

#[Object]
impl MembersQuery {
    /// Members of the organization.
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Member>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let page = members::list(
            &db.conn,
            tenant,
            &PageRequest {
                first,
                after,
                descending: false,
            },
        )
        .await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { members::count(&db.conn, &t).await });
        Ok(connection(page, total, Member))
    }

    async fn member(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Member> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Member(
            members::get(&services(ctx).db.conn, tenant, id).await?,
        ))
    }
}

#[derive(InputObject)]
pub struct AddMemberInput {
    pub email: String,
    pub role: Role,
    /// For a new account: its display name (default: the email's local part).
    pub display_name: Option<String>,
    /// For a new account: its password. Without one a temporary password is generated and
    /// returned once.
    pub password: Option<String>,
    /// Restrict the member to these sites.
    pub site_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UpdateMemberInput {
    pub id: ID,
    pub role: Option<Role>,
    /// Restrict the member to these sites; an empty list lifts the restriction.
    pub site_ids: Option<Vec<ID>>,
    /// The member's badge or RFID tag for starting machine sessions; null removes it.
    pub badge_tag: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct RemoveMemberInput {
    pub id: ID,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AddMemberPayload {
    #[graphql(skip)]
    pub member: memberships::Model,
    /// Set only when a new account was created without a password: shown this once.
    pub temporary_password: Option<String>,
}

#[ComplexObject]
impl AddMemberPayload {
    async fn member(&self) -> Member {
        Member(self.member.clone())
    }
}

#[derive(SimpleObject)]
pub struct MemberPayload {
    pub member: Member,
}

#[derive(SimpleObject)]
pub struct RemoveMemberPayload {
    pub removed_id: ID,
}

#[derive(Default)]
pub struct MembersMutation;

#[Object]
impl MembersMutation {
    /// Adds an existing or new user to the organization with a role (admin).
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        input: AddMemberInput,
    ) -> async_graphql::Result<AddMemberPayload> {
        let (m, tenant) = Mutation::begin(ctx, "addMember").await?;
        let result = async {
            let site_ids = input
                .site_ids
                .as_deref()
                .map(|ids| parse_ids("input.siteIds", ids))
                .transpose()?;
            let add = AddMember {
                email: input.email,
                display_name: input.display_name,
                role: input.role.into(),
                password: input.password,
                site_ids,
            };
            members::add(m.tx(), &services(ctx).hasher, tenant, add).await
        }
        .await;
        let added = m.finish(result).await?;
        Ok(AddMemberPayload {
            member: added.membership,
            temporary_password: added.temporary_password,
        })
    }

    /// Changes a member's role or site restriction (admin). The last owner cannot be demoted.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateMemberInput,
    ) -> async_graphql::Result<MemberPayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateMember").await?;
        let m = m.aim("member", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let site_ids = input
                .site_ids
                .as_deref()
                .map(|ids| parse_ids("input.siteIds", ids))
                .transpose()?;
            members::update(
                m.tx(),
                tenant,
                UpdateMember {
                    id,
                    role: input.role.map(Into::into),
                    site_ids,
                    badge_tag: match input.badge_tag {
                        MaybeUndefined::Undefined => None,
                        MaybeUndefined::Null => Some(None),
                        MaybeUndefined::Value(tag) => Some(Some(tag)),
                    },
                },
            )
            .await
        }
        .await;
        m.finish(result).await.map(|member| MemberPayload {
            member: Member(member),
        })
    }

    /// Removes a member (admin). The last owner cannot be removed.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveMemberInput,
    ) -> async_graphql::Result<RemoveMemberPayload> {
        let (m, tenant) = Mutation::begin(ctx, "removeMember").await?;
        let m = m.aim("member", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            members::remove(m.tx(), tenant, id).await
        }
        .await;
        m.finish(result).await.map(|id| RemoveMemberPayload {
            removed_id: ID(id.to_string()),
        })
    }
}
