/**
 * The admin pages in real Chromium against the playground app with its admin panel built and
 * served: Settings → Refresh tokens → Lifespans (save, reload, kept; the next login's JWT obeys
 * it), Sessions (revoke a user's session; its refresh then answers 401), and a role without the
 * plugin's actions that sees no menu entry. Screenshots of both pages go to docs/screenshots/ and
 * tests/artifacts/.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { engine, freshDatabase } from '../helpers/database';
import { decodeJwt, HttpClient } from '../helpers/http';
import { DEMO_USER, PLAYGROUND } from '../helpers/strapi';

// The CommonJS build of Strapi, as the shared helper gets it (the ESM one trips over lodash/fp).
const { createStrapi } = require('@strapi/strapi') as typeof import('@strapi/strapi');

const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
const ADMIN = { email: 'admin@example.com', password: 'Admin-Passw0rd!' };
const { ensureAdminBuild: buildAdmin } = require('../../scripts/admin-build.js') as {
  ensureAdminBuild(): number;
};

/** `strapi build` in playground/ unless the current build already holds this plugin's admin bundle. */
function ensureAdminBuild(): void {
  const seconds = buildAdmin();
  if (!seconds) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, 'admin-build-time.txt'), `strapi build (playground admin panel): ${seconds.toFixed(1)} s\n`);
  console.log(`[e2e] admin panel built in ${seconds.toFixed(1)} s`);
}

let strapi: Core.Strapi;
let url: string;
let browser: Browser;
const pageErrors: Error[] = [];
const restoreEnv: Record<string, string | undefined> = {};

/**
 * Strapi's destroy() calls process.removeAllListeners(), which also drops the test runner's own
 * IPC listeners in a forked worker ("Worker exited unexpectedly"): put back the ones that existed
 * before Strapi was created.
 */
type Listener = (...args: unknown[]) => void;
let processListeners: Array<[string | symbol, Listener[]]> = [];
const snapshotProcessListeners = () => {
  processListeners = process.eventNames().map((name) => [name, process.listeners(name as any) as Listener[]]);
};
const restoreProcessListeners = () => {
  for (const [name, listeners] of processListeners) {
    const present = process.listeners(name as any);
    for (const listener of listeners) if (!present.includes(listener as any)) process.on(name as any, listener);
  }
};

