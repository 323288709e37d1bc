import { AppShell, Badge, Burger, Group, Loader, NavLink, Select, Text, Button, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { useApp } from '../app';
import { LogoutMutation, MyOrganizationsQuery, SwitchMutation } from '../lib/documents';
import { errorMessage, toSession } from '../lib/api';
import { notifications } from '@mantine/notifications';

const PAGES = [
  { to: '/', label: 'Fleet' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/stops', label: 'Emergency stops' },
  { to: '/playground', label: 'Playground' },
] as const;

export function Shell() {
  const { session, store } = useApp();
  const [opened, { toggle, close }] = useDisclosure();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (session && store.isStale()) {
    return <Loader m="xl" aria-label="Renewing your session" />;
  }
  if (!session) {
    return (
      <main>
        <Outlet />
      </main>
    );
  }
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={1} size="h4">
              Fleetgraph
            </Title>
            <ConnectionBadge />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <OrganizationSwitcher />
            <SignOut />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Pages">
        {PAGES.map((page) => (
          <NavLink
            key={page.to}
            component={Link}
            to={page.to}
            label={page.label}
            active={path === page.to}
            variant="filled"
            onClick={close}
          />
        ))}
        <Text size="xs" c="dimmed" mt="auto" p="xs">
          {session.user.displayName} · {session.role.toLowerCase()}
        </Text>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}

function ConnectionBadge() {
  const { connection } = useApp();
  if (connection === 'connected') {
    return (
      <Badge color="teal.9" variant="outline" aria-label="Live: connected">
        live
      </Badge>
    );
  }
  return (
    <Badge color={connection === 'down' ? 'red.9' : 'gray.8'} variant="filled" role="status" data-testid="connection-down">
      {connection === 'down' ? 'offline, reconnecting' : 'connecting'}
    </Badge>
  );
}

function OrganizationSwitcher() {
  const { session, client, store } = useApp();
  const [{ data }] = useQuery({ query: MyOrganizationsQuery });
  const organizations = data?.me.organizations ?? [];
  if (!session || organizations.length < 2) return null;
  return (
    <Select
      aria-label="Organization"
      size="xs"
      w={180}
      allowDeselect={false}
      value={session.organization.slug}
      data={organizations.map((m) => ({ value: m.organization.slug, label: m.organization.name }))}
      onChange={async (slug) => {
        if (!slug || slug === session.organization.slug) return;
        const result = await client.mutation(SwitchMutation, { input: { organizationSlug: slug } }).toPromise();
        if (result.data) store.set(toSession(result.data.switchOrganization));
        else if (result.error) notifications.show({ color: 'red', message: errorMessage(result.error) });
      }}
    />
  );
}

function SignOut() {
  const { client, store } = useApp();
  const navigate = useNavigate();
  return (
    <Button
      size="xs"
      variant="default"
      onClick={async () => {
        await client.mutation(LogoutMutation, {}).toPromise();
        store.set(null);
        await navigate({ to: '/signin' });
      }}
    >
      Sign out
    </Button>
  );
}
