//! Telemetry over GraphQL: ingest, latest values, series for charts, the metric catalog.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::telemetry::{self, AssetRef, PointInput, SeriesRequest, Window};
use crate::graphql::assets::Asset;
use crate::graphql::context::{caller, parse_id, services, tenant};
use crate::graphql::loader;
use crate::graphql::loaders::AssetKey;
use crate::graphql::mutation::refuse;
use crate::ingest::Audit;
use entity::{metrics, telemetry_latest};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Quality")]
pub enum Quality {
    Good,
    Bad,
    Uncertain,
}

fn to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The newest value of one metric of an asset.
pub struct TelemetryValue(pub telemetry_latest::Model);

#[Object]
impl TelemetryValue {
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    async fn ts(&self) -> DateTime<Utc> {
        to_time(self.0.ts)
    }
    async fn value(&self) -> f64 {
        self.0.value
    }
    async fn quality(&self) -> Quality {
        self.0.quality.into()
    }
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct TelemetryPoint {
    pub ts: DateTime<Utc>,
    pub value: f64,
    pub quality: Quality,
}

/// Aggregates of the points in `[start, start + bucketSeconds)`.
#[derive(SimpleObject)]
pub struct TelemetryBucket {
    pub start: DateTime<Utc>,
    pub count: i64,
    pub avg: f64,
    pub min: f64,
    pub max: f64,
    /// Population standard deviation.
    pub stddev: f64,
}

pub struct TelemetrySeries(pub telemetry::Series);

#[Object]
impl TelemetrySeries {
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        Ok(loader(ctx)?
            .load_one(AssetKey(self.0.asset_id))
            .await?
            .map(Asset::from))
    }
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    /// The bucket width; null for raw points.
    async fn bucket_seconds(&self) -> Option<i64> {
        self.0.bucket_seconds
    }
    /// Raw points, oldest first (when no bucket was asked for).
    async fn points(&self) -> Vec<TelemetryPoint> {
        self.0
            .points
            .iter()
            .map(|p| TelemetryPoint {
                ts: to_time(p.ts),
                value: p.value,
                quality: p.quality.into(),
            })
            .collect()
    }
    /// Buckets that hold at least one point, oldest first (when a bucket was asked for).
    async fn buckets(&self) -> Vec<TelemetryBucket> {
        self.0
            .buckets
            .iter()
            .map(|b| TelemetryBucket {
                start: to_time(b.start),
                count: b.count,
                avg: b.avg,
                min: b.min,
                max: b.max,
                stddev: b.stddev,
            })
            .collect()
    }
}

pub struct Metric(pub metrics::Model);

#[Object]
impl Metric {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
}

#[derive(InputObject)]
pub struct SeriesInput {
    pub asset_id: ID,
    pub metric: String,
}

#[derive(Default)]
pub struct TelemetryQuery;

#[Object]
impl TelemetryQuery {
    /// Several series at once (several assets x metrics), for charts.
    #[allow(clippy::too_many_arguments)]
    async fn telemetry_series(
        &self,
        ctx: &Context<'_>,
        series: Vec<SeriesInput>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(desc = "Bucket width in seconds; raw points when omitted.")] bucket: Option<i64>,
        #[graphql(desc = "Most points or buckets per series (default 1000, at most 10000).")]
        max_points: Option<i32>,
    ) -> async_graphql::Result<Vec<TelemetrySeries>> {
        let tenant = tenant(ctx)?;
        let requests = series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(SeriesRequest {
                    asset_id: parse_id(&format!("series.{i}.assetId"), &s.asset_id)?,
                    metric: s.metric.clone(),
                })
            })
            .collect::<crate::error::Result<Vec<_>>>()?;
        let window = Window {
            from,
            to,
            bucket_seconds: bucket,
            max_points,
        };
        let out =
            telemetry::many_series(&services(ctx).db.conn, tenant, &requests, &window).await?;
        Ok(out.into_iter().map(TelemetrySeries).collect())
    }

    /// The organization's metric catalog, kept up to date by ingest.
    async fn metrics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Metric>> {
        let rows = telemetry::catalog(&services(ctx).db.conn, tenant(ctx)?).await?;
        Ok(rows.into_iter().map(Metric).collect())
    }
}

/// One reading. Name the asset by `assetId` or `assetCode`.
#[derive(InputObject)]
pub struct TelemetryPointInput {
    pub asset_id: Option<ID>,
    pub asset_code: Option<String>,
    /// Metric key: lower-case letters, digits, `_` and `.` (e.g. `cpu`, `servo_temp`).
    pub metric: String,
    /// When it was measured; the server's time when omitted.
    pub ts: Option<DateTime<Utc>>,
    pub value: f64,
    pub quality: Option<Quality>,
    pub unit: Option<String>,
}

