/**
 * Trusted origins and login CSRF in real Chromium. Strapi answers at http://localhost:S; a trusted
 * front end at http://localhost:T, an untrusted one at http://localhost:U (same site, other
 * origin: the sibling-subdomain case, where a SameSite=Lax cookie does travel), and an attacker's
 * page at http://127.0.0.1:A (another site) that auto-submits a login form.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';

const COOKIE = 'strapi_refresh_token';

/** A page server: every path answers the same HTML, the page's script is injected by the test. */
async function pageServer(html: (path: string) => string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html(req.url ?? '/'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let browser: Browser;
const servers: Server[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

/** Runs fetches against the API from a page of the given origin; returns what the page could read. */
const API_CALLS = `
  window.call = async (api, path, body) => {
    const res = await fetch(api + path, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const json = await res.json().catch(() => null);
    return { status: res.status, body: json, cookie: document.cookie };
  };`;

describe('trusted origins in Chromium (REST)', () => {
  let app: TestApp;
  let api: string;
  let trusted: number;
  let untrusted: number;
  let attacker: number;

  beforeAll(async () => {
    const page = () => `<!doctype html><title>front end</title><script>${API_CALLS}</script>`;
    const t = await pageServer(page);
    const u = await pageServer(page);
    const a = await pageServer(() => '');
    servers.push(t.server, u.server, a.server);
    [trusted, untrusted, attacker] = [t.port, u.port, a.port];
    app = await startStrapi({ plugin: { trustedOrigins: [`http://localhost:${trusted}`] }, env: { GRAPHQL: 'true' } });
    api = app.url.replace('127.0.0.1', 'localhost');
    // The attacker's page posts a login form for the attacker's own account, on load.
    a.server.removeAllListeners('request');
    a.server.on('request', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="POST" action="${api}/api/auth/local">
        <input name="identifier" value="${DEMO_USER.email}"><input name="password" value="${DEMO_USER.password}"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
  });
  afterAll(() => app?.stop());

  it('a page on a trusted origin logs in and refreshes with the cookie; page script never sees the token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://localhost:${trusted}/`);
    const login = await page.evaluate(([a, u]) => (window as any).call(a, '/api/auth/local', u), [
      api,
      { identifier: DEMO_USER.email, password: DEMO_USER.password },
    ] as const);
    expect(login.status).toBe(200);
    expect(typeof login.body.jwt).toBe('string');
    expect(login.body.refreshToken).toBeUndefined();
    const refresh = await page.evaluate((a) => (window as any).call(a, '/api/token/refresh'), api);
    expect(refresh.status).toBe(200);
    expect(typeof refresh.body.jwt).toBe('string');
    expect(refresh.cookie).not.toContain(COOKIE);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === COOKIE)).toMatchObject({ httpOnly: true, path: '/api/token' });
    await context.close();
  });

  it('a page on an untrusted origin gets 403 and no token, and the victim’s cookie is untouched', async () => {
    const context = await browser.newContext();
    const victim = await context.newPage();
    await victim.goto(`http://localhost:${trusted}/`);
    await victim.evaluate(([a, u]) => (window as any).call(a, '/api/auth/local', u), [
      api,
      { identifier: DEMO_USER.email, password: DEMO_USER.password },
    ] as const);
    const before = (await context.cookies()).find((c) => c.name === COOKIE)!.value;

    const evil = await context.newPage();
    await evil.goto(`http://localhost:${untrusted}/`);
    for (const path of ['/api/token/refresh', '/api/token/logout', '/api/auth/local']) {
      const res = await evil.evaluate(([a, p, u]) => (window as any).call(a, p, u), [
        api,
        path,
        { identifier: DEMO_USER.email, password: DEMO_USER.password },
      ] as const);
      expect(res.status, path).toBe(403);
      expect(res.body?.jwt).toBeUndefined();
      expect(res.body.error.message).toContain(`http://localhost:${untrusted}`);
    }
    expect((await context.cookies()).find((c) => c.name === COOKIE)!.value).toBe(before);
    // The victim's own page still refreshes.
    expect((await victim.evaluate((a) => (window as any).call(a, '/api/token/refresh'), api)).status).toBe(200);
    await context.close();
  });

  it('a cross-site auto-submitted login form is refused and leaves no refresh cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = page.waitForResponse((r) => r.url().startsWith(`${api}/api/auth/local`));
    await page.goto(`http://127.0.0.1:${attacker}/`);
    expect((await response).status()).toBe(403);
    expect((await context.cookies()).filter((c) => c.name.startsWith(COOKIE))).toEqual([]);
    await context.close();
  });

  it('GraphQL: login sets the cookie, but with the default cookie.path (/api/token) the browser does not send it to /graphql', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://localhost:${trusted}/`);
    const gql = (query: string) =>
      page
        .evaluate(([a, q]) => (window as any).call(a, '/graphql', { query: q }), [api, query] as const)
        .catch((e: Error) => {
          throw new Error(`graphql call failed: ${e.message.split('\n')[0]}`);
        });
    const login = await gql(`mutation { login(input: { identifier: "${DEMO_USER.email}", password: "${DEMO_USER.password}" }) { jwt } }`);
    expect(login.status).toBe(200);
    expect(typeof login.body.data.login.jwt).toBe('string');
    expect((await context.cookies()).some((c) => c.name === COOKIE)).toBe(true);
    const refresh = await gql('mutation { refreshToken { jwt } }');
    expect(refresh.body.errors[0].message).toMatch(
      /^Missing refresh token: no strapi_refresh_token cookie came with the request \(the browser sends it only to paths under \/api\/token/
    );
    // The REST endpoint refreshes that GraphQL login's session.
    expect((await page.evaluate((a) => (window as any).call(a, '/api/token/refresh'), api)).status).toBe(200);
    await context.close();
  });
});

describe('GraphQL with cookie.path "/" in Chromium', () => {
  let app: TestApp;
  let api: string;
  let trusted: number;
  beforeAll(async () => {
    const t = await pageServer(() => `<!doctype html><script>${API_CALLS}</script>`);
    servers.push(t.server);
    trusted = t.port;
    app = await startStrapi({
      plugin: { trustedOrigins: [`http://localhost:${trusted}`], cookie: { path: '/' } },
      env: { GRAPHQL: 'true' },
    });
    api = app.url.replace('127.0.0.1', 'localhost');
  });
  afterAll(() => app?.stop());

  it('the refreshToken and logout mutations use the cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://localhost:${trusted}/`);
    const gql = (query: string) => page.evaluate(([a, q]) => (window as any).call(a, '/graphql', { query: q }), [api, query] as const);
    await gql(`mutation { login(input: { identifier: "${DEMO_USER.email}", password: "${DEMO_USER.password}" }) { jwt } }`);
    const refresh = await gql('mutation { refreshToken { jwt } }');
    expect(refresh.body.errors).toBeUndefined();
    expect(typeof refresh.body.data.refreshToken.jwt).toBe('string');
    expect((await gql('mutation { logout }')).body.data.logout).toBe(true);
    expect((await gql('mutation { refreshToken { jwt } }')).body.errors[0].message).toMatch(/Missing refresh token|Invalid refresh token/);
    await context.close();
  });
});
