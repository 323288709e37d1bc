import { useEffect, useMemo, useState } from 'react';
import { Anchor, Card, Group, Loader, SegmentedControl, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { print } from 'graphql';
import { useApp } from '../app';
import { AssetHistoryQuery, AssetQuery, AssetStatusSubscription, AssetTelemetrySubscription } from '../lib/documents';
import { appendPoints, emptySeries, RANGES, type Point, type Series } from '../lib/series';
import { LiveChart } from '../components/LiveChart';
import { StatusBadge } from '../components/StatusBadge';
import type {
  AssetStatus,
  AssetStatusSubscription as StatusData,
  AssetTelemetrySubscription as TelemetryData,
} from '../gql/graphql';

/** Live points are kept for the longest range offered. */
const LONGEST_RANGE_SECONDS = Math.max(...RANGES.map((r) => Number(r.value)));

/**
 * The history to load for a range chosen now: from its start to a day ahead, so that the query
 * stays the same while live points are appended.
 */
function timeWindow(value: string) {
  const seconds = Number(value);
  const now = Date.now();
  return {
    value,
    seconds,
    from: new Date(now - seconds * 1000).toISOString(),
    to: new Date(now + 86_400_000).toISOString(),
  };
}

const TELEMETRY = print(AssetTelemetrySubscription);
const ASSET_STATUS = print(AssetStatusSubscription);

interface Latest {
  value: number;
  unit?: string | null;
  ts: string;
}

export default function Asset() {
  const { assetId } = useParams({ from: '/assets/$assetId' });
  const { live } = useApp();
  const [{ data, error }] = useQuery({ query: AssetQuery, variables: { id: assetId } });
  const asset = data?.asset;
  const metrics = useMemo(() => (asset?.latest ?? []).map((v) => v.metric).sort(), [asset]);
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen ?? metrics[0] ?? null;
  const [range, setRange] = useState(() => timeWindow(RANGES[0].value));
  const windowSeconds = range.seconds;

  // Live values of every metric, and the chosen metric's live points, since the page opened.
  const [liveValues, setLiveValues] = useState<ReadonlyMap<string, Latest>>(new Map());
  const [liveSeries, setLiveSeries] = useState<ReadonlyMap<string, Series>>(new Map());
  const [status, setStatus] = useState<AssetStatus | null>(null);

  const { from, to } = range;
  const [history] = useQuery({
    query: AssetHistoryQuery,
    variables: { id: assetId, metric: metric ?? '', from, to },
    pause: !metric,
    requestPolicy: 'network-only',
  });

  useEffect(() => {
    if (!live) return;
    const offTelemetry = live.resumable<TelemetryData>(
      () => ({ query: TELEMETRY, variables: { assetIds: [assetId] } }),
      {
        next: (d) => {
          const readings = d.telemetry.readings;
          if (readings.length === 0) return;
          setLiveValues((current) => {
            const next = new Map(current);
            for (const r of readings) next.set(r.metric, { value: r.value, ts: r.ts, unit: current.get(r.metric)?.unit });
            return next;
          });
          setLiveSeries((current) => {
            const next = new Map(current);
            for (const m of new Set(readings.map((r) => r.metric))) {
              const points = readings.filter((r) => r.metric === m);
              next.set(m, appendPoints(current.get(m) ?? emptySeries, points, LONGEST_RANGE_SECONDS));
            }
            return next;
          });
        },
      },
    );
    const offStatus = live.resumable<StatusData>(() => ({ query: ASSET_STATUS }), {
      next: (d) => {
        if (d.assetStatusChanged.assetId === assetId) setStatus(d.assetStatusChanged.status);
      },
    });
    return () => {
      offTelemetry();
      offStatus();
    };
  }, [live, assetId]);

  const series: Series = useMemo(() => {
    const telemetry = history.data?.asset.telemetry;
    const past: Point[] = telemetry
      ? telemetry.bucketSeconds
        ? telemetry.buckets.map((b) => ({ ts: b.start, value: b.avg }))
        : telemetry.points
      : [];
    const fresh = (metric && liveSeries.get(metric)) || emptySeries;
    const freshPoints = fresh.xs.map((x, i) => ({ ts: new Date(x * 1000).toISOString(), value: fresh.ys[i] ?? 0 }));
    return appendPoints(appendPoints(emptySeries, past, windowSeconds), freshPoints, windowSeconds);
  }, [history.data, liveSeries, metric, windowSeconds]);

  if (error) return <Text c="red">{error.message}</Text>;
  if (!asset) return <Loader aria-label="Loading the asset" />;
  const latest = new Map<string, Latest>(asset.latest.map((v) => [v.metric, v]));
  for (const [m, v] of liveValues) latest.set(m, { ...v, unit: latest.get(m)?.unit ?? v.unit });

  return (
    <Stack>
      <Anchor component={Link} to="/" size="sm">
        ← Fleet
      </Anchor>
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>
          {asset.name}{' '}
          <Text span c="dimmed" size="md">
            {asset.code}
          </Text>
        </Title>
        <StatusBadge status={status ?? asset.status} />
      </Group>
      <Text size="sm" c="dimmed">
        {asset.vendor} {asset.model} · {asset.site?.name ?? 'no site'}
        {asset.zone ? ` › ${asset.zone.name}` : ''}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 4 }} data-testid="latest">
        {[...latest].sort(([a], [b]) => a.localeCompare(b)).map(([m, v]) => (
          <Card key={m} withBorder padding="xs">
            <Text size="xs" c="dimmed">
              {m}
            </Text>
            <Text fw={600}>
              {v.value.toFixed(1)} {v.unit ?? ''}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      {metric ? (
        <Card withBorder>
          <Group justify="space-between" mb="xs" wrap="wrap">
            <Select
              aria-label="Metric"
              data={metrics}
              value={metric}
              allowDeselect={false}
              onChange={setChosen}
              w={180}
            />
            <SegmentedControl aria-label="Range" data={[...RANGES]} value={range.value} onChange={(r) => setRange(timeWindow(r))} />
          </Group>
          <LiveChart series={series} label={metric} />
        </Card>
      ) : (
        <Text c="dimmed">This asset has reported no telemetry yet.</Text>
      )}
    </Stack>
  );
}