#[derive(InputObject)]
pub struct IngestTelemetryInput {
    /// Up to 10,000 points.
    pub points: Vec<TelemetryPointInput>,
}

#[derive(SimpleObject)]
pub struct RejectedPoint {
    /// Position of the point in `input.points`.
    pub index: i32,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct IngestTelemetryPayload {
    pub accepted: i32,
    pub rejected: Vec<RejectedPoint>,
}

#[derive(Default)]
pub struct TelemetryMutation;

#[Object]
impl TelemetryMutation {
    /// Stores a batch of readings (devices call this with a `telemetry:write` API key). Valid
    /// points are stored, invalid ones reported; re-sending a batch is harmless.
    async fn ingest_telemetry(
        &self,
        ctx: &Context<'_>,
        input: IngestTelemetryInput,
    ) -> async_graphql::Result<IngestTelemetryPayload> {
        const ACTION: &str = "ingestTelemetry";
        let services = services(ctx);
        let caller = caller(ctx)?;
        // Refused here, before the call is queued: it has no tenant, no permission, or too many
        // points. Everything else is decided by the ingest writer (crate::ingest), which also
        // writes this call's audit row, or its refusal, in the transaction that stores it.
        let tenant = match caller
            .tenant()
            .and_then(|tenant| telemetry::check(tenant, input.points.len()).map(|()| tenant))
        {
            Ok(tenant) => tenant,
            Err(err) => {
                let tenant = caller.tenant().ok();
                refuse(services, tenant, caller.origin(), ACTION, None, &err).await;
                return Err(err.into());
            }
        };
        let mut unresolvable = Vec::new();
        let points: Vec<(usize, PointInput)> = input
            .points
            .into_iter()
            .enumerate()
            .filter_map(|(index, p)| {
                let asset = match (&p.asset_id, &p.asset_code) {
                    (Some(id), _) => match uuid::Uuid::try_parse(id.as_str()) {
                        Ok(id) => AssetRef::Id(id),
                        Err(_) => {
                            unresolvable.push(telemetry::RejectedPoint {
                                index,
                                reason: "assetId is not a valid ID".into(),
                            });
                            return None;
                        }
                    },
                    (None, Some(code)) => AssetRef::Code(code.clone()),
                    (None, None) => {
                        unresolvable.push(telemetry::RejectedPoint {
                            index,
                            reason: "name the asset by assetId or assetCode".into(),
                        });
                        return None;
                    }
                };
                let quality = p.quality.map(Into::into);
                Some((
                    index,
                    PointInput {
                        asset,
                        metric: p.metric,
                        ts: p.ts,
                        value: p.value,
                        quality,
                        unit: p.unit,
                    },
                ))
            })
            .collect();
        let (indexes, points): (Vec<usize>, Vec<PointInput>) = points.into_iter().unzip();
        let audit = Audit {
            action: ACTION,
            rejected_before: unresolvable.len(),
        };
        let outcome = services.ingest.ingest(tenant, points, Some(audit)).await?;
        // The domain numbers rejects within what it was given; map back to input positions.
        let mut rejected = unresolvable;
        rejected.extend(
            outcome
                .rejected
                .into_iter()
                .map(|r| telemetry::RejectedPoint {
                    index: indexes.get(r.index).copied().unwrap_or(r.index),
                    reason: r.reason,
                }),
        );
        rejected.sort_by_key(|r| r.index);
        Ok(IngestTelemetryPayload {
            accepted: outcome.accepted as i32,
            rejected: rejected
                .into_iter()
                .map(|r| RejectedPoint {
                    index: r.index as i32,
                    reason: r.reason,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ScalarType, Value};
    use chrono::{DateTime, Utc};

    use crate::domain::telemetry::parse_timestamp;

    /// `ingestTelemetry`'s `ts` is a `DateTime` scalar; the MQTT bridge parses its text with
    /// `telemetry::parse_timestamp`. One parser: they accept and refuse the same texts, and
    /// read the same instant from each.
    #[test]
    fn the_datetime_scalar_and_the_device_timestamp_parser_agree_on_every_form() {
        for text in [
            "2026-12-04T18:25:55Z",
            "2026-12-04T18:25:55.123456789Z",
            "2026-12-04T18:25:55+0000",
            "2026-12-04T19:25:55+01:00",
            "2026-12-04 18:25:55 UTC",
            "2026-12-04T18:25:55 Z",
            "2026-12-04t18:25:55z",
            "2026-12-04",
            "18:25:55",
            "2026-12-04T18:25",
            "yesterday",
            "",
            "2026-12-04T18:25:55+25:00",
        ] {
            let scalar = <DateTime<Utc> as ScalarType>::parse(Value::String(text.into())).ok();
            assert_eq!(scalar, parse_timestamp(text).ok(), "{text:?}");
        }
    }
}
