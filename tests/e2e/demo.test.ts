/**
 * The demo front end (/demo/) in real Chromium against a real playground Strapi with a 3-second
 * access token: silent refresh across expiry, single-flight for parallel calls, two tabs sharing
 * one session, and revocation from another browser ending the session calmly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';

const { buildDemo } = require('../../scripts/build-demo.js') as { buildDemo(): Promise<string> };

const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const ARTIFACTS = path.join(ROOT, 'tests/artifacts');

interface Traffic {
  refreshRequests: number;
  refreshTimes: number[];
  refreshStatuses: number[];
  apiCalls: number;
  apiStatuses: number[];
  network401: string[];
}

let app: TestApp;
let browser: Browser;
/** 401 responses on the wire before the revocation step (target: none). */
let wire401BeforeRevocation: number | null = null;
const contexts: BrowserContext[] = [];
const traffic = new Map<Page, Traffic>();

/** Counts what the page puts on the wire. */
function watch(page: Page): Traffic {
  const t: Traffic = { refreshRequests: 0, refreshTimes: [], refreshStatuses: [], apiCalls: 0, apiStatuses: [], network401: [] };
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === '/api/token/refresh') {
      t.refreshRequests++;
      t.refreshTimes.push(Date.now());
    }
    if (pathname === '/api/users/me') t.apiCalls++;
  });
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname === '/api/token/refresh') t.refreshStatuses.push(response.status());
    if (pathname === '/api/users/me') t.apiStatuses.push(response.status());
    if (response.status() === 401) t.network401.push(`${response.request().method()} ${pathname}`);
  });
  page.on('pageerror', (error) => {
    throw error;
  });
  traffic.set(page, t);
  return t;
}

/** What the application code saw: the demo counts every response client.fetch handed it. */
const appStats = (page: Page) =>
  page.evaluate(
    () =>
      ({ ...(window as any).demo.stats }) as { apiCalls: number; refreshes: number; shared: number; unauthorized: number; errors: number }
  );

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  watch(page);
  return page;
}

async function screenshot(page: Page, name: string) {
  for (const dir of [SCREENSHOTS, ARTIFACTS]) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name), fullPage: true });
  }
}

async function expectSignedIn(page: Page) {
  await expect.poll(() => page.getByTestId('dashboard').isVisible()).toBe(true);
  expect(await page.getByTestId('session-ended').isVisible()).toBe(false);
  expect(await page.getByTestId('login-view').isVisible()).toBe(false);
  expect(await page.getByTestId('error-banner').isVisible()).toBe(false);
  const stats = await appStats(page);
  expect(stats.unauthorized).toBe(0);
  expect(stats.errors).toBe(0);
}

