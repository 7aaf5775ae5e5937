/**
 * Issue 11: the server-side entry (`strapi-plugin-refresh-token/server`) against a real playground
 * Strapi, as a front end's server uses it: a cookie adapter over each request's cookies, Web fetch.
 * The fetch given to it is the real one, counting the refresh requests that reach Strapi.
 */
import { strapi as strapiClient } from '@strapi/client';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createServerAuth,
  RefreshNeededError,
  StrapiUnavailableError,
  type CookieAdapter,
  type CookieOptions,
} from '../../server-entry/src';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt } from '../helpers/http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** iat is in whole seconds: a login just after a second begins gets its 2-s access token whole. */
const atSecondStart = () => sleep(1000 - (Date.now() % 1000) + 20);

/** One browser's cookies on the front end's domain; each request gets an adapter over a snapshot. */
class Browser {
  cookies = new Map<string, { value: string; options: CookieOptions }>();
  request(writable = true): CookieAdapter {
    const snapshot = new Map([...this.cookies].map(([k, v]) => [k, v.value]));
    return {
      get: (name) => snapshot.get(name),
      ...(writable
        ? {
            set: (name: string, value: string, options: CookieOptions) => {
              if (options.maxAge === 0 || value === '') this.cookies.delete(name);
              else this.cookies.set(name, { value, options });
            },
          }
        : {}),
    };
  }
}

let app: TestApp;
let refreshes = 0;
const counting: typeof fetch = (input, init) => {
  if (String(input).endsWith('/api/token/refresh')) refreshes++;
  return fetch(input, init);
};

