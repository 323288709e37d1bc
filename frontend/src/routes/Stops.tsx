// Emergency stops: the active ones, live; trigger one on an asset, a zone or a site behind a
// confirmation (operator and up); reset one with a note (engineer and up).
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Group, Modal, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { NoteDialog } from '../components/NoteDialog';
import { notifications } from '@mantine/notifications';
import { useQuery } from 'urql';
import { print } from 'graphql';
import { useApp } from '../app';
import { ActiveStopsQuery, AssetStatusSubscription, FleetQuery, ResetStopMutation, TriggerStopMutation } from '../lib/documents';
import { can } from '../lib/roles';
import { errorMessage } from '../lib/api';
import type { EstopScope } from '../gql/graphql';

const ASSET_STATUS = print(AssetStatusSubscription);

export default function Stops() {
  const { live, session } = useApp();
  const [{ data }, refetch] = useQuery({ query: ActiveStopsQuery, requestPolicy: 'network-only' });
  const stops = data?.emergencyStops.nodes ?? [];
  const [resetting, setResetting] = useState<string | null>(null);

  // A stop halts assets and a reset releases them: reload the list when a status changes.
  useEffect(() => {
    if (!live) return;
    return live.resumable(() => ({ query: ASSET_STATUS }), {
      next: () => refetch({ requestPolicy: 'network-only' }),
      resumed: () => refetch({ requestPolicy: 'network-only' }),
    });
  }, [live, refetch]);

  return (
    <Stack>
      <Title order={2}>Emergency stops</Title>
      {can(session?.role, 'estop:trigger') && <TriggerForm onTriggered={() => refetch({ requestPolicy: 'network-only' })} />}
      <Title order={3} size="h4">
        Active ({stops.length})
      </Title>
      {stops.length === 0 && <Text c="dimmed">No emergency stop is active.</Text>}
      {stops.map((stop) => (
        <Card key={stop.id} withBorder padding="sm" data-testid="stop">
          <Group justify="space-between" wrap="wrap" align="start">
            <div>
              <Text fw={600}>
                {stop.scope.toLowerCase()}: {stop.asset?.name ?? stop.zone?.name ?? stop.site?.name}
              </Text>
              <Text size="sm">{stop.reason}</Text>
              <Text size="sm" c="dimmed">
                {stop.haltedAssets.length} asset{stop.haltedAssets.length === 1 ? '' : 's'} halted ·{' '}
                {new Date(stop.triggeredAt).toLocaleString()}
                {stop.triggeredBy ? ` by ${stop.triggeredBy.displayName}` : ''}
              </Text>
            </div>
            {can(session?.role, 'estop:reset') && (
              <Button size="xs" variant="default" onClick={() => setResetting(stop.id)}>
                Reset
              </Button>
            )}
          </Group>
        </Card>
      ))}
      {resetting && (
        <ResetDialog
          id={resetting}
          onDone={() => {
            setResetting(null);
            refetch({ requestPolicy: 'network-only' });
          }}
        />
      )}
    </Stack>
  );
}

function TriggerForm({ onTriggered }: { onTriggered: () => void }) {
  const { client } = useApp();
  const [{ data }] = useQuery({ query: FleetQuery });
  const [scope, setScope] = useState<EstopScope>('ASSET');
  const [target, setTarget] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const options = useMemo(() => {
    const sites = data?.sites.nodes ?? [];
    if (scope === 'SITE') return sites.map((s) => ({ value: s.id, label: s.name }));
    if (scope === 'ZONE') return sites.flatMap((s) => s.zones.map((z) => ({ value: z.id, label: `${s.name} › ${z.name}` })));
    return sites.flatMap((s) => s.zones.flatMap((z) => z.assets.map((a) => ({ value: a.id, label: `${a.name} (${a.code})` }))));
  }, [data, scope]);
  const label = options.find((o) => o.value === target)?.label ?? '';

  const trigger = async () => {
    if (!target) return;
    const key = scope === 'ASSET' ? 'assetId' : scope === 'ZONE' ? 'zoneId' : 'siteId';
    const result = await client
      .mutation(TriggerStopMutation, { input: { [key]: target, reason: reason.trim() } })
      .toPromise();
    setConfirming(false);
    if (result.error) {
      setError(errorMessage(result.error));
      return;
    }
    setError(null);
    setReason('');
    notifications.show({ color: 'red', title: 'Emergency stop triggered', message: label, closeButtonProps: { 'aria-label': 'Dismiss' } });
    onTriggered();
  };

  return (
    <Card withBorder padding="sm">
      <Stack gap="xs">
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <SegmentedControl
          aria-label="Scope"
          value={scope}
          onChange={(v) => {
            setScope(v as EstopScope);
            setTarget(null);
          }}
          data={[
            { value: 'ASSET', label: 'Asset' },
            { value: 'ZONE', label: 'Zone' },
            { value: 'SITE', label: 'Site' },
          ]}
        />
        <Select label="What to stop" searchable data={options} value={target} onChange={setTarget} />
        <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <Group>
          <Button color="red.9" disabled={!target || !reason.trim()} onClick={() => setConfirming(true)}>
            Trigger emergency stop
          </Button>
        </Group>
      </Stack>
      {confirming && (
        <Modal opened onClose={() => setConfirming(false)} title="Trigger an emergency stop?">
          <Stack>
            <Text>
              This halts {scope === 'ASSET' ? 'the asset' : `every asset of the ${scope.toLowerCase()}`} <b>{label}</b> at once:
              running jobs pause, machine sessions end and pending commands expire.
            </Text>
            <Group justify="end">
              <Button variant="default" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button color="red.9" onClick={trigger}>
                Stop now
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Card>
  );
}

function ResetDialog({ id, onDone }: { id: string; onDone: () => void }) {
  const { client } = useApp();
  const [error, setError] = useState<string | null>(null);
  return (
    <NoteDialog
      title="Reset the emergency stop"
      label="What was checked before restarting"
      action="Reset"
      required
      error={error}
      onCancel={onDone}
      onConfirm={async (note) => {
        const result = await client.mutation(ResetStopMutation, { input: { id, note } }).toPromise();
        if (result.error) setError(errorMessage(result.error));
        else onDone();
      }}
    />
  );
}
