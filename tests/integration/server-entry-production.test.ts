/**
 * The server entry against a production Strapi (NODE_ENV=production: the plugin's cookie is
 * Secure) reached over an internal plain-HTTP hop, with the plugin's default config and no proxy
 * settings: the entry's body delivery sets no cookie, so nothing needs HTTPS on that hop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerAuth, type CookieAdapter } from '../../server-entry/src';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('server entry against a production Strapi over plain HTTP, default config', () => {
  let app: TestApp;
  let previous: string | undefined;
  beforeAll(async () => {
    previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, plugin: { ...LIMITERS_AT_DEFAULTS.plugin, accessTokenLifespan: '2s' } });
  });
  afterAll(async () => {
    await app?.stop();
    process.env.NODE_ENV = previous;
  });

  it('logs in, refreshes and logs out; a browser on the same plain HTTP is refused, naming the fix', async () => {
    const jar = new Map<string, string>();
    const cookies: CookieAdapter = { get: (n) => jar.get(n), set: (n, v, o) => (o.maxAge === 0 ? jar.delete(n) : jar.set(n, v)) };
    const auth = () => createServerAuth({ strapiUrl: app.url, cookies, refreshMarginMs: 500 });
    expect(await auth().login(DEMO_USER.email, DEMO_USER.password)).toMatchObject({ ok: true, user: { email: DEMO_USER.email } });
    const first = jar.get('strapi_rt');
    await sleep(2100);
    expect(await auth().getAccessToken()).not.toBeNull();
    expect(jar.get('strapi_rt')).not.toBe(first);
    expect((await auth().getUser())?.email).toBe(DEMO_USER.email);
    expect(await auth().logout()).toEqual({ revoked: true });

    // A browser's own login to the same Strapi needs HTTPS for the Secure cookie: 400, nothing created.
    const direct = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    expect(direct.status).toBe(400);
    expect(direct.body.error.message).toContain('X-Forwarded-Proto');
  });
});
