/**
 * Issue 31, what a newcomer trips over first, on the defaults a user gets (both limiters on,
 * `delivery: 'cookie'`, no trustedOrigins: development trusts this machine's pages):
 * - a page on `localhost` logging in to Strapi at `127.0.0.1` (two sites: the browser will drop the
 *   SameSite=Lax cookie) gets one warning in Strapi's log naming both origins and the fix;
 * - the "missing refresh token" 400 names that case;
 * - a signed-out page's probe (`{ probe: true }` without a token) is a 204, not a 400.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

describe('the first hour, on the defaults', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS });
  });
  afterAll(() => app?.stop());

  it('a login from a page on another site than Strapi (localhost vs 127.0.0.1) logs one warning naming both and the fix', async () => {
    const warn = vi.spyOn(app.strapi.log, 'warn');
    try {
      const login = (origin: string) =>
        app.client().post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: { origin } });
      expect((await login('http://localhost:5173')).status).toBe(200);
      expect((await login('http://localhost:5173')).status).toBe(200);
      expect((await login(app.url.replace(/:\d+$/, ':5174'))).status).toBe(200); // 127.0.0.1 too: the same site
      const said = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes('different sites'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('http://localhost:5173');
      expect(said[0]).toContain(app.url);
      expect(said[0]).toContain('same host name');
    } finally {
      warn.mockRestore();
    }
  });

  it('the missing-token 400 says that a page on another site never sends the cookie', async () => {
    const res = await app.client().post('/api/token/refresh', { json: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('localhost and 127.0.0.1 are different sites');
  });

  it('a probe without any token is 204 (no session), uncached; with a cookie it is a refresh like any other', async () => {
    const probe = await app.client().post('/api/token/refresh', { json: { probe: true } });
    expect(probe.status).toBe(204);
    expect(probe.headers.get('cache-control')).toBe('no-store');
    expect(probe.setCookies).toEqual([]);
    const http = app.client();
    expect((await http.login(DEMO_USER.email, DEMO_USER.password)).status).toBe(200);
    const withCookie = await http.post('/api/token/refresh', { json: { probe: true } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body.jwt).toMatch(/^eyJ/);
    // A junk cookie is refused as before: the probe only answers "no token at all".
    const junk = await app.client().post('/api/token/refresh', { json: { probe: true }, headers: { cookie: 'strapi_refresh_token=junk' } });
    expect(junk.status).toBe(401);
  });
});
