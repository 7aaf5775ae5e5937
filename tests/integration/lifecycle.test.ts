/** Issue 6: events and webhooks, bounded storage (purge, one row per session), strict mode. */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt } from '../helpers/http';
import { parseRefreshToken } from '../../server/src/tokens';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sessions = (app: TestApp) => app.strapi.plugin('refresh-token').service('sessions');
const table = (app: TestApp) => app.strapi.db.connection('refresh_token_sessions');

describe('events, webhooks and storage', () => {
  let app: TestApp;
  const events: Array<[string, any]> = [];
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body', reuseGracePeriod: 0 } });
    for (const name of ['created', 'refreshed', 'revoked', 'reused']) {
      app.strapi.eventHub.on(`refresh-token.session.${name}`, async (payload: any) => {
        events.push([name, payload]);
      });
    }
  });
  afterAll(() => app.stop());

  it('emits created, refreshed and revoked (with the reason) with { sessionId, userId, ip, userAgent } and never token material', async () => {
    const user = await app.createUser();
    const http = app.client();
    const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
    const login = await http.post('/api/auth/local', { json: { identifier: user.email, password: user.password }, headers: ua });
    const sid = decodeJwt(login.body.jwt).sid;
    const refreshed = await http.post('/api/token/refresh', { json: { refreshToken: login.body.refreshToken }, headers: ua });
    await http.post('/api/token/logout', { json: { refreshToken: refreshed.body.refreshToken } });

    const mine = events.filter(([, p]) => p.sessionId === sid);
    expect(mine.map(([name]) => name)).toEqual(['created', 'refreshed', 'revoked']);
    for (const [, payload] of mine) {
      expect(payload).toMatchObject({ sessionId: sid, userId: user.id, ip: expect.any(String) });
    }
    expect(mine[0][1].userAgent).toBe(ua['user-agent']);
    expect(mine[2][1].reason).toBe('logout');
    const dump = JSON.stringify(events);
    for (const token of [login.body.refreshToken, refreshed.body.refreshToken]) expect(dump).not.toContain(token.split('.')[1]);

    // Other reasons.
    const again = await app.client().login(user.email, user.password);
    await app.client().post('/api/token/logout-all', { bearer: again.body.jwt });
    const reuse = await app.client().login(user.email, user.password);
    await app.client().refresh({ json: { refreshToken: reuse.body.refreshToken } });
    await app.client().refresh({ json: { refreshToken: reuse.body.refreshToken } });
    const gone = await app.client().login(user.email, user.password);
    await app.strapi.db.query('plugin::users-permissions.user').delete({ where: { id: user.id } });
    const reasons = (s: string) => events.filter(([name, p]) => name === 'revoked' && p.sessionId === s).map(([, p]) => p.reason);
    expect(reasons(decodeJwt(again.body.jwt).sid)).toEqual(['logout-all']);
    expect(reasons(decodeJwt(reuse.body.jwt).sid)).toEqual(['reuse']);
    expect(events.some(([name, p]) => name === 'reused' && p.sessionId === decodeJwt(reuse.body.jwt).sid)).toBe(true);
    expect(reasons(decodeJwt(gone.body.jwt).sid)).toEqual(['user-deleted']);
  });

  it('Strapi webhooks can subscribe to the session events', async () => {
    const received: any[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const webhook = await app.strapi.get('webhookStore').createWebhook({
        name: 'audit',
        url: `http://127.0.0.1:${port}/hook`,
        headers: {},
        events: ['refresh-token.session.created', 'refresh-token.session.revoked'],
        isEnabled: true,
      });
      app.strapi.get('webhookRunner').add(webhook);
      const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
      await app.client().post('/api/token/logout', { json: { refreshToken: login.body.refreshToken } });
      for (let i = 0; i < 50 && received.length < 2; i++) await sleep(100);
      expect(received.map((r) => r.event)).toEqual(['refresh-token.session.created', 'refresh-token.session.revoked']);
      expect(received[1]).toMatchObject({ sessionId: decodeJwt(login.body.jwt).sid, reason: 'logout' });
    } finally {
      server.close();
    }
  });

  it('an app listener that throws fails neither the token request nor the process: it is logged', async () => {
    const logged: string[] = [];
    const unhandled: unknown[] = [];
    const log = app.strapi.log as unknown as { error: (message: string, ...rest: unknown[]) => unknown };
    const error = log.error;
    log.error = (message: string, ...rest: unknown[]) => {
      logged.push(String(message));
      return error.call(app.strapi.log, message, ...rest);
    };
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const failing = async () => {
      throw new Error('audit store down');
    };
    app.strapi.eventHub.on('refresh-token.session.created', failing);
    app.strapi.eventHub.on('refresh-token.session.refreshed', failing);
    try {
      const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
      expect(login.status).toBe(200);
      expect((await app.client().refresh({ json: { refreshToken: login.body.refreshToken } })).status).toBe(200);
      await sleep(100);
      expect(logged.filter((l) => l.includes('failed: audit store down'))).toEqual([
        '[refresh-token] a listener of refresh-token.session.created failed: audit store down',
        '[refresh-token] a listener of refresh-token.session.refreshed failed: audit store down',
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      app.strapi.eventHub.off('refresh-token.session.created', failing);
      app.strapi.eventHub.off('refresh-token.session.refreshed', failing);
      process.off('unhandledRejection', onUnhandled);
      log.error = error;
    }
  });

  it('10,000 rotations of one session leave one row', async () => {
    const before = Number((await table(app).count({ n: '*' }))[0].n);
    const user = await app.createUser();
    let { refreshToken } = await sessions(app).create(user.id, {});
    for (let i = 0; i < 10_000; i++) {
      const result = await sessions(app).rotate(parseRefreshToken(refreshToken)!, {});
      expect(result.ok).toBe(true);
      refreshToken = result.refreshToken;
    }
    const rows = await table(app).where({ user_id: user.id });
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].generation)).toBe(10_000);
    expect(Number((await table(app).count({ n: '*' }))[0].n)).toBe(before + 1);
  }, 300_000);

  it('purge removes expired sessions and revoked ones past retention, in batches, and nothing else', async () => {
    await table(app).delete();
    const user = await app.createUser();
    const now = Date.now();
    const day = 86_400_000;
    const make = (n: number, patch: Record<string, unknown>) =>
      Array.from({ length: n }, (_, i) => ({
        document_id: `${String(patch.tag)}${String(i).padStart(22, '0')}`.slice(0, 22),
        user_id: user.id,
        token_hash: 'h',
        generation: 0,
        rotated_at: now,
        last_used_at: now,
        expires_at: now + day,
        absolute_expires_at: now + 30 * day,
        revoked_at: null,
        ...Object.fromEntries(Object.entries(patch).filter(([k]) => k !== 'tag')),
      }));
    const rows = [
      ...make(25, { tag: 'live' }),
      ...make(30, { tag: 'idle', expires_at: now - 1000 }),
      ...make(20, { tag: 'old', revoked_at: now - 2 * day }),
      ...make(15, { tag: 'recent', revoked_at: now - 1000 }),
    ];
    for (let i = 0; i < rows.length; i += 30) await table(app).insert(rows.slice(i, i + 30));
    const result = await sessions(app).purge({ retainRevokedMs: day, batchSize: 7 });
    expect(result.deleted).toBe(50);
    expect(result.batches).toBe(8); // 7 full batches + one of 1
    const left = (await table(app).select('document_id')).map((r: any) => r.document_id.slice(0, 4));
    expect(left.filter((t: string) => t === 'live')).toHaveLength(25);
    expect(left.filter((t: string) => t === 'rece')).toHaveLength(15);
    expect(left).toHaveLength(40);
  });
});

