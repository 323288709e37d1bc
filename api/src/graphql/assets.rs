//! Assets over GraphQL: the `Asset` interface and its two kinds, `Robot` and `Machine`.

use async_graphql::{
    Context, ID, InputObject, Interface, Json, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, Utc};

use crate::domain::assets::{
    self, AssetFields, Location as DomainLocation, MachineFields, RobotFields,
};
use crate::domain::page::PageRequest;
use crate::domain::status::HistoryFilter;
use crate::domain::telemetry;
use crate::error::AppError;
use crate::graphql::commands::{Command, CommandStatus};
use crate::graphql::common::{
    AssetKind, AssetStatus, Conn, OrderDirection, TotalCount, connection,
};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::jobs::{Job, JobStatus};
use crate::graphql::loader;
use crate::graphql::loaders::{
    ActiveSessionOfMachine, LatestOfAsset, MachineKey, RobotKey, SiteKey, ZoneKey,
};
use crate::graphql::maintenance::{
    self as maintenance_gql, MaintenanceTask, MaintenanceTaskFilter, MaintenanceTaskOrder,
};
use crate::graphql::mutation::Mutation;
use crate::graphql::places::{DeletePayload, Site, Zone};
use crate::graphql::status::{self as status_gql, Availability, StatusChange};
use crate::graphql::telemetry::{TelemetrySeries, TelemetryValue};
use entity::{assets as asset_rows, machines, robots};

/// Anything monitored: a robot or a machine.
// The interface lists fields with repeated `ty = "&str"`; clippy reads that as duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "kind", ty = "AssetKind"),
    field(name = "code", ty = "&str"),
    field(name = "name", ty = "&str"),
    field(name = "status", ty = "AssetStatus"),
    field(name = "vendor", ty = "&str"),
    field(name = "model", ty = "&str"),
    field(name = "serial_number", ty = "Option<&str>"),
    field(name = "last_seen_at", ty = "Option<DateTime<Utc>>"),
    field(name = "archived_at", ty = "Option<DateTime<Utc>>"),
    field(name = "created_at", ty = "DateTime<Utc>"),
    field(name = "updated_at", ty = "DateTime<Utc>"),
    field(name = "site", ty = "Option<Site>"),
    field(name = "zone", ty = "Option<Zone>"),
    field(
        name = "latest",
        ty = "Vec<TelemetryValue>",
        arg(name = "metrics", ty = "Option<Vec<String>>")
    ),
    field(
        name = "telemetry",
        ty = "TelemetrySeries",
        arg(name = "metric", ty = "String"),
        arg(name = "from", ty = "DateTime<Utc>"),
        arg(name = "to", ty = "DateTime<Utc>"),
        arg(name = "bucket", ty = "Option<i64>"),
        arg(name = "max_points", ty = "Option<i32>")
    ),
    field(
        name = "status_history",
        ty = "Conn<StatusChange>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "from", ty = "Option<DateTime<Utc>>"),
        arg(name = "to", ty = "Option<DateTime<Utc>>")
    ),
    field(
        name = "availability",
        ty = "Availability",
        arg(name = "from", ty = "DateTime<Utc>"),
        arg(name = "to", ty = "DateTime<Utc>")
    ),
    field(
        name = "maintenance_tasks",
        ty = "Conn<MaintenanceTask>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "filter", ty = "Option<MaintenanceTaskFilter>"),
        arg(name = "order_by", ty = "Option<MaintenanceTaskOrder>")
    ),
    field(
        name = "jobs",
        ty = "Conn<Job>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "status", ty = "Option<Vec<JobStatus>>")
    ),
    field(
        name = "commands",
        ty = "Conn<Command>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "status", ty = "Option<Vec<CommandStatus>>")
    )
)]
pub enum Asset {
    Robot(Robot),
    Machine(Machine),
}

impl From<asset_rows::Model> for Asset {
    fn from(row: asset_rows::Model) -> Self {
        match row.kind {
            entity::AssetKind::Robot => Asset::Robot(Robot(row)),
            entity::AssetKind::Machine => Asset::Machine(Machine(row)),
        }
    }
}

pub struct Robot(pub asset_rows::Model);
pub struct Machine(pub asset_rows::Model);

/// Where a robot is, in its site's coordinate frame (metres, degrees).
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "LocationInput")]
pub struct Location {
    pub x: f64,
    pub y: f64,
    pub z: Option<f64>,
    /// Heading in degrees, [0, 360).
    pub heading: Option<f64>,
}

