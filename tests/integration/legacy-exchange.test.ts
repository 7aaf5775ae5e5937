/**
 * POST /api/token/exchange: a legacy users-permissions JWT (the tutorial's 30-day token, no
 * session) for a session, once, when the app opts in. Refused: a token issued after the cut-off,
 * a replay, a blocked user, a forged or expired JWT, a token that already names a session.
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerAuth } from '../../server-entry/src';
import { decodeJwt } from '../helpers/http';
import { startStrapi, type TestApp } from '../helpers/strapi';

const SECRET = 'playground-jwt-secret-change-me'; // the playground's users-permissions jwtSecret
/** A token as users-permissions issued it before the switch: { id }, 30 days, an hour ago. */
const legacy = (id: number, { iat = Math.floor(Date.now() / 1000) - 3600, secret = SECRET, expiresIn = '30d' } = {}) =>
  jwt.sign({ id, iat }, secret, { expiresIn: expiresIn as jwt.SignOptions['expiresIn'] });
/** An iat past the cut-off (the app's first start, in ms) even when the test runs in the same second as the boot. */
const afterCutoff = () => Math.floor(Date.now() / 1000) + 2;
const exchange = (app: TestApp, token: string) => app.client().post('/api/token/exchange', { json: {}, bearer: token });

describe('the legacy JWT exchange (opted in)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'both', legacyTokenExchange: { enabled: true } } });
  });
  afterAll(() => app?.stop());

  it('accepts a legacy JWT once: a session, answered like a login; the replay is refused', async () => {
    const user = await app.createUser();
    const token = legacy(user.id);
    const first = await exchange(app, token);
    expect(first.status, first.text).toBe(200);
    expect(first.body.user).toMatchObject({ id: user.id, email: user.email });
    expect(first.body.user.password).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(first.body.jwt);
    expect(typeof claims.sid).toBe('string');
    expect(first.body.refreshToken).toMatch(new RegExp(`^${claims.sid}\\.`));
    expect(first.setCookies.some((c) => c.startsWith('strapi_refresh_token='))).toBe(true);
    expect((await app.client().refresh({ json: { refreshToken: first.body.refreshToken } })).status).toBe(200);
    const replay = await exchange(app, token);
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toContain('already exchanged');
  });

  it("the server entry's exchangeLegacyToken keeps the new session in the front end's cookies", async () => {
    const user = await app.createUser();
    const jar = new Map<string, string>();
    const auth = () => createServerAuth({ strapiUrl: app.url, cookies: { get: (n) => jar.get(n), set: (n, v) => void jar.set(n, v) } });
    expect(await auth().exchangeLegacyToken(legacy(user.id))).toMatchObject({ ok: true, user: { email: user.email } });
    expect(jar.get('strapi_rt')).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
    expect((await auth().getUser())?.email).toBe(user.email);
    expect(await auth().exchangeLegacyToken(legacy(user.id, { iat: afterCutoff() }))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a token issued after the cut-off, of a blocked user, forged, expired, or already naming a session', async () => {
    const user = await app.createUser();
    const blocked = await app.createUser({ blocked: true });
    const tooRecent = await exchange(app, legacy(user.id, { iat: afterCutoff() }));
    expect(tooRecent.status).toBe(401);
    expect(tooRecent.body.error.message).toContain('issued before the switch');
    expect((await exchange(app, legacy(blocked.id))).status).toBe(401);
    expect((await exchange(app, legacy(user.id, { secret: 'not-the-secret' }))).status).toBe(401);
    expect((await exchange(app, legacy(user.id, { iat: Math.floor(Date.now() / 1000) - 7200, expiresIn: '1h' }))).status).toBe(401);
    const session = await app.client().login(user.email, user.password);
    expect((await exchange(app, session.body.jwt)).status).toBe(401);
    expect((await app.client().post('/api/token/exchange', { json: {} })).status).toBe(401);
    const count = await app.strapi.db.connection('refresh_token_sessions').where({ user_id: blocked.id }).count({ n: 'id' });
    expect(Number(count[0].n)).toBe(0);
  });

  it('refuses a JWT issued before the last password change, and one without exp; the session dies no later than the JWT', async () => {
    const user = await app.createUser();
    const beforeChange = legacy(user.id);
    await app.strapi.plugin('users-permissions').service('user').edit(user.id, { password: 'Changed-Passw0rd!' });
    const stale = await exchange(app, beforeChange);
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toContain('password change');
    expect((await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).whereNull('revoked_at')).length).toBe(0);

    const other = await app.createUser();
    const noExp = jwt.sign({ id: other.id, iat: Math.floor(Date.now() / 1000) - 3600 }, SECRET);
    const refused = await exchange(app, noExp);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('exp');
    expect((await exchange(app, noExp)).status).toBe(401);

    const shortLived = legacy(other.id, { expiresIn: '2h' });
    const exp = decodeJwt(shortLived).exp as number;
    const ok = await exchange(app, shortLived);
    expect(ok.status, ok.text).toBe(200);
    const row = await app.strapi.db
      .connection('refresh_token_sessions')
      .where({ document_id: decodeJwt(ok.body.jwt).sid })
      .first();
    expect(Number(row.absolute_expires_at)).toBeLessThanOrEqual(exp * 1000);
    expect(Number(row.expires_at)).toBeLessThanOrEqual(exp * 1000);
  });
});

describe('the legacy JWT exchange under strict mode, and off', () => {
  it('strict: the legacy JWT is refused by the API after (and before) its exchange, the new access token works; off: 404', async () => {
    const strict = await startStrapi({ plugin: { strict: true, legacyTokenExchange: { enabled: true } } });
    try {
      const user = await strict.createUser();
      const token = legacy(user.id);
      expect((await strict.client().get('/api/users/me', { bearer: token })).status).toBe(401);
      const exchanged = await exchange(strict, token);
      expect(exchanged.status, exchanged.text).toBe(200);
      expect((await strict.client().get('/api/users/me', { bearer: exchanged.body.jwt })).status).toBe(200);
      expect((await strict.client().get('/api/users/me', { bearer: token })).status).toBe(401);
    } finally {
      await strict.stop();
    }
    const off = await startStrapi();
    try {
      const user = await off.createUser();
      const res = await exchange(off, legacy(user.id));
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain('legacyTokenExchange.enabled');
    } finally {
      await off.stop();
    }
  });
});
