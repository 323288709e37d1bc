// The alerts inbox as state: the unresolved alerts, merged from the `alerts` query and the
// `alerts` subscription's events (docs/ARCHITECTURE.md §12). Events come in `seq`
// order without gaps; one already applied (a replay after a reconnect) changes nothing.
import type { AlertEventKind, AlertStatus, Severity } from '../gql/graphql';

export interface InboxAlert {
  id: string;
  severity: Severity;
  status: AlertStatus;
  title: string;
  message?: string | null;
  lastSeenAt: string;
  updatedAt: string;
  acknowledgedAt?: string | null;
  acknowledgedBy?: { displayName: string } | null;
  asset?: { id: string; name: string; code: string; site?: { id: string } | null } | null;
}

export interface InboxEvent {
  seq: string;
  kind: AlertEventKind;
  alert: InboxAlert;
}

export interface InboxState {
  alerts: ReadonlyMap<string, InboxAlert>;
  /** Alerts an event resolved: a list loaded before the event must not bring them back. */
  resolved: ReadonlySet<string>;
  /** The `seq` of the newest event applied, where a resumed subscription starts. */
  lastSeq: string | null;
  loaded: boolean;
}

export const emptyInbox: InboxState = {
  alerts: new Map(),
  resolved: new Set(),
  lastSeq: null,
  loaded: false,
};

export type InboxAction =
  | { type: 'loaded'; alerts: InboxAlert[] }
  | { type: 'event'; event: InboxEvent }
  | { type: 'reset' };

/** `seq` values are decimal strings of 64-bit counters: compare them as big integers. */
export function seqAfter(a: string, b: string | null): boolean {
  return b === null || BigInt(a) > BigInt(b);
}

function newer(a: InboxAlert, b: InboxAlert | undefined): boolean {
  return !b || Date.parse(a.updatedAt) >= Date.parse(b.updatedAt);
}

export function inboxReducer(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'reset':
      return emptyInbox;
    case 'loaded': {
      const alerts = new Map(state.alerts);
      for (const alert of action.alerts) {
        if (alert.status === 'RESOLVED' || state.resolved.has(alert.id)) continue;
        if (newer(alert, alerts.get(alert.id))) alerts.set(alert.id, alert);
      }
      return { ...state, alerts, loaded: true };
    }
    case 'event': {
      const { event } = action;
      if (!seqAfter(event.seq, state.lastSeq)) return state;
      const alerts = new Map(state.alerts);
      let resolved = state.resolved;
      if (event.alert.status === 'RESOLVED') {
        alerts.delete(event.alert.id);
        resolved = new Set(resolved).add(event.alert.id);
      } else if (newer(event.alert, alerts.get(event.alert.id))) {
        alerts.set(event.alert.id, event.alert);
      }
      return { ...state, alerts, resolved, lastSeq: event.seq };
    }
  }
}

export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'ERROR', 'WARNING', 'INFO'];
const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 0, ERROR: 1, WARNING: 2, INFO: 3 };

export function countBySeverity(alerts: Iterable<InboxAlert>): Record<Severity, number> {
  const counts: Record<Severity, number> = { CRITICAL: 0, ERROR: 0, WARNING: 0, INFO: 0 };
  for (const alert of alerts) counts[alert.severity] += 1;
  return counts;
}

export function countBySite(alerts: Iterable<InboxAlert>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const site = alert.asset?.site?.id;
    if (site) counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  return counts;
}

export interface InboxFilter {
  severities: Severity[];
  status: AlertStatus | 'ALL';
  search: string;
}

/** The alerts to show: filtered, most severe first, then most recently seen. */
export function visibleAlerts(alerts: Iterable<InboxAlert>, filter: InboxFilter): InboxAlert[] {
  const search = filter.search.trim().toLowerCase();
  return [...alerts]
    .filter((a) => filter.severities.length === 0 || filter.severities.includes(a.severity))
    .filter((a) => filter.status === 'ALL' || a.status === filter.status)
    .filter(
      (a) =>
        !search ||
        a.title.toLowerCase().includes(search) ||
        (a.asset?.name.toLowerCase().includes(search) ?? false) ||
        (a.asset?.code.toLowerCase().includes(search) ?? false),
    )
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
    );
}
