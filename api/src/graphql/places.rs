//! Sites and zones over GraphQL.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::domain::page::PageRequest;
use crate::domain::sites::{self, SiteFields};
use crate::domain::zones::{self, NewZone, UpdateZone};
use crate::graphql::assets::Asset;
use crate::graphql::common::{AssetStatus, Conn, OrderDirection, TotalCount, connection};
use crate::graphql::context::{parse_id, services, tenant};
use crate::graphql::loader;
use crate::graphql::loaders::{AssetsOfZone, SiteKey, StatusCountsOfSite, ZonesOfSite};
use crate::graphql::mutation::Mutation;
use entity::{sites as site_rows, zones as zone_rows};

pub struct Site(pub site_rows::Model);

#[derive(SimpleObject)]
pub struct AssetStatusCount {
    pub status: AssetStatus,
    pub count: i64,
}

#[Object]
impl Site {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// IANA timezone of the site, for local shift times and reports.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The site's zones, by code.
    async fn zones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Zone>> {
        let zones = loader(ctx)?
            .load_one(ZonesOfSite(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(zones.into_iter().map(Zone).collect())
    }
    /// Active (not archived) assets on the site, counted by status.
    async fn asset_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AssetStatusCount>> {
        // Counting assets reads assets: a caller with sites:read alone may not.
        tenant(ctx)?.require(Permission::AssetsRead)?;
        let counts = loader(ctx)?
            .load_one(StatusCountsOfSite(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(counts
            .into_iter()
            .map(|(status, count)| AssetStatusCount {
                status: status.into(),
                count,
            })
            .collect())
    }
}

pub struct Zone(pub zone_rows::Model);

#[Object]
impl Zone {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn site(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Site>> {
        Ok(loader(ctx)?
            .load_one(SiteKey(self.0.site_id))
            .await?
            .map(Site))
    }
    /// Active assets in the zone, by code.
    async fn assets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Asset>> {
        tenant(ctx)?.require(Permission::AssetsRead)?;
        let assets = loader(ctx)?
            .load_one(AssetsOfZone(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(assets.into_iter().map(Asset::from).collect())
    }
}

#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum SiteOrderField {
    #[default]
    Name,
    Code,
    CreatedAt,
}

#[derive(InputObject, Default)]
pub struct SiteOrder {
    #[graphql(default)]
    pub field: SiteOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(InputObject, Default)]
pub struct SiteFilter {
    /// Case-insensitive substring of name or code.
    pub search: Option<String>,
    #[graphql(default = false)]
    pub include_archived: bool,
}

#[derive(Default)]
pub struct PlacesQuery;

#[Object]
impl PlacesQuery {
    /// The organization's sites (those the caller may see).
    async fn sites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<SiteFilter>,
        order_by: Option<SiteOrder>,
    ) -> async_graphql::Result<Conn<Site>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let filter = filter.unwrap_or_default();
        let filter = sites::Filter {
            search: filter.search,
            include_archived: filter.include_archived,
        };
        let order = order_by.unwrap_or_default();
        let field = match order.field {
            SiteOrderField::Name => sites::Order::Name,
            SiteOrderField::Code => sites::Order::Code,
            SiteOrderField::CreatedAt => sites::Order::CreatedAt,
        };
        let request = PageRequest {
            first,
            after,
            descending: order.direction == OrderDirection::Desc,
        };
        let page = sites::list(&db.conn, tenant, &filter, field, &request).await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { sites::count(&db.conn, &t, &filter).await });
        Ok(connection(page, total, Site))
    }

    async fn site(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Site> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Site(sites::get(&services(ctx).db.conn, tenant, id).await?))
    }

    async fn site_by_code(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Site> {
        let tenant = tenant(ctx)?;
        Ok(Site(
            sites::by_code(&services(ctx).db.conn, tenant, &code).await?,
        ))
    }

    async fn zone(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Zone> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Zone(zones::get(&services(ctx).db.conn, tenant, id).await?))
    }

    /// The zones of one site, by code.
    async fn zones(&self, ctx: &Context<'_>, site_id: ID) -> async_graphql::Result<Vec<Zone>> {
        let tenant = tenant(ctx)?;
        let site_id = parse_id("siteId", &site_id)?;
        let zones = zones::of_site(&services(ctx).db.conn, tenant, site_id).await?;
        Ok(zones.into_iter().map(Zone).collect())
    }
}

#[derive(InputObject)]
pub struct CreateSiteInput {
    /// Unique in the organization; letters, digits, `-`, `_` (stored upper-case).
    pub code: String,
    pub name: String,
    /// IANA timezone, e.g. `Europe/Berlin` (default UTC).
    pub timezone: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(InputObject)]
pub struct UpdateSiteInput {
    pub id: ID,
    pub code: Option<String>,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub address: MaybeUndefined<String>,
    pub latitude: MaybeUndefined<f64>,
    pub longitude: MaybeUndefined<f64>,
}

#[derive(InputObject)]
pub struct SiteIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct CreateZoneInput {
    pub site_id: ID,
    /// Unique within the site.
    pub code: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateZoneInput {
    pub id: ID,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct ZoneIdInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct SitePayload {
    pub site: Site,
}

#[derive(SimpleObject)]
pub struct ZonePayload {
    pub zone: Zone,
}

#[derive(SimpleObject)]
pub struct DeletePayload {
    pub deleted_id: ID,
}

impl DeletePayload {
    pub fn of(id: uuid::Uuid) -> Self {
        Self {
            deleted_id: ID(id.to_string()),
        }
    }
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    value.into()
}

#[derive(Default)]
pub struct PlacesMutation;

#[Object]
impl PlacesMutation {
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        input: CreateSiteInput,
    ) -> async_graphql::Result<SitePayload> {
        let (m, tenant) = Mutation::begin(ctx, "createSite").await?;
        let fields = SiteFields {
            code: Some(input.code),
            name: Some(input.name),
            timezone: input.timezone,
            address: input.address.map(Some),
            latitude: input.latitude.map(Some),
            longitude: input.longitude.map(Some),
        };
        let result = sites::create(m.tx(), tenant, fields).await;
        m.finish(result)
            .await
            .map(|s| SitePayload { site: Site(s) })
    }

    async fn update_site(
        &self,
        ctx: &Context<'_>,
        input: UpdateSiteInput,
    ) -> async_graphql::Result<SitePayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateSite").await?;
        let m = m.aim("site", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let fields = SiteFields {
                code: input.code,
                name: input.name,
                timezone: input.timezone,
                address: maybe(input.address),
                latitude: maybe(input.latitude),
                longitude: maybe(input.longitude),
            };
            sites::update(m.tx(), tenant, id, fields).await
        }
        .await;
        m.finish(result)
            .await
            .map(|s| SitePayload { site: Site(s) })
    }

    /// Hides a site from lists; its assets must be archived or moved first.
    async fn archive_site(
        &self,
        ctx: &Context<'_>,
        input: SiteIdInput,
    ) -> async_graphql::Result<SitePayload> {
        let (m, tenant) = Mutation::begin(ctx, "archiveSite").await?;
        let m = m.aim("site", &input.id);
        let result = async {
            sites::set_archived(m.tx(), tenant, parse_id("input.id", &input.id)?, true).await
        }
        .await;
        m.finish(result)
            .await
            .map(|s| SitePayload { site: Site(s) })
    }

    async fn restore_site(
        &self,
        ctx: &Context<'_>,
        input: SiteIdInput,
    ) -> async_graphql::Result<SitePayload> {
        let (m, tenant) = Mutation::begin(ctx, "restoreSite").await?;
        let m = m.aim("site", &input.id);
        let result = async {
            sites::set_archived(m.tx(), tenant, parse_id("input.id", &input.id)?, false).await
        }
        .await;
        m.finish(result)
            .await
            .map(|s| SitePayload { site: Site(s) })
    }

    /// Deletes an empty site; CONFLICT while it has zones or assets.
    async fn delete_site(
        &self,
        ctx: &Context<'_>,
        input: SiteIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let (m, tenant) = Mutation::begin(ctx, "deleteSite").await?;
        let m = m.aim("site", &input.id);
        let result =
            async { sites::delete(m.tx(), tenant, parse_id("input.id", &input.id)?).await }.await;
        m.finish(result).await.map(DeletePayload::of)
    }

    async fn create_zone(
        &self,
        ctx: &Context<'_>,
        input: CreateZoneInput,
    ) -> async_graphql::Result<ZonePayload> {
        let (m, tenant) = Mutation::begin(ctx, "createZone").await?;
        let result = async {
            let zone = NewZone {
                site_id: parse_id("input.siteId", &input.site_id)?,
                code: input.code,
                name: input.name,
                description: input.description,
            };
            zones::create(m.tx(), tenant, zone).await
        }
        .await;
        m.finish(result)
            .await
            .map(|z| ZonePayload { zone: Zone(z) })
    }

    async fn update_zone(
        &self,
        ctx: &Context<'_>,
        input: UpdateZoneInput,
    ) -> async_graphql::Result<ZonePayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateZone").await?;
        let m = m.aim("zone", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let update = UpdateZone {
                code: input.code,
                name: input.name,
                description: maybe(input.description),
            };
            zones::update(m.tx(), tenant, id, update).await
        }
        .await;
        m.finish(result)
            .await
            .map(|z| ZonePayload { zone: Zone(z) })
    }

    /// Deletes a zone; CONFLICT while assets are in it.
    async fn delete_zone(
        &self,
        ctx: &Context<'_>,
        input: ZoneIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let (m, tenant) = Mutation::begin(ctx, "deleteZone").await?;
        let m = m.aim("zone", &input.id);
        let result =
            async { zones::delete(m.tx(), tenant, parse_id("input.id", &input.id)?).await }.await;
        m.finish(result).await.map(DeletePayload::of)
    }
}
