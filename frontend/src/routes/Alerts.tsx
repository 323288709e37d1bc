import { useMemo, useState } from 'react';
import {
  Badge,
  Button,
  Card,
  Checkbox,
  Chip,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useApp } from '../app';
import { AcknowledgeMutation, ResolveMutation } from '../lib/documents';
import { countBySeverity, SEVERITIES, visibleAlerts, type InboxAlert, type InboxFilter } from '../lib/inbox';
import { can } from '../lib/roles';
import { errorMessage } from '../lib/api';
import { SEVERITY_COLOR } from '../components/StatusBadge';
import { NoteDialog } from '../components/NoteDialog';
import type { AlertStatus, Severity } from '../gql/graphql';

type Transition = { kind: 'acknowledge' | 'resolve'; ids: string[] };

export default function Alerts() {
  const { inbox, session, client, dispatchInbox } = useApp();
  const [filter, setFilter] = useState<InboxFilter>({ severities: [], status: 'ALL', search: '' });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [transition, setTransition] = useState<Transition | null>(null);
  const counts = useMemo(() => countBySeverity(inbox.alerts.values()), [inbox.alerts]);
  const shown = useMemo(() => visibleAlerts(inbox.alerts.values(), filter), [inbox.alerts, filter]);
  const mayAcknowledge = can(session?.role, 'alert:acknowledge');
  const mayResolve = can(session?.role, 'alert:resolve');
  const selectedOpen = shown.filter((a) => selected.has(a.id) && a.status === 'OPEN').map((a) => a.id);

  const run = async ({ kind, ids }: Transition, comment: string) => {
    const send = async (id: string) => {
      const input = { input: { id, comment: comment || null } };
      if (kind === 'acknowledge') {
        const r = await client.mutation(AcknowledgeMutation, input).toPromise();
        return { error: r.error, alert: r.data?.acknowledgeAlert.alert };
      }
      const r = await client.mutation(ResolveMutation, input).toPromise();
      return { error: r.error, alert: r.data?.resolveAlert.alert };
    };
    const results = await Promise.all(ids.map(send));
    const failed = results.filter((r) => r.error);
    // The subscription brings the same change; applying it here shows it without waiting.
    const changed = results.flatMap((r) => (r.alert ? [r.alert] : []));
    dispatchInbox({ type: 'loaded', alerts: changed });
    if (failed[0]?.error) notifications.show({ color: 'red', message: errorMessage(failed[0].error) });
    setSelected(new Set());
    setTransition(null);
  };

  return (
    <Stack>
      <Title order={2}>Alerts</Title>
      <Group gap="xs" aria-label="Open alerts by severity" role="group">
        {SEVERITIES.map((s) => (
          <Chip
            key={s}
            color={SEVERITY_COLOR[s]}
            checked={filter.severities.includes(s)}
            onChange={(on) =>
              setFilter({
                ...filter,
                severities: on ? [...filter.severities, s] : filter.severities.filter((x) => x !== s),
              })
            }
          >
            {s.toLowerCase()}: {counts[s]}
          </Chip>
        ))}
      </Group>
      <Group wrap="wrap" gap="xs" align="end">
        <SegmentedControl
          aria-label="Status"
          value={filter.status}
          onChange={(v) => setFilter({ ...filter, status: v as AlertStatus | 'ALL' })}
          data={[
            { value: 'ALL', label: 'All' },
            { value: 'OPEN', label: 'Open' },
            { value: 'ACKNOWLEDGED', label: 'Acknowledged' },
          ]}
        />
        <TextInput
          aria-label="Search alerts"
          placeholder="Search title or asset"
          value={filter.search}
          onChange={(e) => setFilter({ ...filter, search: e.currentTarget.value })}
        />
        {mayAcknowledge && (
          <Button
            disabled={selectedOpen.length === 0}
            onClick={() => setTransition({ kind: 'acknowledge', ids: selectedOpen })}
          >
            Acknowledge selected ({selectedOpen.length})
          </Button>
        )}
      </Group>
      {!inbox.loaded && <Loader aria-label="Loading alerts" />}
      {inbox.loaded && shown.length === 0 && <Text c="dimmed">No unresolved alert.</Text>}
      <Stack gap="xs" data-testid="inbox">
        {shown.map((alert) => (
          <AlertCard
            key={alert.id}
            alert={alert}
            selectable={mayAcknowledge}
            selected={selected.has(alert.id)}
            onSelect={(on) => {
              const next = new Set(selected);
              if (on) next.add(alert.id);
              else next.delete(alert.id);
              setSelected(next);
            }}
            onAcknowledge={mayAcknowledge && alert.status === 'OPEN' ? () => setTransition({ kind: 'acknowledge', ids: [alert.id] }) : null}
            onResolve={mayResolve ? () => setTransition({ kind: 'resolve', ids: [alert.id] }) : null}
          />
        ))}
      </Stack>
      {transition && (
        <NoteDialog
          title={`${transition.kind === 'acknowledge' ? 'Acknowledge' : 'Resolve'} ${
            transition.ids.length === 1 ? 'this alert' : `${transition.ids.length} alerts`
          }`}
          label="Note (optional)"
          action={transition.kind === 'acknowledge' ? 'Acknowledge' : 'Resolve'}
          onCancel={() => setTransition(null)}
          onConfirm={(note) => run(transition, note)}
        />
      )}
    </Stack>
  );
}

function AlertCard({
  alert,
  selectable,
  selected,
  onSelect,
  onAcknowledge,
  onResolve,
}: {
  alert: InboxAlert;
  selectable: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onAcknowledge: (() => void) | null;
  onResolve: (() => void) | null;
}) {
  return (
    <Card withBorder padding="sm" data-testid="alert" data-alert-id={alert.id} data-status={alert.status}>
      <Group justify="space-between" wrap="nowrap" align="start">
        <Group gap="sm" wrap="nowrap" align="start">
          {selectable && (
            <Checkbox
              aria-label={`Select ${alert.title}`}
              checked={selected}
              onChange={(e) => onSelect(e.currentTarget.checked)}
              mt={4}
            />
          )}
          <div>
            <Group gap={6}>
              <SeverityBadge severity={alert.severity} />
              <Badge variant="outline" color={alert.status === 'OPEN' ? 'red.9' : 'gray.8'}>
                {alert.status.toLowerCase()}
              </Badge>
            </Group>
            <Text fw={600} mt={4}>
              {alert.title}
            </Text>
            <Text size="sm" c="dimmed">
              {alert.asset ? `${alert.asset.name} (${alert.asset.code}) · ` : ''}
              last seen {new Date(alert.lastSeenAt).toLocaleString()}
              {alert.acknowledgedBy ? ` · acknowledged by ${alert.acknowledgedBy.displayName}` : ''}
            </Text>
          </div>
        </Group>
        <Group gap={6} wrap="wrap" justify="end">
          {onAcknowledge && (
            <Button size="xs" onClick={onAcknowledge}>
              Acknowledge
            </Button>
          )}
          {onResolve && (
            <Button size="xs" variant="default" onClick={onResolve}>
              Resolve
            </Button>
          )}
        </Group>
      </Group>
    </Card>
  );
}

function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <Badge color={SEVERITY_COLOR[severity]} autoContrast>
      {severity.toLowerCase()}
    </Badge>
  );
}
