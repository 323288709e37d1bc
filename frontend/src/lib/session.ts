// The signed-in session: kept in localStorage (so that tabs share it and a reload keeps it)
// and refreshed with `refreshSession` before the access token expires.
import type { Role } from '../gql/graphql';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string; displayName: string };
  organization: { id: string; name: string; slug: string };
  role: Role;
}

const KEY = 'fleetgraph.session';

/** Refresh this long before the access token expires (or at half its remaining life). */
export const REFRESH_MARGIN_MS = 60_000;

/** How long to wait before refreshing `session`: never negative. */
export function refreshDelayMs(session: Session, now: number): number {
  const remaining = Date.parse(session.accessTokenExpiresAt) - now;
  if (!Number.isFinite(remaining) || remaining <= 0) return 0;
  return remaining > 2 * REFRESH_MARGIN_MS ? remaining - REFRESH_MARGIN_MS : remaining / 2;
}

function isExpired(session: Session | null): boolean {
  return session !== null && Date.parse(session.accessTokenExpiresAt) <= Date.now();
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.accessToken === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.accessTokenExpiresAt === 'string' &&
    typeof v.refreshTokenExpiresAt === 'string' &&
    typeof v.role === 'string' &&
    typeof v.user === 'object' &&
    typeof v.organization === 'object'
  );
}

type Listener = (session: Session | null) => void;

export class SessionStore {
  private current: Session | null;
  /** Loaded with an expired access token: not to be used until it is refreshed. */
  private stale: boolean;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: Storage | null = globalThis.localStorage ?? null) {
    this.current = this.load();
    this.stale = isExpired(this.current);
  }

  private load(): Session | null {
    try {
      const parsed: unknown = JSON.parse(this.storage?.getItem(KEY) ?? 'null');
      if (!isSession(parsed)) return null;
      return Date.parse(parsed.refreshTokenExpiresAt) > Date.now() ? parsed : null;
    } catch {
      return null;
    }
  }

  get(): Session | null {
    return this.current;
  }

  /**
   * Whether the session was loaded (at start, or from another tab) with an expired access
   * token, as after a laptop slept past it: requests with it would be refused, so the pages
   * wait for the refresh that `keepFresh` makes at once.
   */
  isStale(): boolean {
    return this.stale;
  }

  set(session: Session | null): void {
    this.current = session;
    this.stale = false;
    if (session) this.storage?.setItem(KEY, JSON.stringify(session));
    else this.storage?.removeItem(KEY);
    for (const listener of this.listeners) listener(session);
  }

  /** Another tab signed in, refreshed or signed out. */
  reloadFromStorage(): void {
    const next = this.load();
    if (JSON.stringify(next) !== JSON.stringify(this.current)) {
      this.current = next;
      this.stale = isExpired(next);
      for (const listener of this.listeners) listener(next);
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export type RefreshOutcome = { session: Session } | { expired: true } | { retry: true };

/**
 * Keeps `store`'s session fresh: schedules `refresh` before each access token expires.
 * A refused refresh token signs out; a network failure retries after `retryMs`.
 * Returns the function that stops it.
 */
export function keepFresh(
  store: SessionStore,
  refresh: (refreshToken: string) => Promise<RefreshOutcome>,
  retryMs = 10_000,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (session: Session | null, delay?: number) => {
    clearTimeout(timer);
    if (!session || stopped) return;
    timer = setTimeout(() => void run(session), delay ?? refreshDelayMs(session, Date.now()));
  };
  const run = async (session: Session) => {
    const outcome = await refresh(session.refreshToken);
    if (stopped || store.get()?.refreshToken !== session.refreshToken) return;
    if ('session' in outcome) store.set(outcome.session);
    else if ('expired' in outcome) store.set(null);
    else schedule(session, retryMs);
  };
  const unsubscribe = store.subscribe((session) => schedule(session));
  schedule(store.get());
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
  };
}
