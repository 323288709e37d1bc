import { Anchor, PasswordInput, TextInput } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useApp } from '../app';
import { AuthForm } from '../components/AuthForm';
import { SignUpMutation } from '../lib/documents';
import { WITHOUT_TOKEN } from '../lib/api';

export default function SignUp() {
  const { client } = useApp();
  return (
    <AuthForm
      title="Create an organization"
      action="Sign up"
      submit={async (form) => {
        const text = (name: string) => String(form.get(name) ?? '');
        const input = {
          organizationName: text('organizationName'),
          displayName: text('displayName'),
          email: text('email'),
          password: text('password'),
        };
        const result = await client.mutation(SignUpMutation, { input }, WITHOUT_TOKEN).toPromise();
        return { session: result.data?.signUp, error: result.error };
      }}
      footer={
        <>
          Have an account?{' '}
          <Anchor component={Link} to="/signin">
            Sign in
          </Anchor>
        </>
      }
    >
      <TextInput name="organizationName" label="Organization" required />
      <TextInput name="displayName" label="Your name" autoComplete="name" required />
      <TextInput name="email" label="Email" type="email" autoComplete="username" required />
      <PasswordInput name="password" label="Password" autoComplete="new-password" required />
    </AuthForm>
  );
}
