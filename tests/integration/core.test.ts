/** Issue 2: login issues a session, refresh rotates, logout revokes, refusals are 401/400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, parseSetCookie } from '../helpers/http';

const COOKIE = 'strapi_refresh_token';
const sessionRows = (app: TestApp) => app.strapi.db.connection('refresh_token_sessions').select('*');
const sessionRow = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
const withJar = (app: TestApp, jar: Map<string, string>) => {
  const client = app.client();
  for (const [k, v] of jar) client.jar.set(k, v);
  return client;
};
const expectError = (reply: { status: number; body: any }, status: number, name: string) => {
  expect(reply.status).toBe(status);
  expect(reply.body).toMatchObject({ data: null, error: { status, name } });
  expect(JSON.stringify(reply.body)).not.toMatch(/at .*\.js:\d+/); // no stack trace
};

describe('cookie delivery (default config)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { reuseGracePeriod: 0 } });
  });
  afterAll(() => app.stop());

  it("an app that never ran users-permissions' built-in refresh mode keeps /api/auth/refresh at 404, and serves Strapi's session API (logout)", async () => {
    const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    expect((await app.client().post('/api/auth/refresh', { json: { refreshToken: 'x' } })).status).toBe(404);
    const logout = await app.client().post('/api/auth/logout', { json: {}, bearer: login.body.jwt });
    expect(logout.status, logout.text).toBe(200);
    expect(logout.body).toEqual({ ok: true });
  });

  it("senderConstraint 'off' (the default): a DPoP header, valid or not, changes nothing for login, refresh or logout", async () => {
    const http = app.client();
    const junk = { dpop: 'not.a.proof' };
    const login = await http.post('/api/auth/local', {
      json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
      headers: junk,
    });
    expect(login.status).toBe(200);
    const sid = decodeJwt(login.body.jwt).sid;
    expect((await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first()).jkt).toBeNull();
    expect((await http.refresh({ json: {}, headers: junk })).status).toBe(200);
    expect((await http.post('/api/token/logout', { json: {}, headers: junk })).status).toBe(200);
  });

  it('a refresh with no token says where it looked: the cookie, its name and its path', async () => {
    const res = await app.client().refresh({ json: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      "Missing refresh token: no strapi_refresh_token cookie came with the request (the browser sends it only to paths under /api/token, from another origin only with credentials: 'include', and with SameSite=lax never from a page on another site: localhost and 127.0.0.1 are different sites, so open the front end and Strapi under the same host name)"
    );
  });

  it('login answers { jwt, user } with a 15-minute access JWT carrying sid, and the refresh token only in a hardened cookie', async () => {
    const http = app.client();
    const res = await http.login(DEMO_USER.email, DEMO_USER.password);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['jwt', 'user']);
    expect(res.body.user.email).toBe(DEMO_USER.email);
    const claims = decodeJwt(res.body.jwt);
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const cookie = parseSetCookie(res.setCookies, COOKIE)!;
    expect(cookie.value.startsWith(`${claims.sid}.`)).toBe(true);
    expect(cookie.httponly).toBe('true');
    expect(cookie.path).toBe('/api/token');
    expect(cookie.samesite).toBe('lax');
    expect(cookie.secure).toBeUndefined(); // NODE_ENV is not production
    expect(parseSetCookie(res.setCookies, `${COOKIE}.sig`)).toBeDefined();
    expect(res.text).not.toContain(cookie.value);
  });

  it('refresh rotates: new access JWT and cookie, and the presented token stops working', async () => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    const first = http.jar.get(COOKIE)!;
    const sid = decodeJwt(login.body.jwt).sid;

    const res = await http.refresh();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['jwt']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const second = http.jar.get(COOKIE)!;
    expect(second).not.toBe(first);
    expect(second.startsWith(`${sid}.`)).toBe(true);
    expect(decodeJwt(res.body.jwt).sid).toBe(sid);

    // The access token works on the users-permissions routes.
    const me = await http.get('/api/users/me', { bearer: res.body.jwt });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(DEMO_USER.email);

    // The next refresh with the new cookie works; a replay of the first does not.
    expect((await http.refresh()).status).toBe(200);
    const stale = app.client();
    stale.jar.set(COOKIE, first);
    stale.jar.set(
      `${COOKIE}.sig`,
      login.setCookies
        .find((c) => c.startsWith(`${COOKIE}.sig=`))!
        .split(';')[0]
        .split('=')[1]
    );
    expectError(await stale.refresh(), 401, 'UnauthorizedError');
  });

  it('answers 400 for a missing token or one in the body (naming delivery), 401 for unknown or tampered cookies, and clears the cookie on 401', async () => {
    const http = app.client();
    expectError(await http.refresh({ json: {} }), 400, 'ValidationError');
    await http.login(DEMO_USER.email, DEMO_USER.password);
    const cookie = http.jar.get(COOKIE)!;
    // With delivery 'cookie' a body token is a client bug (e.g. a tutorial front end sending its
    // access JWT): a clear 400 that names the setting, and the cookie is left alone.
    for (const refreshToken of [123, true, {}, [], '', 'not-a-token', cookie]) {
      const res = await http.refresh({ json: { refreshToken } });
      expectError(res, 400, 'ValidationError');
      expect(res.body.error.message).toContain("delivery is 'cookie'");
      expect(res.setCookies).toEqual([]);
    }
    expect(http.jar.get(COOKIE)).toBe(cookie);
    expect((await sessionRow(app, cookie.split('.')[0])).generation).toBe(0);

    const [sid, secret] = cookie.split('.');
    http.jar.set(COOKIE, `${sid}.${secret.slice(0, -2)}xx`); // signature no longer matches
    const res = await http.refresh();
    expectError(res, 401, 'UnauthorizedError');
    expect(parseSetCookie(res.setCookies, COOKIE)?.value).toBe('');
    // The tampering did not harm the session: it was refused before any lookup.
    expect((await sessionRow(app, sid)).revoked_at).toBeNull();
  });

  it('keeps only hashes in the database: no refresh token or secret is stored anywhere', async () => {
    const http = app.client();
    await http.login(DEMO_USER.email, DEMO_USER.password);
    await http.refresh();
    const token = http.jar.get(COOKIE)!;
    const secret = token.split('.')[1];
    const dump = JSON.stringify(await sessionRows(app));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(token);
  });

  it('never puts token material in a log line, at any level', async () => {
    const lines: string[] = [];
    const log = app.strapi.log as any;
    const originals: Record<string, unknown> = {};
    for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug']) {
      originals[level] = log[level];
      log[level] = (...args: unknown[]) =>
        lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' '));
    }
    const http = app.client();
    const secrets: string[] = [];
    try {
      const login = await http.login(DEMO_USER.email, DEMO_USER.password);
      secrets.push(login.body.jwt, http.jar.get(COOKIE)!.split('.')[1]);
      await http.refresh();
      secrets.push(http.jar.get(COOKIE)!.split('.')[1]);
      const stale = withJar(app, new Map([[COOKIE, `${decodeJwt(login.body.jwt).sid}.${secrets[1]}`]]));
      await stale.refresh({ json: { refreshToken: `${decodeJwt(login.body.jwt).sid}.${secrets[1]}` } }); // reuse: logs a warning
      await http.post('/api/token/logout', { json: {} });
    } finally {
      Object.assign(log, originals);
    }
    expect(lines.length).toBeGreaterThan(0); // the request logger and the reuse warning did log
    for (const secret of secrets) expect(lines.join('\n')).not.toContain(secret);
  });

  it('refuses idle-expired and absolutely expired sessions, and rotation never extends the absolute lifespan', async () => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    const sid = decodeJwt(login.body.jwt).sid;
    const before = await sessionRow(app, sid);
    await http.refresh();
    const after = await sessionRow(app, sid);
    expect(Number(after.absolute_expires_at)).toBe(Number(before.absolute_expires_at));
    expect(Number(after.generation)).toBe(1);

    await app.strapi.db
      .connection('refresh_token_sessions')
      .where({ document_id: sid })
      .update({ expires_at: Date.now() - 1 });
    expectError(await http.refresh(), 401, 'UnauthorizedError');

    const other = app.client();
    const login2 = await other.login(DEMO_USER.email, DEMO_USER.password);
    await app.strapi.db
      .connection('refresh_token_sessions')
      .where({ document_id: decodeJwt(login2.body.jwt).sid })
      .update({ absolute_expires_at: Date.now() - 1 });
    expectError(await other.refresh(), 401, 'UnauthorizedError');
  });

  it('refuses blocked, deleted and (with confirmation on) unconfirmed users, at login and at refresh', async () => {
    const blocked = await app.createUser();
    const http = app.client();
    expect((await http.login(blocked.email, blocked.password)).status).toBe(200);
    await app.strapi.db.query('plugin::users-permissions.user').update({ where: { id: blocked.id }, data: { blocked: true } });
    expectError(await http.refresh(), 401, 'UnauthorizedError');
    const blockedLogin = await app.client().login(blocked.email, blocked.password);
    expect(blockedLogin.status).toBe(400);
    expect(blockedLogin.setCookies.some((c) => c.startsWith(COOKIE))).toBe(false);
    expect(blockedLogin.body.jwt).toBeUndefined();

    const deleted = await app.createUser();
    const d = app.client();
    const dLogin = await d.login(deleted.email, deleted.password);
    await app.strapi.db.query('plugin::users-permissions.user').delete({ where: { id: deleted.id } });
    expectError(await d.refresh(), 401, 'UnauthorizedError');
    expect((await sessionRow(app, decodeJwt(dLogin.body.jwt).sid)).revoked_reason).toBe('user-deleted');

    const unconfirmed = await app.createUser({ confirmed: false });
    const u = app.client();
    expect((await u.login(unconfirmed.email, unconfirmed.password)).status).toBe(200); // confirmation off
    const store = app.strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' });
    const advanced = (await store.get()) as Record<string, unknown>;
    await store.set({ value: { ...advanced, email_confirmation: true } });
    try {
      expectError(await u.refresh(), 401, 'UnauthorizedError');
      const refused = await app.client().login(unconfirmed.email, unconfirmed.password);
      expect(refused.status).toBe(400);
      expect(refused.body.jwt).toBeUndefined();
    } finally {
      await store.set({ value: advanced });
    }
  });

  it('logout needs only the refresh token (no access token), revokes the session, clears the cookie, and is idempotent', async () => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    const sid = decodeJwt(login.body.jwt).sid;
    const saved = new Map(http.jar);
    const res = await http.post('/api/token/logout', { json: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const cleared = parseSetCookie(res.setCookies, COOKIE)!;
    expect(cleared.value).toBe('');
    expect(cleared.path).toBe('/api/token');
    expect((await sessionRow(app, sid)).revoked_reason).toBe('logout');

    expect((await withJar(app, saved).post('/api/token/logout', { json: {} })).body).toEqual({ ok: true });
    expectError(await withJar(app, saved).refresh(), 401, 'UnauthorizedError');
  });

  it('logout-all (Bearer) revokes every session of the user', async () => {
    const user = await app.createUser();
    const a = app.client();
    const b = app.client();
    const la = await a.login(user.email, user.password);
    await b.login(user.email, user.password);
    const jarA = new Map(a.jar);
    expectError(await a.post('/api/token/logout-all'), 401, 'UnauthorizedError');
    const res = await a.post('/api/token/logout-all', { bearer: la.body.jwt });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, revoked: 2 });
    expectError(await withJar(app, jarA).refresh(), 401, 'UnauthorizedError');
    expectError(await b.refresh(), 401, 'UnauthorizedError');
  });

  it('a password change revokes the other sessions and hands out a fresh one', async () => {
    const user = await app.createUser();
    const a = app.client();
    const b = app.client();
    const la = await a.login(user.email, user.password);
    await b.login(user.email, user.password);
    const res = await a.post('/api/auth/change-password', {
      bearer: la.body.jwt,
      json: { currentPassword: user.password, password: 'New-Passw0rd!', passwordConfirmation: 'New-Passw0rd!' },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.jwt).exp - decodeJwt(res.body.jwt).iat).toBe(900);
    expect(res.body.refreshToken).toBeUndefined();
    expectError(await b.refresh(), 401, 'UnauthorizedError');
    expect((await a.refresh()).status).toBe(200); // a's cookie now holds the new session
    const rows = await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id });
    expect(rows.filter((r: any) => r.revoked_at === null)).toHaveLength(1);
    expect(rows.filter((r: any) => r.revoked_reason === 'password-change')).toHaveLength(2);
  });

  it('a password reset revokes every session and hands out a new one', async () => {
    const user = await app.createUser();
    const a = app.client();
    await a.login(user.email, user.password);
    await app.strapi.db
      .query('plugin::users-permissions.user')
      .update({ where: { id: user.id }, data: { resetPasswordToken: 'reset-code-123' } });
    const b = app.client();
    const res = await b.post('/api/auth/reset-password', {
      json: { code: 'reset-code-123', password: 'Reset-Passw0rd!', passwordConfirmation: 'Reset-Passw0rd!' },
    });
    expect(res.status).toBe(200);
    expect(typeof res.body.jwt).toBe('string');
    expectError(await a.refresh(), 401, 'UnauthorizedError');
    expect((await b.refresh()).status).toBe(200);
  });

  it('register creates a session', async () => {
    const http = app.client();
    const res = await http.post('/api/auth/local/register', {
      json: { username: 'newbie', email: 'newbie@example.com', password: 'Newbie-Passw0rd!' },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.jwt).sid).toBeDefined();
    expect(http.jar.get(COOKIE)).toBeDefined();
    expect(res.body.refreshToken).toBeUndefined(); // cookie delivery: never in a body
    expect(res.text).not.toContain(http.jar.get(COOKIE)!.split('.')[1]);
    expect((await http.refresh()).status).toBe(200);
  });

  it("sessions API lists the caller's live sessions newest first and revokes only its own (404 otherwise)", async () => {
    const user = await app.createUser();
    const a = app.client();
    const b = app.client();
    await a.login(user.email, user.password);
    const lb = await b.login(user.email, user.password);
    const list = await b.get('/api/token/sessions', { bearer: lb.body.jwt, headers: { 'user-agent': 'ignored' } });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0]).toMatchObject({ id: decodeJwt(lb.body.jwt).sid, current: true });
    expect(list.body.data[1].current).toBe(false);
    for (const key of ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'absoluteExpiresAt', 'userAgent', 'current']) {
      expect(list.body.data[0]).toHaveProperty(key);
    }

    const stranger = await app.createUser();
    const s = app.client();
    const ls = await s.login(stranger.email, stranger.password);
    expectError(await s.delete(`/api/token/sessions/${list.body.data[1].id}`, { bearer: ls.body.jwt }), 404, 'NotFoundError');
    expectError(await s.delete(`/api/token/sessions/nope`, { bearer: ls.body.jwt }), 404, 'NotFoundError');
    expect((await a.refresh()).status).toBe(200);

    expect((await b.delete(`/api/token/sessions/${list.body.data[1].id}`, { bearer: lb.body.jwt })).status).toBe(200);
    expectError(await a.refresh(), 401, 'UnauthorizedError');
  });
});

describe('body delivery', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body', accessTokenLifespan: '2m' } });
  });
  afterAll(() => app.stop());

  it('returns refreshToken in the body, sets no cookie, and rotates from the body', async () => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    expect(login.status).toBe(200);
    expect(login.setCookies.filter((c) => c.startsWith(COOKIE))).toEqual([]);
    expect(typeof login.body.refreshToken).toBe('string');
    expect(decodeJwt(login.body.jwt).exp - decodeJwt(login.body.jwt).iat).toBe(120);
    const res = await http.refresh({ json: { refreshToken: login.body.refreshToken } });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).not.toBe(login.body.refreshToken);
    // Body tokens are not subject to the CSRF rule: a plain-text content type is fine.
    const next = await http.post('/api/token/refresh', {
      body: JSON.stringify({ refreshToken: res.body.refreshToken }),
      headers: { 'content-type': 'application/json' },
    });
    expect(next.status).toBe(200);
  });
});

describe('both deliveries', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'both' } });
  });
  afterAll(() => app.stop());

  it('a refresh with no token names the cookie and the body field', async () => {
    const res = await app.client().refresh({ json: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /no strapi_refresh_token cookie came with the request .*, and no "refreshToken" in a JSON body$/
    );
  });

  it('sets the cookie and returns the same token in the body', async () => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    expect(http.jar.get(COOKIE)).toBe(login.body.refreshToken);
    const res = await http.refresh();
    expect(res.status).toBe(200);
    expect(http.jar.get(COOKIE)).toBe(res.body.refreshToken);
  });
});