/// The fields every kind of asset has; written once, expanded into each kind's object.
macro_rules! asset_object {
    ($ty:ident { $($extra:tt)* }) => {
        #[Object]
        impl $ty {
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }
            async fn kind(&self) -> AssetKind {
                self.0.kind.into()
            }
            /// Unique in the organization.
            async fn code(&self) -> &str {
                &self.0.code
            }
            async fn name(&self) -> &str {
                &self.0.name
            }
            async fn status(&self) -> AssetStatus {
                self.0.status.into()
            }
            async fn vendor(&self) -> &str {
                &self.0.vendor
            }
            async fn model(&self) -> &str {
                &self.0.model
            }
            async fn serial_number(&self) -> Option<&str> {
                self.0.serial_number.as_deref()
            }
            /// When the asset last reported.
            async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
                self.0.last_seen_at
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
            async fn site(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Site>> {
                Ok(loader(ctx)?.load_one(SiteKey(self.0.site_id)).await?.map(Site))
            }
            async fn zone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Zone>> {
                let Some(zone_id) = self.0.zone_id else { return Ok(None) };
                Ok(loader(ctx)?.load_one(ZoneKey(zone_id)).await?.map(Zone))
            }
            /// The newest value of each metric (or of the named ones), by metric.
            async fn latest(
                &self,
                ctx: &Context<'_>,
                metrics: Option<Vec<String>>,
            ) -> async_graphql::Result<Vec<TelemetryValue>> {
                let rows = loader(ctx)?.load_one(LatestOfAsset(self.0.id)).await?.unwrap_or_default();
                Ok(rows
                    .into_iter()
                    .filter(|r| metrics.as_ref().is_none_or(|m| m.contains(&r.metric)))
                    .map(TelemetryValue)
                    .collect())
            }
            /// One metric over `[from, to)`: raw points, or buckets of `bucket` seconds (served
            /// from per-minute rollups when `bucket` is a whole number of minutes).
            async fn telemetry(
                &self,
                ctx: &Context<'_>,
                metric: String,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                bucket: Option<i64>,
                max_points: Option<i32>,
            ) -> async_graphql::Result<TelemetrySeries> {
                let request = telemetry::SeriesRequest { asset_id: self.0.id, metric };
                let window = telemetry::Window { from, to, bucket_seconds: bucket, max_points };
                let series = telemetry::series(&services(ctx).db.conn, tenant(ctx)?, &request, &window).await?;
                Ok(TelemetrySeries(series))
            }
            /// Every status change, newest first, optionally within `[from, to)`.
            async fn status_history(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
                from: Option<DateTime<Utc>>,
                to: Option<DateTime<Utc>>,
            ) -> async_graphql::Result<Conn<StatusChange>> {
                let filter = HistoryFilter { asset_id: self.0.id, from, to };
                status_gql::history_connection(ctx, filter, first, after).await
            }
            /// Share of time in each status over `[from, to)` (at most 366 days): the
            /// availability factor of OEE.
            async fn availability(
                &self,
                ctx: &Context<'_>,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> async_graphql::Result<Availability> {
                status_gql::availability(ctx, self.0.id, from, to).await
            }
            /// The asset's maintenance tasks, soonest due first by default (a filter's
            /// `assetId` is ignored: it is this asset).
            async fn maintenance_tasks(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
                filter: Option<MaintenanceTaskFilter>,
                order_by: Option<MaintenanceTaskOrder>,
            ) -> async_graphql::Result<Conn<MaintenanceTask>> {
                maintenance_gql::asset_tasks(ctx, self.0.id, first, after, filter, order_by).await
            }
            /// This asset's jobs, newest first, optionally of some statuses.
            async fn jobs(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
                status: Option<Vec<JobStatus>>,
            ) -> async_graphql::Result<Conn<Job>> {
                crate::graphql::jobs::asset_jobs(ctx, self.0.id, first, after, status).await
            }
            /// Commands sent to this asset, newest first, optionally of some statuses.
            async fn commands(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
                status: Option<Vec<CommandStatus>>,
            ) -> async_graphql::Result<Conn<Command>> {
                crate::graphql::commands::asset_commands(ctx, self.0.id, first, after, status).await
            }
            $($extra)*
        }
    };
}

impl Robot {
    async fn detail(&self, ctx: &Context<'_>) -> async_graphql::Result<robots::Model> {
        let detail = loader(ctx)?.load_one(RobotKey(self.0.id)).await?;
        Ok(detail.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("robot {} has no detail row", self.0.id))
        })?)
    }
}

