//! Emergency stops over GraphQL: trigger, reset, and their history.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::estop::{self as domain, Filter, Target};
use crate::domain::page::PageRequest;
use crate::error::AppError;
use crate::graphql::assets::Asset;
use crate::graphql::common::{AssetStatus, Conn, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AssetKey, HaltedByEstop, SiteKey, UserKey, ZoneKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::places::{Site, Zone};
use entity::{estop_assets, estop_events as rows};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::EstopScope")]
pub enum EstopScope {
    Asset,
    Zone,
    Site,
}

/// An emergency stop and, once reset, its reset.
pub struct EmergencyStop(pub rows::Model);

#[Object]
impl EmergencyStop {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn scope(&self) -> EstopScope {
        self.0.scope.into()
    }
    /// The asset stopped, for an ASSET stop.
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        let Some(id) = self.0.asset_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(AssetKey(id)).await?.map(Asset::from))
    }
    /// The zone stopped, for a ZONE stop.
    async fn zone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Zone>> {
        let Some(id) = self.0.zone_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(ZoneKey(id)).await?.map(Zone))
    }
    /// The site stopped, for a SITE stop.
    async fn site(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Site>> {
        let Some(id) = self.0.site_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(SiteKey(id)).await?.map(Site))
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The person who triggered it (null when an integration did).
    async fn triggered_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.triggered_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    /// The API key that triggered it (a safety controller), if any.
    async fn triggered_by_api_key_id(&self) -> Option<ID> {
        self.0.triggered_by_api_key_id.map(|id| ID(id.to_string()))
    }
    async fn triggered_at(&self) -> DateTime<Utc> {
        self.0.triggered_at
    }
    /// The critical alert raised for it.
    async fn alert_id(&self) -> Option<ID> {
        self.0.alert_id.map(|id| ID(id.to_string()))
    }
    /// Whether it still holds its assets.
    async fn active(&self) -> bool {
        self.0.reset_at.is_none()
    }
    async fn reset_at(&self) -> Option<DateTime<Utc>> {
        self.0.reset_at
    }
    async fn reset_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.reset_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn reset_note(&self) -> Option<&str> {
        self.0.reset_note.as_deref()
    }
    /// Every asset it halted, with the status each returns to at the reset.
    async fn halted_assets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<HaltedAsset>> {
        let rows = loader(ctx)?.load_one(HaltedByEstop(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(HaltedAsset)
            .collect())
    }
}

/// An asset an emergency stop halted.
pub struct HaltedAsset(estop_assets::Model);

#[Object]
impl HaltedAsset {
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        Ok(loader(ctx)?
            .load_one(AssetKey(self.0.asset_id))
            .await?
            .map(Asset::from))
    }
    /// The status before the stop, restored by the reset.
    async fn previous_status(&self) -> AssetStatus {
        self.0.previous_status.into()
    }
}

#[derive(InputObject, Default)]
pub struct EmergencyStopFilter {
    /// Only active (true) or only reset (false) stops.
    pub active: Option<bool>,
    /// Stops of this site or of assets on it.
    pub site_id: Option<ID>,
    /// Stops that halted this asset.
    pub asset_id: Option<ID>,
    /// Triggered within `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct EstopQuery;

#[Object]
impl EstopQuery {
    async fn emergency_stop(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<EmergencyStop> {
        let id = parse_id("id", &id)?;
        let row = domain::get(&services(ctx).db.conn, tenant(ctx)?, id).await?;
        Ok(EmergencyStop(row))
    }

    /// Emergency stops and their resets, newest first.
    async fn emergency_stops(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EmergencyStopFilter>,
    ) -> async_graphql::Result<Conn<EmergencyStop>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let f = filter.unwrap_or_default();
        let filter = Filter {
            active: f.active,
            site_id: parse_opt_id("filter.siteId", f.site_id.as_ref())?,
            asset_id: parse_opt_id("filter.assetId", f.asset_id.as_ref())?,
            from: f.from,
            to: f.to,
        };
        let request = PageRequest {
            first,
            after,
            descending: true,
        };
        let page = domain::list(&db.conn, tenant, &filter, &request).await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { domain::count(&db.conn, &t, &filter).await });
        Ok(connection(page, total, EmergencyStop))
    }
}

/// What to stop: exactly one of `assetId`, `zoneId`, `siteId`.
#[derive(InputObject)]
pub struct TriggerEmergencyStopInput {
    pub asset_id: Option<ID>,
    pub zone_id: Option<ID>,
    pub site_id: Option<ID>,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ResetEmergencyStopInput {
    pub id: ID,
    /// What was checked before restarting; required.
    pub note: String,
}

#[derive(SimpleObject)]
pub struct EmergencyStopPayload {
    pub emergency_stop: EmergencyStop,
}

#[derive(Default)]
pub struct EstopMutation;

fn target(input: &TriggerEmergencyStopInput) -> crate::error::Result<Target> {
    let asset = parse_opt_id("input.assetId", input.asset_id.as_ref())?;
    let zone = parse_opt_id("input.zoneId", input.zone_id.as_ref())?;
    let site = parse_opt_id("input.siteId", input.site_id.as_ref())?;
    match (asset, zone, site) {
        (Some(id), None, None) => Ok(Target::Asset(id)),
        (None, Some(id), None) => Ok(Target::Zone(id)),
        (None, None, Some(id)) => Ok(Target::Site(id)),
        _ => Err(AppError::validation(
            "input",
            "name exactly one of assetId, zoneId and siteId",
        )),
    }
}

#[Object]
impl EstopMutation {
    /// Halts an asset, a zone or a site (operator and up): the assets go E_STOPPED, their
    /// machine sessions end, running jobs pause, pending commands expire, and one critical
    /// alert is raised; all or nothing.
    async fn trigger_emergency_stop(
        &self,
        ctx: &Context<'_>,
        input: TriggerEmergencyStopInput,
    ) -> async_graphql::Result<EmergencyStopPayload> {
        let (m, tenant) = Mutation::begin(ctx, "triggerEmergencyStop").await?;
        let m = match (&input.asset_id, &input.zone_id, &input.site_id) {
            (Some(id), _, _) => m.aim("asset", id),
            (_, Some(id), _) => m.aim("zone", id),
            (_, _, Some(id)) => m.aim("site", id),
            _ => m,
        };
        let result = async {
            let target = target(&input)?;
            domain::trigger(m.tx(), tenant, target, &input.reason).await
        }
        .await;
        m.finish(result).await.map(|e| EmergencyStopPayload {
            emergency_stop: EmergencyStop(e),
        })
    }

    /// Resets an active stop (engineer and up) with a note: each asset returns to the status it
    /// had before, unless another active stop still holds it.
    async fn reset_emergency_stop(
        &self,
        ctx: &Context<'_>,
        input: ResetEmergencyStopInput,
    ) -> async_graphql::Result<EmergencyStopPayload> {
        let (m, tenant) = Mutation::begin(ctx, "resetEmergencyStop").await?;
        let m = m.aim("emergency_stop", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            domain::reset(m.tx(), tenant, id, &input.note).await
        }
        .await;
        m.finish(result).await.map(|e| EmergencyStopPayload {
            emergency_stop: EmergencyStop(e),
        })
    }
}
