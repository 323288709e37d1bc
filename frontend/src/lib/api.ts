// The HTTP GraphQL client (queries and mutations); subscriptions go over `Live`'s socket.
import { Client, cacheExchange, fetchExchange, type CombinedError } from 'urql';
import type { Session } from './session';
import type { SessionFieldsFragment } from '../gql/graphql';

export function createApiClient(token: () => string | null): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => {
      const t = token();
      return t ? { headers: { authorization: `Bearer ${t}` } } : {};
    },
  });
}

/**
 * The context of a call made without the session's token: signing in and up, and refreshing,
 * which the server refuses with UNAUTHENTICATED when they carry an expired access token.
 */
export const WITHOUT_TOKEN = { fetchOptions: {} } as const;

/** The `extensions.code` of the first GraphQL error (`UNAUTHENTICATED`, `FORBIDDEN`, ...). */
export function errorCode(error: CombinedError | undefined): string | null {
  const code: unknown = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : null;
}

/** A message for a person: the server's, or that it could not be reached. */
export function errorMessage(error: CombinedError): string {
  if (error.networkError) return 'The server could not be reached. Try again.';
  return error.graphQLErrors.map((e) => e.message).join('; ') || error.message;
}

export function toSession(payload: SessionFieldsFragment): Session {
  return {
    accessToken: payload.accessToken,
    accessTokenExpiresAt: payload.accessTokenExpiresAt,
    refreshToken: payload.refreshToken,
    refreshTokenExpiresAt: payload.refreshTokenExpiresAt,
    role: payload.role,
    user: payload.user,
    organization: payload.organization,
  };
}
