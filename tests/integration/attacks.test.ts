/** Issue 3: reuse detection, grace for honest races, atomic rotation, CSRF, cookie hardening, rate limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, parseSetCookie } from '../helpers/http';

const COOKIE = 'strapi_refresh_token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const row = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
const liveSessions = async (app: TestApp, userId: number) =>
  (await app.strapi.db.connection('refresh_token_sessions').where({ user_id: userId }).whereNull('revoked_at')).length;

async function loginBody(app: TestApp, user = DEMO_USER) {
  const res = await app.client().login(user.email, user.password);
  expect(res.status).toBe(200);
  return { jwt: res.body.jwt as string, refreshToken: res.body.refreshToken as string, sid: decodeJwt(res.body.jwt).sid as string };
}
const refreshBody = (app: TestApp, refreshToken: string) => app.client().refresh({ json: { refreshToken } });

describe('reuse detection and grace (body delivery, grace 1 s)', () => {
  let app: TestApp;
  const warnings: string[] = [];
  const events: Array<[string, any]> = [];
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'both', reuseGracePeriod: '1s' } });
    const warn = app.strapi.log.warn.bind(app.strapi.log);
    (app.strapi.log as any).warn = (message: string, ...rest: unknown[]) => {
      warnings.push(String(message));
      return warn(message, ...rest);
    };
    for (const name of ['reused', 'revoked', 'refreshed', 'created']) {
      app.strapi.eventHub.on(`refresh-token.session.${name}`, async (payload: any) => {
        events.push([name, payload]);
      });
    }
  });
  afterAll(() => app.stop());

  it('replaying a rotated token after the grace period revokes the whole session, logs a warning without token material, and emits reused', async () => {
    const user = await app.createUser();
    const a = await loginBody(app, { ...user, username: '' });
    const b = await refreshBody(app, a.refreshToken); // the victim rotates
    expect(b.status).toBe(200);
    await sleep(1100);
    const replay = await refreshBody(app, a.refreshToken); // the thief replays the old token
    expect(replay.status).toBe(401);
    expect(replay.body.error.name).toBe('UnauthorizedError');
    // Every descendant dies: the victim's live token no longer works either.
    expect((await refreshBody(app, b.body.refreshToken)).status).toBe(401);
    expect((await row(app, a.sid)).revoked_reason).toBe('reuse');

    const warning = warnings.find((w) => w.includes(a.sid));
    expect(warning).toContain(`user ${user.id}`);
    for (const token of [a.refreshToken, b.body.refreshToken]) {
      expect(warnings.join('\n')).not.toContain(token.split('.')[1]);
    }
    const reused = events.find(([name, p]) => name === 'reused' && p.sessionId === a.sid);
    expect(reused?.[1]).toMatchObject({ sessionId: a.sid, userId: user.id });
    expect(JSON.stringify(events)).not.toContain(a.refreshToken.split('.')[1]);
  });

  it('the immediately previous token within the grace period gets the SAME successor: the session never forks', async () => {
    const a = await loginBody(app);
    const first = await refreshBody(app, a.refreshToken);
    const second = await refreshBody(app, a.refreshToken); // a second tab, or a retried request
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).toBe(first.body.refreshToken);
    expect((await row(app, a.sid)).generation).toBe(1);
    // The lineage goes on from that one successor.
    const third = await refreshBody(app, first.body.refreshToken);
    expect(third.status).toBe(200);
    // A token two generations old is always reuse, even within the grace period.
    expect((await refreshBody(app, a.refreshToken)).status).toBe(401);
    expect((await row(app, a.sid)).revoked_reason).toBe('reuse');
  });

  it('a forged secret for a known session id is unknown, not reuse: 401, nothing revoked, no event, no warning', async () => {
    const a = await loginBody(app);
    const rotated = await refreshBody(app, a.refreshToken);
    const live = rotated.body.refreshToken as string;
    const before = { warnings: warnings.length, events: events.filter(([name]) => name === 'reused' || name === 'revoked').length };
    // What anyone who has seen the access JWT (it carries sid) can send.
    const liveSecret = live.split('.')[1];
    const oneCharOff = liveSecret.slice(0, 10) + (liveSecret[10] === 'A' ? 'B' : 'A') + liveSecret.slice(11);
    for (const secret of ['x'.repeat(43), oneCharOff]) {
      expect((await refreshBody(app, `${a.sid}.${secret}`)).status).toBe(401);
      expect((await app.client().post('/api/token/logout', { json: { refreshToken: `${a.sid}.${secret}` } })).body).toEqual({ ok: true });
    }
    expect((await row(app, a.sid)).revoked_at).toBeNull();
    expect(warnings.length).toBe(before.warnings);
    expect(events.filter(([name]) => name === 'reused' || name === 'revoked').length).toBe(before.events);
    // The real chain goes on.
    expect((await refreshBody(app, live)).status).toBe(200);
  });

  it('an old token of the session, several generations back, is reuse: logout or refresh with it revokes the session', async () => {
    const a = await loginBody(app);
    let token = a.refreshToken;
    for (let i = 0; i < 4; i++) token = (await refreshBody(app, token)).body.refreshToken;
    expect((await row(app, a.sid)).generation).toBe(4);
    const logout = await app.client().post('/api/token/logout', { json: { refreshToken: a.refreshToken } });
    expect(logout.body).toEqual({ ok: true });
    expect((await row(app, a.sid)).revoked_reason).toBe('reuse');
    expect((await refreshBody(app, token)).status).toBe(401);
  });

  it('25 concurrent refreshes with one token: every answer is 200 with the same successor or 401, one live session, and the successor works', async () => {
    const user = await app.createUser();
    const a = await loginBody(app, { ...user, username: '' });
    const replies = await Promise.all(Array.from({ length: 25 }, () => refreshBody(app, a.refreshToken)));
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 401);
    expect(ok.length + refused.length).toBe(25);
    expect(new Set(ok.map((r) => r.body.refreshToken)).size).toBe(1);
    expect(ok.length).toBeGreaterThan(0);
    console.log(`single-instance race: ${ok.length} × 200 (one successor), ${refused.length} × 401`);
    expect(await liveSessions(app, user.id)).toBe(1);
    expect((await row(app, a.sid)).generation).toBe(1);
    expect((await refreshBody(app, ok[0].body.refreshToken)).status).toBe(200);
  });
});

describe('reuse with no grace period', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body', reuseGracePeriod: 0 } });
  });
  afterAll(() => app.stop());

  it('replaying the previous token at once is reuse', async () => {
    const a = await loginBody(app);
    const b = await refreshBody(app, a.refreshToken);
    expect((await refreshBody(app, a.refreshToken)).status).toBe(401);
    expect((await refreshBody(app, b.body.refreshToken)).status).toBe(401);
  });

  it('25 concurrent refreshes: exactly one 200, the rest 401 (reuse), and no fork', async () => {
    const a = await loginBody(app);
    const replies = await Promise.all(Array.from({ length: 25 }, () => refreshBody(app, a.refreshToken)));
    const ok = replies.filter((r) => r.status === 200);
    expect(replies.every((r) => r.status === 200 || r.status === 401)).toBe(true);
    // The winner's successor is live unless a loser's replay already counted as reuse; either way never two lineages.
    expect(ok.length).toBeLessThanOrEqual(1);
    const r = await row(app, a.sid);
    expect(Number(r.generation)).toBeLessThanOrEqual(1);
  });
});

describe('CSRF rule for cookie-carried tokens', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { reuseGracePeriod: 0 } });
  });
  afterAll(() => app.stop());

  const forms: Array<[string, () => { body: any; headers: Record<string, string> }]> = [
    [
      'urlencoded',
      () => ({ body: new URLSearchParams({ a: '1' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ],
    [
      'multipart',
      () => {
        const fd = new FormData();
        fd.set('a', '1');
        return { body: fd, headers: {} };
      },
    ],
    ['text/plain', () => ({ body: '{"refresh":1}', headers: { 'content-type': 'text/plain' } })],
    ['no body', () => ({ body: undefined, headers: {} })],
  ];

  it.each(forms)('a %s post with the cookie is refused with 403 and rotates or revokes nothing', async (_name, make) => {
    const http = app.client();
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    const sid = decodeJwt(login.body.jwt).sid;
    const before = http.jar.get(COOKIE);
    for (const path of ['/api/token/refresh', '/api/token/logout']) {
      const res = await http.post(path, make());
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ status: 403, name: 'ForbiddenError', message: expect.stringContaining('X-Requested-With') });
    }
    const r = await row(app, sid);
    expect(r.revoked_at).toBeNull();
    expect(Number(r.generation)).toBe(0);
    expect(http.jar.get(COOKIE)).toBe(before);
    // The same cookie still works with a header a form cannot send.
    expect((await http.post('/api/token/refresh', { headers: { 'x-requested-with': 'XMLHttpRequest' } })).status).toBe(200);
  });
});

describe('CSRF rule: what a legitimate client sends', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(() => app.stop());

  it('accepts a body-less POST with Content-Type: application/json (curl -X POST -H ...), and names the reason of a refusal', async () => {
    const http = app.client();
    await http.login(DEMO_USER.email, DEMO_USER.password);
    expect((await http.post('/api/token/refresh', { headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect((await http.post('/api/token/refresh', { headers: { 'content-type': 'application/json; charset=utf-8' } })).status).toBe(200);
    const refused = await app
      .client()
      .post('/api/token/refresh', { headers: { 'content-type': 'application/json', cookie: `${COOKIE}=nope` } });
    expect(refused.body.error).toMatchObject({
      status: 401,
      name: 'UnauthorizedError',
      message: expect.stringContaining('Invalid refresh token'),
    });
    expect((await http.post('/api/token/logout', { headers: { 'content-type': 'application/json' } })).body).toEqual({ ok: true });
  });

  it('refusals are answered, not logged as errors', async () => {
    const logged: unknown[] = [];
    const error = app.strapi.log.error;
    (app.strapi.log as any).error = (...args: unknown[]) => logged.push(args);
    try {
      await app.client().refresh({ json: { refreshToken: 'nope' } });
      await app.client().post('/api/token/refresh', { headers: { cookie: 'strapi_refresh_token=x', 'content-type': 'application/json' } });
      await app
        .client()
        .post('/api/token/refresh', { headers: { cookie: 'strapi_refresh_token=x', 'content-type': 'text/plain' }, body: 'x' });
      await app
        .client()
        .post('/api/auth/local', { body: 'identifier=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await app
        .client()
        .post('/api/token/refresh', { json: {}, headers: { cookie: 'strapi_refresh_token=x', origin: 'https://evil.example' } });
      await app.client().get('/api/token/sessions', { bearer: 'nope' });
    } finally {
      (app.strapi.log as any).error = error;
    }
    expect(logged).toEqual([]);
  });
});

describe('cookie hardening', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({
      plugin: {
        refreshTokenIdleLifespan: '1h',
        refreshTokenMaxLifespan: '2h',
        cookie: { sameSite: 'strict', secure: true, domain: 'localhost' },
      },
      env: { PROXY: 'true' },
    });
  });
  afterAll(() => app.stop());
  const https = { 'x-forwarded-proto': 'https' };

  it('secure: true sets Secure, the __Secure- prefix, the configured SameSite and Domain, and Max-Age within the session', async () => {
    const http = app.client();
    const res = await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: https });
    expect(res.status).toBe(200);
    const cookie = parseSetCookie(res.setCookies, `__Secure-${COOKIE}`)!;
    expect(cookie).toMatchObject({ secure: 'true', httponly: 'true', samesite: 'strict', path: '/api/token', domain: 'localhost' });
    const maxAge = Date.parse(cookie.expires) - Date.now();
    expect(maxAge).toBeLessThanOrEqual(3600_000 + 1000);
    const r = await row(app, decodeJwt(res.body.jwt).sid);
    expect(Date.parse(cookie.expires)).toBeLessThanOrEqual(Number(r.absolute_expires_at) + 1000);

    const refreshed = await http.post('/api/token/refresh', { json: {}, headers: https });
    expect(refreshed.status).toBe(200);
    const logout = await http.post('/api/token/logout', { json: {}, headers: https });
    const cleared = parseSetCookie(logout.setCookies, `__Secure-${COOKIE}`)!;
    expect(cleared).toMatchObject({ value: '', path: '/api/token', domain: 'localhost' });
  });

  it('a cookie without its .sig, or with the signature of another value, is refused and cleared', async () => {
    const a = app.client();
    const b = app.client();
    await a.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: https });
    await b.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: https });
    const name = `__Secure-${COOKIE}`;
    const unsigned = app.client();
    unsigned.jar.set(name, a.jar.get(name)!);
    const res = await unsigned.post('/api/token/refresh', { json: {}, headers: https });
    expect(res.status).toBe(401);
    expect(parseSetCookie(res.setCookies, name)?.value).toBe('');

    const swapped = app.client();
    swapped.jar.set(name, a.jar.get(name)!);
    swapped.jar.set(`${name}.sig`, b.jar.get(`${name}.sig`)!);
    expect((await swapped.post('/api/token/refresh', { json: {}, headers: https })).status).toBe(401);
    // Neither real session was harmed.
    expect((await a.post('/api/token/refresh', { json: {}, headers: https })).status).toBe(200);
    expect((await b.post('/api/token/refresh', { json: {}, headers: https })).status).toBe(200);
  });
});

describe('secure: auto in production', () => {
  let app: TestApp;
  const previous = process.env.NODE_ENV;
  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    app = await startStrapi({ env: { PROXY: 'true' } });
  });
  afterAll(async () => {
    await app.stop();
    process.env.NODE_ENV = previous;
  });

  it('uses Secure and the __Secure- prefix', async () => {
    const res = await app.client().post('/api/auth/local', {
      json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(200);
    expect(parseSetCookie(res.setCookies, `__Secure-${COOKIE}`)).toMatchObject({ secure: 'true', httponly: 'true' });
    expect(parseSetCookie(res.setCookies, COOKIE)).toBeUndefined();
  });
});

describe('rate limiting', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body', rateLimit: { enabled: true, interval: '1m', max: 5 } }, env: { PROXY: 'true' } });
  });
  afterAll(() => app.stop());

  it('answers 429 in the Strapi error shape past max requests per IP', async () => {
    const http = app.client();
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await http.post('/api/token/refresh', { json: { refreshToken: 'nope' }, headers })).status);
    expect(statuses.slice(0, 5), statuses.join()).toEqual([401, 401, 401, 401, 401]);
    const limited = await http.post('/api/token/refresh', { json: { refreshToken: 'nope' }, headers });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ status: 429, name: 'RateLimitError' });
    // Another IP is not affected.
    expect(
      (await http.post('/api/token/refresh', { json: { refreshToken: 'nope' }, headers: { 'x-forwarded-for': '203.0.113.8' } })).status
    ).toBe(401);
  });
});
