/**
 * Issue 22 in real Chromium: the browser client (`dpop: 'required'`) binds its session at login to
 * a non-extractable P-256 key kept in IndexedDB; the key survives a reload and serves a second
 * tab (one refresh at a time, no fork); script cannot export it; the refresh cookie copied out of
 * the browser into Node's fetch is refused.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const { buildDemo } = require('../../scripts/build-demo.js') as { buildDemo(): Promise<string> };
const COOKIE = 'strapi_refresh_token';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
/** Refreshes from the login on (the page asks once, quietly, before anyone has logged in). */
let loggedInAt = Infinity;
/** Every refresh request of the browser: its status and whether it carried a DPoP proof. */
const refreshes: Array<{ status: number; proof: boolean; at: number }> = [];

beforeAll(async () => {
  await buildDemo();
  app = await startStrapi({
    plugin: { ...LIMITERS_AT_DEFAULTS.plugin, senderConstraint: 'optional', accessTokenLifespan: 3, refreshTokenIdleLifespan: '1h' },
    usersPermissions: LIMITERS_AT_DEFAULTS.usersPermissions,
  });
  browser = await launchChromium();
  context = await browser.newContext();
  context.on('response', async (response) => {
    if (!response.url().endsWith('/api/token/refresh')) return;
    refreshes.push({ status: response.status(), proof: typeof (await response.request().allHeaders()).dpop === 'string', at: Date.now() });
  });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.stop();
});

const sessionOf = (sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();
const sidOf = (page: Page) => page.evaluate(() => (window as any).demo.client.sessionId as string | null);

describe('the browser client binds its session to a key it cannot give away', () => {
  let tab1: Page;
  let sid: string;

  it('binds at login: the session row keeps the key thumbprint and the access JWT carries cnf.jkt', async () => {
    tab1 = await context.newPage();
    await tab1.goto(`${app.url}/demo/?dpop=required`);
    await tab1.getByTestId('login-view').waitFor();
    await tab1.getByTestId('login-submit').click();
    await tab1.getByTestId('dashboard').waitFor();
    sid = (await sidOf(tab1))!;
    loggedInAt = Date.now();
    const row = await sessionOf(sid);
    expect(row.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cnf = await tab1.evaluate(async () => {
      const token = await (window as any).demo.client.getAccessToken();
      return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).cnf;
    });
    expect(cnf).toEqual({ jkt: row.jkt });
  });

  it('the private key is in IndexedDB and cannot be exported by script on the page', async () => {
    const found = await tab1.evaluate(async () => {
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const r = indexedDB.open('strapi-refresh-token');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const keys: CryptoKeyPair[] = await new Promise((resolve, reject) => {
        const r = db.transaction('dpop-keys').objectStore('dpop-keys').getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const attempts = [];
      for (const format of ['jwk', 'pkcs8'] as const) {
        try {
          await crypto.subtle.exportKey(format, keys[0].privateKey);
          attempts.push(`${format}: exported`);
        } catch (error) {
          attempts.push(`${format}: ${(error as Error).name}`);
        }
      }
      return {
        count: keys.length,
        extractable: keys[0].privateKey.extractable,
        algorithm: (keys[0].privateKey.algorithm as any).namedCurve,
        attempts,
      };
    });
    expect(found).toEqual({
      count: 1,
      extractable: false,
      algorithm: 'P-256',
      attempts: ['jwk: InvalidAccessError', 'pkcs8: InvalidAccessError'],
    });
  });

  it('survives a reload and a second tab: one session, every refresh signed and answered 200, never two at once', async () => {
    await tab1.reload();
    await tab1.getByTestId('dashboard').waitFor();
    expect(await sidOf(tab1)).toBe(sid);
    const tab2 = await context.newPage();
    await tab2.goto(`${app.url}/demo/?dpop=required`);
    await tab2.getByTestId('dashboard').waitFor();
    expect(await sidOf(tab2)).toBe(sid);
    const start = Date.now();
    await tab1.waitForTimeout(7000); // two access-token lifetimes: both tabs keep calling the API
    expect(await tab1.getByTestId('dashboard').isVisible()).toBe(true);
    expect(await tab2.getByTestId('dashboard').isVisible()).toBe(true);
    const during = refreshes.filter((r) => r.at >= start);
    expect(during.length).toBeGreaterThanOrEqual(2);
    const sinceLogin = refreshes.filter((r) => r.at >= loggedInAt);
    expect(
      sinceLogin.filter((r) => r.status !== 200 || !r.proof),
      JSON.stringify(sinceLogin)
    ).toEqual([]);
    const gaps = during.slice(1).map((r, i) => r.at - during[i].at);
    expect(Math.min(...gaps)).toBeGreaterThan(1000);
    expect((await app.strapi.db.connection('refresh_token_sessions').where({ jkt: (await sessionOf(sid)).jkt })).length).toBe(1);
    await tab2.close();
  });

  it("the refresh cookie copied out of the browser into Node's fetch is refused; the browser's session goes on", async () => {
    const cookie = (await context.cookies()).filter((c) => c.name.startsWith(COOKIE));
    expect(cookie.length).toBe(2); // the value and its signature
    const stolen = await fetch(`${app.url}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie.map((c) => `${c.name}=${c.value}`).join('; ') },
      body: '{}',
    });
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect((await sessionOf(sid)).revoked_at).toBeNull();
    const before = refreshes.length;
    await tab1.waitForTimeout(4000);
    expect(refreshes.length).toBeGreaterThan(before);
    expect(refreshes.slice(before).every((r) => r.status === 200)).toBe(true);
    expect(await tab1.getByTestId('dashboard').isVisible()).toBe(true);
  });
});
