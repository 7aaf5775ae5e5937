/**
 * Issue 13, session policies on a real Strapi: sign out other devices, the session cap,
 * remember-me, the fresh-login route policy, new-device alerts (event and e-mail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, parseSetCookie } from '../helpers/http';

const COOKIE = 'strapi_refresh_token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const live = async (app: TestApp, userId: number) =>
  (await app.strapi.db.connection('refresh_token_sessions').where({ user_id: userId }).whereNull('revoked_at')).map(
    (r: any) => r.document_id as string
  );
const row = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();

async function login(
  app: TestApp,
  user: { email: string; password: string },
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {}
) {
  const http = app.client();
  const res = await http.post('/api/auth/local', { json: { identifier: user.email, password: user.password, ...extra }, headers });
  expect(res.status, res.text).toBe(200);
  return { http, res, jwt: res.body.jwt as string, sid: decodeJwt(res.body.jwt).sid as string };
}

describe('sign out other devices, session cap, remember-me, fresh login', () => {
  let app: TestApp;
  const events: Array<[string, any]> = [];
  beforeAll(async () => {
    app = await startStrapi({
      plugin: { maxSessionsPerUser: 3, sessionOnlyIdleLifespan: '2h', refreshTokenIdleLifespan: '7d' },
      env: { FRESH_MAX_AGE: '2s', GRAPHQL: 'true' },
    });
    for (const name of ['revoked', 'new-device'])
      app.strapi.eventHub.on(`refresh-token.session.${name}`, async (p: any) => {
        events.push([name, p]);
      });
  });
  afterAll(() => app.stop());

  it('POST /api/token/logout-others revokes every session but the caller’s: { ok, revoked }', async () => {
    const user = await app.createUser();
    const a = await login(app, user);
    const b = await login(app, user);
    const c = await login(app, user);
    const res = await app.client().post('/api/token/logout-others', { json: {}, bearer: b.jwt });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, revoked: 2 });
    expect(await live(app, user.id)).toEqual([b.sid]);
    expect((await row(app, a.sid)).revoked_reason).toBe('logout-others');
    expect((await b.http.refresh({ json: {} })).status).toBe(200);
    expect((await c.http.refresh({ json: {} })).status).toBe(401);
    expect((await app.client().post('/api/token/logout-others', { json: {} })).status).toBe(401);
  });

  it("an ended session's access token manages nothing, strict or not: logout-others/-all, the sessions list, DELETE, the fresh policy all answer 401/403", async () => {
    const user = await app.createUser();
    const thief = await login(app, user);
    const victim = await login(app, user);
    const { body } = await app.client().get('/api/token/sessions', { bearer: victim.jwt });
    expect(body.data).toHaveLength(2);
    // The victim ends the thief's session; the thief's access token (strict is off) still has minutes to live.
    expect((await app.client().post('/api/token/logout-others', { json: {}, bearer: victim.jwt })).body).toEqual({ ok: true, revoked: 1 });
    const asThief = [
      app.client().post('/api/token/logout-others', { json: {}, bearer: thief.jwt }),
      app.client().post('/api/token/logout-all', { json: {}, bearer: thief.jwt }),
      app.client().get('/api/token/sessions', { bearer: thief.jwt }),
      app.client().delete(`/api/token/sessions/${victim.sid}`, { bearer: thief.jwt }),
      app.client().post('/graphql', { json: { query: 'mutation { logoutOthers }' }, bearer: thief.jwt }),
    ];
    const replies = await Promise.all(asThief);
    for (const reply of replies.slice(0, 4)) {
      expect(reply.status, reply.text).toBe(401);
      expect(reply.body.error.message).toContain('session has ended');
    }
    expect(replies[4].body.errors[0].message).toContain('session has ended');
    const fresh = await app
      .client()
      .request('PUT', '/api/account/email', { json: { email: `thief${user.id}@example.com` }, bearer: thief.jwt });
    expect(fresh.status).toBe(403);
    expect(fresh.body.error.details).toMatchObject({ reason: 'login-required' });
    expect(await live(app, user.id)).toEqual([victim.sid]);
    // The ordinary API still takes the token until it expires (that is what strict mode changes).
    expect((await app.client().get('/api/users/me', { bearer: thief.jwt })).status).toBe(200);
  });

  it('GraphQL logoutOthers does the same', async () => {
    const user = await app.createUser();
    await login(app, user);
    const b = await login(app, user);
    const res = await app.client().post('/graphql', { json: { query: 'mutation { logoutOthers }' }, bearer: b.jwt });
    expect(res.body).toEqual({ data: { logoutOthers: 1 } });
    expect(await live(app, user.id)).toEqual([b.sid]);
  });

  it('maxSessionsPerUser: a login beyond the cap revokes the least recently used session (session-limit, event emitted)', async () => {
    const user = await app.createUser();
    const first = await login(app, user);
    const second = await login(app, user);
    const third = await login(app, user);
    await sleep(5);
    await first.http.refresh({ json: {} }); // the first is now the most recently used; the second the least
    const fourth = await login(app, user);
    const alive = await live(app, user.id);
    expect(alive.sort()).toEqual([first.sid, third.sid, fourth.sid].sort());
    expect((await row(app, second.sid)).revoked_reason).toBe('session-limit');
    expect(events.some(([name, p]) => name === 'revoked' && p.sessionId === second.sid && p.reason === 'session-limit')).toBe(true);
  });

  it('maxSessionsPerUser is race-safe: 6 parallel logins at the cap leave at most the cap live', async () => {
    const user = await app.createUser();
    for (let i = 0; i < 3; i++) await login(app, user);
    await Promise.all(Array.from({ length: 6 }, () => login(app, user)));
    expect((await live(app, user.id)).length).toBeLessThanOrEqual(3);
    expect((await live(app, user.id)).length).toBeGreaterThan(0);
  });

  it('rememberMe: false gives a browser-session cookie (no Max-Age, no Expires) and the shorter idle lifespan, across refreshes', async () => {
    const user = await app.createUser();
    const { http, res, sid } = await login(app, user, {}, { rememberMe: false });
    const cookie = parseSetCookie(res.setCookies, COOKIE)!;
    expect(cookie.expires).toBeUndefined();
    expect(cookie['max-age']).toBeUndefined();
    const r = await row(app, sid);
    expect(Number(r.expires_at) - Date.now()).toBeLessThanOrEqual(2 * 3600 * 1000 + 1000);
    expect(Number(r.expires_at) - Date.now()).toBeGreaterThan(2 * 3600 * 1000 - 60_000);
    const refreshed = await http.refresh({ json: {} });
    expect(refreshed.status).toBe(200);
    expect(parseSetCookie(refreshed.setCookies, COOKIE)!['max-age']).toBeUndefined();
    expect(Number((await row(app, sid)).expires_at) - Date.now()).toBeLessThanOrEqual(2 * 3600 * 1000 + 1000);

    // rememberMe absent: today's behaviour, a persistent cookie and the 7-day idle lifespan.
    const remembered = await login(app, user);
    expect(Number(parseSetCookie(remembered.res.setCookies, COOKIE)!['max-age'])).toBeGreaterThan(6 * 86400);
  });

  it('the fresh policy on a custom route: 200 right after login, 403 (details.reason) once the login is older than maxAge, even after a refresh; a new login passes', async () => {
    const user = await app.createUser();
    const a = await login(app, user);
    expect(decodeJwt(a.jwt).auth_time).toBeGreaterThan(0);
    const put = (jwt: string, email: string) => app.client().request('PUT', '/api/account/email', { json: { email }, bearer: jwt });
    const ok = await put(a.jwt, `fresh${user.id}@example.com`);
    expect(ok.status, ok.text).toBe(200);
    await sleep(3200);
    const refreshed = await a.http.refresh({ json: {} });
    expect(decodeJwt(refreshed.body.jwt).auth_time).toBe(decodeJwt(a.jwt).auth_time);
    const stale = await put(refreshed.body.jwt, `stale${user.id}@example.com`);
    expect(stale.status).toBe(403);
    expect(stale.body.error.details).toMatchObject({ reason: 'login-too-old', maxAge: 2 });
    expect(stale.body.error.message).toContain('log in again');
    const again = await login(app, { ...user, email: `fresh${user.id}@example.com` });
    expect((await put(again.jwt, `again${user.id}@example.com`)).status).toBe(200);
  });
});

describe('new-device alerts', () => {
  let app: TestApp;
  const alerts: any[] = [];
  const mails: Array<{ to: string; subject: string; text: string }> = [];
  beforeAll(async () => {
    app = await startStrapi({
      plugin: {
        newDevice: {
          enabled: true,
          lookback: '30d',
          email: { subject: 'New sign-in to your account', text: 'Hi {{username}}, a new sign-in from {{device}} ({{ip}}) at {{time}}.' },
        },
      },
      env: { PROXY: 'true' },
    });
    app.strapi.eventHub.on('refresh-token.session.new-device', async (p: any) => {
      alerts.push(p);
    });
    // Tests only: capture what Strapi's email plugin would send.
    app.strapi.plugin('email').service('email').send = async (mail: any) => {
      mails.push(mail);
    };
  });
  afterAll(() => app.stop());

  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
  const chrome = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

  it('alerts on a device + network not seen for the user, not on a known one, and e-mails the user from the template', async () => {
    const user = await app.createUser();
    await login(app, user, { 'user-agent': firefox, 'x-forwarded-for': '198.51.100.10' });
    expect(alerts.filter((a) => a.userId === user.id)).toHaveLength(1); // nothing to compare with before: reported once here
    alerts.length = 0;
    mails.length = 0;
    // Same browser, same /24 network: known.
    await login(app, user, { 'user-agent': firefox, 'x-forwarded-for': '198.51.100.77' });
    expect(alerts).toEqual([]);
    // Another browser, another network: new.
    const { sid } = await login(app, user, { 'user-agent': chrome, 'x-forwarded-for': '203.0.113.5' });
    expect(alerts).toEqual([expect.objectContaining({ userId: user.id, sessionId: sid, device: 'Chrome on macOS', ip: '203.0.113.0/24' })]);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: user.email, subject: 'New sign-in to your account' });
    expect(mails[0].text).toContain('Chrome on macOS (203.0.113.0/24)');
    expect(mails[0].text).toContain('Hi user');
    expect(JSON.stringify(mails)).not.toMatch(/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/);
  });

  it('a registration is no alert: a new account has no devices to compare with', async () => {
    await app.strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).set({
      value: {
        ...((await app.strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as object),
        allow_register: true,
      },
    });
    alerts.length = 0;
    const res = await app
      .client()
      .post('/api/auth/local/register', { json: { username: 'newcomer', email: 'newcomer@example.com', password: 'Newcomer-Passw0rd!' } });
    expect(res.status, res.text).toBe(200);
    expect(alerts).toEqual([]);
  });

  it('the event is offered to webhooks', () => {
    const store = app.strapi.get('webhookStore') as { allowedEvents: Map<string, string> };
    expect([...store.allowedEvents.values()]).toContain('refresh-token.session.new-device');
  });
});