const PROXY_SECRET = 'front-end-and-strapi-share-this-secret';
beforeAll(async () => {
  // The plugin's default delivery ('cookie'): the entry asks for the token in the body itself.
  app = await startStrapi({ plugin: { accessTokenLifespan: '2s', reuseGracePeriod: '10s', proxySecret: PROXY_SECRET } });
});
const sessionRow = (sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
const sidOf = (browser: Browser) => browser.cookies.get('strapi_rt')!.value.replace(/^~/, '').split('.')[0];
afterAll(() => app.stop());

const auth = (browser: Browser, writable = true) =>
  createServerAuth({ strapiUrl: app.url, cookies: browser.request(writable), fetch: counting, refreshMarginMs: 500 });

describe('server entry', () => {
  it('logs in, keeps both tokens in httpOnly cookies on the front end’s domain, and serves the access token', async () => {
    const browser = new Browser();
    await atSecondStart();
    const result = await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    expect(result).toMatchObject({ ok: true, user: { email: DEMO_USER.email } });
    expect([...browser.cookies.keys()].sort()).toEqual(['strapi_at', 'strapi_rt']);
    for (const { options } of browser.cookies.values()) expect(options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });
    const token = await auth(browser).getAccessToken();
    expect(decodeJwt(token!).id).toBeDefined();
    expect((await auth(browser).getUser())?.email).toBe(DEMO_USER.email);
    const wrong = await auth(new Browser()).login(DEMO_USER.email, 'wrong');
    expect(wrong).toMatchObject({ ok: false, status: 400 });
  });

  it('refreshes across expiry and writes the rotated cookies', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const first = browser.cookies.get('strapi_rt')!.value;
    await sleep(2100);
    const before = refreshes;
    const token = await auth(browser).getAccessToken();
    expect(refreshes - before).toBe(1);
    expect(token).not.toBeNull();
    expect(browser.cookies.get('strapi_rt')!.value).not.toBe(first);
    expect((await auth(browser).fetch('/api/users/me')).status).toBe(200);
  });

  it('25 concurrent requests of one browser after expiry: exactly one refresh reaches Strapi, all get the same valid token', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const sid = browser.cookies.get('strapi_rt')!.value.split('.')[0];
    await sleep(2100);
    const before = refreshes;
    // Middleware, server components (read-only cookies) and route handlers of one navigation.
    // The first is the middleware (writable); the read-only ones join its refresh.
    const tokens = await Promise.all(Array.from({ length: 25 }, (_, i) => auth(browser, i % 3 !== 1).getAccessToken()));
    expect(refreshes - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect((await app.client().get('/api/users/me', { bearer: tokens[0]! })).status).toBe(200);
    // Not forked: one live session, rotated once.
    const row = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
    expect(row.generation).toBe(1);
    expect(row.revoked_at).toBeNull();
  });

  it('Strapi unreachable: a clear error, and the session cookie survives', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    await sleep(2100);
    const cookie = browser.cookies.get('strapi_rt')!.value;
    const down = createServerAuth({ strapiUrl: 'http://127.0.0.1:9', cookies: browser.request(), refreshMarginMs: 500 });
    await expect(down.getAccessToken()).rejects.toBeInstanceOf(StrapiUnavailableError);
    expect(browser.cookies.get('strapi_rt')!.value).toBe(cookie);
    // Back up: the same cookie refreshes.
    expect(await auth(browser).getAccessToken()).not.toBeNull();
  });

  it('a refused refresh (401) signs out and clears the cookies', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const sid = browser.cookies.get('strapi_rt')!.value.split('.')[0];
    await app.strapi.plugin('refresh-token').service('sessions').revokeSession(sid, null, 'admin');
    await sleep(2100);
    expect(await auth(browser).getAccessToken()).toBeNull();
    expect(browser.cookies.size).toBe(0);
  });

  it('logout revokes the Strapi session and clears the cookies', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const refreshToken = browser.cookies.get('strapi_rt')!.value;
    expect(await auth(browser).logout()).toEqual({ revoked: true });
    expect(browser.cookies.size).toBe(0);
    expect((await app.client().refresh({ json: { refreshToken }, headers: { 'x-refresh-token-delivery': 'body' } })).status).toBe(401);
  });

  it("the body delivery it asks for is a server's alone: with Origin or Sec-Fetch-Site (a browser) it is 400 before any session exists, and no body token is taken without it", async () => {
    const before = Number((await app.strapi.db.connection('refresh_token_sessions').count({ n: 'id' }))[0].n);
    for (const browserHeader of [{ origin: 'http://127.0.0.1:3000' }, { 'sec-fetch-site': 'same-origin' }] as Array<
      Record<string, string>
    >) {
      const login = await app.client().post('/api/auth/local', {
        json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
        headers: { 'x-refresh-token-delivery': 'body', ...browserHeader },
      });
      expect(login.status).toBe(400);
      expect(login.body.error.message).toContain('server-to-server');
    }
    expect(Number((await app.strapi.db.connection('refresh_token_sessions').count({ n: 'id' }))[0].n)).toBe(before);
    const server = await app.client().post('/api/auth/local', {
      json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
      headers: { 'x-refresh-token-delivery': 'body' },
    });
    expect(server.status).toBe(200);
    expect(server.setCookies.filter((c) => c.startsWith('strapi_refresh_token='))).toEqual([]);
    const withoutHeader = await app.client().refresh({ json: { refreshToken: server.body.refreshToken } });
    expect(withoutHeader.status).toBe(400);
    expect(withoutHeader.body.error.message).toContain("delivery is 'cookie'");
  });

  it('where cookies cannot be written it never rotates: it joins a refresh in progress, else throws RefreshNeededError and the session is untouched', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const sid = sidOf(browser);
    expect(await auth(browser, false).getAccessToken()).not.toBeNull(); // fresh: read as it is
    await sleep(2100);
    const before = refreshes;
    await expect(auth(browser, false).getAccessToken()).rejects.toBeInstanceOf(RefreshNeededError);
    expect(refreshes).toBe(before);
    expect(Number((await sessionRow(sid)).generation)).toBe(0);
    // The middleware's refresh (writable) then serves the page's read-only context.
    const [fromMiddleware, fromPage] = await Promise.all([auth(browser).getAccessToken(), auth(browser, false).getAccessToken()]);
    expect(fromPage).toBe(fromMiddleware);
    expect(refreshes - before).toBe(1);
  });

  it('rememberMe: false keeps a browser-session refresh cookie across refreshes', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password, { rememberMe: false });
    expect(browser.cookies.get('strapi_rt')!.options.maxAge).toBeUndefined();
    await sleep(2100);
    expect(await auth(browser).getAccessToken()).not.toBeNull();
    expect(browser.cookies.get('strapi_rt')!.options.maxAge).toBeUndefined();
    await sleep(2100);
    expect(await auth(browser).getAccessToken()).not.toBeNull();
    expect(browser.cookies.get('strapi_rt')!.options.maxAge).toBeUndefined();
    expect((await sessionRow(sidOf(browser))).persistent).toBeFalsy();
    const remembered = new Browser();
    await auth(remembered).login(DEMO_USER.email, DEMO_USER.password);
    expect(remembered.cookies.get('strapi_rt')!.options.maxAge).toBeGreaterThan(0);
  });

  it("fetch resolves its input against strapiUrl and sends the token to Strapi's origin only", async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return new Response('{}', { status: 200 });
    };
    const spying = createServerAuth({ strapiUrl: app.url, cookies: browser.request(), fetch: spy, refreshMarginMs: 500 });
    await spying.fetch('.attacker.tld/x');
    await spying.fetch('//attacker.tld/x');
    await spying.fetch('https://attacker.tld/x');
    await spying.fetch('/api/users/me');
    expect(seen.map((s) => new URL(s.url).origin)).toEqual([app.url, app.url, 'https://attacker.tld', app.url]);
    expect(seen.map((s) => s.authorization !== null)).toEqual([true, true, false, true]);
  });

  it("with the shared proxy secret Strapi records the browser's IP and User-Agent; with a wrong one, the front end's", async () => {
    const client = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' };
    const named = new Browser();
    await createServerAuth({ strapiUrl: app.url, cookies: named.request(), proxySecret: PROXY_SECRET, client }).login(
      DEMO_USER.email,
      DEMO_USER.password
    );
    expect(await sessionRow(sidOf(named))).toMatchObject({ ip: '203.0.113.0/24', user_agent: client.userAgent });
    await sleep(2100); // the refresh is the browser's too
    const refreshed = createServerAuth({
      strapiUrl: app.url,
      cookies: named.request(),
      proxySecret: PROXY_SECRET,
      client: { ...client, ip: '203.0.113.8' },
    });
    expect(await refreshed.getAccessToken()).not.toBeNull();

    const forged = new Browser();
    await createServerAuth({ strapiUrl: app.url, cookies: forged.request(), proxySecret: 'not-the-secret-strapi-knows', client }).login(
      DEMO_USER.email,
      DEMO_USER.password
    );
    const row = await sessionRow(sidOf(forged));
    expect(row.ip).toBe('127.0.0.0/24');
    expect(row.user_agent).not.toBe(client.userAgent);
  });

  it('@strapi/client (no custom fetch in its API): a client per request with a fresh access token as its auth', async () => {
    const browser = new Browser();
    await auth(browser).login(DEMO_USER.email, DEMO_USER.password);
    const sdk = async () => strapiClient({ baseURL: `${app.url}/api`, auth: (await auth(browser).getAccessToken()) ?? undefined });
    const me = await (await sdk()).fetch('/users/me');
    expect(((await me.json()) as { email: string }).email).toBe(DEMO_USER.email);
    await sleep(2100); // past the access token's expiry: the next client is built with a refreshed one
    const again = await (await sdk()).fetch('/users/me');
    expect(again.status).toBe(200);
  });

  it('resolves from the package as strapi-plugin-refresh-token/server (require and import)', async () => {
    const require = createRequire(path.resolve(__dirname, '../../package.json'));
    expect(require.resolve('strapi-plugin-refresh-token/server')).toBe(path.resolve(__dirname, '../../dist/server-entry/index.js'));
    expect(typeof require('strapi-plugin-refresh-token/server').createServerAuth).toBe('function');
    const esm = await import(path.resolve(__dirname, '../../dist/server-entry/index.mjs'));
    expect(typeof esm.createServerAuth).toBe('function');
  });
});
