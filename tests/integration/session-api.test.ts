/**
 * Issue 27: everything Strapi's own session mode offers, in every app, with the limiters and
 * `delivery` at their defaults: the built-in session API (`GET/DELETE /api/auth/sessions`, `POST
 * /api/auth/logout` with `scope`/`deviceId`), login `deviceId`s, custom login flows through
 * `service('login').issue` (the playground's magic-link route), and what a session keeps of the
 * client's IP under each `clientAddress`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, type HttpClient } from '../helpers/http';
import { LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const COOKIE = 'strapi_refresh_token';
const sessionRow = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();

/** users-permissions allows 10 logins a minute per IP (its limiter at its default): each login from its own address. */
let address = 0;
const nextAddress = () => `127.0.${1 + Math.floor(address / 250)}.${1 + (address++ % 250)}`;

async function login(app: TestApp, user: { email: string; password: string }, extra: Record<string, unknown> = {}, from = nextAddress()) {
  const http = app.client(from);
  const res = await http.post('/api/auth/local', { json: { identifier: user.email, password: user.password, ...extra } });
  expect(res.status, res.text).toBe(200);
  return { http, jwt: res.body.jwt as string, sid: decodeJwt(res.body.jwt).sid as string };
}
const refreshes = async (http: HttpClient) => (await http.post('/api/token/refresh', { json: {} })).status;

/** A front end written for Strapi's built-in session mode, against an app with the plugin. */
function builtInFrontEndFlows(name: string, start: () => Promise<TestApp>) {
  describe(name, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await start();
    });
    afterAll(() => app?.stop());

    it('login with deviceId, list (current first, the built-in shape), the device kept on rotation and in /api/token/sessions', async () => {
      const user = await app.createUser();
      const laptop = await login(app, user, { deviceId: 'laptop-1' });
      const phone = await login(app, user, { deviceId: 'phone-1' });
      expect(await refreshes(phone.http)).toBe(200);
      const list = await app.client().get('/api/auth/sessions', { bearer: phone.jwt });
      expect(list.status, list.text).toBe(200);
      expect(list.headers.get('cache-control')).toBe('no-store');
      expect(list.body.data).toHaveLength(2);
      expect(list.body.data[0]).toMatchObject({ id: phone.sid, deviceId: 'phone-1', current: true });
      expect(list.body.data[1]).toMatchObject({ id: laptop.sid, deviceId: 'laptop-1', current: false });
      for (const entry of list.body.data) {
        expect(Object.keys(entry).sort()).toEqual(['current', 'deviceId', 'deviceName', 'id', 'lastActiveAt', 'loginAt']);
        expect(Date.parse(entry.loginAt)).toBeGreaterThan(0);
      }
      const own = await app.client().get('/api/token/sessions', { bearer: phone.jwt });
      expect(own.body.data.map((s: any) => s.deviceId).sort()).toEqual(['laptop-1', 'phone-1']);
    });

    it('DELETE /api/auth/sessions/:id ends one of the caller’s sessions ({ data: {} }); another user’s or an unknown id is 404 and ends nothing', async () => {
      const user = await app.createUser();
      const other = await app.createUser();
      const a = await login(app, user);
      const b = await login(app, user);
      const stranger = await login(app, other);
      const gone = await app.client().delete(`/api/auth/sessions/${b.sid}`, { bearer: a.jwt });
      expect(gone.status, gone.text).toBe(200);
      expect(gone.body).toEqual({ data: {} });
      expect(await refreshes(b.http)).toBe(401);
      for (const id of [stranger.sid, 'no-such-session', 'x'.repeat(300)]) {
        const res = await app.client().delete(`/api/auth/sessions/${id}`, { bearer: a.jwt });
        expect(res.status).toBe(404);
        expect(res.body.error.message).toBe('Session not found');
      }
      expect(await refreshes(stranger.http)).toBe(200);
    });

    it('POST /api/auth/logout: { deviceId } ends that device’s sessions, no scope the caller’s, { scope: "all" } every one', async () => {
      const user = await app.createUser();
      const phoneA = await login(app, user, { deviceId: 'phone' });
      const phoneB = await login(app, user, { deviceId: 'phone' });
      const tablet = await login(app, user, { deviceId: 'tablet' });
      const desk = await login(app, user);
      const byDevice = await app.client().post('/api/auth/logout', { json: { deviceId: 'phone' }, bearer: desk.jwt });
      expect(byDevice.status, byDevice.text).toBe(200);
      expect(byDevice.body).toEqual({ ok: true });
      expect([await refreshes(phoneA.http), await refreshes(phoneB.http), await refreshes(tablet.http)]).toEqual([401, 401, 200]);
      const own = await tablet.http.post('/api/auth/logout', { json: {}, bearer: tablet.jwt });
      expect(own.body).toEqual({ ok: true });
      expect(own.setCookies.some((c) => c.startsWith(`${COOKIE}=;`))).toBe(true); // the caller's cookie goes too
      expect((await sessionRow(app, tablet.sid)).revoked_reason).toBe('logout');
      const other = await login(app, user);
      const all = await app.client().post('/api/auth/logout', { json: { scope: 'all' }, bearer: other.jwt });
      expect(all.body).toEqual({ ok: true });
      expect([await refreshes(desk.http), await refreshes(other.http)]).toEqual([401, 401]);
      expect((await sessionRow(app, desk.sid)).revoked_reason).toBe('logout-all');
    });

    it('bad input is 400, a Public caller 401, an ended session’s token 401: nothing changes', async () => {
      const user = await app.createUser();
      const a = await login(app, user);
      for (const json of [{ scope: 'everything' }, { scope: 1 }, { deviceId: 42 }, { deviceId: 'd'.repeat(129) }]) {
        const res = await app.client().post('/api/auth/logout', { json, bearer: a.jwt });
        expect(res.status, JSON.stringify(json)).toBe(400);
        expect(res.body.error.name).toBe('ValidationError');
      }
      const badLogin = await app
        .client()
        .post('/api/auth/local', { json: { identifier: user.email, password: user.password, deviceId: { x: 1 } } });
      expect(badLogin.status).toBe(400);
      expect(badLogin.body.error.message).toContain('deviceId');
      expect(await refreshes(a.http)).toBe(200);
      for (const res of [
        await app.client().get('/api/auth/sessions'),
        await app.client().delete(`/api/auth/sessions/${a.sid}`),
        await app.client().post('/api/auth/logout', { json: { scope: 'all' } }),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.error.name).toBe('UnauthorizedError');
      }
      const live = (await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).whereNull('revoked_at')).length;
      expect(live).toBe(1);
    });
  });
}