describe('strict mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body', strict: true, reuseGracePeriod: 0 } });
  });
  afterAll(() => app.stop());

  const me = (jwt: string) => app.client().get('/api/users/me', { bearer: jwt });
  /**
   * Called once the revocation has returned. The token must end up refused, and no request *sent*
   * strictCacheTtl (1 s) or more after that may be accepted: a bound on send times, which a slow
   * machine cannot stretch the way it stretches round trips.
   */
  async function expectDiesWithinOneSecond(jwt: string) {
    const revokedBy = Date.now();
    let lastAcceptedSentAt = -1;
    let status = 200;
    while (status === 200 && Date.now() - revokedBy < 3000) {
      const sentAt = Date.now();
      status = (await me(jwt)).status;
      if (status === 200) lastAcceptedSentAt = sentAt;
      else break;
      await sleep(50);
    }
    expect(status).toBe(401);
    expect(lastAcceptedSentAt - revokedBy).toBeLessThan(1000);
  }

  it("a live session's access token works on content-API routes", async () => {
    const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    expect((await me(login.body.jwt)).status).toBe(200);
  });

  it('after logout, logout-all, password change, reuse detection or admin revocation the access token is refused within one second', async () => {
    const user = await app.createUser();
    let password = user.password;
    const login = () =>
      app
        .client()
        .login(user.email, password)
        .then((r) => r.body);

    const a = await login();
    expect((await me(a.jwt)).status).toBe(200);
    await app.client().post('/api/token/logout', { json: { refreshToken: a.refreshToken } });
    await expectDiesWithinOneSecond(a.jwt);

    const b = await login();
    expect((await me(b.jwt)).status).toBe(200);
    await app.client().post('/api/token/logout-all', { bearer: b.jwt });
    await expectDiesWithinOneSecond(b.jwt);

    const c = await login();
    const d = await login();
    expect((await me(d.jwt)).status).toBe(200);
    const changed = await app.client().post('/api/auth/change-password', {
      bearer: c.jwt,
      json: { currentPassword: password, password: 'Strict-Passw0rd!', passwordConfirmation: 'Strict-Passw0rd!' },
    });
    expect(changed.status).toBe(200);
    password = 'Strict-Passw0rd!';
    await expectDiesWithinOneSecond(d.jwt);
    expect((await me(changed.body.jwt)).status).toBe(200);

    const e = await login();
    await app.client().refresh({ json: { refreshToken: e.refreshToken } });
    expect((await me(e.jwt)).status).toBe(200);
    await app.client().refresh({ json: { refreshToken: e.refreshToken } }); // replay: reuse
    await expectDiesWithinOneSecond(e.jwt);

    const f = await login();
    expect((await me(f.jwt)).status).toBe(200);
    await sessions(app).revokeSession(decodeJwt(f.jwt).sid, null, 'admin');
    await expectDiesWithinOneSecond(f.jwt);
  });

  it('a users-permissions JWT without a session is refused in strict mode', async () => {
    const legacy = app.strapi.plugin('users-permissions').service('jwt').issue({ id: 1 });
    expect((await me(legacy)).status).toBe(401);
  });
});

describe('non-strict mode keeps plain users-permissions JWTs working', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(() => app.stop());

  it('accepts a JWT users-permissions issued itself, and refuses alg none', async () => {
    const legacy = app.strapi.plugin('users-permissions').service('jwt').issue({ id: 1 });
    expect((await app.client().get('/api/users/me', { bearer: legacy })).status).toBe(200);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"id":1}').toString('base64url')}.`;
    expect((await app.client().get('/api/users/me', { bearer: none })).status).toBe(401);
  });
});
