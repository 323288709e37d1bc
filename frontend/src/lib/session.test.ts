import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepFresh, refreshDelayMs, SessionStore, type RefreshOutcome, type Session } from './session';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const session = (minutes: number, refreshToken = 'r1'): Session => ({
  accessToken: `a-${refreshToken}`,
  accessTokenExpiresAt: new Date(NOW + minutes * 60_000).toISOString(),
  refreshToken,
  refreshTokenExpiresAt: new Date(NOW + 30 * 86_400_000).toISOString(),
  user: { id: 'u', email: 'o@example.com', displayName: 'O' },
  organization: { id: 'o', name: 'Org', slug: 'org' },
  role: 'OPERATOR',
});

describe('token refresh scheduling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    localStorage.clear();
  });
  afterEach(() => vi.useRealTimers());

  it('refreshes a minute before a 15-minute token expires', () => {
    expect(refreshDelayMs(session(15), NOW)).toBe(14 * 60_000);
  });

  it('refreshes a short-lived token at half its remaining life, and an expired one at once', () => {
    expect(refreshDelayMs(session(1), NOW)).toBe(30_000);
    expect(refreshDelayMs(session(-1), NOW)).toBe(0);
  });

  it('replaces the session with the refreshed one when the timer fires', async () => {
    const store = new SessionStore(localStorage);
    store.set(session(15));
    const refresh = vi.fn(async (): Promise<RefreshOutcome> => ({ session: session(30, 'r2') }));
    const stop = keepFresh(store, refresh);
    await vi.advanceTimersByTimeAsync(14 * 60_000 - 1);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledWith('r1');
    expect(store.get()?.refreshToken).toBe('r2');
    expect(new SessionStore(localStorage).get()?.refreshToken).toBe('r2');
    stop();
  });

  it('holds a session loaded with an expired access token as stale until it is refreshed', async () => {
    localStorage.setItem('fleetgraph.session', JSON.stringify(session(-1)));
    const store = new SessionStore(localStorage);
    expect(store.get()?.refreshToken).toBe('r1');
    expect(store.isStale()).toBe(true);
    const stop = keepFresh(store, async () => ({ session: session(15, 'r2') }));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.isStale()).toBe(false);
    expect(store.get()?.refreshToken).toBe('r2');
    stop();
  });

  it('signs out when the refresh token is refused and retries after a network failure', async () => {
    const store = new SessionStore(localStorage);
    store.set(session(1));
    const outcomes: RefreshOutcome[] = [{ retry: true }, { expired: true }];
    const refresh = vi.fn(async (): Promise<RefreshOutcome> => outcomes.shift() ?? { retry: true });
    const stop = keepFresh(store, refresh, 5_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(store.get()).not.toBeNull();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(store.get()).toBeNull();
    stop();
  });
});
