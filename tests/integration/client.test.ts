/**
 * The client (`strapi-plugin-refresh-token/client`) from Node against a real playground Strapi:
 * single-flight, proactive refresh timing, retry-once on 401, event order, cookie delivery with a
 * cookie jar, restore, logout and revocation. The fetch given to the client only records what
 * crosses the wire (and keeps cookies like a browser would); the server and database are real.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../client/src';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';

const LIFESPAN_S = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WireEntry {
  method: string;
  path: string;
  status: number;
  bearer: string | null;
  sentAt: number;
}

/** A fetch that logs every exchange and, optionally, keeps cookies (name → { value, path }). */
function wire(options: { jar?: Map<string, { value: string; path: string }> } = {}) {
  const log: WireEntry[] = [];
  const jar = options.jar;
  const impl: typeof fetch = async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    if (jar) {
      const cookies = [...jar].filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.replace(/\/?$/, '/')));
      if (cookies.length) headers.set('cookie', cookies.map(([n, c]) => `${n}=${c.value}`).join('; '));
    }
    const sentAt = Date.now();
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const response = await fetch(url, { method: request.method, headers, body });
    if (jar) {
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';').map((s) => s.trim());
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        const cookiePath = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
        if (value === '' || attributes.some((a) => /^max-age=0$/i.test(a))) jar.delete(name);
        else jar.set(name, { value, path: cookiePath });
      }
    }
    const auth = headers.get('authorization');
    log.push({ method: request.method, path: url.pathname, status: response.status, bearer: auth ? auth.slice(7) : null, sentAt });
    return response;
  };
  return {
    log,
    fetch: impl,
    refreshes: () => log.filter((e) => e.path === '/api/token/refresh'),
    api: () => log.filter((e) => !e.path.startsWith('/api/token/') && !e.path.startsWith('/api/auth/')),
  };
}

let app: TestApp;
const refreshedEvents: Array<{ sessionId: string }> = [];

beforeAll(async () => {
  app = await startStrapi({
    plugin: { accessTokenLifespan: LIFESPAN_S, refreshTokenIdleLifespan: '1h', delivery: 'both', reuseGracePeriod: '10s' },
  });
  (app.strapi.eventHub as any).on('refresh-token.session.refreshed', (payload: { sessionId: string }) => {
    refreshedEvents.push(payload);
  });
});

afterAll(async () => {
  await app?.stop();
});

function makeClient(extra: Partial<AuthClientOptions> = {}, jar?: Map<string, { value: string; path: string }>) {
  const w = wire({ jar });
  const client = createAuthClient({ baseURL: app.url, delivery: 'body', fetch: w.fetch, ...extra });
  return { client, w };
}

async function waitUntil(moment: number) {
  const delay = moment - Date.now();
  if (delay > 0) await sleep(delay);
}

