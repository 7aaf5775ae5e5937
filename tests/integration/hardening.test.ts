/**
 * Issue 10, as an attacker tries it over plain HTTP: untrusted origins, login CSRF, password
 * changes by every path, the limiter's keys and stores, GraphQL aliases, and the transport checks.
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, HttpClient, parseSetCookie } from '../helpers/http';

const COOKIE = 'strapi_refresh_token';
const TRUSTED = 'https://app.example.com';
const EVIL = 'https://evil.example';
const row = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
const sessionCount = async (app: TestApp) => Number((await app.strapi.db.connection('refresh_token_sessions').count({ n: 'id' }))[0].n);
const liveSessions = async (app: TestApp, userId: number) =>
  (await app.strapi.db.connection('refresh_token_sessions').where({ user_id: userId }).whereNull('revoked_at')).length;

async function cookieLogin(app: TestApp, user: { email: string; password: string } = DEMO_USER) {
  const http = app.client();
  const res = await http.login(user.email, user.password);
  expect(res.status, res.text).toBe(200);
  return { http, sid: decodeJwt(res.body.jwt).sid as string, jwt: res.body.jwt as string };
}

describe('trusted origins (cookie delivery)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { trustedOrigins: [TRUSTED, 'https://*.example.org'] } });
  });
  afterAll(() => app.stop());

  it('a cookie refresh from an untrusted Origin is 403 naming the origin and trustedOrigins; nothing rotates', async () => {
    const { http, sid } = await cookieLogin(app);
    const cookie = http.jar.get(COOKIE);
    for (const origin of [EVIL, 'null', 'https://app.example.com.evil.example', 'http://app.example.com', 'http://localhost:5173']) {
      const res = await http.refresh({ json: {}, headers: { origin } });
      expect(res.status, origin).toBe(403);
      expect(res.body.error).toMatchObject({ status: 403, name: 'ForbiddenError' });
      expect(res.body.error.message).toContain(origin);
      expect(res.body.error.message).toContain('trustedOrigins');
      expect(res.body.jwt).toBeUndefined();
      expect(res.setCookies).toEqual([]);
    }
    expect(http.jar.get(COOKIE)).toBe(cookie);
    expect((await row(app, sid)).generation).toBe(0);
  });

  it('trusted origins, the server itself and requests without Origin are served', async () => {
    const { http } = await cookieLogin(app);
    for (const origin of [TRUSTED, 'https://shop.example.org', 'https://a.b.example.org', app.url, undefined]) {
      const res = await http.refresh({ json: {}, headers: origin ? { origin } : {} });
      expect(res.status, String(origin)).toBe(200);
      expect(typeof res.body.jwt).toBe('string');
    }
  });

  it('logout, logout-all and login from an untrusted Origin are refused before any side effect', async () => {
    const user = await app.createUser();
    const { http, sid, jwt } = await cookieLogin(app, user);
    expect((await http.post('/api/token/logout', { json: {}, headers: { origin: EVIL } })).status).toBe(403);
    expect((await http.post('/api/token/logout-all', { json: {}, bearer: jwt, headers: { origin: EVIL } })).status).toBe(403);
    expect((await row(app, sid)).revoked_at).toBeNull();

    const before = await sessionCount(app);
    const login = await app
      .client()
      .post('/api/auth/local', { json: { identifier: user.email, password: user.password }, headers: { origin: EVIL } });
    expect(login.status).toBe(403);
    expect(login.body.error.message).toContain('trustedOrigins');
    expect(login.setCookies).toEqual([]);
    expect(await sessionCount(app)).toBe(before);
  });
});

describe('logout with a stale cookie', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(() => app.stop());

  it('a cookie whose signature no longer matches: logout clears it and answers 200 (refresh still answers 401)', async () => {
    const { http, sid } = await cookieLogin(app);
    const [, secret] = http.jar.get(COOKIE)!.split('.');
    http.jar.set(COOKIE, `${sid}.${secret.slice(0, -2)}zz`);
    const refresh = await http.refresh({ json: {} });
    expect(refresh.status).toBe(401);
    http.jar.set(COOKIE, `${sid}.${secret.slice(0, -2)}zz`);
    const logout = await http.post('/api/token/logout', { json: {} });
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ ok: true });
    expect(parseSetCookie(logout.setCookies, COOKIE)).toMatchObject({ value: '', 'max-age': '0' });
    // Nothing was revoked on the strength of an unsigned value.
    expect((await row(app, sid)).revoked_at).toBeNull();
  });
});

describe('trusted origins by default', () => {
  it('development trusts this machine on any port, not other sites', async () => {
    const app = await startStrapi();
    try {
      const { http } = await cookieLogin(app);
      expect((await http.refresh({ json: {}, headers: { origin: 'http://localhost:5173' } })).status).toBe(200);
      expect((await http.refresh({ json: {}, headers: { origin: 'http://127.0.0.1:3000' } })).status).toBe(200);
      expect((await http.refresh({ json: {}, headers: { origin: EVIL } })).status).toBe(403);
    } finally {
      await app.stop();
    }
  });

  it('with body delivery no cookie is in play, so no origin rule applies', async () => {
    const app = await startStrapi({ plugin: { delivery: 'body', trustedOrigins: [TRUSTED] } });
    try {
      const login = await app
        .client()
        .post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: { origin: EVIL } });
      expect(login.status).toBe(200);
      const res = await app.client().refresh({ json: { refreshToken: login.body.refreshToken }, headers: { origin: EVIL } });
      expect(res.status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});

describe('no login CSRF', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ usersPermissions: { ratelimit: { enabled: false } } });
    // Registration on, as many apps have it.
    await app.strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).set({
      value: {
        ...((await app.strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as object),
        allow_register: true,
      },
    });
  });
  afterAll(() => app.stop());

  const form = (fields: Record<string, string>) => ({
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

  it('a form-encoded login (what a cross-site auto-submitted form sends) is 403 and sets no cookie, creates no session', async () => {
    const before = await sessionCount(app);
    const http = app.client();
    const res = await http.post('/api/auth/local', form({ identifier: DEMO_USER.email, password: DEMO_USER.password }));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('X-Requested-With');
    expect(res.setCookies).toEqual([]);
    expect(await sessionCount(app)).toBe(before);
    // The same login as JSON, or with X-Requested-With, works.
    expect((await http.login(DEMO_USER.email, DEMO_USER.password)).status).toBe(200);
    expect(
      (
        await app.client().post('/api/auth/local', {
          ...form({ identifier: DEMO_USER.email, password: DEMO_USER.password }),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-requested-with': 'XMLHttpRequest' },
        })
      ).status
    ).toBe(200);
  });

  it('a form-encoded register is 403 before users-permissions runs: no user is created', async () => {
    const res = await app
      .client()
      .post('/api/auth/local/register', form({ username: 'csrfvictim', email: 'csrf@example.com', password: 'Passw0rd-csrf!' }));
    expect(res.status).toBe(403);
    expect(await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { email: 'csrf@example.com' } })).toBeNull();
    const ok = await app
      .client()
      .post('/api/auth/local/register', { json: { username: 'jsonuser', email: 'json@example.com', password: 'Passw0rd-json!' } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('form-encoded reset-password and change-password are 403 and change nothing', async () => {
    const user = await app.createUser();
    const { http, sid, jwt } = await cookieLogin(app, user);
    const change = await http.post('/api/auth/change-password', {
      ...form({ currentPassword: user.password, password: 'Changed-Passw0rd!', passwordConfirmation: 'Changed-Passw0rd!' }),
      bearer: jwt,
    });
    expect(change.status).toBe(403);
    expect((await app.client().login(user.email, user.password)).status).toBe(200); // old password still works
    expect((await row(app, sid)).revoked_at).toBeNull();
    const reset = await app.client().post('/api/auth/reset-password', form({ code: 'x', password: 'a', passwordConfirmation: 'a' }));
    expect(reset.status).toBe(403);
  });

  it('the provider callback (GET) needs X-Requested-With or an Origin: a cross-site link or image is refused before users-permissions', async () => {
    const res = await app.client().get('/api/auth/github/callback?access_token=attacker');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('X-Requested-With');
    // With the header, users-permissions decides (this provider is not enabled here: its own 4xx).
    const vouched = await app
      .client()
      .get('/api/auth/github/callback?access_token=attacker', { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(vouched.status).not.toBe(403);
    expect(vouched.status).toBeGreaterThanOrEqual(400);
    expect(vouched.status).toBeLessThan(500);
  });
});

describe('every password change ends the sessions', () => {
  let app: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    app = await startStrapi();
    const res = await new HttpClient(app.url).post('/admin/login', { json: { email: 'admin@example.com', password: 'Admin-Passw0rd!' } });
    adminToken = res.body.data.token;
  });
  afterAll(() => app.stop());

  const twoSessions = async () => {
    const user = await app.createUser();
    await cookieLogin(app, user);
    await cookieLogin(app, user);
    expect(await liveSessions(app, user.id)).toBe(2);
    return user;
  };

  it('through the Content Manager (an admin resetting a compromised account); editing other fields revokes nothing', async () => {
    const user = await twoSessions();
    const { documentId } = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: user.id } });
    const path = `/content-manager/collection-types/plugin::users-permissions.user/${documentId}`;
    const rename = await new HttpClient(app.url).request('PUT', path, { json: { username: `renamed${user.id}` }, bearer: adminToken });
    expect(rename.status, rename.text).toBe(200);
    expect(await liveSessions(app, user.id)).toBe(2);
    const reset = await new HttpClient(app.url).request('PUT', path, { json: { password: 'Admin-Set-Passw0rd!' }, bearer: adminToken });
    expect(reset.status, reset.text).toBe(200);
    expect(await liveSessions(app, user.id)).toBe(0);
    const rows = await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id });
    expect(rows.every((r: { revoked_reason: string }) => r.revoked_reason === 'password-change')).toBe(true);
  });

  it('through PUT /api/users/:id', async () => {
    const user = await twoSessions();
    const role = await app.strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    await app.strapi.db
      .query('plugin::users-permissions.permission')
      .create({ data: { action: 'plugin::users-permissions.user.update', role: role.id } });
    const { jwt } = await cookieLogin(app, user);
    const res = await app.client().request('PUT', `/api/users/${user.id}`, { json: { password: 'Api-Set-Passw0rd!' }, bearer: jwt });
    expect(res.status, res.text).toBe(200);
    expect(await liveSessions(app, user.id)).toBe(0);
  });

  it('through the users-permissions user service, the document service and db.query updateMany', async () => {
    const a = await twoSessions();
    await app.strapi.plugin('users-permissions').service('user').edit(a.id, { password: 'Service-Passw0rd!' });
    expect(await liveSessions(app, a.id)).toBe(0);

    const b = await twoSessions();
    const { documentId } = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: b.id } });
    await app.strapi.documents('plugin::users-permissions.user').update({ documentId, data: { password: 'Document-Passw0rd!' } as never });
    expect(await liveSessions(app, b.id)).toBe(0);

    const c = await twoSessions();
    const d = await twoSessions();
    await app.strapi.db.query('plugin::users-permissions.user').updateMany({ where: { id: c.id }, data: { password: 'hashed-elsewhere' } });
    expect(await liveSessions(app, c.id)).toBe(0);
    expect(await liveSessions(app, d.id)).toBe(2);
  });

  it('a login that checked the old password just before a change makes no session, and one that slipped through dies at its first refresh', async () => {
    const user = await app.createUser();
    const userService = app.strapi.plugin('users-permissions').service('user');
    const validatePassword = userService.validatePassword;
    // The race: the login's password check passes, then the password changes, then the login goes on.
    userService.validatePassword = async (...args: unknown[]) => {
      const ok = await validatePassword.apply(userService, args);
      userService.validatePassword = validatePassword;
      await userService.edit(user.id, { password: 'Changed-Mid-Login-1!' });
      return ok;
    };
    try {
      const racing = await app.client().login(user.email, user.password);
      expect(racing.status, racing.text).toBe(401);
      expect(racing.body.error.message, racing.text).toContain('password changed');
      expect(racing.setCookies.filter((c) => c.startsWith(`${COOKIE}=`) && !c.startsWith(`${COOKIE}=;`))).toEqual([]);
    } finally {
      userService.validatePassword = validatePassword;
    }
    expect(await liveSessions(app, user.id)).toBe(0);
    const after = await app.client().login(user.email, 'Changed-Mid-Login-1!');
    expect(after.status).toBe(200); // a login that began after the change is fine

    // The narrower window: the session was committed before the change could see it. Its first
    // refresh compares its login time with the change and ends it.
    const survivor = await cookieLogin(app, { email: user.email, password: 'Changed-Mid-Login-1!' });
    const knex = app.strapi.db.connection;
    const { auth_started_at } = await row(app, survivor.sid);
    await knex('refresh_token_password_changes')
      .where({ user_id: user.id })
      .update({ changed_at: Number(auth_started_at) + 1 });
    expect((await survivor.http.refresh()).status).toBe(401);
    expect((await row(app, survivor.sid)).revoked_reason).toBe('password-change');
  });

  it('blocking the user ends the sessions (reason blocked) by every path; unblocking revives none', async () => {
    const reasons = async (userId: number) =>
      (await app.strapi.db.connection('refresh_token_sessions').where({ user_id: userId })).map(
        (r: { revoked_reason: string }) => r.revoked_reason
      );
    const viaCm = await app.createUser();
    const { http } = await cookieLogin(app, viaCm);
    await cookieLogin(app, viaCm);
    const { documentId } = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: viaCm.id } });
    const path = `/content-manager/collection-types/plugin::users-permissions.user/${documentId}`;
    expect((await new HttpClient(app.url).request('PUT', path, { json: { blocked: true }, bearer: adminToken })).status).toBe(200);
    expect(await liveSessions(app, viaCm.id)).toBe(0);
    expect(await reasons(viaCm.id)).toEqual(['blocked', 'blocked']);
    expect((await new HttpClient(app.url).request('PUT', path, { json: { blocked: false }, bearer: adminToken })).status).toBe(200);
    expect((await http.refresh()).status).toBe(401); // the stolen cookie stays dead after the unblock

    const viaDocuments = await twoSessions();
    const doc = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: viaDocuments.id } });
    await app.strapi.documents('plugin::users-permissions.user').update({ documentId: doc.documentId, data: { blocked: true } as never });
    expect(await liveSessions(app, viaDocuments.id)).toBe(0);

    const viaService = await twoSessions();
    await app.strapi.plugin('users-permissions').service('user').edit(viaService.id, { blocked: true });
    expect(await liveSessions(app, viaService.id)).toBe(0);
    expect(await reasons(viaService.id)).toEqual(['blocked', 'blocked']);

    const untouched = await twoSessions();
    await app.strapi.plugin('users-permissions').service('user').edit(untouched.id, { blocked: false });
    expect(await liveSessions(app, untouched.id)).toBe(2);
  });

  it('the event is revoked with reason password-change, once per session', async () => {
    const events: Array<{ reason: string; userId: number }> = [];
    const listener = async (payload: any) => {
      events.push(payload);
    };
    app.strapi.eventHub.on('refresh-token.session.revoked', listener);
    const user = await twoSessions();
    await app.strapi.plugin('users-permissions').service('user').edit(user.id, { password: 'Event-Passw0rd!' });
    app.strapi.eventHub.off('refresh-token.session.revoked', listener);
    expect(events.filter((e) => e.userId === user.id && e.reason === 'password-change')).toHaveLength(2);
  });
});

describe('a limiter that holds', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({
      plugin: { delivery: 'both', rateLimit: { enabled: true, interval: '1m', max: 5 } },
      env: { PROXY: 'true', GRAPHQL: 'true' },
    });
  });
  afterAll(() => app.stop());

  it('keys by route, not raw path: case and trailing-slash variants share one bucket', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.20', 'content-type': 'application/json' };
    const paths = ['/api/token/refresh', '/API/Token/REFRESH', '/api/token/refresh/', '/Api/token/Refresh/', '/api/TOKEN/refresh'];
    const statuses: number[] = [];
    for (const path of paths) statuses.push((await app.client().post(path, { headers })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    const limited = await app.client().post('/API/TOKEN/REFRESH/', { headers });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ status: 429, name: 'RateLimitError' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('GraphQL refreshToken and logout count against the same per-IP limit, and aliases do not multiply refreshes', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.21' };
    const http = app.client();
    await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers });
    const sid = http.jar.get(COOKIE)!.split('.')[0];
    const aliases = Array.from({ length: 4 }, (_, i) => `r${i}: refreshToken { jwt }`).join(' ');
    const res = await http.post('/graphql', { json: { query: `mutation { ${aliases} }` }, headers });
    const errors = (res.body.errors ?? []) as Array<{ message: string }>;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message === 'Only one refresh per request')).toBe(true);
    expect((await row(app, sid)).generation).toBe(1);

    // Each alias counts against the IP's logout bucket (max 5), like the REST route: the sixth is
    // refused. Tokens of no session, so that only the per-IP bucket counts.
    const six = Array.from({ length: 6 }, (_, i) => `l${i}: logout(refreshToken: "${'N'.repeat(22)}.${String(i).repeat(43)}")`).join(' ');
    const limited = await app
      .client()
      .post('/graphql', { json: { query: `mutation { ${six} }` }, headers: { 'x-forwarded-for': '203.0.113.22' } });
    expect(limited.body.errors?.map((e: { message: string }) => e.message)).toEqual([expect.stringMatching(/Too many requests/)]);
    expect(limited.body.errors[0].path).toEqual(['l5']);

    // The session bucket holds for GraphQL too: 5 logouts of one session from one request, the 6th refused.
    const other = app.client();
    await other.login(DEMO_USER.email, DEMO_USER.password);
    const own = Array.from({ length: 6 }, (_, i) => `l${i}: logout`).join(' ');
    const perSession = await other.post('/graphql', {
      json: { query: `mutation { ${own} }` },
      headers: { 'x-forwarded-for': '203.0.113.23' },
    });
    expect(perSession.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Too many requests/), path: ['l5'] });
  });

  it('limits one session across IPs: tokens that belong to the session count, whoever sends them; forged ones count for nobody', async () => {
    const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    const sid = decodeJwt(login.body.jwt).sid;
    const forged: number[] = [];
    for (let i = 0; i < 6; i++) {
      forged.push(
        (
          await app
            .client()
            .refresh({ json: { refreshToken: `${sid}.${'y'.repeat(43)}` }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })
        ).status
      );
    }
    expect(forged).toEqual([401, 401, 401, 401, 401, 401]);
    let token = login.body.refreshToken as string;
    const real: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await app.client().refresh({ json: { refreshToken: token }, headers: { 'x-forwarded-for': `198.51.100.${i + 11}` } });
      real.push(res.status);
      if (res.status === 200) token = res.body.refreshToken;
    }
    expect(real).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('a shared limiter store (Redis)', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const ip = `192.0.2.${1 + Math.floor(Math.random() * 250)}`;
  afterAll(async () => {
    const keys = await redis.keys(`refresh-token:*${ip}`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps counters in Redis: a second instance sees the first one’s count; random tokens create no session counter', async () => {
    await redis.connect();
    await redis.del(`refresh-token:ip:refresh:${ip}`);
    const boot = async () => {
      const started = await startStrapi({
        plugin: { delivery: 'body', rateLimit: { enabled: true, interval: '1m', max: 5, store: 'redis' } },
        env: { PROXY: 'true', REDIS_URL: 'redis://127.0.0.1:6379' },
      });
      // Until its client has connected, the limiter counts in this process (the documented stand-in).
      const client = started.strapi.config.get('plugin::refresh-token.rateLimit.redis') as { status: string };
      await expect.poll(() => client.status, { timeout: 5000 }).toBe('ready');
      return started;
    };
    const headers = { 'x-forwarded-for': ip };
    const forged = Array.from({ length: 3 }, () => `${Math.random().toString(36).slice(2).padEnd(22, 'Q').slice(0, 22)}.${'s'.repeat(43)}`);
    let app = await boot();
    try {
      for (const refreshToken of forged) expect((await app.client().refresh({ json: { refreshToken }, headers })).status).toBe(401);
      for (const refreshToken of forged) expect(await redis.exists(`refresh-token:session:${refreshToken.split('.')[0]}`)).toBe(0);
      expect(Number(await redis.get(`refresh-token:ip:refresh:${ip}`))).toBe(3);
    } finally {
      await app.stop();
    }
    app = await boot();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.client().refresh({ json: { refreshToken: forged[0] }, headers })).status);
      expect(statuses).toEqual([401, 401, 429]);
      const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
      const sid = decodeJwt(login.body.jwt).sid;
      await app.client().refresh({ json: { refreshToken: login.body.refreshToken } });
      expect(Number(await redis.get(`refresh-token:session:${sid}`))).toBe(1);
      await redis.del(`refresh-token:session:${sid}`);
    } finally {
      await app.stop();
    }
  });
});

describe('transport', () => {
  it('a Secure cookie over plain HTTP without proxy trust: login is 400 naming proxy, no session is created, nothing is changed', async () => {
    const app = await startStrapi({ plugin: { cookie: { secure: true } } });
    try {
      const user = await app.createUser();
      const before = await sessionCount(app);
      const res = await app.client().login(user.email, user.password);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('proxy: { koa: true, maxIpsCount: 1 }');
      expect(res.body.error.message).toContain('X-Forwarded-Proto');
      expect(res.body.error.message).toContain('cookie.secure');
      expect(await sessionCount(app)).toBe(before);
    } finally {
      await app.stop();
    }
  });

  it('NODE_ENV=production over plain HTTP (no proxy trust): every login is 400 naming the fix, no session is left behind, one log line says how to fix it', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    const app = await startStrapi({ env: { LOG_LEVEL: 'warn' } });
    const warned: string[] = [];
    const warn = app.strapi.log.warn.bind(app.strapi.log);
    (app.strapi.log as any).warn = (message: string, ...rest: unknown[]) => {
      warned.push(String(message));
      return warn(message, ...rest);
    };
    try {
      const before = await sessionCount(app);
      for (let i = 0; i < 3; i++) {
        const res = await app.client().login(DEMO_USER.email, DEMO_USER.password);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(
          /proxy: \{ koa: true, maxIpsCount: 1 \}.*X-Forwarded-For.*X-Forwarded-Proto.*cookie\.secure/
        );
        expect(res.setCookies).toEqual([]);
      }
      expect(await sessionCount(app)).toBe(before);
      expect(warned.filter((w) => w.includes('proxy: { koa: true, maxIpsCount: 1 }'))).toHaveLength(1);
    } finally {
      await app.stop();
      process.env.NODE_ENV = previous;
    }
  });

  it("GraphQL's emailConfirmation issues a session, so it passes the origin and transport guards first; the e-mailed link (no token) still confirms", async () => {
    const app = await startStrapi({ plugin: { cookie: { secure: true } }, env: { GRAPHQL: 'true' } });
    try {
      const users = app.strapi.db.query('plugin::users-permissions.user');
      const pending = async (token: string) => {
        const user = await app.createUser({ confirmed: false });
        await users.update({ where: { id: user.id }, data: { confirmationToken: token } });
        return user.id;
      };
      const confirmed = async (id: number) => (await users.findOne({ where: { id } })).confirmed;
      const confirm = (token: string, headers: Record<string, string> = {}) =>
        app.client().post('/graphql', { json: { query: `mutation { emailConfirmation(confirmation: "${token}") { jwt } }` }, headers });

      const id = await pending('tok-graphql');
      const untrusted = await confirm('tok-graphql', { origin: EVIL });
      expect(JSON.stringify(untrusted.body.errors)).toContain('trustedOrigins');
      const plainHttp = await confirm('tok-graphql');
      expect(JSON.stringify(plainHttp.body.errors)).toContain('X-Forwarded-Proto');
      expect(await confirmed(id)).toBe(false); // refused before users-permissions confirmed anyone
      expect(await sessionCount(app)).toBe(0);

      const linked = await pending('tok-link');
      const link = await fetch(`${app.url}/api/auth/email-confirmation?confirmation=tok-link`, { redirect: 'manual' });
      expect(link.status).toBe(302);
      expect(await confirmed(linked)).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('proxy trust on but no X-Forwarded-Proto: the 400 says that header is what is missing', async () => {
    const app = await startStrapi({ plugin: { cookie: { secure: true } }, env: { PROXY: 'true', LOG_LEVEL: 'warn' } });
    try {
      const res = await app.client().login(DEMO_USER.email, DEMO_USER.password);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('server.proxy.koa is on, but the request has no X-Forwarded-Proto header');
      expect(res.body.error.message).not.toContain('set server.proxy');
      const http = await app.client().post('/api/auth/local', {
        json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(http.body.error.message).toContain('X-Forwarded-Proto: http');
      const https = await app.client().post('/api/auth/local', {
        json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(https.status).toBe(200);
      // Without maxIpsCount, X-Forwarded-For is believed whole (start-up warns: startup.test.ts).
      const spoofed = await app.client().post('/api/auth/local', {
        json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9', 'user-agent': 'spoof-check' },
      });
      const sid = decodeJwt(spoofed.body.jwt).sid;
      expect((await row(app, sid)).ip).toBe('203.0.113.0/24');
    } finally {
      await app.stop();
    }
  });

  it('with an absolute server.url, the own origin is that URL, not whatever Host the request names', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production'; // production trusts no other origin by default
    const app = await startStrapi({ plugin: { cookie: { secure: false } }, env: { PUBLIC_URL: 'https://api.example.com' } });
    try {
      const login = (origin: string) =>
        app.client().post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: { origin } });
      const hostNamed = await login(app.url); // the origin the request's Host header names
      expect(hostNamed.status).toBe(403);
      expect(hostNamed.body.error.message).toContain('trustedOrigins');
      expect((await login('https://api.example.com')).status).toBe(200);
    } finally {
      await app.stop();
      process.env.NODE_ENV = previous;
    }
  });

  it('every access token is unique: a refresh in the same second as the login gets another JWT (jti)', async () => {
    const app = await startStrapi({ plugin: { delivery: 'body' } });
    try {
      const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
      const refreshed = await app.client().refresh({ json: { refreshToken: login.body.refreshToken } });
      const [a, b] = [decodeJwt(login.body.jwt), decodeJwt(refreshed.body.jwt)];
      expect(refreshed.body.jwt).not.toBe(login.body.jwt);
      expect(a.jti).not.toBe(b.jti);
      expect(a.sid).toBe(b.sid);
    } finally {
      await app.stop();
    }
  });

  it('the cookie carries Max-Age (and Expires) within the session, and logout clears it with Max-Age=0', async () => {
    const app = await startStrapi({ plugin: { refreshTokenIdleLifespan: '1h', refreshTokenMaxLifespan: '2h' } });
    try {
      const http = app.client();
      const login = await http.login(DEMO_USER.email, DEMO_USER.password);
      const cookie = parseSetCookie(login.setCookies, COOKIE)!;
      expect(Number(cookie['max-age'])).toBeGreaterThan(3590);
      expect(Number(cookie['max-age'])).toBeLessThanOrEqual(3600);
      expect(cookie.expires).toBeDefined();
      expect(parseSetCookie(login.setCookies, `${COOKIE}.sig`)!['max-age']).toBe(cookie['max-age']);
      const logout = await http.post('/api/token/logout', { json: {} });
      expect(parseSetCookie(logout.setCookies, COOKIE)).toMatchObject({ value: '', 'max-age': '0' });
    } finally {
      await app.stop();
    }
  });
});
