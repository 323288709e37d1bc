//! Alerts and alert rules over GraphQL: the alert list, counts, the resync log, rule
//! management, manual alerts and the acknowledge/resolve lifecycle.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::domain::alerts::{self, ManualAlert, RuleFields, RuleFilter};
use crate::domain::page::PageRequest;
use crate::graphql::assets::Asset;
use crate::graphql::common::{Conn, OrderDirection, TotalCount, connection};
use crate::graphql::context::{parse_id, parse_opt_id, services, tenant};
use crate::graphql::identity::User;
use crate::graphql::loader;
use crate::graphql::loaders::{AlertRuleKey, AssetKey, UserKey};
use crate::graphql::mutation::Mutation;
use crate::graphql::places::DeletePayload;
use entity::{alert_rules, alerts as alert_rows};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AlertDirection")]
pub enum AlertDirection {
    /// Breached at or above the thresholds.
    Above,
    /// Breached at or below the thresholds.
    Below,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AlertKind")]
pub enum AlertKind {
    /// Raised by an alert rule.
    Threshold,
    /// The asset stopped reporting.
    Offline,
    /// Raised by a person or an integration.
    Manual,
    /// An emergency stop was triggered.
    Estop,
    /// A maintenance task is overdue.
    Maintenance,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Severity")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AlertStatus")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Resolved,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AlertEventKind")]
pub enum AlertEventKind {
    Raised,
    Updated,
    Acknowledged,
    Resolved,
}

pub struct Alert(pub alert_rows::Model);

#[Object]
impl Alert {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> AlertKind {
        self.0.kind.into()
    }
    /// Escalates while the alert is unresolved, never de-escalates.
    async fn severity(&self) -> Severity {
        self.0.severity.into()
    }
    async fn status(&self) -> AlertStatus {
        self.0.status.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// What raised it: `rule` (threshold alerts), `manual`, ...
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn metric(&self) -> Option<&str> {
        self.0.metric.as_deref()
    }
    /// The last breaching value.
    async fn value(&self) -> Option<f64> {
        self.0.value
    }
    /// The threshold of the current severity.
    async fn threshold(&self) -> Option<f64> {
        self.0.threshold
    }
    /// How many breaching readings it has seen.
    async fn occurrences(&self) -> i32 {
        self.0.occurrences
    }
    /// When the condition started (measurement time).
    async fn first_seen_at(&self) -> DateTime<Utc> {
        self.0.first_seen_at
    }
    /// The newest breaching reading (measurement time).
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.0.last_seen_at
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.acknowledged_by else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn acknowledge_comment(&self) -> Option<&str> {
        self.0.acknowledge_comment.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// Who resolved it; null when it cleared by itself or an API key resolved it.
    async fn resolved_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.resolved_by else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(User))
    }
    async fn resolve_comment(&self) -> Option<&str> {
        self.0.resolve_comment.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The asset it is about; null for an organization-wide alert.
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        let Some(id) = self.0.asset_id else {
            return Ok(None);
        };
        tenant(ctx)?.require(Permission::AssetsRead)?;
        Ok(loader(ctx)?.load_one(AssetKey(id)).await?.map(Asset::from))
    }
    /// The rule that raised it (null for other kinds, or once the rule is deleted).
    async fn rule(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AlertRule>> {
        let Some(id) = self.0.rule_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(AlertRuleKey(id))
            .await?
            .map(AlertRule))
    }
}

pub struct AlertRule(pub alert_rules::Model);

#[Object]
impl AlertRule {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    async fn direction(&self) -> AlertDirection {
        self.0.direction.into()
    }
    async fn warning_threshold(&self) -> Option<f64> {
        self.0.warning_threshold
    }
    async fn critical_threshold(&self) -> Option<f64> {
        self.0.critical_threshold
    }
    /// How far back past the lowest (ABOVE) or highest (BELOW) threshold a value must return
    /// before the alert resolves by itself.
    async fn clear_hysteresis(&self) -> f64 {
        self.0.clear_hysteresis
    }
    /// How long a breach must last before an alert is raised; 0 raises at once.
    async fn for_seconds(&self) -> i32 {
        self.0.for_seconds
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Whether it applies to every asset (no `asset`) of the organization.
    async fn organization_wide(&self) -> bool {
        self.0.asset_id.is_none()
    }
    /// The one asset it applies to; it then replaces the organization-wide rules of its metric
    /// for that asset.
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        let Some(id) = self.0.asset_id else {
            return Ok(None);
        };
        tenant(ctx)?.require(Permission::AssetsRead)?;
        Ok(loader(ctx)?.load_one(AssetKey(id)).await?.map(Asset::from))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Alerts by severity.
#[derive(SimpleObject, Default)]
pub struct AlertCounts {
    pub info: i64,
    pub warning: i64,
    pub error: i64,
    pub critical: i64,
    pub total: i64,
}

/// One change of an alert, with the alert as it was right after the change.
pub struct AlertEvent(pub alerts::AlertEventRecord);

#[Object]
impl AlertEvent {
    /// The cursor of this event (pass it as `after` to resume).
    async fn seq(&self) -> String {
        self.0.seq.to_string()
    }
    async fn kind(&self) -> AlertEventKind {
        self.0.kind.into()
    }
    async fn alert(&self) -> Alert {
        Alert(self.0.alert.clone())
    }
}

#[derive(SimpleObject)]
pub struct AlertEventPage {
    /// In the order they happened.
    pub events: Vec<AlertEvent>,
    /// Where to resume: the last event's cursor, or `after` when there were none.
    pub end_cursor: Option<String>,
    /// Whether more events follow `endCursor` already.
    pub has_more: bool,
}

#[derive(InputObject, Default)]
pub struct AlertFilter {
    /// Any of these statuses.
    pub status: Option<Vec<AlertStatus>>,
    /// Any of these severities.
    pub severity: Option<Vec<Severity>>,
    /// This severity or a higher one.
    pub min_severity: Option<Severity>,
    pub asset_id: Option<ID>,
    /// Alerts of the site's assets.
    pub site_id: Option<ID>,
    pub kind: Option<AlertKind>,
    /// Raised at or after.
    pub from: Option<DateTime<Utc>>,
    /// Raised before.
    pub to: Option<DateTime<Utc>>,
}

impl AlertFilter {
    fn into_domain(self) -> crate::error::Result<alerts::Filter> {
        Ok(alerts::Filter {
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            severities: self
                .severity
                .map(|s| s.into_iter().map(Into::into).collect()),
            min_severity: self.min_severity.map(Into::into),
            asset_id: parse_opt_id("filter.assetId", self.asset_id.as_ref())?,
            site_id: parse_opt_id("filter.siteId", self.site_id.as_ref())?,
            kind: self.kind.map(Into::into),
            from: self.from,
            to: self.to,
        })
    }
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum AlertOrderField {
    /// Raise time.
    #[default]
    CreatedAt,
}

#[derive(InputObject)]
pub struct AlertOrder {
    #[graphql(default)]
    pub field: AlertOrderField,
    /// Newest first unless told otherwise.
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

#[derive(InputObject, Default)]
pub struct AlertRuleFilter {
    pub metric: Option<String>,
    /// Only the rules of this asset.
    pub asset_id: Option<ID>,
    pub enabled: Option<bool>,
}

#[derive(Default)]
pub struct AlertsQuery;

#[Object]
impl AlertsQuery {
    /// The organization's alerts, newest first by default.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AlertFilter>,
        order_by: Option<AlertOrder>,
    ) -> async_graphql::Result<Conn<Alert>> {
        let tenant = tenant(ctx)?;
        let db = services(ctx).db.clone();
        let filter = filter.unwrap_or_default().into_domain()?;
        let descending = order_by.is_none_or(|o| o.direction == OrderDirection::Desc);
        let request = PageRequest {
            first,
            after,
            descending,
        };
        let page = alerts::list(&db.conn, tenant, &filter, &request).await?;
        let t = tenant.clone();
        let total = TotalCount::new(async move { alerts::count(&db.conn, &t, &filter).await });
        Ok(connection(page, total, Alert))
    }

    async fn alert(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Alert> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Alert(
            alerts::get(&services(ctx).db.conn, tenant, id).await?,
        ))
    }

    /// Alerts matching the filter, by severity; only unresolved (open or acknowledged) ones
    /// unless the filter names statuses.
    async fn alert_counts(
        &self,
        ctx: &Context<'_>,
        filter: Option<AlertFilter>,
    ) -> async_graphql::Result<AlertCounts> {
        let tenant = tenant(ctx)?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let rows = alerts::counts(&services(ctx).db.conn, tenant, &filter).await?;
        let mut counts = AlertCounts::default();
        for (severity, n) in rows {
            match severity {
                entity::Severity::Info => counts.info += n,
                entity::Severity::Warning => counts.warning += n,
                entity::Severity::Error => counts.error += n,
                entity::Severity::Critical => counts.critical += n,
            }
            counts.total += n;
        }
        Ok(counts)
    }

    /// Every alert change after the cursor `after` (from the beginning without it), in order:
    /// what a client missed while disconnected from the `alerts` subscription. The cursor
    /// (`seq`) counts this organization's events only: 1, 2, 3 ... Events carry the alert as it
    /// was then; de-duplicate by alert id and keep the newest.
    async fn alert_events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        #[graphql(desc = "At most 500 (default 100).")] first: Option<i32>,
        #[graphql(desc = "Only events of these kinds (all kinds when omitted).")] kinds: Option<
            Vec<AlertEventKind>,
        >,
    ) -> async_graphql::Result<AlertEventPage> {
        let tenant = tenant(ctx)?;
        let after = after
            .as_deref()
            .map(|a| alerts::parse_event_cursor("after", a))
            .transpose()?;
        let kinds: Option<Vec<entity::AlertEventKind>> =
            kinds.map(|k| k.into_iter().map(Into::into).collect());
        let page = alerts::events_after(
            &services(ctx).db.conn,
            tenant,
            after,
            first,
            kinds.as_deref(),
        )
        .await?;
        Ok(AlertEventPage {
            end_cursor: page.end_cursor.map(|s| s.to_string()),
            has_more: page.has_more,
            events: page.events.into_iter().map(AlertEvent).collect(),
        })
    }

    /// The alert rules, by metric and name.
    async fn alert_rules(
        &self,
        ctx: &Context<'_>,
        filter: Option<AlertRuleFilter>,
    ) -> async_graphql::Result<Vec<AlertRule>> {
        let tenant = tenant(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = RuleFilter {
            metric: f.metric,
            asset_id: parse_opt_id("filter.assetId", f.asset_id.as_ref())?,
            enabled: f.enabled,
        };
        let rules = alerts::list_rules(&services(ctx).db.conn, tenant, &filter).await?;
        Ok(rules.into_iter().map(AlertRule).collect())
    }

    async fn alert_rule(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AlertRule> {
        let tenant = tenant(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(AlertRule(
            alerts::get_rule(&services(ctx).db.conn, tenant, id).await?,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateAlertRuleInput {
    pub name: String,
    /// Metric key, e.g. `cpu`.
    pub metric: String,
    /// The asset the rule is for; organization-wide when omitted.
    pub asset_id: Option<ID>,
    pub direction: AlertDirection,
    /// ABOVE: below the critical threshold; BELOW: above it. At least one threshold is needed.
    pub warning_threshold: Option<f64>,
    pub critical_threshold: Option<f64>,
    #[graphql(default = 0.0)]
    pub clear_hysteresis: f64,
    /// 0..=86400.
    #[graphql(default = 0)]
    pub for_seconds: i32,
    #[graphql(default = true)]
    pub enabled: bool,
}

/// Metric and asset are fixed at creation; create another rule to change them.
#[derive(InputObject)]
pub struct UpdateAlertRuleInput {
    pub id: ID,
    pub name: Option<String>,
    pub direction: Option<AlertDirection>,
    pub warning_threshold: MaybeUndefined<f64>,
    pub critical_threshold: MaybeUndefined<f64>,
    pub clear_hysteresis: Option<f64>,
    pub for_seconds: Option<i32>,
    /// Disabling resolves the rule's unresolved alerts.
    pub enabled: Option<bool>,
}

#[derive(InputObject)]
pub struct AlertRuleIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct RaiseAlertInput {
    /// The asset it is about; organization-wide when omitted.
    pub asset_id: Option<ID>,
    pub severity: Severity,
    pub title: String,
    pub message: Option<String>,
}

#[derive(InputObject)]
pub struct AlertTransitionInput {
    pub id: ID,
    pub comment: Option<String>,
}

#[derive(SimpleObject)]
pub struct AlertRulePayload {
    pub alert_rule: AlertRule,
}

#[derive(SimpleObject)]
pub struct AlertPayload {
    pub alert: Alert,
}

#[derive(Default)]
pub struct AlertsMutation;

#[Object]
impl AlertsMutation {
    /// A rule for one metric, organization-wide or for one asset (engineer and up).
    async fn create_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateAlertRuleInput,
    ) -> async_graphql::Result<AlertRulePayload> {
        let (m, tenant) = Mutation::begin(ctx, "createAlertRule").await?;
        let result = async {
            let fields = RuleFields {
                name: Some(input.name),
                metric: Some(input.metric),
                asset_id: parse_opt_id("input.assetId", input.asset_id.as_ref())?,
                direction: Some(input.direction.into()),
                warning_threshold: Some(input.warning_threshold),
                critical_threshold: Some(input.critical_threshold),
                clear_hysteresis: Some(input.clear_hysteresis),
                for_seconds: Some(input.for_seconds),
                enabled: Some(input.enabled),
            };
            alerts::create_rule(m.tx(), tenant, fields).await
        }
        .await;
        m.finish(result).await.map(|r| AlertRulePayload {
            alert_rule: AlertRule(r),
        })
    }

    async fn update_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: UpdateAlertRuleInput,
    ) -> async_graphql::Result<AlertRulePayload> {
        let (m, tenant) = Mutation::begin(ctx, "updateAlertRule").await?;
        let m = m.aim("alert_rule", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            let fields = RuleFields {
                name: input.name,
                direction: input.direction.map(Into::into),
                warning_threshold: input.warning_threshold.into(),
                critical_threshold: input.critical_threshold.into(),
                clear_hysteresis: input.clear_hysteresis,
                for_seconds: input.for_seconds,
                enabled: input.enabled,
                ..RuleFields::default()
            };
            alerts::update_rule(m.tx(), tenant, id, fields).await
        }
        .await;
        m.finish(result).await.map(|r| AlertRulePayload {
            alert_rule: AlertRule(r),
        })
    }

    /// Deletes a rule and resolves its unresolved alerts (they keep their history).
    async fn delete_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: AlertRuleIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let (m, tenant) = Mutation::begin(ctx, "deleteAlertRule").await?;
        let m = m.aim("alert_rule", &input.id);
        let result =
            async { alerts::delete_rule(m.tx(), tenant, parse_id("input.id", &input.id)?).await }
                .await;
        m.finish(result).await.map(DeletePayload::of)
    }

    /// An alert raised by hand (operator and up).
    async fn raise_alert(
        &self,
        ctx: &Context<'_>,
        input: RaiseAlertInput,
    ) -> async_graphql::Result<AlertPayload> {
        let (m, tenant) = Mutation::begin(ctx, "raiseAlert").await?;
        let result = async {
            let alert = ManualAlert {
                asset_id: parse_opt_id("input.assetId", input.asset_id.as_ref())?,
                severity: input.severity.into(),
                title: input.title,
                message: input.message,
            };
            alerts::raise(m.tx(), tenant, alert).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| AlertPayload { alert: Alert(a) })
    }

    /// Open -> acknowledged: someone is on it (operator and up).
    async fn acknowledge_alert(
        &self,
        ctx: &Context<'_>,
        input: AlertTransitionInput,
    ) -> async_graphql::Result<AlertPayload> {
        let (m, tenant) = Mutation::begin(ctx, "acknowledgeAlert").await?;
        let m = m.aim("alert", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            alerts::acknowledge(m.tx(), tenant, id, input.comment).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| AlertPayload { alert: Alert(a) })
    }

    /// Open or acknowledged -> resolved (operator and up).
    async fn resolve_alert(
        &self,
        ctx: &Context<'_>,
        input: AlertTransitionInput,
    ) -> async_graphql::Result<AlertPayload> {
        let (m, tenant) = Mutation::begin(ctx, "resolveAlert").await?;
        let m = m.aim("alert", &input.id);
        let result = async {
            let id = parse_id("input.id", &input.id)?;
            alerts::resolve(m.tx(), tenant, id, input.comment).await
        }
        .await;
        m.finish(result)
            .await
            .map(|a| AlertPayload { alert: Alert(a) })
    }
}
