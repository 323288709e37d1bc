import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Client, ClientOptions, Sink } from 'graphql-ws';
import { Live, PONG_TIMEOUT_MS, socketUrl } from './live';

/** A graphql-ws client stand-in that records subscriptions and lets a test fire socket events. */
function fakeClient() {
  let options: ClientOptions | undefined;
  const subscriptions: { payload: { query: string; variables?: Record<string, unknown> | null }; sink: Sink; disposed: boolean }[] = [];
  const closedListeners = new Set<() => void>();
  const client = {
    subscribe: (payload: { query: string; variables?: Record<string, unknown> | null }, sink: Sink) => {
      const entry = { payload, sink, disposed: false };
      subscriptions.push(entry);
      return () => {
        entry.disposed = true;
      };
    },
    on: (event: string, listener: () => void) => {
      if (event === 'closed') closedListeners.add(listener);
      return () => closedListeners.delete(listener);
    },
    dispose: () => undefined,
    iterate: () => {
      throw new Error('not used');
    },
    terminate: () => undefined,
  } as unknown as Client;
  const fire = (event: 'connecting' | 'connected' | 'closed' | 'opened' | 'ping' | 'pong', ...args: unknown[]) => {
    const on = options?.on as Record<string, ((...args: unknown[]) => void) | undefined> | undefined;
    on?.[event]?.(...args);
    if (event === 'closed') for (const listener of closedListeners) listener();
  };
  const create = (o: ClientOptions) => {
    options = o;
    return client;
  };
  return { create, fire, subscriptions, options: () => options };
}

describe('the live socket', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the current token in connection_init', async () => {
    const fake = fakeClient();
    let token = 'first';
    new Live('ws://x/graphql/ws', () => token, fake.create);
    token = 'second';
    const params = fake.options()?.connectionParams;
    const value = typeof params === 'function' ? await params() : params;
    expect(value).toEqual({ authorization: 'Bearer second' });
  });

  it('reports the socket down after it was connected, and up again on reconnect', () => {
    const fake = fakeClient();
    const live = new Live('ws://x', () => 't', fake.create);
    const states: string[] = [];
    live.onState((s) => states.push(s));
    fake.fire('connected');
    fake.fire('closed');
    fake.fire('connecting');
    fake.fire('connected');
    expect(states).toEqual(['connected', 'down', 'connected']);
  });

  it('resumes a subscription after a reconnect from the cursor it has then', () => {
    const fake = fakeClient();
    const live = new Live('ws://x', () => 't', fake.create);
    let after: string | null = null;
    const resumed = vi.fn();
    const seen: unknown[] = [];
    live.resumable<{ n: number }>(() => ({ query: 'subscription { alerts }', variables: { after } }), {
      next: (d) => seen.push(d),
      resumed,
    });
    fake.fire('connected');
    expect(fake.subscriptions).toHaveLength(1);
    fake.subscriptions[0]?.sink.next({ data: { n: 1 } });
    after = '41';
    fake.fire('closed');
    expect(fake.subscriptions[0]?.disposed).toBe(true);
    fake.fire('connected');
    expect(fake.subscriptions).toHaveLength(2);
    expect(fake.subscriptions[1]?.payload.variables).toEqual({ after: '41' });
    expect(resumed).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('closes a socket whose ping goes unanswered, and keeps one that answers', () => {
    vi.useFakeTimers();
    const fake = fakeClient();
    new Live('ws://x', () => 't', fake.create);
    const socket = { readyState: WebSocket.OPEN, close: vi.fn() };
    fake.fire('opened', socket);
    fake.fire('ping', false);
    fake.fire('pong', true);
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(socket.close).not.toHaveBeenCalled();
    fake.fire('ping', false);
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(socket.close).toHaveBeenCalledWith(4408, 'Pong timeout');
  });

  it('builds the socket address from the page, secure when the page is', () => {
    expect(socketUrl({ protocol: 'https:', host: 'fleet.example.com' })).toBe('wss://fleet.example.com/graphql/ws');
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/graphql/ws');
  });
});
