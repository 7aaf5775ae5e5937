/**
 * Issue 12, database faults on PostgreSQL: while 5 clients refresh in a loop, the test database
 * stops accepting connections and every open connection to it is killed, for 3 seconds, then it
 * comes back. Every answer during the outage is 503 with Retry-After (never 401 or 500), one log
 * line marks the outage, and afterwards every chain continues: exactly one live session per client.
 */
import { Client } from 'pg';
import { createAuthClient } from '../../client/src';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStrapi, type TestApp } from '../helpers/strapi';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Ends every connection to the test database at once, then waits until the server has closed them all. */
async function terminateConnections(c: Client): Promise<void> {
  const others = `FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`;
  await c.query(`SELECT pg_terminate_backend(pid) ${others}`, [database]);
  for (let tries = 0; (await c.query(`SELECT count(*)::int AS n ${others}`, [database])).rows[0].n > 0; tries++) {
    if (tries > 100) throw new Error('the test database still has connections 5 s after terminating them');
    await sleep(50);
  }
}

let app: TestApp;
let database: string;
const logged: string[] = [];

beforeAll(async () => {
  if (process.env.DB !== 'postgres') throw new Error('the fault test runs on PostgreSQL: DB=postgres');
  // 'both': the chains use the body, and a 503 can be checked to leave the cookie alone.
  app = await startStrapi({ plugin: { delivery: 'both', reuseGracePeriod: '10s' }, env: { DATABASE_POOL_MAX: '4' } });
  database = app.strapi.config.get('database.connection.connection.database') as string;
  for (const level of ['error', 'info'] as const) {
    const original = app.strapi.log[level].bind(app.strapi.log);
    (app.strapi.log as any)[level] = (message: unknown, ...rest: unknown[]) => {
      logged.push(`${level}: ${String(message)}`);
      return original(message as string, ...rest);
    };
  }
});
afterAll(async () => {
  await admin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)).catch(() => undefined);
  await app?.stop();
});

describe('a database outage during refreshes', () => {
  it('answers 503 (never 401 or 500) while the database is gone, and every chain continues afterwards', async () => {
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const user = await app.createUser();
        const res = await app.client().login(user.email, user.password);
        expect(res.status).toBe(200);
        return {
          userId: user.id,
          token: res.body.refreshToken as string,
          statuses: [] as number[],
          retryAfter: new Set<string>(),
          cookiesSetOn503: 0,
        };
      })
    );
    const phase = { outage: false };
    const during: number[] = [];
    let stop = false;
    const loops = clients.map(async (c) => {
      while (!stop) {
        const res = await app.client().refresh({ json: { refreshToken: c.token } });
        c.statuses.push(res.status);
        if (phase.outage) during.push(res.status);
        if (res.status === 200) c.token = res.body.refreshToken;
        if (res.status === 503) {
          c.retryAfter.add(res.headers.get('retry-after') ?? '');
          c.cookiesSetOn503 += res.setCookies.length;
        }
        await sleep(50);
      }
    });

    await sleep(1000);
    await admin(async (c) => {
      await c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await terminateConnections(c);
    });
    phase.outage = true;
    await sleep(3000);
    phase.outage = false;
    await admin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
    await sleep(1500);
    stop = true;
    await Promise.all(loops);

    const all = clients.flatMap((c) => c.statuses);
    const count = (s: number) => all.filter((x) => x === s).length;
    console.log(
      `outage: ${all.length} refreshes, ${count(200)} × 200, ${count(503)} × 503 (${during.filter((s) => s === 503).length} of ${during.length} answered during the 3 s outage), ${count(401)} × 401, ${count(500)} × 500`
    );
    expect(during.length).toBeGreaterThan(10);
    expect(during.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(all.every((s) => s === 200 || s === 503)).toBe(true);
    for (const c of clients) if (c.retryAfter.size) expect([...c.retryAfter]).toEqual(['5']);
    // A 503 never touches the cookie (a 401 would clear it and sign the browser out).
    expect(clients.reduce((n, c) => n + c.cookiesSetOn503, 0)).toBe(0);
    // After recovery every chain goes on, with exactly one live session per client.
    for (const c of clients) {
      const res = await app.client().refresh({ json: { refreshToken: c.token } });
      expect(res.status).toBe(200);
      const live = await app.strapi.db.connection('refresh_token_sessions').where({ user_id: c.userId }).whereNull('revoked_at');
      expect(live).toHaveLength(1);
    }
    expect(logged.filter((l) => l.includes('session store is unreachable'))).toHaveLength(1);
    expect(logged.filter((l) => l.includes('reachable again'))).toHaveLength(1);
    expect(logged.join('\n')).not.toMatch(/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/);
  });

  it('login and authenticated API calls during an outage are 503 too; the client keeps the session and retries', async () => {
    const user = await app.createUser();
    const auth = createAuthClient({ baseURL: app.url, delivery: 'body', crossTab: false });
    const expired: number[] = [];
    auth.onSessionExpired((e) => expired.push(e.status));
    await auth.login(user.email, user.password);
    const { jwt } = await app
      .client()
      .login(user.email, user.password)
      .then((r) => r.body);
    const browser = app.client();
    await browser.login(user.email, user.password);
    const cookie = browser.jar.get('strapi_refresh_token');
    await admin(async (c) => {
      await c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await terminateConnections(c);
    });
    try {
      // An authenticated API call is 503, not the 401 users-permissions' strategy would answer.
      const me = await app.client().get('/api/users/me', { bearer: jwt });
      expect(me.status).toBe(503);
      // Strapi's session API, served by the plugin: 503 as well.
      for (const reply of [
        await app.client().get('/api/auth/sessions', { bearer: jwt }),
        await app.client().post('/api/auth/logout', { json: { scope: 'all' }, bearer: jwt }),
        await app.client().delete('/api/auth/sessions/some-session', { bearer: jwt }),
      ]) {
        expect(reply.status, reply.text).toBe(503);
        expect(reply.headers.get('retry-after')).toBe('5');
      }
      // A cookie refresh: 503, no Set-Cookie, the browser keeps its cookie.
      const cookieRefresh = await browser.refresh({ json: {} });
      expect(cookieRefresh.status).toBe(503);
      expect(cookieRefresh.setCookies).toEqual([]);
      expect(browser.jar.get('strapi_refresh_token')).toBe(cookie);
      // The client retries (bounded) and then reports a transient error: never signed out.
      const refreshed = await auth.refresh().then(
        (ok) => ({ ok }),
        (error) => ({ error })
      );
      expect(refreshed).toMatchObject({ error: { status: 503 } });
      expect(auth.isSignedIn).toBe(true);
      expect(expired).toEqual([]);

      const res = await app.client().login(user.email, user.password);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ status: 503, name: 'ServiceUnavailableError' });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.setCookies).toEqual([]);
    } finally {
      await admin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
    }
    expect((await app.client().login(user.email, user.password)).status).toBe(200);
    expect(await auth.refresh()).toBe(true);
    expect(expired).toEqual([]);
    expect((await browser.refresh({ json: {} })).status).toBe(200);
  });
});