impl Machine {
    async fn detail(&self, ctx: &Context<'_>) -> async_graphql::Result<machines::Model> {
        let detail = loader(ctx)?.load_one(MachineKey(self.0.id)).await?;
        Ok(detail.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("machine {} has no detail row", self.0.id))
        })?)
    }
}

asset_object!(Robot {
    async fn firmware_version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.detail(ctx).await?.firmware_version)
    }
    async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Location>> {
        let d = self.detail(ctx).await?;
        Ok(match (d.location_x, d.location_y) {
            (Some(x), Some(y)) => Some(Location { x, y, z: d.location_z, heading: d.heading }),
            _ => None,
        })
    }
    /// Vendor-specific configuration (a JSON object).
    async fn configuration(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(self.detail(ctx).await?.configuration))
    }
});

asset_object!(Machine {
    /// Whether an operator needs a badge to start a session on this machine.
    async fn requires_badge(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.detail(ctx).await?.requires_badge)
    }
    /// Minutes of inactivity after which a machine session ends.
    async fn session_timeout_minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.detail(ctx).await?.session_timeout_minutes)
    }
    /// Minutes before the timeout at which the operator is warned.
    async fn warning_minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.detail(ctx).await?.warning_minutes)
    }
    /// The edge node (gateway) the machine is wired to.
    async fn edge_node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.detail(ctx).await?.edge_node)
    }
    async fn configuration(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(self.detail(ctx).await?.configuration))
    }
    /// Who runs the machine now, if anyone.
    async fn active_session(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::machine_sessions::MachineSession>> {
        let session = loader(ctx)?.load_one(ActiveSessionOfMachine(self.0.id)).await?;
        Ok(session.map(crate::graphql::machine_sessions::MachineSession))
    }
});

#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum AssetOrderField {
    #[default]
    Name,
    Code,
    Status,
    CreatedAt,
}

#[derive(InputObject, Default)]
pub struct AssetOrder {
    #[graphql(default)]
    pub field: AssetOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(InputObject, Default)]
pub struct AssetFilter {
    pub site_id: Option<ID>,
    pub zone_id: Option<ID>,
    /// Any of these statuses.
    pub status: Option<Vec<AssetStatus>>,
    pub kind: Option<AssetKind>,
    /// Exact vendor, case-insensitive.
    pub vendor: Option<String>,
    /// Case-insensitive substring of name, code or serial number.
    pub search: Option<String>,
    #[graphql(default = false)]
    pub include_archived: bool,
}

/// Lists assets of one kind (or any) as a connection, converting rows with `to_node`.
async fn list_assets<N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    kind: Option<entity::AssetKind>,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<AssetFilter>,
    order_by: Option<AssetOrder>,
    to_node: fn(asset_rows::Model) -> N,
) -> async_graphql::Result<Conn<N>> {
    let tenant = tenant(ctx)?;
    let db = services(ctx).db.clone();
    let f = filter.unwrap_or_default();
    let filter = assets::Filter {
        kind: kind.or(f.kind.map(Into::into)),
        site_id: parse_opt_id("filter.siteId", f.site_id.as_ref())?,
        zone_id: parse_opt_id("filter.zoneId", f.zone_id.as_ref())?,
        statuses: f.status.map(|s| s.into_iter().map(Into::into).collect()),
        vendor: f.vendor,
        search: f.search,
        include_archived: f.include_archived,
    };
    let order = order_by.unwrap_or_default();
    let field = match order.field {
        AssetOrderField::Name => assets::Order::Name,
        AssetOrderField::Code => assets::Order::Code,
        AssetOrderField::Status => assets::Order::Status,
        AssetOrderField::CreatedAt => assets::Order::CreatedAt,
    };
    let request = PageRequest {
        first,
        after,
        descending: order.direction == OrderDirection::Desc,
    };
    let page = assets::list(&db.conn, tenant, &filter, field, &request).await?;
    let t = tenant.clone();
    let total = TotalCount::new(async move { assets::count(&db.conn, &t, &filter).await });
    Ok(connection(page, total, to_node))
}

#[derive(Default)]
pub struct AssetsQuery;