async function bootWithAdminPanel(): Promise<void> {
  const env: Record<string, string> = {
    ...(await freshDatabase()),
    ...(engine === 'sqlite' ? { DATABASE_FILENAME: `.tmp/tests/e2e-admin-${process.pid}.db` } : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    SEED: 'true',
    REFRESH_TOKEN_CONFIG: JSON.stringify({ rateLimit: { enabled: false } }),
    UP_CONFIG: '{}',
    // No analytics beacon from the admin (it would fail offline and surface as a page error).
    STRAPI_TELEMETRY_DISABLED: 'true',
  };
  for (const [key, value] of Object.entries(env)) {
    restoreEnv[key] = process.env[key];
    process.env[key] = value;
  }
  snapshotProcessListeners();
  strapi = await createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND, serveAdminPanel: true }).load();
  strapi.server.mount();
  await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(strapi.server.httpServer.address() as { port: number }).port}`;
}

async function screenshot(page: Page, name: string): Promise<void> {
  // Strapi's "new Media Library" news banner is not part of these pages.
  const banner = page.getByText('Introducing the new Media Library');
  if ((await banner.count()) > 0) {
    await banner.first().locator('xpath=ancestor::div[.//button][1]').getByRole('button').last().click();
    await expect.poll(() => banner.count()).toBe(0);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  copyFileSync(file, path.join(SCREENSHOTS, name));
}

async function newAdminPage(width = 1680): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 960 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (error) => pageErrors.push(error));
  return page;
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${url}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: /^log ?in$/i }).click();
  await page.waitForURL((u) => !u.pathname.includes('/auth/'));
  // The first visit may open onboarding / guided-tour overlays; they are not under test.
  await page.keyboard.press('Escape');
}

/** Settings → Refresh tokens section → one of its links, through the menus. */
async function openPluginPage(page: Page, link: 'Lifespans' | 'Sessions' | 'Security activity'): Promise<void> {
  await page.goto(`${url}/admin/settings`);
  const section = page.getByRole('navigation').filter({ hasText: 'Refresh tokens' });
  await section.getByRole('link', { name: link }).click();
  const slug = { Lifespans: 'settings', Sessions: 'sessions', 'Security activity': 'activity' }[link];
  await page.waitForURL(`**/admin/settings/refresh-token/${slug}`);
}

beforeAll(async () => {
  ensureAdminBuild();
  await bootWithAdminPanel();
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await strapi?.destroy();
  restoreProcessListeners();
  for (const [key, value] of Object.entries(restoreEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('admin pages in Chromium', () => {
  it('Security activity before anything happened: an honest empty state, at 1280 px', async () => {
    const page = await newAdminPage(1280);
    await logIn(page, ADMIN.email, ADMIN.password);
    await openPluginPage(page, 'Security activity');
    await expect.poll(() => page.getByRole('heading', { name: 'Security activity', level: 1 }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('No session activity in this period yet.').isVisible()).toBe(true);
    expect(await page.getByText('No security events: no token reuse').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await screenshot(page, 'admin-activity-empty.png');
    await page.context().close();
  });

  it('saves the access lifespan, keeps it across a reload, and the next login obeys it; revokes the session from the sessions view', async () => {
    const page = await newAdminPage(1280);
    await logIn(page, ADMIN.email, ADMIN.password);

    // Settings → Refresh tokens → Lifespans
    await openPluginPage(page, 'Lifespans');
    // The page's heading is its menu item's name.
    await expect.poll(() => page.getByRole('heading', { name: 'Lifespans', level: 1 }).isVisible()).toBe(true);
    const access = page.getByRole('textbox', { name: 'Access token lifespan' });
    const accessBadge = page.getByTestId('source-accessTokenLifespan');
    expect(await access.inputValue()).toBe('15');
    expect(await accessBadge.textContent()).toBe('Default');
    // The signing section: HS256 with users-permissions' secret in this app, no key listed.
    await expect.poll(() => page.getByRole('heading', { name: 'Access-token signing keys' }).isVisible()).toBe(true);
    expect(await page.getByText("signed with HS256 and users-permissions' JWT secret").isVisible()).toBe(true);

    // Inline validation: an access lifespan of 30 days is not shorter than the 7-day idle lifespan.
    await page.getByRole('combobox', { name: 'Unit of Access token lifespan' }).click();
    await page.getByRole('option', { name: 'days' }).click();
    await expect.poll(() => page.getByText('Must be between 1 second and 1 day.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

    // 2 minutes: a valid value; Save.
    await access.fill('2');
    await page.getByRole('combobox', { name: 'Unit of Access token lifespan' }).click();
    await page.getByRole('option', { name: 'minutes' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => accessBadge.textContent()).toBe('Saved here');
    expect(await page.getByTestId('source-refreshTokenIdleLifespan').textContent()).toBe('Default');

    // Reload: the value is kept (it comes from the server).
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Access token lifespan' }).inputValue()).toBe('2');
    expect(await page.getByRole('combobox', { name: 'Unit of Access token lifespan' }).textContent()).toContain('minutes');
    expect(await page.getByTestId('source-accessTokenLifespan').textContent()).toBe('Saved here');
    await screenshot(page, 'admin-settings.png');

    // A user logs in over HTTP: the access JWT lives 120 s.
    const user = new HttpClient(url);
    const login = await user.post('/api/auth/local', {
      json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) DemoApp/1.0' },
    });
    expect(login.status, login.text).toBe(200);
    const claims = decodeJwt(login.body.jwt);
    expect(claims.exp - claims.iat).toBe(120);
    expect((await user.refresh()).status).toBe(200);

    // Settings → Refresh tokens → Sessions, filtered by the user's email.
    await openPluginPage(page, 'Sessions');
    await page.getByRole('textbox', { name: 'Filter by user' }).fill(DEMO_USER.email);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const row = page.locator(`tr[data-session-id="${claims.sid}"]`);
    await expect.poll(() => row.isVisible()).toBe(true);
    const rowText = await row.textContent();
    expect(rowText).toContain(DEMO_USER.username);
    expect(rowText).toContain(DEMO_USER.email);
    expect(rowText).toContain('Linux');
    expect(await row.locator('[title*="DemoApp/1.0"]').count()).toBe(1);
    expect(rowText).toContain('127.0.0.0/24');
    // At 1280 px the whole table, its actions column included, fits without a horizontal scroll.
    const overflow = await page.evaluate(() => {
      const table = document.querySelector('table')!;
      let scroller: HTMLElement | null = table.parentElement;
      while (scroller && scroller.scrollWidth <= scroller.clientWidth && scroller !== document.body) scroller = scroller.parentElement;
      const actions = table.querySelector('tbody tr td:last-child button:last-child')!.getBoundingClientRect();
      const scrolls = scroller !== document.body && scroller !== null;
      return {
        scrolls,
        overflowPx: scrolls ? scroller!.scrollWidth - scroller!.clientWidth : 0,
        table: table.getBoundingClientRect().width,
        actionsRight: actions.right,
        viewport: window.innerWidth,
      };
    });
    expect(overflow.scrolls, JSON.stringify(overflow)).toBe(false);
    expect(overflow.actionsRight).toBeLessThanOrEqual(overflow.viewport);
    await screenshot(page, 'admin-sessions.png');

    // Revoke that session, confirming in the dialog.
    await row.getByRole('button', { name: `Revoke this session of ${DEMO_USER.username}` }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => page.getByText('No active sessions match this filter.').isVisible()).toBe(true);
    // The header says the filter matches nothing, not that no user has a session.
    expect(await page.getByText('No active session matches this filter.').isVisible()).toBe(true);

    // Its refresh token is dead.
    expect((await user.refresh()).status).toBe(401);
    expect(pageErrors).toEqual([]);
  });

  it("shows a user's sessions on that user's Content Manager edit view, with Revoke and Revoke all", async () => {
    const user = await strapi
      .plugin('users-permissions')
      .service('user')
      .add({
        username: 'panel-user',
        email: 'panel@example.com',
        password: 'Panel-Passw0rd!',
        provider: 'local',
        confirmed: true,
        blocked: false,
        role: (await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } })).id,
      });
    const agents = [
      'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      'curl/8.5.0',
    ];
    const clients = [];
    for (const agent of agents) {
      const http = new HttpClient(url);
      expect(
        (
          await http.post('/api/auth/local', {
            json: { identifier: 'panel@example.com', password: 'Panel-Passw0rd!' },
            headers: { 'user-agent': agent },
          })
        ).status
      ).toBe(200);
      clients.push(http);
    }
    const page = await newAdminPage(1280);
    await logIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`${url}/admin/content-manager/collection-types/plugin::users-permissions.user/${user.documentId}`);
    // The edit view loads lazily: give it more than expect.poll's default second.
    const panel = page.getByTestId('refresh-token-user-sessions');
    await expect.poll(() => panel.isVisible(), { timeout: 20_000 }).toBe(true);
    const text = await panel.textContent();
    for (const device of ['Firefox on Linux', 'Safari on iOS', 'curl']) expect(text).toContain(device);
    await screenshot(page, 'admin-user-sessions.png');

    // Revoke one asks first: cancelled, nothing is revoked.
    const dialog = page.getByRole('alertdialog');
    await panel.getByRole('button', { name: 'Revoke', exact: true }).first().click();
    await expect.poll(() => dialog.getByRole('heading', { name: 'Revoke session' }).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(3);
    // Confirmed: that client's refresh dies, the others live.
    await panel.getByRole('button', { name: 'Revoke', exact: true }).first().click();
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => panel.getByRole('button', { name: 'Revoke', exact: true }).count(), { timeout: 10_000 }).toBe(2);
    const statuses = await Promise.all(clients.map(async (c) => (await c.refresh()).status));
    expect(statuses.filter((s) => s === 401)).toHaveLength(1);
    // Revoke all asks too.
    await panel.getByRole('button', { name: 'Revoke all' }).click();
    await expect.poll(() => dialog.getByRole('heading', { name: 'Revoke all sessions' }).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByText('No active sessions.').isVisible(), { timeout: 10_000 }).toBe(true);
    // Every refresh now fails: 401, or 400 for the client whose cookie the first 401 already cleared.
    const after = await Promise.all(clients.map(async (c) => (await c.refresh()).status));
    expect(after.filter((s) => s === 401)).toHaveLength(2);
    expect(after.filter((s) => s === 400)).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it('Security activity with data: refreshes, logins, a reuse and revocations in the charts, the reuse and the admin revocation in the list', async () => {
    // A stolen refresh token replayed after its owner moved on: reuse, the session revoked.
    const login = await fetch(`${url}/api/auth/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: DEMO_USER.email, password: DEMO_USER.password }),
    });
    const stolen = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const refresh = (cookie: string) =>
      fetch(`${url}/api/token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', cookie } });
    const rotated = await refresh(stolen);
    expect(rotated.status).toBe(200);
    const next = rotated.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect((await refresh(next)).status).toBe(200);
    expect((await refresh(stolen)).status).toBe(401);

    const page = await newAdminPage(1280);
    await logIn(page, ADMIN.email, ADMIN.password);
    await openPluginPage(page, 'Security activity');
    await expect.poll(() => page.getByTestId('total-Reuse detected').textContent()).toBe('1');
    expect(Number(await page.getByTestId('total-Refreshes').textContent())).toBeGreaterThanOrEqual(2);
    expect(Number(await page.getByTestId('total-Logins').textContent())).toBeGreaterThanOrEqual(1);
    expect(Number(await page.getByTestId('total-Revocations').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('reason-reuse').textContent()).toBe('reuse: 1');
    await expect.poll(() => page.locator('tr[data-event-type="reuse"]').count()).toBeGreaterThanOrEqual(1);
    const row = page.locator('tr[data-event-type="reuse"]').first();
    expect(await row.textContent()).toContain('Reuse detected (session revoked)');
    expect(await row.textContent()).toContain(DEMO_USER.username);
    expect(await row.textContent()).toContain('127.0.0.0/24');
    expect(await page.locator('tr[data-event-type="admin-revocation"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await screenshot(page, 'admin-activity.png');
    // The last 7 days, by day.
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await expect.poll(() => page.getByTestId('total-Reuse detected').textContent()).toBe('1');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('hides the section from an admin whose role lacks the plugin actions', async () => {
    const role = await strapi.admin.services.role.create({ name: 'No refresh-token actions', description: 'e2e' });
    await strapi.admin.services.role.assignPermissions(role.id, [
      { action: 'admin::marketplace.read', subject: null, properties: {}, conditions: [] },
    ]);
    await strapi.admin.services.user.create({
      email: 'limited@example.com',
      firstname: 'Limited',
      lastname: 'Admin',
      password: 'Limited-Passw0rd!',
      isActive: true,
      registrationToken: null,
      roles: [role.id],
    });
    const page = await newAdminPage();
    await logIn(page, 'limited@example.com', 'Limited-Passw0rd!');

    await page.goto(`${url}/admin/settings/refresh-token/settings`);
    await expect.poll(() => page.getByText(/you don.t have the permissions/i).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Lifespans' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Sessions' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Security activity' }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Access token lifespan' }).count()).toBe(0);
    // Nor the sessions panel on a user's edit view (the role cannot open users anyway: the panel is
    // covered by the RBAC hook, tested above with the super admin).
    expect(await page.getByTestId('refresh-token-user-sessions').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