builtInFrontEndFlows('the built-in session API in an app that never used the built-in mode', () =>
  startStrapi({ ...LIMITERS_AT_DEFAULTS })
);

describe('the built-in session API in an app switching from the built-in mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({
      ...LIMITERS_AT_DEFAULTS,
      usersPermissions: { ...LIMITERS_AT_DEFAULTS.usersPermissions, jwtManagement: 'refresh' },
    });
  });
  afterAll(() => app?.stop());
  const builtIn = () => (app.strapi as any).sessionManager('users-permissions');
  const activeBuiltIn = async (userId: number) =>
    (await app.strapi.db.query('admin::session').findMany({ where: { userId: String(userId), status: 'active' } })).length;

  it('lists built-in sessions not yet exchanged, ends one by id, by device, and all of them with { scope: "all" }', async () => {
    const user = await app.createUser();
    for (const deviceId of ['old-phone', 'old-tablet', 'old-laptop', undefined])
      await builtIn().generateRefreshToken(String(user.id), deviceId, { type: 'refresh' });
    const plugin = await login(app, user, { deviceId: 'new-laptop' });
    const list = await app.client().get('/api/auth/sessions', { bearer: plugin.jwt });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data).toHaveLength(5);
    expect(list.body.data[0]).toMatchObject({ id: plugin.sid, current: true, deviceId: 'new-laptop' });
    const tablet = list.body.data.find((s: any) => s.deviceId === 'old-tablet');
    expect((await app.client().delete(`/api/auth/sessions/${tablet.id}`, { bearer: plugin.jwt })).body).toEqual({ data: {} });
    expect(await activeBuiltIn(user.id)).toBe(3);
    expect((await app.client().post('/api/auth/logout', { json: { deviceId: 'old-phone' }, bearer: plugin.jwt })).body).toEqual({
      ok: true,
    });
    expect(await activeBuiltIn(user.id)).toBe(2);
    const other = await login(app, user);
    expect((await app.client().post('/api/auth/logout', { json: { scope: 'all' }, bearer: other.jwt })).body).toEqual({ ok: true });
    expect(await activeBuiltIn(user.id)).toBe(0);
    expect(await refreshes(plugin.http)).toBe(401);
  });

  it('the built-in cookie sent to POST /api/auth/logout by a cross-site form is 403 and ends nothing; with JSON it ends that session', async () => {
    const user = await app.createUser();
    const { token } = await builtIn().generateRefreshToken(String(user.id), 'cookie-phone', { type: 'refresh' });
    const cookie = `strapi_up_refresh=${token}`;
    const form = { body: 'x=1', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } };
    const foreign = await app.client().post('/api/auth/logout', { ...form, headers: { ...form.headers, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await app.client().post('/api/auth/logout', form)).status).toBe(403); // neither JSON nor X-Requested-With
    expect(await activeBuiltIn(user.id)).toBe(1);
    const own = await app.client().post('/api/auth/logout', { json: {}, headers: { cookie } });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toEqual({ ok: true });
    expect(await activeBuiltIn(user.id)).toBe(0);
  });

  it('a built-in access token logs its own built-in session out', async () => {
    const user = await app.createUser();
    const { token } = await builtIn().generateRefreshToken(String(user.id), 'phone', { type: 'refresh' });
    await builtIn().generateRefreshToken(String(user.id), 'tablet', { type: 'refresh' });
    const access = await builtIn().generateAccessToken(token);
    const res = await app.client().post('/api/auth/logout', { json: {}, bearer: access.token });
    expect(res.status, res.text).toBe(200);
    expect(await activeBuiltIn(user.id)).toBe(1);
  });
});