#[Object]
impl AssetsQuery {
    /// Robots and machines.
    async fn assets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AssetFilter>,
        order_by: Option<AssetOrder>,
    ) -> async_graphql::Result<Conn<Asset>> {
        list_assets(ctx, None, first, after, filter, order_by, Asset::from).await
    }

    async fn robots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AssetFilter>,
        order_by: Option<AssetOrder>,
    ) -> async_graphql::Result<Conn<Robot>> {
        list_assets(
            ctx,
            Some(entity::AssetKind::Robot),
            first,
            after,
            filter,
            order_by,
            Robot,
        )
        .await
    }

    async fn machines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AssetFilter>,
        order_by: Option<AssetOrder>,
    ) -> async_graphql::Result<Conn<Machine>> {
        list_assets(
            ctx,
            Some(entity::AssetKind::Machine),
            first,
            after,
            filter,
            order_by,
            Machine,
        )
        .await
    }

    async fn asset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Asset> {
        let id = parse_id("id", &id)?;
        Ok(assets::get(&services(ctx).db.conn, tenant(ctx)?, id, None)
            .await?
            .into())
    }

    async fn asset_by_code(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Asset> {
        Ok(assets::by_code(&services(ctx).db.conn, tenant(ctx)?, &code)
            .await?
            .into())
    }

    async fn robot(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Robot> {
        let id = parse_id("id", &id)?;
        Ok(Robot(
            assets::get(
                &services(ctx).db.conn,
                tenant(ctx)?,
                id,
                Some(entity::AssetKind::Robot),
            )
            .await?,
        ))
    }

    async fn machine(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Machine> {
        let id = parse_id("id", &id)?;
        Ok(Machine(
            assets::get(
                &services(ctx).db.conn,
                tenant(ctx)?,
                id,
                Some(entity::AssetKind::Machine),
            )
            .await?,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateRobotInput {
    pub site_id: ID,
    pub zone_id: Option<ID>,
    pub code: String,
    pub name: String,
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub status: Option<AssetStatus>,
    pub firmware_version: Option<String>,
    pub location: Option<Location>,
    pub configuration: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct UpdateRobotInput {
    pub id: ID,
    pub site_id: Option<ID>,
    pub zone_id: MaybeUndefined<ID>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial_number: MaybeUndefined<String>,
    pub status: Option<AssetStatus>,
    pub firmware_version: MaybeUndefined<String>,
    pub location: MaybeUndefined<Location>,
    pub configuration: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct CreateMachineInput {
    pub site_id: ID,
    pub zone_id: Option<ID>,
    pub code: String,
    pub name: String,
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub status: Option<AssetStatus>,
    pub requires_badge: Option<bool>,
    pub session_timeout_minutes: Option<i32>,
    pub warning_minutes: Option<i32>,
    pub edge_node: Option<String>,
    pub configuration: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct UpdateMachineInput {
    pub id: ID,
    pub site_id: Option<ID>,
    pub zone_id: MaybeUndefined<ID>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial_number: MaybeUndefined<String>,
    pub status: Option<AssetStatus>,
    pub requires_badge: Option<bool>,
    pub session_timeout_minutes: Option<i32>,
    pub warning_minutes: Option<i32>,
    pub edge_node: MaybeUndefined<String>,
    pub configuration: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct AssetIdInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct RobotPayload {
    pub robot: Robot,
}

#[derive(SimpleObject)]
pub struct MachinePayload {
    pub machine: Machine,
}

#[derive(SimpleObject)]
pub struct AssetPayload {
    pub asset: Asset,
}

fn maybe_id(
    field: &str,
    value: MaybeUndefined<ID>,
) -> crate::error::Result<Option<Option<uuid::Uuid>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(id) => Ok(Some(Some(parse_id(field, &id)?))),
    }
}

fn to_location(l: Location) -> DomainLocation {
    DomainLocation {
        x: l.x,
        y: l.y,
        z: l.z,
        heading: l.heading,
    }
}

#[derive(Default)]
pub struct AssetsMutation;

#[Object]
impl AssetsMutation {
    async fn create_robot(
        &self,
        ctx: &Context<'_>,
        input: CreateRobotInput,
    ) -> async_graphql::Result<RobotPayload> {
        let (m, tenant) = Mutation::begin(ctx, "createRobot").await?;
        let result = async {
            let fields = AssetFields {
                site_id: Some(parse_id("input.siteId", &input.site_id)?),
                zone_id: Some(parse_opt_id("input.zoneId", input.zone_id.as_ref())?),
                code: Some(input.code),
                name: Some(input.name),
                vendor: Some(input.vendor),
                model: Some(input.model),
                serial_number: Some(input.serial_number),
                status: input.status.map(Into::into),
            };
            let robot = RobotFields {
                firmware_version: Some(input.firmware_version),
                location: Some(input.location.map(to_location)),
                configuration: input.configuration.map(|j| j.0),
            };
            assets::create_robot(m.tx(), tenant, fields, robot).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| RobotPayload { robot: Robot(a) })
    }

    async fn update_robot(
        &self,
        ctx: &Context<'_>,
        input: UpdateRobotInput,
    ) -> async_graphql::Result<RobotPayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateRobot").await?;
        let m = m.aim("robot", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let fields = AssetFields {
                site_id: parse_opt_id("input.siteId", input.site_id.as_ref())?,
                zone_id: maybe_id("input.zoneId", input.zone_id)?,
                code: input.code,
                name: input.name,
                vendor: input.vendor,
                model: input.model,
                serial_number: input.serial_number.into(),
                status: input.status.map(Into::into),
            };
            let location: Option<Option<Location>> = input.location.into();
            let robot = RobotFields {
                firmware_version: input.firmware_version.into(),
                location: location.map(|l| l.map(to_location)),
                configuration: input.configuration.map(|j| j.0),
            };
            assets::update_robot(m.tx(), tenant, id, fields, robot).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| RobotPayload { robot: Robot(a) })
    }

    async fn create_machine(
        &self,
        ctx: &Context<'_>,
        input: CreateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (m, tenant) = Mutation::begin(ctx, "createMachine").await?;
        let result = async {
            let fields = AssetFields {
                site_id: Some(parse_id("input.siteId", &input.site_id)?),
                zone_id: Some(parse_opt_id("input.zoneId", input.zone_id.as_ref())?),
                code: Some(input.code),
                name: Some(input.name),
                vendor: Some(input.vendor),
                model: Some(input.model),
                serial_number: Some(input.serial_number),
                status: input.status.map(Into::into),
            };
            let machine = MachineFields {
                requires_badge: input.requires_badge,
                session_timeout_minutes: input.session_timeout_minutes,
                warning_minutes: input.warning_minutes,
                edge_node: Some(input.edge_node),
                configuration: input.configuration.map(|j| j.0),
            };
            assets::create_machine(m.tx(), tenant, fields, machine).await
        }
        .await;
        m.finish(result).await.map(|a| MachinePayload {
            machine: Machine(a),
        })
    }

    async fn update_machine(
        &self,
        ctx: &Context<'_>,
        input: UpdateMachineInput,
    ) -> async_graphql::Result<MachinePayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateMachine").await?;
        let m = m.aim("machine", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let fields = AssetFields {
                site_id: parse_opt_id("input.siteId", input.site_id.as_ref())?,
                zone_id: maybe_id("input.zoneId", input.zone_id)?,
                code: input.code,
                name: input.name,
                vendor: input.vendor,
                model: input.model,
                serial_number: input.serial_number.into(),
                status: input.status.map(Into::into),
            };
            let machine = MachineFields {
                requires_badge: input.requires_badge,
                session_timeout_minutes: input.session_timeout_minutes,
                warning_minutes: input.warning_minutes,
                edge_node: input.edge_node.into(),
                configuration: input.configuration.map(|j| j.0),
            };
            assets::update_machine(m.tx(), tenant, id, fields, machine).await
        }
        .await;
        m.finish(result).await.map(|a| MachinePayload {
            machine: Machine(a),
        })
    }

    /// Hides an asset from lists and counts; its history stays.
    async fn archive_asset(
        &self,
        ctx: &Context<'_>,
        input: AssetIdInput,
    ) -> async_graphql::Result<AssetPayload> {
        let (m, tenant) = Mutation::begin(ctx, "archiveAsset").await?;
        let m = m.aim("asset", &input.id);
        let result = async {
            assets::set_archived(m.tx(), tenant, parse_id("input.id", &input.id)?, true).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| AssetPayload { asset: a.into() })
    }

    async fn restore_asset(
        &self,
        ctx: &Context<'_>,
        input: AssetIdInput,
    ) -> async_graphql::Result<AssetPayload> {
        let (m, tenant) = Mutation::begin(ctx, "restoreAsset").await?;
        let m = m.aim("asset", &input.id);
        let result = async {
            assets::set_archived(m.tx(), tenant, parse_id("input.id", &input.id)?, false).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| AssetPayload { asset: a.into() })
    }

    /// Deletes an asset; CONFLICT when history refers to it (archive it instead).
    async fn delete_asset(
        &self,
        ctx: &Context<'_>,
        input: AssetIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let (m, tenant) = Mutation::begin(ctx, "deleteAsset").await?;
        let m = m.aim("asset", &input.id);
        let result =
            async { assets::delete(m.tx(), tenant, parse_id("input.id", &input.id)?).await }.await;
        m.finish(result).await.map(DeletePayload::of)
    }
}
