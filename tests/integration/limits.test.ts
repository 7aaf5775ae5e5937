/**
 * One client's traffic never rate-limits another user, with the limiters at their defaults
 * (30 requests a minute per IP and route, and per session): forged tokens naming a victim's
 * session id count against nobody but their sender.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHeaders, createServerAuth, StrapiUnavailableError } from '../../server-entry/src';
import { CLIENT_HEADERS, clientSignature, signedText } from '../../server/src/http/trusted-front-end';
import { decodeJwt } from '../helpers/http';
import { LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const SECRET = 'a-secret-the-front-end-and-strapi-share';

describe('limits that protect one user from another', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({
      ...LIMITERS_AT_DEFAULTS,
      plugin: { ...LIMITERS_AT_DEFAULTS.plugin, delivery: 'both' },
      env: { REFRESH_TOKEN_PROXY_SECRET: SECRET },
    });
  });
  afterAll(() => app?.stop());

  it("forged <sid>.<junk> tokens from another IP do not use up the victim's session bucket", async () => {
    const user = await app.createUser();
    const victim = app.client();
    const login = await victim.login(user.email, user.password);
    expect(login.status).toBe(200);
    const sid = decodeJwt(login.body.jwt).sid as string;
    const attacker = app.client('127.0.0.2');
    const statuses: number[] = [];
    for (let i = 0; i < 64; i++) {
      const forged = `${sid}.${randomBytes(32).toString('base64url')}`;
      const path = i % 2 ? '/api/token/refresh' : '/api/token/logout';
      statuses.push((await attacker.post(path, { json: { refreshToken: forged }, noJar: true })).status);
    }
    expect(statuses).toContain(401); // forged refreshes are unknown
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0); // the attacker's own IP is limited
    const refreshed = await victim.post('/api/token/refresh', { json: { refreshToken: login.body.refreshToken }, noJar: true });
    expect(refreshed.status, refreshed.text).toBe(200);
    const logout = await victim.post('/api/token/logout', { json: { refreshToken: refreshed.body.refreshToken }, noJar: true });
    expect(logout.status, logout.text).toBe(200);
  });

  it("behind a front end with the shared secret, each browser has its own per-IP buckets (the plugin's and users-permissions' login limit)", async () => {
    const cookies = (jar: Map<string, string>) => ({ get: (n: string) => jar.get(n), set: (n: string, v: string) => void jar.set(n, v) });
    const asBrowser = (ip: string, jar = new Map<string, string>()) =>
      createServerAuth({ strapiUrl: app.url, cookies: cookies(jar), proxySecret: SECRET, client: { ip, userAgent: `Browser at ${ip}` } });
    const user = await app.createUser();
    const victimJar = new Map<string, string>();
    expect((await asBrowser('198.51.100.1', victimJar).login(user.email, user.password)).ok).toBe(true);

    // Another client floods the front end with junk refresh cookies and wrong passwords.
    const outcomes: string[] = [];
    for (let i = 0; i < 35; i++) {
      const junk = asBrowser('198.51.100.66', new Map([['strapi_rt', `junk${i}.${'x'.repeat(43)}`]]));
      outcomes.push(
        await junk.getAccessToken().then(
          (t) => String(t),
          (e) => (e instanceof StrapiUnavailableError ? `unavailable ${e.status}` : String(e))
        )
      );
    }
    expect(outcomes.slice(0, 30).every((o) => o === 'null')).toBe(true); // signed out
    expect(outcomes.slice(30)).toContain('unavailable 429'); // its own bucket is spent
    const logins: number[] = [];
    for (let i = 0; i < 12; i++)
      logins.push(
        (
          await asBrowser('198.51.100.66')
            .login(user.email, 'wrong')
            .catch((e) => e)
        ).status
      );
    expect(logins).toContain(429);

    // The signed-in user is another browser: its refresh and a new login still work.
    victimJar.set('strapi_at', ''); // as if the access token had expired
    expect(await asBrowser('198.51.100.1', victimJar).getAccessToken()).not.toBeNull();
    expect((await asBrowser('198.51.100.2').login(user.email, user.password)).ok).toBe(true);
  });

  it("a captured set of a front end's client headers holds for one request: replayed, stale or sent to another route it is ignored", async () => {
    const user = await app.createUser();
    const victim = { ip: '198.51.100.50', userAgent: 'Victim browser' };
    const captured = await clientHeaders(SECRET, victim, { method: 'POST', url: `${app.url}/api/auth/local` });
    const attacker = app.client('127.0.0.3');
    const wrong = { identifier: user.email, password: 'wrong' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attacker.post('/api/auth/local', { json: wrong, headers: captured })).status);
    expect(statuses[0]).toBe(400); // the one use of the set: a wrong password, counted for the victim's IP
    expect(statuses).toContain(429); // the replays count against the attacker's own address
    // The victim's front end still logs in: its IP's budget was not spent by the replays.
    const jar = new Map<string, string>();
    const signedIn = await createServerAuth({
      strapiUrl: app.url,
      cookies: { get: (n) => jar.get(n), set: (n, v) => void jar.set(n, v) },
      proxySecret: SECRET,
      client: victim,
    }).login(user.email, user.password);
    expect(signedIn.ok).toBe(true);

    // A correctly signed set made two minutes ago, and a fresh one made for another route: ignored.
    const sessionsOf = () => app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).orderBy('id');
    const before = (await sessionsOf()).length;
    const nonce = `${Date.now() - 120_000}.${randomBytes(16).toString('base64url')}`;
    const ua = encodeURIComponent('Stale browser');
    const stale = {
      [CLIENT_HEADERS.ip]: '198.51.100.51',
      [CLIENT_HEADERS.userAgent]: ua,
      [CLIENT_HEADERS.nonce]: nonce,
      [CLIENT_HEADERS.signature]: clientSignature(SECRET, signedText('POST', '/api/auth/local', nonce, '198.51.100.51', ua)),
    };
    const otherRoute = await clientHeaders(
      SECRET,
      { ip: '198.51.100.52', userAgent: 'Other route' },
      { method: 'POST', url: '/api/auth/register' }
    );
    for (const headers of [stale, otherRoute]) {
      const res = await app
        .client('127.0.0.4')
        .post('/api/auth/local', { json: { identifier: user.email, password: user.password }, headers });
      expect(res.status, res.text).toBe(200);
    }
    const made = (await sessionsOf()).slice(before);
    expect(made).toHaveLength(2);
    for (const row of made) {
      expect(String(row.user_agent)).not.toMatch(/Stale browser|Other route/);
      expect(row.ip).not.toMatch(/^198\.51\.100/);
    }
  });
});