describe("custom login flows: service('login').issue from the playground's magic-link route", () => {
  let app: TestApp;
  const mails: Array<{ to: string; text: string }> = [];
  beforeAll(async () => {
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS });
    // Tests only: capture what Strapi's email plugin would send.
    app.strapi.plugin('email').service('email').send = async (mail: any) => {
      mails.push(mail);
    };
  });
  afterAll(() => app?.stop());

  async function magicLink(email: string): Promise<string> {
    const before = mails.length;
    const res = await app.client().post('/api/magic-link/request', { json: { email } });
    expect(res.body).toEqual({ ok: true });
    expect(mails.length).toBe(before + 1);
    return /token=([\w-]+)/.exec(mails[mails.length - 1].text)![1];
  }

  it('cookie delivery (the default): the refresh cookie set, no refreshToken in the body, a session that refreshes and lists', async () => {
    const user = await app.createUser();
    const http = app.client();
    const res = await http.post('/api/magic-link/verify', { json: { token: await magicLink(user.email), deviceId: 'magic-phone' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email });
    expect(res.body.refreshToken).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(res.body.jwt);
    expect(typeof claims.sid).toBe('string');
    expect(http.jar.get(COOKIE)).toMatch(new RegExp(`^${claims.sid}\\.`));
    expect((await sessionRow(app, claims.sid as string)).device_id).toBe('magic-phone');
    expect(await refreshes(http)).toBe(200);
    // The link works once.
    const again = await app.client().post('/api/magic-link/verify', { json: { token: /token=([\w-]+)/.exec(mails.at(-1)!.text)![1] } });
    expect(again.status).toBe(400);
  });

  it('body delivery: { jwt, refreshToken }; rememberMe: false gives a browser-session cookie', async () => {
    app.strapi.config.set('plugin::refresh-token.delivery', 'both');
    try {
      const user = await app.createUser();
      const http = app.client();
      const res = await http.post('/api/magic-link/verify', { json: { token: await magicLink(user.email), rememberMe: false } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.refreshToken).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
      expect(res.setCookies.find((c) => c.startsWith(`${COOKIE}=`))).not.toMatch(/max-age|expires/i);
      expect((await app.client().post('/api/token/refresh', { json: { refreshToken: res.body.refreshToken } })).status).toBe(200);
    } finally {
      app.strapi.config.set('plugin::refresh-token.delivery', 'cookie');
    }
  });

  it('a blocked user is a 400 and gets no session; an untrusted Origin is 403 before anything happens', async () => {
    const blocked = await app.createUser({ blocked: true });
    const res = await app.client().post('/api/magic-link/verify', { json: { token: await magicLink(blocked.email) } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('blocked');
    expect(await app.strapi.db.connection('refresh_token_sessions').where({ user_id: blocked.id }).first()).toBeUndefined();
    const user = await app.createUser();
    const token = await magicLink(user.email);
    const foreign = await app.client().post('/api/magic-link/verify', { json: { token }, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain('trustedOrigins');
    expect(await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).first()).toBeUndefined();
  });
});

describe('clientAddress: what a session keeps of the client’s IP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS });
  });
  afterAll(() => app?.stop());
  const setMode = (mode: string) => app.strapi.config.set('plugin::refresh-token.clientAddress', mode);

  it("'network' (the default) keeps the /24, 'full' the address, 'none' nothing; the sessions API shows what is stored", async () => {
    const user = await app.createUser();
    const stored: Record<string, unknown> = {};
    for (const mode of ['network', 'full', 'none']) {
      setMode(mode);
      const { sid, jwt } = await login(app, user, {}, '127.0.0.9');
      stored[mode] = (await sessionRow(app, sid)).ip;
      const listed = (await app.client().get('/api/token/sessions', { bearer: jwt })).body.data.find((s: any) => s.id === sid);
      expect(listed.ip).toBe(stored[mode]);
    }
    setMode('network');
    expect(stored).toEqual({ network: '127.0.0.0/24', full: '127.0.0.9', none: null });
  });

  it('full addresses stored before are reduced to their network on the first start after the upgrade', async () => {
    const user = await app.createUser();
    const { sid } = await login(app, user);
    await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).update({ ip: '203.0.113.77' });
    await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).update({ user_agent: 'kept' });
    await app.strapi.store({ type: 'plugin', name: 'refresh-token', key: 'clientAddressApplied' }).delete({});
    const database = app.database;
    await app.stop({ keepDatabase: true });
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, database });
    expect(await sessionRow(app, sid)).toMatchObject({ ip: '203.0.113.0/24', user_agent: 'kept' });
  });
});
