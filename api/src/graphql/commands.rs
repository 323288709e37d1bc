//! Device commands over GraphQL: sending, the device's side (polling, acknowledging, reporting)
//! and the `commandsForAsset` subscription.
//!
//! Polling is split in two on purpose: `pendingCommands` is a query and never writes (queries
//! may be sent over GET, retried and cached), while `fetchPendingCommands` is the mutation a
//! device polls with: it returns the same commands and marks the pending ones `SENT`, which is
//! how the sender sees that the device has them.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Permission;
use crate::domain::commands::{self, NewCommand, Report};
use crate::domain::page::PageRequest;
use crate::error::AppError;
use crate::events::{Event, Topic, TopicKind};
use crate::graphql::assets::Asset;
use crate::graphql::common::{Conn, OrderDirection, Priority, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AssetKey, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::subscriptions::events;
use entity::commands as command_rows;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::CommandStatus")]
pub enum CommandStatus {
    Pending,
    Sent,
    Acknowledged,
    Completed,
    Failed,
    Expired,
}

pub struct Command(pub command_rows::Model);

#[Object]
impl Command {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Asset> {
        tenant(ctx)?.require(Permission::AssetsRead)?;
        let asset = loader(ctx)?.load_one(AssetKey(self.0.asset_id)).await?;
        Ok(asset.map(Asset::from).ok_or(AppError::NotFound("asset"))?)
    }
    /// What to do: a key such as `stop`, `home`, `reboot`, `update_config`.
    async fn command(&self) -> &str {
        &self.0.command
    }
    /// Arguments for the device (a JSON object).
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    async fn status(&self) -> CommandStatus {
        self.0.status.into()
    }
    /// Not delivered before this time.
    async fn not_before(&self) -> Option<DateTime<Utc>> {
        self.0.not_before
    }
    /// When it became deliverable; null while scheduled.
    async fn released_at(&self) -> Option<DateTime<Utc>> {
        self.0.released_at
    }
    /// Expires unless acknowledged by then.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// When it completed or failed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn result(&self) -> Option<Json<serde_json::Value>> {
        self.0.result.clone().map(Json)
    }
    /// Why it failed or expired.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The member who sent it; null when an API key did.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.created_by_user_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    /// The API key that sent it; null when a member did.
    async fn created_by_api_key_id(&self) -> Option<ID> {
        self.0.created_by_api_key_id.map(|id| ID(id.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject, Default)]
pub struct CommandFilter {
    /// Any of these statuses.
    pub status: Option<Vec<CommandStatus>>,
    pub asset_id: Option<ID>,
    /// Commands to the site's assets.
    pub site_id: Option<ID>,
    /// This command key.
    pub command: Option<String>,
    /// Sent at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Sent before.
    pub created_to: Option<DateTime<Utc>>,
}

impl CommandFilter {
    fn into_domain(self) -> crate::error::Result<commands::Filter> {
        Ok(commands::Filter {
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            asset_id: parse_opt_id("filter.assetId", self.asset_id.as_ref())?,
            site_id: parse_opt_id("filter.siteId", self.site_id.as_ref())?,
            command: self.command,
            created_from: self.created_from,
            created_to: self.created_to,
        })
    }
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum CommandOrderField {
    #[default]
    CreatedAt,
}

#[derive(InputObject)]
pub struct CommandOrder {
    #[graphql(default)]
    pub field: CommandOrderField,
    /// Newest first unless told otherwise.
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

async fn command_connection(
    ctx: &Context<'_>,
    filter: commands::Filter,
    descending: bool,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Conn<Command>> {
    let tenant = tenant(ctx)?;
    let db = services(ctx).db.clone();
    let request = PageRequest {
        first,
        after,
        descending,
    };
    let page = commands::list(&db.conn, tenant, &filter, &request).await?;
    let t = tenant.clone();
    let total = TotalCount::new(async move { commands::count(&db.conn, &t, &filter).await });
    Ok(connection(page, total, Command))
}

/// `asset.commands`: one asset's commands, newest first.
pub async fn asset_commands(
    ctx: &Context<'_>,
    asset_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
    status: Option<Vec<CommandStatus>>,
) -> async_graphql::Result<Conn<Command>> {
    let filter = commands::Filter {
        asset_id: Some(asset_id),
        statuses: status.map(|s| s.into_iter().map(Into::into).collect()),
        ..commands::Filter::default()
    };
    command_connection(ctx, filter, true, first, after).await
}

#[derive(Default)]
pub struct CommandsQuery;

#[Object]
impl CommandsQuery {
    /// The organization's commands, newest first by default.
    async fn commands(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CommandFilter>,
        order_by: Option<CommandOrder>,
    ) -> async_graphql::Result<Conn<Command>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let descending = order_by.is_none_or(|o| o.direction == OrderDirection::Desc);
        command_connection(ctx, filter, descending, first, after).await
    }

    async fn command(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Command> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Command(
            commands::get(&services(ctx).db.conn, tenant, id).await?,
        ))
    }

    /// The asset's deliverable commands (pending or sent, due, not expired), most urgent
    /// first, without marking anything: devices poll with `fetchPendingCommands`.
    async fn pending_commands(
        &self,
        ctx: &Context<'_>,
        asset_id: ID,
        #[graphql(desc = "1..=100 (default 20).")] limit: Option<i32>,
    ) -> async_graphql::Result<Vec<Command>> {
        let tenant = tenant(ctx)?;
        let asset_id = parse_id("assetId", &asset_id)?;
        let rows = commands::pending(&services(ctx).db.conn, tenant, asset_id, limit).await?;
        Ok(rows.into_iter().map(Command).collect())
    }
}

#[derive(InputObject)]
pub struct SendCommandInput {
    pub asset_id: ID,
    /// 1-64 lower-case letters, digits or `_`, starting with a letter: `stop`, `home`, ...
    pub command: String,
    /// A JSON object for the device (at most 64 KiB); `{}` when omitted.
    pub payload: Option<Json<serde_json::Value>>,
    #[graphql(default)]
    pub priority: Priority,
    /// Not delivered before this time (at most 30 days ahead).
    pub not_before: Option<DateTime<Utc>>,
    /// Seconds the device has to acknowledge once the command is deliverable: 1..=86400,
    /// default 300.
    pub ttl_seconds: Option<i64>,
}

#[derive(InputObject)]
pub struct FetchPendingCommandsInput {
    pub asset_id: ID,
    /// 1..=100 (default 20).
    pub limit: Option<i32>,
}

#[derive(InputObject)]
pub struct CommandIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct CompleteCommandInput {
    pub id: ID,
    /// Any JSON (at most 64 KiB).
    pub result: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct FailCommandInput {
    pub id: ID,
    pub error: String,
}

#[derive(SimpleObject)]
pub struct CommandPayload {
    pub command: Command,
}

#[derive(SimpleObject)]
pub struct FetchPendingCommandsPayload {
    /// Most urgent first; pending ones are now `SENT`.
    pub commands: Vec<Command>,
}

async fn report(
    ctx: &Context<'_>,
    action: &'static str,
    id: &ID,
    report: Report,
) -> async_graphql::Result<CommandPayload> {
    let (m, tenant) = Mutation::begin(ctx, action).await?;
    let m = m.aim("command", id);
    let result =
        async { commands::report(m.tx(), tenant, parse_id("input.id", id)?, report).await }.await;
    m.finish(result).await.map(|c| CommandPayload {
        command: Command(c),
    })
}

#[derive(Default)]
pub struct CommandsMutation;

#[Object]
impl CommandsMutation {
    /// A command to one asset, `PENDING` (engineer and up, or a `commands:write` key).
    async fn send_command(
        &self,
        ctx: &Context<'_>,
        input: SendCommandInput,
    ) -> async_graphql::Result<CommandPayload> {
        let (m, tenant) = Mutation::begin(ctx, "sendCommand").await?;
        let result = async {
            let command = NewCommand {
                asset_id: parse_id("input.assetId", &input.asset_id)?,
                command: input.command,
                payload: input.payload.map(|j| j.0),
                priority: input.priority.into(),
                not_before: input.not_before,
                ttl_seconds: input.ttl_seconds,
            };
            commands::send(m.tx(), tenant, command).await
        }
        .await;
        m.finish(result).await.map(|c| CommandPayload {
            command: Command(c),
        })
    }

    /// The device's poll: its deliverable commands, most urgent first; pending ones become
    /// `SENT` (a `commands:execute` key).
    async fn fetch_pending_commands(
        &self,
        ctx: &Context<'_>,
        input: FetchPendingCommandsInput,
    ) -> async_graphql::Result<FetchPendingCommandsPayload> {
        let (m, tenant) = Mutation::begin(ctx, "fetchPendingCommands").await?;
        let m = m.aim("asset", &input.asset_id);
        let result = async {
            let asset_id = parse_id("input.assetId", &input.asset_id)?;
            commands::fetch(m.tx(), tenant, asset_id, input.limit).await
        }
        .await;
        m.finish(result)
            .await
            .map(|rows| FetchPendingCommandsPayload {
                commands: rows.into_iter().map(Command).collect(),
            })
    }

    /// PENDING or SENT -> ACKNOWLEDGED, before `expiresAt` (a `commands:execute` key).
    async fn acknowledge_command(
        &self,
        ctx: &Context<'_>,
        input: CommandIdInput,
    ) -> async_graphql::Result<CommandPayload> {
        report(ctx, "acknowledgeCommand", &input.id, Report::Acknowledge).await
    }

    /// ACKNOWLEDGED -> COMPLETED (a `commands:execute` key).
    async fn complete_command(
        &self,
        ctx: &Context<'_>,
        input: CompleteCommandInput,
    ) -> async_graphql::Result<CommandPayload> {
        let result = input.result.map(|j| j.0);
        report(ctx, "completeCommand", &input.id, Report::Complete(result)).await
    }

    /// ACKNOWLEDGED -> FAILED (a `commands:execute` key).
    async fn fail_command(
        &self,
        ctx: &Context<'_>,
        input: FailCommandInput,
    ) -> async_graphql::Result<CommandPayload> {
        report(ctx, "failCommand", &input.id, Report::Fail(input.error)).await
    }
}

/// What happened to a command.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandChangeKind {
    /// Sent and deliverable at once.
    Created,
    /// Sent with a future `notBefore`: not deliverable yet.
    Scheduled,
    /// A scheduled command became deliverable.
    Due,
    Sent,
    Acknowledged,
    Completed,
    Failed,
    Expired,
}

/// One change of a command, with the command as it was right after it.
#[derive(SimpleObject)]
pub struct CommandUpdate {
    pub kind: CommandChangeKind,
    pub command: Command,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommandEventPayload {
    kind: CommandChangeKind,
    site_id: Uuid,
    asset_id: Uuid,
    command: command_rows::Model,
}

#[derive(Default)]
pub struct CommandsSubscription;

#[Subscription]
impl CommandsSubscription {
    /// One asset's commands as they change: a device listens here for `CREATED` and `DUE`
    /// (deliverable now) and acknowledges them; the other kinds follow the lifecycle. Needs
    /// `commands:execute` or `commands:read`.
    async fn commands_for_asset(
        &self,
        ctx: &Context<'_>,
        asset_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CommandUpdate>> + use<>>
    {
        let tenant = tenant(ctx)?.clone();
        if !tenant.can(Permission::CommandsExecute) {
            tenant.require(Permission::CommandsRead)?;
        }
        let asset = parse_id("assetId", &asset_id)?;
        // Another organization's asset, or one outside the caller's sites, is NOT_FOUND.
        let refs = crate::domain::visibility::Refs::new()
            .with(crate::domain::visibility::Kind::Asset, Some(asset));
        crate::graphql::context::ensure_visible(ctx, refs).await?;
        let rx = services(ctx)
            .events
            .subscribe(Topic::new(tenant.organization_id, TopicKind::Commands));
        Ok(events(rx, move |event: &Event| {
            let p: CommandEventPayload = serde_json::from_value(event.payload.clone()).ok()?;
            if p.asset_id != asset || !tenant.sees_site(p.site_id) {
                return None;
            }
            Some(CommandUpdate {
                kind: p.kind,
                command: Command(p.command),
            })
        }))
    }
}
