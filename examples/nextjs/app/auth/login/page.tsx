import { redirect } from 'next/navigation';
import { StrapiUnavailableError } from 'strapi-plugin-refresh-token/server';
import { serverAuth } from '../../../lib/auth';

/** The login form posts to a server action: the tokens go to httpOnly cookies, never to page script. */
async function login(formData: FormData) {
  'use server';
  const auth = await serverAuth();
  let message: string | null = null;
  try {
    // Unticked "Keep me signed in": the session ends with the browser (no Max-Age on its cookie).
    const result = await auth.login(String(formData.get('identifier') ?? ''), String(formData.get('password') ?? ''), {
      rememberMe: formData.get('remember') === 'on',
    });
    if (!result.ok) message = result.message;
  } catch (error) {
    if (!(error instanceof StrapiUnavailableError)) throw error;
    message =
      error.status === 429
        ? 'Too many attempts: wait a minute and try again.'
        : 'The server is busy right now: try again in a few seconds.';
  }
  redirect(message ? `/auth/login?error=${encodeURIComponent(message)}` : '/dashboard');
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <main>
      <h1>Log in</h1>
      {error ? (
        <p role="alert" style={{ color: '#b42318' }}>
          {error}
        </p>
      ) : null}
      <form action={login} style={{ display: 'grid', gap: '0.75rem' }}>
        <label>
          Email or username
          <input name="identifier" type="text" autoComplete="username" required style={{ display: 'block', width: '100%' }} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required style={{ display: 'block', width: '100%' }} />
        </label>
        <label>
          <input name="remember" type="checkbox" /> Keep me signed in
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
