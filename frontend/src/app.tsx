// The app's shared state: the session, the HTTP client, the live socket and the alerts inbox
// (docs/ARCHITECTURE.md §12).
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { Provider as UrqlProvider, type Client } from 'urql';
import { print } from 'graphql';
import { notifications } from '@mantine/notifications';
import { createApiClient, errorCode, toSession, WITHOUT_TOKEN } from './lib/api';
import { keepFresh, SessionStore, type Session } from './lib/session';
import { Live, socketUrl, type ConnectionState } from './lib/live';
import { emptyInbox, inboxReducer, type InboxAction, type InboxEvent, type InboxState } from './lib/inbox';
import { AlertEventsSubscription, OpenAlertsQuery, RefreshMutation } from './lib/documents';
import type { AlertEventsSubscription as AlertEventsData } from './gql/graphql';

export interface AppContextValue {
  store: SessionStore;
  session: Session | null;
  client: Client;
  live: Live | null;
  connection: ConnectionState;
  inbox: InboxState;
  dispatchInbox: (action: InboxAction) => void;
}

// Exported for component tests, which give a page a session and an inbox of their own.
export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppProvider>');
  return value;
}

export function useSession(): Session | null {
  return useApp().session;
}

export const sessionStore = new SessionStore();

export function AppProvider({ store = sessionStore, children }: { store?: SessionStore; children: ReactNode }) {
  const session = useSyncExternalStore(
    (cb) => store.subscribe(cb),
    () => store.get(),
  );
  const client = useMemo(() => createApiClient(() => store.get()?.accessToken ?? null), [store]);

  // Other tabs share the session through localStorage.
  useEffect(() => {
    const onStorage = () => store.reloadFromStorage();
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [store]);

  // Refresh the access token before it expires.
  useEffect(
    () =>
      keepFresh(store, async (refreshToken) => {
        const result = await client
          .mutation(RefreshMutation, { input: { refreshToken } }, { ...WITHOUT_TOKEN, requestPolicy: 'network-only' })
          .toPromise();
        if (result.data) return { session: toSession(result.data.refreshSession) };
        const code = errorCode(result.error);
        return code === 'UNAUTHENTICATED' ? { expired: true } : { retry: true };
      }),
    [store, client],
  );

  const holder = socketFor(store);
  const live = useSyncExternalStore(holder.subscribe, holder.live);
  const connection = useSyncExternalStore(holder.subscribe, holder.state);

  const [inbox, dispatchInbox] = useReducer(inboxReducer, emptyInbox);
  useInboxFeed(live, client, inbox, dispatchInbox);

  const value = useMemo(
    () => ({ store, session, client, live, connection, inbox, dispatchInbox }),
    [store, session, client, live, connection, inbox],
  );
  return (
    <AppContext.Provider value={value}>
      <UrqlProvider value={client}>{children}</UrqlProvider>
    </AppContext.Provider>
  );
}

/** One socket per signed-in user and organization, opened and closed as the session changes. */
class SocketHolder {
  private current: Live | null = null;
  private identity: string | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: SessionStore) {
    store.subscribe((session) => this.sync(session));
    this.sync(store.get());
  }

  private sync(session: Session | null) {
    const identity = session ? `${session.user.id}/${session.organization.id}` : null;
    if (identity === this.identity) return;
    this.identity = identity;
    this.current?.dispose();
    this.current = identity
      ? new Live(socketUrl(window.location), () => this.store.get()?.accessToken ?? null)
      : null;
    this.current?.onState(this.emit);
    this.emit();
  }

  private readonly emit = () => {
    for (const listener of this.listeners) listener();
  };

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly live = () => this.current;
  readonly state = (): ConnectionState => this.current?.getState() ?? 'connecting';
}

const holders = new WeakMap<SessionStore, SocketHolder>();

function socketFor(store: SessionStore): SocketHolder {
  let holder = holders.get(store);
  if (!holder) {
    holder = new SocketHolder(store);
    holders.set(store, holder);
  }
  return holder;
}

const ALERT_EVENTS = print(AlertEventsSubscription);

/**
 * Loads the unresolved alerts and follows the `alerts` subscription. After a reconnect the
 * subscription resumes after the last event seen (`alerts(after:)`), so the events raised
 * while the socket was down arrive first, in order; with no event seen yet the list is loaded
 * again instead.
 */
function useInboxFeed(
  live: Live | null,
  client: Client,
  inbox: InboxState,
  dispatch: (action: InboxAction) => void,
) {
  const lastSeq = useRef(inbox.lastSeq);
  useEffect(() => {
    lastSeq.current = inbox.lastSeq;
  }, [inbox.lastSeq]);
  useEffect(() => {
    if (!live) return;
    dispatch({ type: 'reset' });
    const load = async () => {
      const result = await client.query(OpenAlertsQuery, {}, { requestPolicy: 'network-only' }).toPromise();
      if (result.data) dispatch({ type: 'loaded', alerts: result.data.alerts.nodes });
    };
    void load();
    return live.resumable<AlertEventsData>(
      () => ({ query: ALERT_EVENTS, variables: { after: lastSeq.current } }),
      {
        next: (data) => {
          const event: InboxEvent = data.alerts;
          dispatch({ type: 'event', event });
          if (event.kind === 'RAISED' && event.alert.severity === 'CRITICAL') {
            notifications.show({
              color: 'red',
              title: 'Critical alert',
              closeButtonProps: { 'aria-label': 'Dismiss' },
              message: `${event.alert.title}${event.alert.asset ? ` (${event.alert.asset.name})` : ''}`,
            });
          }
        },
        resumed: () => {
          if (lastSeq.current === null) void load();
        },
      },
    );
  }, [live, client, dispatch, lastSeq]);
}
