//! Members and invitations over GraphQL.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::domain::invitations::{self as invitation_domain, Invite};
use crate::domain::members::{self, UpdateMember};
use crate::domain::page::PageRequest;
use crate::graphql::common::{Conn, Role, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_ids, services, tenant};
use crate::graphql::identity::{Organization, SuccessPayload, User};
use crate::graphql::loader;
use crate::graphql::loaders::{SiteKey, SitesOfMember, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::places::Site;
use entity::{invitations, memberships};

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
    /// The member's badge or RFID tag for starting machine sessions in this organization. A
    /// tag is a credential: shown to those who manage members and to the member themselves,
    /// null to others.
    async fn badge_tag(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let tenant = tenant(ctx)?;
        let shown =
            tenant.can(Permission::MembersManage) || tenant.user_id() == Some(self.0.user_id);
        Ok(self.0.badge_tag.as_deref().filter(|_| shown))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Where an invitation stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Waiting for the invitee; the token works.
    Pending,
    Accepted,
    Declined,
    Revoked,
    /// Not answered in time; the token no longer works.
    Expired,
}

/// An invitation to join the organization, as its admins see it.
pub struct Invitation(pub invitations::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The address invited (lower-cased).
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The sites the membership will be restricted to; empty means every site.
    async fn sites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Site>> {
        let ids = invitation_domain::site_ids(&self.0);
        let sites = loader(ctx)?.load_many(ids.into_iter().map(SiteKey)).await?;
        let mut sites: Vec<Site> = sites.into_values().map(Site).collect();
        sites.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        Ok(sites)
    }
    async fn status(&self) -> InvitationStatus {
        match self.0.status {
            entity::InvitationStatus::Pending if !invitation_domain::is_open(&self.0) => {
                InvitationStatus::Expired
            }
            entity::InvitationStatus::Pending => InvitationStatus::Pending,
            entity::InvitationStatus::Accepted => InvitationStatus::Accepted,
            entity::InvitationStatus::Declined => InvitationStatus::Declined,
            entity::InvitationStatus::Revoked => InvitationStatus::Revoked,
        }
    }
    /// Who sent it; null once they are no longer a member.
    async fn invited_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.invited_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    /// Who accepted it; null unless accepted, and once they are no longer a member.
    async fn accepted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.accepted_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// When it was accepted, declined or revoked.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
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

    /// The organization's invitations, newest first (admin).
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Invitation>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let page = invitation_domain::list(
            &db.conn,
            tenant,
            &PageRequest {
                first,
                after,
                descending: true,
            },
        )
        .await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { invitation_domain::count(&db.conn, &t).await });
        Ok(connection(page, total, Invitation))
    }
}

#[derive(InputObject)]
pub struct InviteMemberInput {
    pub email: String,
    pub role: Role,
    /// Restrict the membership to these sites.
    pub site_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct RevokeInvitationInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct InvitationTokenInput {
    /// The token the inviting admin handed over.
    pub token: String,
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
pub struct InviteMemberPayload {
    pub invitation: Invitation,
    /// The one-time token to hand to the invitee, shown this once (only its hash is stored).
    /// They accept with `acceptInvitation` when signed in, or with `signUp` if they have no
    /// account yet.
    pub token: String,
}

#[derive(SimpleObject)]
pub struct InvitationPayload {
    pub invitation: Invitation,
}

/// The organization joined; `switchOrganization` opens a session there.
#[derive(SimpleObject)]
pub struct AcceptInvitationPayload {
    pub organization: Organization,
    pub role: Role,
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
    /// Invites an email address to join with a role and optional site restriction (admin).
    /// The answer is the same whether or not the address has an account; a pending invitation
    /// to the same address is replaced. Nobody joins until they accept.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> async_graphql::Result<InviteMemberPayload> {
        let (m, tenant) = Mutation::begin(ctx, "inviteMember").await?;
        let result = async {
            let site_ids = input
                .site_ids
                .as_deref()
                .map(|ids| parse_ids("input.siteIds", ids))
                .transpose()?
                .unwrap_or_default();
            let invite = Invite {
                email: input.email,
                role: input.role.into(),
                site_ids,
            };
            invitation_domain::invite(m.tx(), tenant, invite).await
        }
        .await;
        let issued = m.finish(result).await?;
        Ok(InviteMemberPayload {
            invitation: Invitation(issued.invitation),
            token: issued.token,
        })
    }

    /// Revokes a pending invitation (admin): its token stops working.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        input: RevokeInvitationInput,
    ) -> async_graphql::Result<InvitationPayload> {
        let (m, tenant) = Mutation::begin(ctx, "revokeInvitation").await?;
        let m = m.aim("invitation", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            invitation_domain::revoke(m.tx(), tenant, id).await
        }
        .await;
        m.finish(result).await.map(|i| InvitationPayload {
            invitation: Invitation(i),
        })
    }

    /// Accepts an invitation addressed to the signed-in user's email: they become a member of
    /// the inviting organization with the offered role and sites.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: InvitationTokenInput,
    ) -> async_graphql::Result<AcceptInvitationPayload> {
        let (m, tenant) = Mutation::begin(ctx, "acceptInvitation").await?;
        let result = async {
            let user = invitation_domain::user_of(m.tx(), tenant).await?;
            invitation_domain::accept(m.tx(), &user, &input.token).await
        }
        .await;
        m.finish(result)
            .await
            .map(|joined| AcceptInvitationPayload {
                organization: Organization(joined.organization),
                role: joined.membership.role.into(),
            })
    }

    /// Declines an invitation addressed to the signed-in user's email.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        input: InvitationTokenInput,
    ) -> async_graphql::Result<SuccessPayload> {
        let (m, tenant) = Mutation::begin(ctx, "declineInvitation").await?;
        let result = async {
            let user = invitation_domain::user_of(m.tx(), tenant).await?;
            invitation_domain::decline(m.tx(), &user, &input.token).await
        }
        .await;
        m.finish(result)
            .await
            .map(|_| SuccessPayload { success: true })
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
