// The app's one WebSocket (graphql-transport-ws over /graphql/ws), its state for the connection
// indicator, and subscriptions that resume after a reconnect (docs/ARCHITECTURE.md §12.2).
import { createClient, type Client, type ClientOptions } from 'graphql-ws';

export type ConnectionState = 'connecting' | 'connected' | 'down';

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

export interface ResumableSink<T> {
  next: (data: T) => void;
  /** Called when the subscription is started again after the socket came back. */
  resumed?: () => void;
  /** A GraphQL error ended the subscription (it is started again a second later). */
  error?: (message: string) => void;
}

export type CreateClient = (options: ClientOptions) => Client;

/** How often the socket is pinged, and how long a pong may take before it is closed. */
export const PING_EVERY_MS = 10_000;
export const PONG_TIMEOUT_MS = 5_000;

export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
}

export class Live {
  private readonly client: Client;
  private state: ConnectionState = 'connecting';
  private everConnected = false;
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly resumables = new Set<() => void>();

  constructor(url: string, token: () => string | null, create: CreateClient = createClient) {
    // A socket whose peer vanished (a cut network, a sleeping laptop) sends no close: a ping
    // left unanswered closes it, so the indicator shows it down and graphql-ws reconnects.
    let socket: { readyState: number; close: (code: number, reason: string) => void } | null = null;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    this.client = create({
      url,
      lazy: false,
      keepAlive: PING_EVERY_MS,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 5_000)));
      },
      connectionParams: () => {
        const t = token();
        return t ? { authorization: `Bearer ${t}` } : {};
      },
      on: {
        opened: (opened) => {
          socket = opened as typeof socket;
        },
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => {
            if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Pong timeout');
          }, PONG_TIMEOUT_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        connecting: () => this.setState(this.everConnected ? 'down' : 'connecting'),
        connected: () => {
          const again = this.everConnected;
          this.everConnected = true;
          this.setState('connected');
          if (again) for (const listener of this.reconnectListeners) listener();
        },
        closed: () => {
          clearTimeout(pongTimer);
          if (this.everConnected) this.setState('down');
        },
      },
    });
  }

  private setState(state: ConnectionState) {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  getState(): ConnectionState {
    return this.state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /**
   * A subscription that is dropped when the socket closes and started again, with
   * `operation()` evaluated afresh, when it is back: so `alerts(after:)` resumes at the last
   * event seen instead of where it first started.
   */
  resumable<T>(operation: () => Operation, sink: ResumableSink<T>): () => void {
    let dispose: (() => void) | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const start = () => {
      if (stopped) return;
      dispose = this.client.subscribe<T>(operation(), {
        next: (result) => {
          if (result.errors?.length) {
            sink.error?.(result.errors.map((e) => e.message).join('; '));
            return;
          }
          if (result.data) sink.next(result.data as T);
        },
        error: (err: unknown) => {
          dispose = null;
          sink.error?.(describe(err));
          clearTimeout(retry);
          retry = setTimeout(start, 1_000);
        },
        complete: () => {
          dispose = null;
        },
      });
    };
    const onClosed = this.client.on('closed', () => {
      dispose?.();
      dispose = null;
    });
    const onReconnected = this.onReconnect(() => {
      if (dispose || stopped) return;
      start();
      sink.resumed?.();
    });
    this.resumables.add(onClosed);
    start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      onClosed();
      onReconnected();
      this.resumables.delete(onClosed);
      dispose?.();
    };
  }

  dispose(): void {
    for (const off of this.resumables) off();
    void this.client.dispose();
  }
}

function describe(err: unknown): string {
  if (Array.isArray(err)) return err.map((e: { message?: string }) => e.message ?? '').join('; ');
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err && 'reason' in err) return String(err.reason);
  return 'subscription failed';
}
