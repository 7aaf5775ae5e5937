/**
 * examples/vue (Vite, Vue 3, vue-router, the plugin's browser client) in real Chromium against the
 * playground Strapi on the plugin's defaults (both limiters on, cookie delivery, no trustedOrigins)
 * but a 3-second access token. Installed from the packed plugin outside the repository and built
 * with `npm run build`, as its README says: a signed-out visit to the dashboard lands on the login
 * page with no failing request; login; the dashboard's authenticated call works across expiry and a
 * reload; "Log out everywhere" ends another device's session too; "Log out" ends this one. A page on
 * `localhost` against Strapi at `127.0.0.1` is told in the console why its session ends.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { installedExample, npm } from '../helpers/examples';
import { freePort } from '../helpers/ports';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let app: TestApp;
let browser: Browser;
let base: string;
let stopPreview: () => void;

beforeAll(async () => {
  app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, plugin: { ...LIMITERS_AT_DEFAULTS.plugin, accessTokenLifespan: '3s' } });
  const { dir } = installedExample('vue');
  npm(['run', 'build'], dir, { VITE_STRAPI_URL: app.url });
  const port = await freePort();
  const preview = spawn(
    process.execPath,
    [path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`vite preview did not answer: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(String(port))) {
        clearTimeout(timer);
        resolve();
      }
    };
    preview.stdout!.on('data', onData);
    preview.stderr!.on('data', onData);
  });
  stopPreview = () => preview.kill('SIGTERM');
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  stopPreview?.();
  await app?.stop();
});

/** Every response the page got from Strapi, and what its console said. */
function watch(page: Page) {
  const responses: Array<{ url: string; status: number }> = [];
  const console: string[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(app.url)) responses.push({ url: new URL(r.url()).pathname, status: r.status() });
  });
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  return { responses, console };
}

async function logIn(page: Page) {
  await page.fill('input[name=identifier]', DEMO_USER.email);
  await page.fill('input[name=password]', DEMO_USER.password);
  await page.click('button[type=submit]');
  await page.waitForURL('**/dashboard');
  await expect.poll(() => page.getByTestId('email').textContent()).toBe(DEMO_USER.email);
}

describe('examples/vue in Chromium', () => {
  it('signed out: /dashboard goes to /login, and the page made no failing request', async () => {
    const page = await (await browser.newContext()).newPage();
    const seen = watch(page);
    await page.goto(`${base}/dashboard`);
    await page.waitForURL('**/login?next=/dashboard');
    await expect.poll(() => page.getByRole('heading', { name: 'Log in' }).isVisible()).toBe(true);
    expect(seen.responses).toEqual([{ url: '/api/token/refresh', status: 204 }]);
    expect(
      seen.console.filter((line) => line.startsWith('error')),
      seen.console.join('\n')
    ).toEqual([]);
    await page.context().close();
  });

  it('logs in, calls the API across access-token expiry and a reload, and logs out everywhere (another device too)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(`${base}/login`);
    await logIn(page);
    // The e-mail shows from the login answer; the profile call that counts a load may still be on its way.
    await expect.poll(() => page.getByTestId('loads').textContent()).toBe('1');
    await sleep(3500); // the access token has expired
    await page.getByRole('button', { name: 'Reload profile' }).click();
    await expect.poll(() => page.getByTestId('loads').textContent()).toBe('2');
    expect(seen.responses.filter((r) => r.url === '/api/token/refresh').map((r) => r.status)).toContain(200);
    expect(seen.responses.filter((r) => r.url === '/api/users/me').every((r) => r.status === 200)).toBe(true);
    // A reload restores the session from the refresh cookie.
    await page.reload();
    await expect.poll(() => page.getByTestId('email').textContent()).toBe(DEMO_USER.email);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // no token page script can read

    // Another device of the same user.
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${base}/login`);
    await logIn(other);
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.waitForURL('**/login');
    await sleep(3500);
    await other.getByRole('button', { name: 'Reload profile' }).click();
    await other.waitForURL('**/login**');
    await expect.poll(() => other.getByRole('status').textContent()).toContain('Your session has ended');
    await other.context().close();
    await context.close();
  });

  it('log out ends this session: its refresh cookie no longer refreshes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await logIn(page);
    const jar = await context.cookies(`${app.url}/api/token/refresh`);
    const cookie = {
      value: jar.find((c) => c.name === 'strapi_refresh_token')!.value,
      sig: jar.find((c) => c.name === 'strapi_refresh_token.sig')!.value,
    };
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    expect((await context.cookies(`${app.url}/api/token/refresh`)).find((c) => c.name === 'strapi_refresh_token')).toBeUndefined();
    const sig = `strapi_refresh_token.sig=${cookie.sig}`;
    const replay = await app
      .client()
      .post('/api/token/refresh', { json: {}, headers: { cookie: `strapi_refresh_token=${cookie.value}; ${sig}` } });
    expect(replay.status).toBe(401);
    await context.close();
  });

  it('a page on localhost against Strapi at 127.0.0.1: the login works, and the console says why the session then ends', async () => {
    const page = await (await browser.newContext()).newPage();
    const seen = watch(page);
    await page.goto(base.replace('127.0.0.1', 'localhost') + '/login');
    await logIn(page);
    await sleep(3500);
    await page.getByRole('button', { name: 'Reload profile' }).click();
    await page.waitForURL('**/login**');
    await expect.poll(() => seen.console.find((line) => line.includes('different sites'))).toBeTruthy();
    const warning = seen.console.find((line) => line.includes('different sites'))!;
    expect(warning).toMatch(/^warning: /);
    expect(warning).toContain('localhost and 127.0.0.1');
    await page.context().close();
  });
});
