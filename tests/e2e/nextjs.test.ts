/**
 * examples/nextjs (App Router, the plugin's server entry) in real Chromium against the playground
 * Strapi with its default config but a 5-second access token (both limiters at their defaults, cookie
 * delivery) and the shared proxy secret:
 * log in through the form; /dashboard is server-rendered with the user's email; the session records
 * the browser's User-Agent; a flood of junk refresh cookies from another client address never
 * answers 500 and never signs this user out; past expiry, three rounds of parallel requests stay
 * signed in with the session rotated, not forked; log out revokes the Strapi session; page script
 * never sees a token. "Keep me signed in" unticked keeps a browser-session cookie across refreshes.
 * Sender-constrained: the front end holds a DPoP key (REFRESH_TOKEN_DPOP_KEY), every session is
 * bound to it, and the refresh cookie taken from the browser is refused by Strapi.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNextStack } from '../helpers/nextjs';
import { DEMO_USER, type TestApp } from '../helpers/strapi';

const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The front end's DPoP key, as an operator would put it in REFRESH_TOKEN_DPOP_KEY. */
const DPOP_JWK = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
/** Strapi's access-token signing key (signing.keys). */
const SIGNING_JWK = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: 'e2e-1',
  alg: 'ES256',
};

/** GET from another loopback address (another client of the front end); the status code. */
function getFrom(localAddress: string, url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress, headers: { cookie } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

let app: TestApp;
let next: { base: string; stop(): void };
let browser: Browser;
let base: string;
const refreshed: string[] = [];

let stack: Awaited<ReturnType<typeof startNextStack>> | undefined;
beforeAll(async () => {
  stack = await startNextStack({
    // ES256 access tokens: the example's middleware verifies them against Strapi's JWKS (verifyAccessToken).
    plugin: { senderConstraint: 'optional', signing: { keys: [SIGNING_JWK] } },
    exampleEnv: { REFRESH_TOKEN_DPOP_KEY: JSON.stringify(DPOP_JWK) },
  });
  ({ app, next, browser } = stack);
  base = next.base;
  app.strapi.eventHub.on('refresh-token.session.refreshed', async (e: { sessionId: string }) => {
    refreshed.push(e.sessionId);
  });
}, 600_000);

afterAll(() => stack?.stop());

describe('examples/nextjs in Chromium', () => {
  it('logs in, stays server-rendered as the user across expiry without forking the session, logs out', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    expect((await page.goto(`${base}/dashboard`))!.url()).toBe(`${base}/auth/login`);
    await page.locator('input[name="identifier"]').fill(DEMO_USER.email);
    await page.locator('input[name="password"]').fill(DEMO_USER.password);
    await page.getByLabel('Keep me signed in').check();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'nextjs-login.png') });
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);

    // The HTML as the server sent it carries the email.
    const first = await context.request.get(`${base}/dashboard`, { maxRedirects: 0 });
    expect(first.status()).toBe(200);
    expect(await first.text()).toContain(DEMO_USER.email);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'nextjs-dashboard.png') });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name.startsWith('strapi_')).every((c) => c.httpOnly)).toBe(true);
    const sessionId = JSON.parse(Buffer.from(cookies.find((c) => c.name === 'strapi_at')!.value.split('.')[1], 'base64url').toString()).sid;
    const firstRefreshToken = cookies.find((c) => c.name === 'strapi_rt')!.value;
    expect(cookies.find((c) => c.name === 'strapi_rt')!.expires).toBeGreaterThan(Date.now() / 1000); // kept: a persistent cookie
    // The session is the browser's: its User-Agent and address, not the front end's `node`.
    const browserUserAgent = await page.evaluate(() => navigator.userAgent);
    const created = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sessionId }).first();
    expect(created.user_agent).toBe(browserUserAgent);
    expect(created.ip).toBe('127.0.0.0/24');
    // Bound to the front end's key: the refresh cookie is worthless anywhere else.
    const { d: _d, ...publicJwk } = DPOP_JWK;
    expect(created.jkt).toBe(await calculateJwkThumbprint(publicJwk as any, 'sha256'));
    const stolen = await fetch(`${app.url}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-refresh-token-delivery': 'body' },
      body: JSON.stringify({ refreshToken: firstRefreshToken.replace(/^~/, '') }),
    });
    expect(stolen.status).toBe(401);

    // Another client (127.0.0.2) floods the front end with junk refresh cookies: more than the
    // per-IP refresh limit. It is signed out or told to retry, never a 500; its limit is its own.
    const flood: number[] = [];
    for (let i = 0; i < 40; i++) flood.push(await getFrom('127.0.0.2', `${base}/dashboard`, `strapi_rt=junk${i}.${'x'.repeat(43)}`));
    console.log(
      `next.js e2e: junk-cookie flood from 127.0.0.2: ${[...new Set(flood)].map((s) => `${flood.filter((f) => f === s).length} × ${s}`).join(', ')}`
    );
    expect(flood.filter((status) => status >= 500)).toEqual([]);
    expect(flood.every((status) => status === 307 || status === 200)).toBe(true);

    // Past the 5-second access token, three times: a reload plus two parallel requests of the same browser.
    const perNavigation: number[] = [];
    for (let round = 0; round < 3; round++) {
      await sleep(5500);
      const before = refreshed.length;
      const [reload, a, b] = await Promise.all([
        page.reload(),
        context.request.get(`${base}/dashboard`, { maxRedirects: 0 }),
        context.request.get(`${base}/dashboard`, { maxRedirects: 0 }),
      ]);
      expect(reload!.url()).toBe(`${base}/dashboard`);
      for (const res of [reload!, a, b]) expect(await res.text()).toContain(DEMO_USER.email);
      perNavigation.push(refreshed.length - before);
    }
    const live = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sessionId }).first();
    console.log(
      `next.js e2e: refresh requests reaching Strapi per round of 3 parallel navigations: ${perNavigation.join(', ')}; session generation ${live.generation}; forks: 0`
    );
    expect(live.revoked_at).toBeNull();
    expect(perNavigation).toEqual([1, 1, 1]);
    expect(Number(live.generation)).toBe(refreshed.filter((s) => s === sessionId).length);
    const user = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { email: DEMO_USER.email } });
    const liveOfUser = await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).whereNull('revoked_at');
    expect(liveOfUser.map((r: { document_id: string }) => r.document_id)).toContain(sessionId);
    expect(liveOfUser.filter((r: { document_id: string }) => r.document_id === sessionId)).toHaveLength(1);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // Log out: back to the login page, the dashboard redirects, Strapi refuses the old refresh token.
    const lastRefreshToken = (await context.cookies()).find((c) => c.name === 'strapi_rt')!.value;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/auth/login`);
    expect((await page.goto(`${base}/dashboard`))!.url()).toBe(`${base}/auth/login`);
    for (const token of [firstRefreshToken, lastRefreshToken]) {
      expect(token).toMatch(/^[\w-]+\.[\w-]{43}$/); // a real token (persistent: no session-only mark)
      expect((await app.client().refresh({ json: { refreshToken: token }, headers: { 'x-refresh-token-delivery': 'body' } })).status).toBe(
        401
      );
    }
    expect((await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sessionId }).first()).revoked_at).not.toBeNull();
    await context.close();
  });

  it('"Keep me signed in" unticked: the refresh cookie is a browser-session cookie, also after a refresh', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/auth/login`);
    await page.locator('input[name="identifier"]').fill(DEMO_USER.email);
    await page.locator('input[name="password"]').fill(DEMO_USER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);
    const sessionCookie = async () => (await context.cookies()).find((c) => c.name === 'strapi_rt')!;
    const first = await sessionCookie();
    expect(first.expires).toBe(-1);
    await sleep(5500);
    await page.reload();
    expect(await page.getByTestId('email').textContent()).toBe(DEMO_USER.email);
    // The middleware verified the (refreshed, ES256) access token against Strapi's JWKS, at the edge.
    expect(await page.getByTestId('verified').textContent()).toContain("verified by the middleware against Strapi's JWKS");
    const access = (await context.cookies()).find((c) => c.name === 'strapi_at')!.value;
    expect(JSON.parse(Buffer.from(access.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'e2e-1' });
    // A tampered access token fails that check: the middleware sends the browser to the login page.
    await context.addCookies([{ name: 'strapi_at', value: `${access.slice(0, -6)}AAAAAA`, url: base }]);
    await page.goto(`${base}/dashboard`);
    await page.waitForURL(`${base}/auth/login`);
    const rotated = await sessionCookie();
    expect(rotated.value).not.toBe(first.value);
    expect(rotated.expires).toBe(-1);
    await context.close();
  });
});
