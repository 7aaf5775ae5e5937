/**
 * Switching from users-permissions' built-in refresh mode costs nobody a sign-in: an app runs in
 * that mode (the plugin off), two users log in, one with the built-in httpOnly cookie, one with the
 * token in the body; the same database then boots with the plugin and users-permissions' config
 * unchanged. Each built-in token is exchanged once for a plugin session, through the plugin's
 * route and through the built-in one; the sessions keep working; a replay is reuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, type HttpClient } from '../helpers/http';

const BUILT_IN = { jwtManagement: 'refresh', sessions: { httpOnly: false } };
const COOKIE = 'strapi_up_refresh';

describe('from the built-in refresh mode to the plugin', () => {
  let app: TestApp;
  const cookieJars: Array<Map<string, string>> = [];
  let cookieClients: HttpClient[] = [];
  const bodyTokens: string[] = [];
  let builtInAccessToken: string;
  let bodyUser: { id: number; email: string; password: string };

  beforeAll(async () => {
    const builtIn = await startStrapi({ usersPermissions: BUILT_IN, env: { REFRESH_TOKEN_DISABLED: 'true' }, emptyDatabase: true });
    bodyUser = await builtIn.createUser();
    for (let i = 0; i < 2; i++) {
      const http = builtIn.client();
      const res = await http.post('/api/auth/local', {
        json: { identifier: DEMO_USER.email, password: DEMO_USER.password, deviceId: `device-${i}` },
        headers: { 'x-strapi-refresh-cookie': 'httpOnly' },
      });
      expect(res.status, res.text).toBe(200);
      expect(http.jar.get(COOKIE)).toMatch(/^eyJ/);
      builtInAccessToken = res.body.jwt;
      cookieJars.push(http.jar);
      const body = await builtIn.client().post('/api/auth/local', { json: { identifier: bodyUser.email, password: bodyUser.password } });
      expect(body.body.refreshToken).toMatch(/^eyJ/);
      bodyTokens.push(body.body.refreshToken);
    }
    await builtIn.stop({ keepDatabase: true });
    // users-permissions' config unchanged: the plugin takes over.
    app = await startStrapi({ database: builtIn.database, usersPermissions: BUILT_IN, plugin: { delivery: 'both', reuseGracePeriod: 0 } });
    // The same browsers, with the cookies the built-in mode gave them, now talking to the new process.
    cookieClients = cookieJars.map((jar) => {
      const http = app.client();
      for (const [name, value] of jar) http.jar.set(name, value);
      return http;
    });
  });
  afterAll(() => app?.stop());

  const builtInSessions = () => app.strapi.db.query('admin::session').findMany({ where: { origin: 'users-permissions' } });
  const row = (sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();

  it('users-permissions runs in legacy-support; a built-in access token still works until it expires', async () => {
    expect(app.strapi.config.get('plugin::users-permissions.jwtManagement')).toBe('legacy-support');
    expect((await app.client().get('/api/users/me', { bearer: builtInAccessToken })).body.email).toBe(DEMO_USER.email);
    expect((await builtInSessions()).filter((s: { status: string }) => s.status === 'active')).toHaveLength(4);
  });

  it('each built-in token is exchanged once, through POST /api/token/refresh and POST /api/auth/refresh, by cookie and by body; the sessions keep working', async () => {
    const exchanged: Array<{ jwt: string; next: () => Promise<number> }> = [];
    // Cookie, plugin route: the built-in cookie is read, cleared, and the plugin's cookie set.
    const viaPluginCookie = await cookieClients[0].refresh({ json: {} });
    expect(viaPluginCookie.status, viaPluginCookie.text).toBe(200);
    expect(cookieClients[0].jar.has(COOKIE)).toBe(false);
    exchanged.push({ jwt: viaPluginCookie.body.jwt, next: async () => (await cookieClients[0].refresh({ json: {} })).status });
    // Cookie, built-in route: answered in the built-in shape, { jwt } and the built-in cookie.
    const viaBuiltInCookie = await cookieClients[1].post('/api/auth/refresh', { json: {} });
    expect(viaBuiltInCookie.status, viaBuiltInCookie.text).toBe(200);
    expect(Object.keys(viaBuiltInCookie.body)).toEqual(['jwt']);
    expect(cookieClients[1].jar.get(COOKIE)).not.toMatch(/^eyJ/);
    exchanged.push({
      jwt: viaBuiltInCookie.body.jwt,
      next: async () => (await cookieClients[1].post('/api/auth/refresh', { json: {} })).status,
    });
    // Body, plugin route.
    const viaPluginBody = await app.client().refresh({ json: { refreshToken: bodyTokens[0] } });
    expect(viaPluginBody.status, viaPluginBody.text).toBe(200);
    exchanged.push({
      jwt: viaPluginBody.body.jwt,
      next: async () => (await app.client().refresh({ json: { refreshToken: viaPluginBody.body.refreshToken } })).status,
    });
    // Body, built-in route: { jwt, refreshToken } as the built-in mode answered.
    const viaBuiltInBody = await app.client().post('/api/auth/refresh', { json: { refreshToken: bodyTokens[1] } });
    expect(viaBuiltInBody.status, viaBuiltInBody.text).toBe(200);
    expect(Object.keys(viaBuiltInBody.body).sort()).toEqual(['jwt', 'refreshToken']);
    for (const res of [viaPluginCookie, viaBuiltInCookie, viaPluginBody, viaBuiltInBody])
      expect(res.headers.get('cache-control')).toBe('no-store');
    exchanged.push({
      jwt: viaBuiltInBody.body.jwt,
      next: async () => (await app.client().post('/api/auth/refresh', { json: { refreshToken: viaBuiltInBody.body.refreshToken } })).status,
    });

    for (const { jwt, next } of exchanged) {
      const claims = decodeJwt(jwt);
      expect(typeof claims.sid).toBe('string');
      const session = await row(claims.sid);
      expect(session.migrated_from).toMatch(/^[0-9a-f]{32}$/);
      expect(claims.auth_time * 1000).toBeLessThan(Date.now() - 100); // the original sign-in time, carried over
      expect((await app.client().get('/api/users/me', { bearer: jwt })).status).toBe(200);
      expect(await next()).toBe(200); // and it keeps working: the plugin session rotates
    }
    expect((await row(decodeJwt(exchanged[0].jwt).sid)).device_id).toBe('device-0');
    // The built-in sessions are ended.
    expect((await builtInSessions()).filter((s: { status: string }) => s.status === 'active')).toEqual([]);
  });

  it('a replayed built-in token is reuse: refused, and the session made from it revoked', async () => {
    const replay = await app.client().refresh({ json: { refreshToken: bodyTokens[0] } });
    expect(replay.status).toBe(401);
    const replayBuiltInRoute = await app.client().post('/api/auth/refresh', { json: { refreshToken: bodyTokens[1] } });
    expect(replayBuiltInRoute.status).toBe(401);
    const migrated = await app.strapi.db.connection('refresh_token_sessions').whereNotNull('migrated_from').where({ user_id: bodyUser.id });
    expect(migrated).toHaveLength(2);
    for (const session of migrated) expect(session.revoked_reason).toBe('reuse');
    // A forged JWT (not signed with the users-permissions secret) is just unknown.
    const forged = await app.client().refresh({ json: { refreshToken: `${bodyTokens[0].slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);
  });

  it('POST /api/auth/logout, as a built-in front end calls it (Bearer, token in the body), ends the session and answers { ok: true }', async () => {
    const user = await app.createUser();
    const login = await app.client().login(user.email, user.password);
    const { jwt, refreshToken } = login.body;
    const logout = await app.client().post('/api/auth/logout', { json: { refreshToken }, bearer: jwt });
    expect(logout.status, logout.text).toBe(200);
    expect(logout.body).toEqual({ ok: true });
    expect((await row(decodeJwt(jwt).sid)).revoked_reason).toBe('logout');
    expect((await app.client().post('/api/auth/refresh', { json: { refreshToken } })).status).toBe(401);
  });
});
