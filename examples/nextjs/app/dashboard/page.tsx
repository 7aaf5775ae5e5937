import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { RefreshNeededError, StrapiUnavailableError, type AuthUser } from 'strapi-plugin-refresh-token/server';
import { pageAuth, serverAuth } from '../../lib/auth';

export const dynamic = 'force-dynamic';

async function logout() {
  'use server';
  const auth = await serverAuth();
  await auth.logout();
  redirect('/auth/login');
}

/**
 * Server-rendered with the signed-in user's data; signed out, it sends the browser to the login
 * page. Strapi busy or unreachable (429, 503): a notice to try again, and the session is kept.
 */
export default async function Dashboard() {
  const verifiedAtEdge = (await headers()).get('x-verified-user-id');
  if (verifiedAtEdge === 'none') redirect('/auth/login'); // the middleware checked the token against Strapi's JWKS
  let user: AuthUser | null;
  try {
    user = await (await pageAuth()).getUser();
  } catch (error) {
    if (!(error instanceof StrapiUnavailableError || error instanceof RefreshNeededError)) throw error;
    return (
      <main>
        <h1>Dashboard</h1>
        <p role="alert" data-testid="retry">
          The server is busy right now. You are still signed in: <a href="/dashboard">try again</a> in a few seconds.
        </p>
      </main>
    );
  }
  if (!user) redirect('/auth/login');
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong data-testid="email">{user.email}</strong>
      </p>
      {verifiedAtEdge && (
        <p data-testid="verified">Access token verified by the middleware against Strapi&apos;s JWKS (user {verifiedAtEdge}).</p>
      )}
      <form action={logout}>
        <button type="submit">Log out</button>
      </form>
    </main>
  );
}
