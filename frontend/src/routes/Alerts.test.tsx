import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MantineProvider } from '@mantine/core';
import { Client, fetchExchange } from 'urql';
import { AppContext, type AppContextValue } from '../app';
import { SessionStore, type Session } from '../lib/session';
import { emptyInbox, inboxReducer, type InboxAlert } from '../lib/inbox';
import type { Role } from '../gql/graphql';
import { inboxAlert } from '../test-fixtures';
import Alerts from './Alerts';

const alert = (id: string, over: Partial<InboxAlert> = {}) =>
  inboxAlert(id, { severity: 'ERROR', title: `Overheat ${id}`, ...over });

function renderAs(role: Role, alerts: InboxAlert[]) {
  const session: Session = {
    accessToken: 'a',
    accessTokenExpiresAt: '2099-01-01T00:00:00Z',
    refreshToken: 'r',
    refreshTokenExpiresAt: '2099-01-01T00:00:00Z',
    user: { id: 'u', email: 'u@example.com', displayName: 'U' },
    organization: { id: 'o', name: 'Org', slug: 'org' },
    role,
  };
  const client = new Client({ url: 'http://127.0.0.1:9/graphql', exchanges: [fetchExchange] });
  // No network: every mutation answers at once with nothing (the subscription brings changes).
  const answered = { toPromise: async () => ({ data: undefined, error: undefined }) };
  const mutation = vi
    .spyOn(client, 'mutation')
    .mockImplementation(() => answered as unknown as ReturnType<Client['mutation']>);
  const value: AppContextValue = {
    store: new SessionStore(null),
    session,
    client,
    live: null,
    connection: 'connected',
    inbox: inboxReducer(emptyInbox, { type: 'loaded', alerts }),
    dispatchInbox: () => undefined,
  };
  render(
    <MantineProvider>
      <AppContext.Provider value={value}>
        <Alerts />
      </AppContext.Provider>
    </MantineProvider>,
  );
  return { mutation };
}

describe('the alerts inbox page', () => {
  it('offers a viewer the alerts but no acknowledge, resolve or selection', () => {
    renderAs('VIEWER', [alert('1'), alert('2', { status: 'ACKNOWLEDGED' })]);
    expect(screen.getAllByTestId('alert')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Resolve' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Acknowledge selected/ })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: /^Select / })).toBeNull();
  });

  it('offers an operator acknowledge on open alerts only, and resolve on all', () => {
    renderAs('OPERATOR', [alert('1'), alert('2', { status: 'ACKNOWLEDGED' })]);
    expect(screen.getAllByRole('button', { name: 'Acknowledge' })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: 'Resolve' })).toHaveLength(2);
  });

  it('counts the alerts by severity', () => {
    renderAs('VIEWER', [alert('1'), alert('2', { severity: 'CRITICAL' }), alert('3')]);
    expect(screen.getByRole('checkbox', { name: 'error: 2' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'critical: 1' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'info: 0' })).not.toBeChecked();
  });

  it('acknowledges the selected open alerts in bulk with the note typed', async () => {
    const user = userEvent.setup();
    const { mutation } = renderAs('OPERATOR', [alert('1'), alert('2'), alert('3', { status: 'ACKNOWLEDGED' })]);
    await user.click(screen.getByRole('checkbox', { name: 'Select Overheat 1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select Overheat 2' }));
    await user.click(screen.getByRole('button', { name: 'Acknowledge selected (2)' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Note (optional)'), 'on it');
    await user.click(within(dialog).getByRole('button', { name: 'Acknowledge' }));
    const inputs = mutation.mock.calls.map(([, variables]) => variables);
    expect(inputs).toEqual([{ input: { id: '1', comment: 'on it' } }, { input: { id: '2', comment: 'on it' } }]);
  });
});
