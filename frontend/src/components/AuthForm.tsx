// The frame of the sign-in and sign-up pages: the form, its error, and what happens when the
// server answers with a session.
import { useState, type ReactNode } from 'react';
import { Alert, Button, Container, Stack, Text, Title } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import type { CombinedError } from 'urql';
import { useApp } from '../app';
import { errorMessage, toSession } from '../lib/api';
import type { SessionFieldsFragment } from '../gql/graphql';

export interface AuthResult {
  session?: SessionFieldsFragment | undefined;
  error?: CombinedError | undefined;
}

export function AuthForm({
  title,
  action,
  submit,
  footer,
  children,
}: {
  title: string;
  action: string;
  submit: (form: FormData) => Promise<AuthResult>;
  footer: ReactNode;
  children: ReactNode;
}) {
  const { store } = useApp();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Container size={420} py="xl">
      <Title order={1} size="h2" mb="md">
        {title}
      </Title>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const result = await submit(new FormData(e.currentTarget));
          setBusy(false);
          if (result.session) {
            store.set(toSession(result.session));
            await navigate({ to: '/' });
          } else if (result.error) {
            setError(errorMessage(result.error));
          }
        }}
      >
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {children}
          <Button type="submit" loading={busy}>
            {action}
          </Button>
          <Text size="sm">{footer}</Text>
        </Stack>
      </form>
    </Container>
  );
}
