// The GraphQL playground, from the npm `graphiql` package: no CDN, so it works offline. It
// sends the signed-in session's token over HTTP and in the socket's `connection_init`, unless
// the header editor sets its own `Authorization`. Its schema is the server's SDL, built into
// the app, so it needs no introspection query (docs/ARCHITECTURE.md §12.3).
import { useMemo } from 'react';
import { buildSchema } from 'graphql';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { useSearch } from '@tanstack/react-router';
import { useApp } from '../app';
import { socketUrl } from '../lib/live';
import sdl from '../../../schema.graphql?raw';

const schema = buildSchema(sdl);

export default function Playground() {
  const { session } = useApp();
  const { query } = useSearch({ from: '/playground' });
  const token = session?.accessToken ?? null;
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: '/graphql',
        subscriptionUrl: socketUrl(window.location),
        wsConnectionParams: token ? { authorization: `Bearer ${token}` } : {},
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
          return fetch(input, { ...init, headers });
        },
      }),
    [token],
  );
  return (
    <div style={{ height: session ? 'calc(100dvh - 88px)' : '100dvh' }} data-testid="playground">
      <GraphiQL fetcher={fetcher} schema={schema} initialQuery={query} defaultQuery={'{\n  me {\n    role\n    organization { name }\n  }\n}\n'} />
    </div>
  );
}
