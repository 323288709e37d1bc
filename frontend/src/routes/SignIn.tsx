import { Anchor, PasswordInput, TextInput } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useApp } from '../app';
import { AuthForm } from '../components/AuthForm';
import { LoginMutation } from '../lib/documents';
import { WITHOUT_TOKEN } from '../lib/api';

export default function SignIn() {
  const { client } = useApp();
  return (
    <AuthForm
      title="Sign in to Fleetgraph"
      action="Sign in"
      submit={async (form) => {
        const input = { email: String(form.get('email')), password: String(form.get('password')) };
        const result = await client.mutation(LoginMutation, { input }, WITHOUT_TOKEN).toPromise();
        return { session: result.data?.login, error: result.error };
      }}
      footer={
        <>
          No account?{' '}
          <Anchor component={Link} to="/signup">
            Sign up
          </Anchor>
        </>
      }
    >
      <TextInput name="email" label="Email" type="email" autoComplete="username" required />
      <PasswordInput name="password" label="Password" autoComplete="current-password" required />
    </AuthForm>
  );
}
