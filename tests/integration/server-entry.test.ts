/**
 * Issue 11: the server-side entry (`strapi-plugin-refresh-token/server`) against a real playground
 * Strapi, as a front end's server uses it: a cookie adapter over each request's cookies, Web fetch.
 * The fetch given to it is the real one, counting the refresh requests that reach Strapi.
 */
import { strapi as strapiClient } from '@strapi/client';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerAuth, StrapiUnavailableError, type CookieAdapter, type CookieOptions } from '../../ssr/src';
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

beforeAll(async () => {
  app = await startStrapi({ plugin: { delivery: 'both', accessTokenLifespan: '2s', reuseGracePeriod: '10s' } });
});
afterAll(() => app.stop());

const auth = (browser: Browser, writable = true) => createServerAuth({ strapiUrl: app.url, cookies: browser.request(writable), fetch: counting, refreshMarginMs: 500 });

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
    const tokens = await Promise.all(Array.from({ length: 25 }, (_, i) => auth(browser, i % 3 === 0).getAccessToken()));
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
    expect((await app.client().refresh({ json: { refreshToken } })).status).toBe(401);
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
    expect(require.resolve('strapi-plugin-refresh-token/server')).toBe(path.resolve(__dirname, '../../dist/ssr/index.js'));
    expect(typeof require('strapi-plugin-refresh-token/server').createServerAuth).toBe('function');
    const esm = await import(path.resolve(__dirname, '../../dist/ssr/index.mjs'));
    expect(typeof esm.createServerAuth).toBe('function');
  });
});
