import { redirect } from 'next/navigation';
import { serverAuth } from '../../lib/auth';

export const dynamic = 'force-dynamic';

async function logout() {
  'use server';
  const auth = await serverAuth();
  await auth.logout();
  redirect('/auth/login');
}

/** Server-rendered with the signed-in user's data; signed out, it sends the browser to the login page. */
export default async function Dashboard() {
  const auth = await serverAuth();
  const user = await auth.getUser();
  if (!user) redirect('/auth/login');
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong data-testid="email">{user.email}</strong>
      </p>
      <form action={logout}>
        <button type="submit">Log out</button>
      </form>
    </main>
  );
}
