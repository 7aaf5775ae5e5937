import { redirect } from 'next/navigation';
import { serverAuth } from '../../../lib/auth';

/** The login form posts to a server action: the tokens go to httpOnly cookies, never to page script. */
async function login(formData: FormData) {
  'use server';
  const auth = await serverAuth();
  const result = await auth.login(String(formData.get('identifier') ?? ''), String(formData.get('password') ?? ''));
  if (!result.ok) redirect(`/auth/login?error=${encodeURIComponent(result.message)}`);
  redirect('/dashboard');
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <main>
      <h1>Log in</h1>
      {error ? <p role="alert" style={{ color: '#b42318' }}>{error}</p> : null}
      <form action={login} style={{ display: 'grid', gap: '0.75rem' }}>
        <label>
          Email or username
          <input name="identifier" type="text" autoComplete="username" required style={{ display: 'block', width: '100%' }} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required style={{ display: 'block', width: '100%' }} />
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