describe('client against a real Strapi', () => {
  it('logs in, keeps the access token in memory and calls the API with it', async () => {
    const { client, w } = makeClient();
    const events: string[] = [];
    client.onAuthChange((e) => events.push(`auth:${e.reason}:${e.signedIn}:${e.user?.email ?? '-'}`));
    expect(client.isSignedIn).toBe(false);

    const result = await client.login(DEMO_USER.email, DEMO_USER.password);
    expect(result.signedIn).toBe(true);
    expect(result.user.email).toBe(DEMO_USER.email);
    expect(client.isSignedIn).toBe(true);
    expect(client.sessionId).toMatch(/\S+/);
    expect(client.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 1000);
    expect(client.accessTokenExpiresAt).toBeLessThanOrEqual(Date.now() + LIFESPAN_S * 1000);
    expect(events).toEqual([`auth:login:true:${DEMO_USER.email}`]);

    const me = await client.fetch('/api/users/me');
    expect(me.status).toBe(200);
    expect((await me.json()).email).toBe(DEMO_USER.email);
    const sent = w.api()[0];
    expect(sent.bearer).toBeTruthy();
    // the login request carried JSON content type, no token
    expect(w.log[0]).toMatchObject({ method: 'POST', path: '/api/auth/local', status: 200, bearer: null });

    const sessions = await client.sessions();
    expect(sessions.find((s) => s.current)?.id).toBe(client.sessionId);
    await client.logout();
    expect(client.isSignedIn).toBe(false);
    expect(events.at(-1)).toBe('auth:logout:false:-');
  });

  it('refuses a wrong password with an AuthError carrying the server status and message', async () => {
    const { client } = makeClient();
    await expect(client.login(DEMO_USER.email, 'wrong-password')).rejects.toMatchObject({
      name: 'AuthError',
      status: 400,
      code: 'ValidationError',
    });
    expect(client.isSignedIn).toBe(false);
  });

  it('single-flight: 10 concurrent fetches at expiry make exactly one refresh request', async () => {
    const { client, w } = makeClient();
    await client.login(DEMO_USER.email, DEMO_USER.password);
    const sid = client.sessionId!;
    await waitUntil(client.accessTokenExpiresAt! + 100); // the token is now dead on the server too
    const before = refreshedEvents.filter((e) => e.sessionId === sid).length;

    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/api/users/me')));

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(w.refreshes()).toHaveLength(1);
    expect(w.refreshes()[0].status).toBe(200);
    expect(refreshedEvents.filter((e) => e.sessionId === sid).length - before).toBe(1);
    // every API request went out after the refresh, with the new token, and none met a 401
    const api = w.api();
    expect(api).toHaveLength(10);
    expect(api.every((e) => e.status === 200 && e.sentAt >= w.refreshes()[0].sentAt)).toBe(true);
    expect(new Set(api.map((e) => e.bearer)).size).toBe(1);
    await client.logout();
  });

  it('refreshes proactively inside the margin before exp, never after a 401', async () => {
    const { client, w } = makeClient();
    // Log in just after a second begins (iat is in whole seconds), so the token has its full 3 s and
    // a slow login cannot eat the time this test needs outside the margin.
    await waitUntil(Math.ceil(Date.now() / 1000) * 1000 + 20);
    await client.login(DEMO_USER.email, DEMO_USER.password);
    const expiresAt = client.accessTokenExpiresAt!;
    const margin = (LIFESPAN_S * 1000) / 4; // default margin: a quarter of the lifespan

    // outside the margin: the token is used as is
    await waitUntil(expiresAt - margin - 400);
    expect((await client.fetch('/api/users/me')).status).toBe(200);
    expect(w.refreshes()).toHaveLength(0);

    // inside the margin, before exp: refresh first, then the request with the new token
    await waitUntil(expiresAt - margin + 100);
    const res = await client.fetch('/api/users/me');
    expect(res.status).toBe(200);
    const [refresh] = w.refreshes();
    expect(w.refreshes()).toHaveLength(1);
    expect(refresh.sentAt).toBeGreaterThanOrEqual(expiresAt - margin);
    expect(refresh.sentAt).toBeLessThan(expiresAt);
    expect(w.log.filter((e) => e.status === 401)).toHaveLength(0);
    expect(client.accessTokenExpiresAt).toBeGreaterThan(expiresAt);
    await client.logout();
  });

  it('on a 401 refreshes once and retries once, and the caller sees only the 200', async () => {
    // A negative margin makes the client send its token after exp: the real server answers 401.
    const { client, w } = makeClient({ refreshMargin: -10_000 });
    await client.login(DEMO_USER.email, DEMO_USER.password);
    const first = client.accessTokenExpiresAt!;
    await waitUntil(first + 1100);

    const res = await client.fetch('/api/users/me');
    expect(res.status).toBe(200);
    expect(w.api().map((e) => e.status)).toEqual([401, 200]);
    expect(w.refreshes()).toHaveLength(1);
    const [stale, retried] = w.api();
    expect(retried.bearer).not.toBe(stale.bearer);
    expect(w.refreshes()[0].sentAt).toBeGreaterThanOrEqual(stale.sentAt);
    await client.logout();
  });

  it('retries at most once: a token the server keeps refusing gives the caller the 401', async () => {
    const { client, w } = makeClient();
    await client.login(DEMO_USER.email, DEMO_USER.password);
    // Make users-permissions refuse every access token, also freshly refreshed ones, while the
    // session itself stays fine: swap its verify for one that always fails, then put it back.
    const jwtService = app.strapi.plugin('users-permissions').service('jwt');
    const verify = jwtService.verify;
    jwtService.verify = async () => {
      throw new Error('Invalid token.');
    };
    try {
      const res = await client.fetch('/api/users/me');
      expect(res.status).toBe(401);
      expect(w.api().map((e) => e.status)).toEqual([401, 401]);
      expect(w.refreshes().map((e) => e.status)).toEqual([200]);
      expect(client.isSignedIn).toBe(true); // the session itself is fine
    } finally {
      jwtService.verify = verify;
    }
    expect((await client.fetch('/api/users/me')).status).toBe(200);
    await client.logout();
  });

  it('event order: login, refreshes, then onSessionExpired before onAuthChange(expired) when the user is blocked', async () => {
    const user = await app.createUser();
    const { client, w } = makeClient();
    const events: string[] = [];
    client.onAuthChange((e) => events.push(`auth:${e.reason}:${e.signedIn}`));
    client.onTokenRefresh((e) => events.push(`token:${e.fromOtherTab}`));
    client.onSessionExpired((e) => events.push(`expired:${e.status}:${e.fromOtherTab}`));

    await client.login(user.email, user.password);
    expect(await client.refresh()).toBe(true);
    expect(await client.refresh()).toBe(true);
    await app.strapi.db.query('plugin::users-permissions.user').update({ where: { id: user.id }, data: { blocked: true } });
    await waitUntil(client.accessTokenExpiresAt! + 100);

    const res = await client.fetch('/api/users/me');
    // the refresh was refused, so the request went out anonymous (public role: 403); the app shows its login
    expect(res.status).toBe(403);
    expect(w.api().at(-1)!.bearer).toBeNull();
    expect(events).toEqual(['auth:login:true', 'token:false', 'token:false', 'expired:401:false', 'auth:expired:false']);
    expect(client.isSignedIn).toBe(false);
    expect(await client.getUser()).toBeNull();
    // signed out: no more refresh attempts
    const refreshCount = w.refreshes().length;
    expect((await client.fetch('/api/users/me')).status).toBe(403);
    expect(w.refreshes()).toHaveLength(refreshCount);
  });

  it('cookie delivery from Node with a cookie jar: JSON content type passes the CSRF rule, restore after "reload"', async () => {
    const jar = new Map<string, { value: string; path: string }>();
    const { client, w } = makeClient({ delivery: 'cookie' }, jar);
    await client.login(DEMO_USER.email, DEMO_USER.password);
    expect(jar.has('strapi_refresh_token')).toBe(true);
    expect(jar.get('strapi_refresh_token')!.path).toBe('/api/token');
    expect(await client.refresh()).toBe(true);
    expect(w.refreshes()[0].status).toBe(200);

    // a "reloaded page": a new client, same cookies, nothing in memory
    const { client: reloaded, w: w2 } = makeClient({ delivery: 'cookie' }, jar);
    const events: string[] = [];
    reloaded.onAuthChange((e) => events.push(`${e.reason}:${e.signedIn}`));
    const me = await reloaded.getUser();
    expect(me?.email).toBe(DEMO_USER.email);
    expect(events).toEqual(['restore:true']);
    expect(w2.refreshes()).toHaveLength(1);
    expect(reloaded.sessionId).toBe(client.sessionId);

    expect(await reloaded.logout()).toEqual({ revoked: true });
    expect(jar.has('strapi_refresh_token')).toBe(false);
    // with no cookie, a fresh client is simply signed out: no event, no error
    const { client: anonymous, w: w3 } = makeClient({ delivery: 'cookie' }, jar);
    const silent: string[] = [];
    anonymous.onSessionExpired(() => silent.push('expired'));
    expect(await anonymous.getUser()).toBeNull();
    expect(silent).toEqual([]);
    // ...and its one probe is answered 204, not a 400 that a browser console shows in red.
    expect(w3.refreshes().map((e) => e.status)).toEqual([204]);
    expect(w3.log.every((e) => e.status < 400)).toBe(true);
  });

  it("a fresh page while Strapi is unreachable settles within startTimeout to signed out ('unavailable'), retries, and signs in when Strapi is back", async () => {
    const jar = new Map<string, { value: string; path: string }>();
    const { client: first } = makeClient({ delivery: 'cookie' }, jar);
    await first.login(DEMO_USER.email, DEMO_USER.password);
    let down = true;
    const w = wire({ jar });
    const flaky: typeof fetch = (input, init) =>
      down ? Promise.reject(new TypeError('fetch failed: connect ECONNREFUSED')) : w.fetch(input, init);
    const reloaded = createAuthClient({ baseURL: app.url, delivery: 'cookie', fetch: flaky, startTimeout: 1500 });
    const events: string[] = [];
    reloaded.onAuthChange((e) => events.push(`${e.reason}:${e.signedIn}`));
    const started = Date.now();
    expect(await reloaded.getUser()).toBeNull();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(events).toEqual(['unavailable:false']);
    expect(reloaded.isSignedIn).toBe(false);
    down = false;
    await expect.poll(() => reloaded.isSignedIn, { timeout: 10_000, interval: 100 }).toBe(true);
    expect(events).toEqual(['unavailable:false', 'restore:true']);
    expect((await reloaded.getUser())?.email).toBe(DEMO_USER.email);
    reloaded.destroy();
  });

  it('a server that never answers: the start still settles within startTimeout', async () => {
    const hanging: typeof fetch = () => new Promise<Response>(() => undefined);
    const client = createAuthClient({ baseURL: app.url, delivery: 'cookie', fetch: hanging, startTimeout: 800 });
    const events: string[] = [];
    client.onAuthChange((e) => events.push(e.reason));
    const started = Date.now();
    expect(await client.getUser()).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events).toEqual(['unavailable']);
    client.destroy();
  });

  it('revoking a session from another client ends it: the victim gets onSessionExpired at its next refresh', async () => {
    const { client: victim } = makeClient();
    const { client: other } = makeClient();
    await victim.login(DEMO_USER.email, DEMO_USER.password);
    await other.login(DEMO_USER.email, DEMO_USER.password);
    const expired: number[] = [];
    victim.onSessionExpired((e) => expired.push(e.status));

    const list = await other.sessions();
    expect(list.some((s) => s.id === victim.sessionId && !s.current)).toBe(true);
    await other.revokeSession(victim.sessionId!);
    expect(await victim.refresh()).toBe(false);
    expect(expired).toEqual([401]);
    expect(victim.isSignedIn).toBe(false);
    expect(other.isSignedIn).toBe(true);

    // revoking its own current session signs the client out
    await other.revokeSession(other.sessionId!);
    expect(other.isSignedIn).toBe(false);
  });

  it('logoutAll ends every session of the user', async () => {
    const user = await app.createUser();
    const { client: a } = makeClient();
    const { client: b } = makeClient();
    await a.login(user.email, user.password);
    await b.login(user.email, user.password);
    await a.logoutAll();
    expect(a.isSignedIn).toBe(false);
    expect(await b.refresh()).toBe(false);
  });

  it('register signs a new user in', async () => {
    const { client } = makeClient();
    const result = await client.register({ username: 'client-reg', email: 'client-reg@example.com', password: 'Client-Passw0rd!' });
    expect(result).toMatchObject({ signedIn: true, user: { email: 'client-reg@example.com' } });
    expect((await client.getUser())?.username).toBe('client-reg');
  });

  it('does not attach the access token to other origins', async () => {
    const { client } = makeClient();
    await client.login(DEMO_USER.email, DEMO_USER.password);
    const seen: Array<string | null> = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? null);
      res.end('ok');
    });
    // Another origin by its address alone (no name to resolve): 127.0.0.2.
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect((await client.fetch(`http://127.0.0.2:${port}/x`)).status).toBe(200);
    } finally {
      server.close();
    }
    expect(seen).toEqual([null]);
    await client.logout();
  });
});

