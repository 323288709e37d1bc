import { describe, expect, it } from 'vitest';
import { inboxAlert } from '../test-fixtures';
import { countBySeverity, countBySite, emptyInbox, inboxReducer, visibleAlerts, type InboxAlert, type InboxEvent } from './inbox';

const alert = inboxAlert;

const event = (seq: string, a: InboxAlert, kind: InboxEvent['kind'] = 'RAISED'): InboxEvent => ({ seq, kind, alert: a });

describe('the alerts inbox', () => {
  it('adds a raised alert and remembers the event cursor', () => {
    const state = inboxReducer(emptyInbox, { type: 'event', event: event('7', alert('x')) });
    expect([...state.alerts.keys()]).toEqual(['x']);
    expect(state.lastSeq).toBe('7');
  });

  it('ignores an event replayed after a reconnect', () => {
    let state = inboxReducer(emptyInbox, { type: 'event', event: event('7', alert('x')) });
    state = inboxReducer(state, {
      type: 'event',
      event: event('8', alert('x', { status: 'ACKNOWLEDGED', updatedAt: '2026-01-01T00:01:00Z' }), 'ACKNOWLEDGED'),
    });
    const replayed = inboxReducer(state, { type: 'event', event: event('7', alert('x')) });
    expect(replayed).toBe(state);
    expect(replayed.alerts.get('x')?.status).toBe('ACKNOWLEDGED');
  });

  it('compares cursors as numbers, not as strings', () => {
    const state = inboxReducer(emptyInbox, { type: 'event', event: event('9', alert('x')) });
    const next = inboxReducer(state, { type: 'event', event: event('10', alert('y')) });
    expect(next.lastSeq).toBe('10');
    expect(next.alerts.size).toBe(2);
  });

  it('drops a resolved alert and does not let an older list bring it back', () => {
    let state = inboxReducer(emptyInbox, { type: 'event', event: event('1', alert('x')) });
    state = inboxReducer(state, { type: 'event', event: event('2', alert('x', { status: 'RESOLVED' }), 'RESOLVED') });
    expect(state.alerts.size).toBe(0);
    state = inboxReducer(state, { type: 'loaded', alerts: [alert('x'), alert('y')] });
    expect([...state.alerts.keys()]).toEqual(['y']);
    expect(state.loaded).toBe(true);
  });

  it('keeps the newer copy when a loaded list and an event disagree', () => {
    let state = inboxReducer(emptyInbox, {
      type: 'event',
      event: event('3', alert('x', { status: 'ACKNOWLEDGED', updatedAt: '2026-01-01T00:05:00Z' }), 'ACKNOWLEDGED'),
    });
    state = inboxReducer(state, { type: 'loaded', alerts: [alert('x')] });
    expect(state.alerts.get('x')?.status).toBe('ACKNOWLEDGED');
  });

  it('counts unresolved alerts by severity and by site', () => {
    const alerts = [alert('a', { severity: 'CRITICAL' }), alert('b'), alert('c', { asset: null })];
    expect(countBySeverity(alerts)).toEqual({ CRITICAL: 1, ERROR: 0, WARNING: 3 - 1, INFO: 0 });
    expect(countBySite(alerts).get('s1')).toBe(2);
  });

  it('shows the most severe first and filters by severity, status and text', () => {
    const alerts = [
      alert('a'),
      alert('b', { severity: 'CRITICAL', title: 'Overheat' }),
      alert('c', { status: 'ACKNOWLEDGED' }),
    ];
    expect(visibleAlerts(alerts, { severities: [], status: 'ALL', search: '' }).map((a) => a.id)[0]).toBe('b');
    expect(visibleAlerts(alerts, { severities: ['WARNING'], status: 'OPEN', search: '' }).map((a) => a.id)).toEqual(['a']);
    expect(visibleAlerts(alerts, { severities: [], status: 'ALL', search: 'overh' }).map((a) => a.id)).toEqual(['b']);
  });
});