beforeAll(async () => {
  await buildDemo();
  app = await startStrapi({
    plugin: { accessTokenLifespan: 3, refreshTokenIdleLifespan: '1h', delivery: 'cookie' },
    env: { DATABASE_FILENAME: `.tmp/tests/e2e-${process.pid}-${Date.now()}.db` },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  const all = [...traffic.values()];
  const sum = (f: (t: Traffic) => number) => all.reduce((n, t) => n + f(t), 0);
  let reached = 0;
  for (const page of traffic.keys()) {
    if (!page.isClosed()) reached += (await appStats(page).catch(() => ({ unauthorized: 0 }))).unauthorized;
  }
  console.log(
    `demo e2e: ${sum((t) => t.refreshRequests)} refresh requests, ${sum((t) => t.apiCalls)} API calls, ${reached} 401s reached the app` +
      ` (401 responses on the wire: ${wire401BeforeRevocation ?? 'n/a'} before the revocation,` +
      ` ${all.flatMap((t) => t.network401).join(', ') || 'none'} in all — the refused refresh after revocation is expected)`
  );
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await app?.stop();
});

describe('demo front end in Chromium (3 s access tokens)', () => {
  let contextA: BrowserContext;
  let tab1: Page;
  let tab2: Page;

  it('serves /demo/ and signs in with the prefilled seeded credentials', async () => {
    contextA = await browser.newContext({ viewport: { width: 960, height: 700 } });
    contexts.push(contextA);
    tab1 = await newPage(contextA);
    const res = await tab1.goto(`${app.url}/demo/`);
    expect(res?.status()).toBe(200);
    await tab1.getByTestId('login-view').waitFor();
    expect(await tab1.getByTestId('login-identifier').inputValue()).toBe(DEMO_USER.email);
    expect(await tab1.getByTestId('login-password').inputValue()).toBe(DEMO_USER.password);
    // a fresh browser has no session: the page asked once, quietly, and shows the login
    expect(await tab1.getByTestId('session-ended').isVisible()).toBe(false);
    await screenshot(tab1, 'demo-login.png');

    await tab1.getByTestId('login-submit').click();
    await tab1.getByTestId('dashboard').waitFor();
    expect(await tab1.getByTestId('user-email').textContent()).toBe(DEMO_USER.email);
    await tab1.locator('[data-testid="session"][data-current="true"]').waitFor();
  });

  it('stays signed in across access-token expiry while calling the API every second', async () => {
    const t = traffic.get(tab1)!;
    const refreshBefore = t.refreshRequests;
    const callsBefore = t.apiCalls;
    // the only refresh before login: the page asking whether a session exists (204: no cookie yet, no red 400 in the console)
    expect(t.refreshStatuses).toEqual([204]);
    await tab1.waitForTimeout(7000);

    await expectSignedIn(tab1);
    expect(t.refreshRequests - refreshBefore).toBeGreaterThanOrEqual(2);
    expect(t.refreshStatuses.slice(1).every((s) => s === 200)).toBe(true);
    expect(t.apiCalls).toBeGreaterThanOrEqual(5);
    expect(t.apiStatuses.every((s) => s === 200)).toBe(true);
    expect(t.network401).toEqual([]);
    console.log(
      `demo e2e, one tab for 7 s: ${t.refreshRequests - refreshBefore} refresh requests, ${t.apiCalls - callsBefore} API calls, 0 401s`
    );
    // the countdown is live
    const countdown = await tab1.getByTestId('token-countdown').textContent();
    expect(countdown).toMatch(/^\d\.\d s$/);
  });

  it('5 parallel calls at expiry share exactly one refresh request', async () => {
    const t = traffic.get(tab1)!;
    await tab1.getByTestId('autopoll').uncheck();
    // wait until the access token is dead (nothing refreshes while no call is made)
    await tab1.waitForFunction(
      () => {
        const c = (window as any).demo.client;
        return c.accessTokenExpiresAt !== null && c.accessTokenExpiresAt < Date.now() - 50;
      },
      undefined,
      { timeout: 10_000, polling: 50 }
    );
    const refreshBefore = t.refreshRequests;
    const callsBefore = t.apiCalls;

    await tab1.getByTestId('burst').click();
    await expect.poll(() => tab1.getByTestId('burst-result').textContent()).toBe('→ 200, 200, 200, 200, 200');

    expect(t.refreshRequests - refreshBefore).toBe(1);
    expect(t.apiCalls - callsBefore).toBe(5);
    expect(t.network401).toEqual([]);
    await tab1.getByTestId('autopoll').check();
    await expectSignedIn(tab1);
    await screenshot(tab1, 'demo-dashboard.png');
  });

  it('a second tab picks up the session; both stay signed in with no 401 reaching the page', async () => {
    tab2 = await newPage(contextA);
    await tab2.goto(`${app.url}/demo/`);
    await tab2.getByTestId('dashboard').waitFor();
    expect(await tab2.getByTestId('user-email').textContent()).toBe(DEMO_USER.email);
    const sid1 = await tab1.evaluate(() => (window as any).demo.client.sessionId);
    expect(await tab2.evaluate(() => (window as any).demo.client.sessionId)).toBe(sid1);

    const t1 = traffic.get(tab1)!;
    const t2 = traffic.get(tab2)!;
    const before = t1.refreshRequests + t2.refreshRequests;
    const phaseStart = Date.now();
    const callsBefore = t1.apiCalls + t2.apiCalls;
    await tab1.waitForTimeout(7000);

    await expectSignedIn(tab1);
    await expectSignedIn(tab2);
    expect(t1.network401).toEqual([]);
    expect(t2.network401).toEqual([]);
    expect([...t1.refreshStatuses.slice(1), ...t2.refreshStatuses].every((s) => s === 200)).toBe(true);
    const refreshes = t1.refreshRequests + t2.refreshRequests - before;
    // two tabs rotate one session, coordinated: one refresh per token lifetime, never two at once.
    // A token lives 2-3 s (iat is whole seconds) and is refreshed 750 ms early, so consecutive
    // refreshes of one session are more than a second apart unless two tabs both rotated.
    expect(refreshes).toBeGreaterThanOrEqual(2);
    const times = [...t1.refreshTimes, ...t2.refreshTimes].filter((at) => at >= phaseStart).sort((x, y) => x - y);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThan(1000);
    const shared = (await appStats(tab1)).shared + (await appStats(tab2)).shared;
    expect(shared).toBeGreaterThanOrEqual(2);
    console.log(
      `demo e2e, two tabs for 7 s: ${refreshes} refresh requests, ${t1.apiCalls + t2.apiCalls - callsBefore} API calls, ` +
        `${shared} tokens shared between tabs, refreshes ${gaps.join('/')} ms apart, 0 401s`
    );
  });

  it('revoking the first tab’s session from another browser shows "your session has ended"', async () => {
    wire401BeforeRevocation = [...traffic.values()].reduce((n, t) => n + t.network401.length, 0);
    expect(wire401BeforeRevocation).toBe(0);
    const contextB = await browser.newContext({ viewport: { width: 960, height: 700 } });
    contexts.push(contextB);
    const other = await newPage(contextB);
    await other.goto(`${app.url}/demo/`);
    await other.getByTestId('login-submit').click();
    await other.getByTestId('dashboard').waitFor();

    const victim = await tab1.evaluate(() => (window as any).demo.client.sessionId as string);
    const row = other.locator(`[data-testid="session"][data-session-id="${victim}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-current')).toBe('false');
    await row.getByTestId('revoke').click();
    await row.waitFor({ state: 'detached' });

    // at its next refresh (≤ 3 s) the first tab is refused and shows the calm state; so does its sibling tab
    await tab1.getByTestId('session-ended').waitFor({ timeout: 10_000 });
    await tab2.getByTestId('session-ended').waitFor({ timeout: 10_000 });
    expect(await tab1.getByTestId('dashboard').isVisible()).toBe(false);
    expect(await tab1.getByTestId('error-banner').isVisible()).toBe(false);
    await screenshot(tab1, 'demo-session-ended.png');
    // the other browser is unaffected
    await other.waitForTimeout(1500);
    await expectSignedIn(other);

    // and "log in again" works
    await tab1.getByTestId('login-again').click();
    await tab1.getByTestId('login-submit').click();
    await tab1.getByTestId('dashboard').waitFor();
  });

  it('without the Web Locks API, two tabs coordinate over BroadcastChannel and stay signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 960, height: 700 } });
    contexts.push(context);
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    });
    const a = await newPage(context);
    await a.goto(`${app.url}/demo/`);
    expect(await a.evaluate(() => (navigator as any).locks)).toBeUndefined();
    await a.getByTestId('login-submit').click();
    await a.getByTestId('dashboard').waitFor();
    const b = await newPage(context);
    await b.goto(`${app.url}/demo/`);
    await b.getByTestId('dashboard').waitFor();
    await a.waitForTimeout(7000);

    await expectSignedIn(a);
    await expectSignedIn(b);
    const ta = traffic.get(a)!;
    const tb = traffic.get(b)!;
    expect([...ta.network401, ...tb.network401]).toEqual([]);
    expect([...ta.refreshStatuses.slice(1), ...tb.refreshStatuses].every((s) => s === 200)).toBe(true);
    expect(ta.refreshRequests + tb.refreshRequests - 1).toBeGreaterThanOrEqual(2);
  });
});