describe('the client in Node (no cookie jar of its own)', () => {
  it("refuses delivery 'cookie' at creation, naming delivery: 'body', instead of failing at the first refresh", () => {
    expect(() => createAuthClient({ baseURL: app.url })).toThrow(/delivery: 'body'/);
    expect(() => createAuthClient({ baseURL: app.url, delivery: 'cookie' })).toThrow(TypeError);
    // Body delivery, or a fetch that keeps cookies, is fine.
    expect(() => createAuthClient({ baseURL: app.url, delivery: 'body' })).not.toThrow();
    expect(() => createAuthClient({ baseURL: app.url, fetch: wire({ jar: new Map() }).fetch })).not.toThrow();
  });

  it('logout tells whether the server revoked the session: revoked when it did, not when it could not be reached', async () => {
    const { client } = makeClient();
    await client.login(DEMO_USER.email, DEMO_USER.password);
    const sid = client.sessionId!;
    expect(await client.logout()).toEqual({ revoked: true });
    const row = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
    expect(row.revoked_reason).toBe('logout');

    // A server that is down: the local sign-out happens, and the caller learns the session lives on.
    let online = true;
    const flaky: typeof fetch = (input, init) => (online ? fetch(input, init) : Promise.reject(new TypeError('fetch failed')));
    const offline = createAuthClient({ baseURL: app.url, delivery: 'body', fetch: flaky, crossTab: false });
    await offline.login(DEMO_USER.email, DEMO_USER.password);
    online = false;
    const result = await offline.logout();
    expect(result.revoked).toBe(false);
    expect(result.error).toContain('fetch failed');
    expect(offline.isSignedIn).toBe(false);
  });
});

describe('package entry', () => {
  it('resolves strapi-plugin-refresh-token/client from dist with require and import', async () => {
    const require = createRequire(path.resolve(__dirname, '../../package.json'));
    const resolved = require.resolve('strapi-plugin-refresh-token/client');
    expect(resolved).toBe(path.resolve(__dirname, '../../dist/client/index.js'));
    const cjs = require('strapi-plugin-refresh-token/client');
    expect(typeof cjs.createAuthClient).toBe('function');
    const esm = await import(path.resolve(__dirname, '../../dist/client/index.mjs'));
    expect(typeof esm.createAuthClient).toBe('function');
    const client: AuthClient = cjs.createAuthClient({ baseURL: app.url, delivery: 'body' });
    await client.login(DEMO_USER.email, DEMO_USER.password);
    expect((await client.fetch('/api/users/me')).status).toBe(200);
    await client.logout();
  });
});
