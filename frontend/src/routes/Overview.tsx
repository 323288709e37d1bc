import { useEffect, useMemo, useState } from 'react';
import { Anchor, Badge, Card, Group, Loader, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from 'urql';
import { Link } from '@tanstack/react-router';
import { print } from 'graphql';
import { useApp } from '../app';
import { AssetStatusSubscription, FleetQuery } from '../lib/documents';
import { applyStatusChange, countByStatus, filterFleet, noFilter, STATUSES, vendors, type FleetFilter, type FleetSite } from '../lib/fleet';
import { countBySite } from '../lib/inbox';
import { StatusBadge } from '../components/StatusBadge';
import type { AssetKind, AssetStatus, AssetStatusSubscription as StatusData } from '../gql/graphql';

const ASSET_STATUS = print(AssetStatusSubscription);

export default function Overview() {
  const { live, inbox } = useApp();
  const [{ data, fetching, error }, refetch] = useQuery({ query: FleetQuery });
  // Statuses changed since the fleet was loaded, by asset.
  const [changes, setChanges] = useState<ReadonlyMap<string, AssetStatus>>(new Map());
  const [filter, setFilter] = useState<FleetFilter>(noFilter);
  const sites = useMemo(
    () =>
      [...changes].reduce(
        (current, [assetId, status]) => applyStatusChange(current, { assetId, status }),
        data?.sites.nodes ?? [],
      ),
    [data, changes],
  );
  useEffect(() => {
    if (!live) return;
    return live.resumable<StatusData>(() => ({ query: ASSET_STATUS }), {
      next: (d) =>
        setChanges((current) => new Map(current).set(d.assetStatusChanged.assetId, d.assetStatusChanged.status)),
      // Changes made while the socket was down are not replayed: load the fleet again.
      resumed: () => {
        setChanges(new Map());
        refetch({ requestPolicy: 'network-only' });
      },
    });
  }, [live, refetch]);
  const alertsBySite = useMemo(() => countBySite(inbox.alerts.values()), [inbox.alerts]);
  const shown = useMemo(() => filterFleet(sites, filter), [sites, filter]);
  const vendorList = useMemo(() => vendors(sites), [sites]);

  if (error) return <Text c="red">{error.message}</Text>;
  if (fetching && sites.length === 0) return <Loader aria-label="Loading the fleet" />;
  return (
    <Stack>
      <Title order={2}>Fleet</Title>
      <Group grow preventGrowOverflow={false} wrap="wrap" gap="xs">
        <TextInput
          label="Search"
          placeholder="name, code, vendor, model"
          value={filter.search}
          onChange={(e) => setFilter({ ...filter, search: e.currentTarget.value })}
          miw={160}
        />
        <Select
          label="Kind"
          clearable
          data={[
            { value: 'ROBOT', label: 'Robots' },
            { value: 'MACHINE', label: 'Machines' },
          ]}
          value={filter.kind}
          onChange={(v) => setFilter({ ...filter, kind: v as AssetKind | null })}
          miw={120}
        />
        <Select
          label="Status"
          clearable
          data={STATUSES.map((s) => ({ value: s, label: s.replace('_', '-').toLowerCase() }))}
          value={filter.status}
          onChange={(v) => setFilter({ ...filter, status: v as AssetStatus | null })}
          miw={120}
        />
        <Select
          label="Vendor"
          clearable
          data={vendorList}
          value={filter.vendor}
          onChange={(v) => setFilter({ ...filter, vendor: v })}
          miw={120}
        />
      </Group>
      {shown.length === 0 && <Text c="dimmed">No asset matches.</Text>}
      {shown.map((site) => (
        <SiteCard key={site.id} site={site} totals={countByStatus(sites.find((s) => s.id === site.id) ?? site)} openAlerts={alertsBySite.get(site.id) ?? 0} />
      ))}
    </Stack>
  );
}

function SiteCard({
  site,
  totals,
  openAlerts,
}: {
  site: FleetSite;
  totals: Partial<Record<AssetStatus, number>>;
  openAlerts: number;
}) {
  return (
    <Card withBorder component="section" aria-labelledby={`site-${site.id}`} data-testid="site">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={3} size="h4" id={`site-${site.id}`}>
          {site.name}
        </Title>
        <Group gap={6} wrap="wrap">
          {STATUSES.filter((s) => totals[s]).map((s) => (
            <StatusBadge key={s} status={s} count={totals[s]} />
          ))}
          <Badge color={openAlerts ? 'red.9' : 'gray.8'} variant="outline" data-testid="site-open-alerts">
            {openAlerts} open alert{openAlerts === 1 ? '' : 's'}
          </Badge>
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {site.zones.map((zone) => (
          <div key={zone.id}>
            <Text fw={600} size="sm" mb={4}>
              {zone.name}
            </Text>
            <Table.ScrollContainer minWidth={300}>
              <Table striped verticalSpacing={4} fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Asset</Table.Th>
                    <Table.Th>Vendor</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {zone.assets.map((asset) => (
                    <Table.Tr key={asset.id} data-testid="asset-row" data-code={asset.code}>
                      <Table.Td>
                        <Anchor
                          size="sm"
                          renderRoot={(props) => <Link {...props} to="/assets/$assetId" params={{ assetId: asset.id }} />}
                        >
                          {asset.name}
                        </Anchor>
                        <Text span c="dimmed" size="xs" ml={4}>
                          {asset.code}
                        </Text>
                      </Table.Td>
                      <Table.Td>{asset.vendor}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={asset.status} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}
