/**
 * The tutorial's Vue app, migrated in Chromium: a front end on another origin keeps a legacy
 * users-permissions JWT in localStorage.jwt. On load it hands it to the client's
 * exchangeLegacyToken(), deletes it, and renders the signed-in page: the user never sees a login
 * form, the session now lives in the httpOnly refresh cookie, and a reload restores it from there.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { startStrapi, type TestApp } from '../helpers/strapi';

const CLIENT = path.resolve(__dirname, '../../dist/client/index.mjs');

/** The page as the tutorial's app would be after adding the client: exchange, delete, render. */
const page = (api: string) => `<!doctype html><title>tutorial app</title>
<div id="view">loading</div>
<script type="module">
  import { createAuthClient } from '/client.mjs';
  const auth = createAuthClient({ baseURL: '${api}' });
  const view = document.getElementById('view');
  window.loginShown = false;
  const legacy = localStorage.getItem('jwt');
  if (legacy) {
    try { await auth.exchangeLegacyToken(legacy); } catch (error) { console.warn('exchange refused', error.status); }
    localStorage.removeItem('jwt');
  }
  const user = await auth.getUser().catch(() => null);
  if (user) view.innerHTML = '<p>Signed in as <b id="email"></b></p>', document.getElementById('email').textContent = user.email;
  else { window.loginShown = true; view.innerHTML = '<form id="login">login</form>'; }
</script>`;

let app: TestApp;
let browser: Browser;
let server: Server;
let front: string;

beforeAll(async () => {
  app = await startStrapi({ plugin: { legacyTokenExchange: { enabled: true } } });
  const api = app.url.replace('127.0.0.1', 'localhost');
  server = createServer((req, res) => {
    if (req.url === '/client.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(CLIENT));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page(api));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front = `http://localhost:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await app?.stop();
});

describe('a tutorial app holding a legacy JWT in localStorage', () => {
  it('is signed in by exchangeLegacyToken without a login form; the legacy JWT is gone; a reload restores the session from the cookie', async () => {
    const user = await app.createUser();
    const legacy = jwt.sign({ id: user.id, iat: Math.floor(Date.now() / 1000) - 3600 }, 'playground-jwt-secret-change-me', {
      expiresIn: '30d',
    });
    const context = await browser.newContext();
    await context.addInitScript(
      ([token]) => {
        if (!sessionStorage.getItem('seeded')) {
          localStorage.setItem('jwt', token);
          sessionStorage.setItem('seeded', '1');
        }
      },
      [legacy] as const
    );
    const tab = await context.newPage();
    await tab.goto(front);
    await tab.waitForSelector('#email, #login');
    expect(await tab.evaluate(() => (window as unknown as { loginShown: boolean }).loginShown)).toBe(false);
    expect(await tab.textContent('#email')).toBe(user.email);
    expect(await tab.evaluate(() => localStorage.getItem('jwt'))).toBeNull();
    const cookie = (await context.cookies()).find((c) => c.name === 'strapi_refresh_token');
    expect(cookie?.httpOnly).toBe(true);

    await tab.reload();
    await tab.waitForSelector('#email, #login');
    expect(await tab.textContent('#email')).toBe(user.email);
    expect(await tab.evaluate(() => (window as unknown as { loginShown: boolean }).loginShown)).toBe(false);
    // The legacy JWT was exchanged once: presenting it again is refused.
    expect((await app.client().post('/api/token/exchange', { json: {}, bearer: legacy })).status).toBe(401);
    await context.close();
  });
});
