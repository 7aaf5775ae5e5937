/**
 * The admin API (/refresh-token/…) on a real Strapi: admin JWT from POST /admin/login, RBAC
 * actions enforced by admin::hasPermissions, settings that apply to the next token issued,
 * sessions listed across users and revoked by an admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, HttpClient } from '../helpers/http';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';

const ADMIN = { email: 'admin@example.com', password: 'Admin-Passw0rd!' };
const ACTIONS = [
  'plugin::refresh-token.settings.read',
  'plugin::refresh-token.settings.update',
  'plugin::refresh-token.sessions.read',
  'plugin::refresh-token.sessions.revoke',
  'plugin::refresh-token.activity.read',
];

let app: TestApp;
let api: HttpClient;
let superToken: string;

async function adminLogin(email: string, password: string): Promise<string> {
  const res = await new HttpClient(app.url).post('/admin/login', { json: { email, password } });
  expect(res.status, res.text).toBe(200);
  expect(typeof res.body.data.token).toBe('string');
  return res.body.data.token;
}

/** An admin user whose only role carries exactly the given actions. */
type Grant = string | { action: string; subject: string; properties: Record<string, unknown> };
async function adminWithActions(name: string, actions: Grant[]): Promise<string> {
  const roles = app.strapi.admin.services.role;
  const role = await roles.create({ name: `role-${name}`, description: 'test role' });
  const permission = (grant: Grant) =>
    typeof grant === 'string' ? { action: grant, subject: null, properties: {}, conditions: [] } : { ...grant, conditions: [] };
  if (actions.length > 0) await roles.assignPermissions(role.id, actions.map(permission));
  const email = `${name}@example.com`;
  const password = 'Limited-Passw0rd!';
  await app.strapi.admin.services.user.create({
    email,
    firstname: name,
    lastname: 'Test',
    password,
    isActive: true,
    registrationToken: null,
    roles: [role.id],
  });
  return adminLogin(email, password);
}

const as = (token: string | undefined) => ({ bearer: token, noJar: true });

beforeAll(async () => {
  app = await startStrapi();
  api = app.client();
  superToken = await adminLogin(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await app?.stop();
});

/** Every admin route, with a path that names no real session or user. */
const ADMIN_ROUTES = [
  ['GET', '/refresh-token/settings'],
  ['PUT', '/refresh-token/settings'],
  ['POST', '/refresh-token/settings/reset'],
  ['GET', '/refresh-token/sessions'],
  ['DELETE', '/refresh-token/sessions/abc'],
  ['DELETE', '/refresh-token/users/1/sessions'],
  ['GET', '/refresh-token/activity'],
] as const;

describe('RBAC', () => {
  it('registers the five actions in the admin action provider', () => {
    const registered = app.strapi.admin.services.permission.actionProvider.values().map((a: { actionId: string }) => a.actionId);
    for (const action of ACTIONS) expect(registered).toContain(action);
  });

  it('gives the Super Admin every action', async () => {
    const res = await api.get('/admin/users/me/permissions', as(superToken));
    expect(res.status).toBe(200);
    const actions = res.body.data.map((p: { action: string }) => p.action);
    for (const action of ACTIONS) expect(actions).toContain(action);
  });

  it('answers 401 without an admin token, on every route', async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const res = await api.request(method, path, { json: method === 'PUT' ? { accessTokenLifespan: 60 } : undefined, noJar: true });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('refuses a users-permissions (content API) JWT on the admin API', async () => {
    const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    expect(login.status).toBe(200);
    const res = await api.get('/refresh-token/settings', as(login.body.jwt));
    expect(res.status).toBe(401);
  });

  it('answers 403 to an admin whose role lacks the actions', async () => {
    const token = await adminWithActions('noactions', []);
    for (const [method, path] of ADMIN_ROUTES) {
      const res = await api.request(method, path, { ...as(token), json: method === 'PUT' ? { accessTokenLifespan: 60 } : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.name).toBe('PolicyError');
    }
  });

  it('enforces each action on its own: read-only roles can read, not write', async () => {
    const token = await adminWithActions('readonly', ['plugin::refresh-token.settings.read', 'plugin::refresh-token.sessions.read']);
    expect((await api.get('/refresh-token/settings', as(token))).status).toBe(200);
    expect((await api.get('/refresh-token/sessions', as(token))).status).toBe(200);
    expect((await api.request('PUT', '/refresh-token/settings', { ...as(token), json: { accessTokenLifespan: 60 } })).status).toBe(403);
    expect((await api.post('/refresh-token/settings/reset', as(token))).status).toBe(403);
    expect((await api.delete('/refresh-token/sessions/abc', as(token))).status).toBe(403);
    expect((await api.delete('/refresh-token/users/1/sessions', as(token))).status).toBe(403);
    expect((await api.get('/refresh-token/activity', as(token))).status).toBe(403);
  });
});

describe('security activity', () => {
  const activity = () => app.strapi.plugin('refresh-token').service('activity');

  it('counts refreshes, logins, reuse and revocations in memory, writes them at most once a minute, and lists the security events', async () => {
    const user = await app.createUser();
    const http = app.client();
    const login = await http.post('/api/auth/local', { json: { identifier: user.email, password: user.password } });
    expect(login.status).toBe(200);
    const first = [...http.jar];
    for (let i = 0; i < 2; i++) expect((await http.refresh({ json: {} })).status).toBe(200);
    const thief = app.client();
    for (const [k, v] of first) thief.jar.set(k, v);
    expect((await thief.refresh({ json: {} })).status).toBe(401); // reuse: the session is revoked
    const other = await app.client().login(user.email, user.password);
    const sid = JSON.parse(Buffer.from(other.body.jwt.split('.')[1], 'base64url').toString()).sid;
    expect((await api.delete(`/refresh-token/sessions/${sid}`, as(superToken))).status).toBe(200);

    // Nothing written yet: the counts are this process's; the page sees them anyway.
    const rows = () => app.strapi.db.connection('refresh_token_activity_counts').select('kind', 'total');
    const before = await rows();
    const reply = await api.get('/refresh-token/activity?range=24h', as(superToken));
    expect(reply.status, reply.text).toBe(200);
    const data = reply.body.data;
    expect(data.buckets).toHaveLength(24);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(data.refreshes)).toBeGreaterThanOrEqual(2);
    expect(sum(data.logins)).toBeGreaterThanOrEqual(2);
    expect(sum(data.reuse)).toBeGreaterThanOrEqual(1);
    expect(sum(data.revocations.reuse)).toBeGreaterThanOrEqual(1);
    expect(sum(data.revocations.admin)).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 100)); // the event listeners write asynchronously
    const events = (await api.get('/refresh-token/activity?range=7d', as(superToken))).body.data.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['reuse', 'admin-revocation']));
    const reuse = events.find((e: { type: string }) => e.type === 'reuse');
    expect(reuse).toMatchObject({ user: { id: user.id, username: expect.any(String), email: user.email }, network: '127.0.0.0/24' });

    // One write adds the counts up; a second adds nothing twice.
    await activity().flush();
    const written = await rows();
    expect(written.length).toBeGreaterThan(before.length);
    const total = (list: Array<{ kind: string; total: number | string }>, kind: string) =>
      list.filter((r) => r.kind === kind).reduce((n, r) => n + Number(r.total), 0);
    expect(total(written, 'refresh:reuse')).toBeGreaterThanOrEqual(1);
    await activity().flush();
    expect(total(await rows(), 'refresh:ok')).toBe(total(written, 'refresh:ok'));
    expect((await api.get('/refresh-token/activity?range=1y', as(superToken))).status).toBe(400);
  });

  it('purges events and counts older than activity.retainFor (30 days by default)', async () => {
    const old = Date.now() - 31 * 24 * 3_600_000;
    await app.strapi.db.connection('refresh_token_security_events').insert({ type: 'reuse', occurred_at: old, reason: 'reuse' });
    await app.strapi.db.connection('refresh_token_activity_counts').insert({ bucket: old, kind: 'refresh:ok', total: 5 });
    expect(await activity().purge()).toBe(2);
    expect(
      await app.strapi.db.connection('refresh_token_security_events').where('occurred_at', '<', Date.now() - 30 * 24 * 3_600_000)
    ).toHaveLength(0);
  });
});

describe('end users in the sessions list follow the Content Manager permissions', () => {
  const READ_USERS = (fields: string[]) => ({
    action: 'plugin::content-manager.explorer.read',
    subject: 'plugin::users-permissions.user',
    properties: { fields },
  });

  it('sessions.read alone: sessions and user ids, no username or e-mail, and no search by them', async () => {
    const login = await app.client().login(DEMO_USER.email, DEMO_USER.password);
    const demoId = decodeJwt(login.body.jwt).id;
    const token = await adminWithActions('sessions-only', ['plugin::refresh-token.sessions.read']);
    const list = await api.get(`/refresh-token/sessions?user=${demoId}`, as(token));
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    for (const session of list.body.data) expect(session.user).toEqual({ id: demoId });
    expect(list.text).not.toContain(DEMO_USER.email);
    const search = await api.get(`/refresh-token/sessions?user=${encodeURIComponent('demo@')}`, as(token));
    expect(search.status).toBe(403);
    expect(search.body.error.message).toContain('Content Manager');
  });

  it('with read permission on some user fields: those fields, searchable; the others neither shown nor searched', async () => {
    const token = await adminWithActions('usernames-only', ['plugin::refresh-token.sessions.read', READ_USERS(['username'])]);
    await app.client().login(DEMO_USER.email, DEMO_USER.password);
    const byUsername = await api.get(`/refresh-token/sessions?user=${DEMO_USER.username}`, as(token));
    expect(byUsername.status).toBe(200);
    expect(byUsername.body.data[0].user).toEqual({ id: expect.any(Number), username: DEMO_USER.username });
    // The e-mail is no oracle: a search by it finds nothing for this role.
    expect((await api.get(`/refresh-token/sessions?user=${encodeURIComponent(DEMO_USER.email)}`, as(token))).body.data).toEqual([]);
    const full = await adminWithActions('all-user-fields', ['plugin::refresh-token.sessions.read', READ_USERS(['username', 'email'])]);
    const byEmail = await api.get(`/refresh-token/sessions?user=${encodeURIComponent(DEMO_USER.email)}`, as(full));
    expect(byEmail.body.data[0].user).toMatchObject({ username: DEMO_USER.username, email: DEMO_USER.email });
  });
});

describe('settings', () => {
  it('shows the config values (seconds) and their source', async () => {
    const res = await api.get('/refresh-token/settings', as(superToken));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      values: {
        accessTokenLifespan: 900,
        refreshTokenIdleLifespan: 604800,
        refreshTokenMaxLifespan: 2592000,
        reuseGracePeriod: 10,
        sessionOnlyIdleLifespan: 86400,
      },
      configured: {
        accessTokenLifespan: 900,
        refreshTokenIdleLifespan: 604800,
        refreshTokenMaxLifespan: 2592000,
        reuseGracePeriod: 10,
        sessionOnlyIdleLifespan: 86400,
      },
      sources: {
        accessTokenLifespan: 'default',
        refreshTokenIdleLifespan: 'default',
        refreshTokenMaxLifespan: 'default',
        reuseGracePeriod: 'default',
        sessionOnlyIdleLifespan: 'default',
      },
      signing: { keys: [], previousSecrets: 0, jwksPath: '/api/token/jwks' },
    });
  });

  it.each([
    ['a string', { accessTokenLifespan: '2m' }, ['accessTokenLifespan']],
    ['a fraction', { reuseGracePeriod: 1.5 }, ['reuseGracePeriod']],
    ['out of bounds', { accessTokenLifespan: 0, reuseGracePeriod: 301 }, ['accessTokenLifespan', 'reuseGracePeriod']],
    ['access not shorter than idle', { accessTokenLifespan: 3600, refreshTokenIdleLifespan: 3600 }, ['accessTokenLifespan']],
    ['idle longer than max', { refreshTokenIdleLifespan: 7200, refreshTokenMaxLifespan: 3600 }, ['refreshTokenIdleLifespan']],
    ['an unknown key', { accessTokenLifespan: 60, cookie: { name: 'x' } }, ['cookie']],
  ])('refuses %s with 400 and field errors', async (_label, body, fields) => {
    const res = await api.request('PUT', '/refresh-token/settings', { ...as(superToken), json: body });
    expect(res.status, res.text).toBe(400);
    expect(res.body.data).toBeNull();
    expect(res.body.error.name).toBe('ValidationError');
    const paths = res.body.error.details.errors.map((e: { path: string[] }) => e.path[0]);
    expect([...new Set(paths)].sort()).toEqual([...fields].sort());
    for (const e of res.body.error.details.errors) expect(typeof e.message).toBe('string');
    // Nothing was saved.
    const view = await api.get('/refresh-token/settings', as(superToken));
    expect(view.body.data.sources.accessTokenLifespan).toBe('default');
  });

  it('refuses a body that is not an object of lifespans with 400', async () => {
    for (const json of [[1, 2], {}]) {
      const res = await api.request('PUT', '/refresh-token/settings', { ...as(superToken), json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.name).toBe('ValidationError');
    }
    // Malformed JSON is refused by the body parser, still a 400 and never a 500.
    const malformed = await api.request('PUT', '/refresh-token/settings', {
      ...as(superToken),
      body: '{"accessTokenLifespan":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
  });

  it('applies saved lifespans to the next login without a restart, and reset returns to config', async () => {
    const saved = await api.request('PUT', '/refresh-token/settings', {
      ...as(superToken),
      json: { accessTokenLifespan: 120, refreshTokenIdleLifespan: 3600, refreshTokenMaxLifespan: 7200 },
    });
    expect(saved.status, saved.text).toBe(200);
    // The remember-me-off idle lifespan, set nowhere, follows the idle lifespan saved (at most it).
    expect(saved.body.data.values).toEqual({
      accessTokenLifespan: 120,
      refreshTokenIdleLifespan: 3600,
      refreshTokenMaxLifespan: 7200,
      reuseGracePeriod: 10,
      sessionOnlyIdleLifespan: 3600,
    });
    expect(saved.body.data.sources).toEqual({
      accessTokenLifespan: 'saved',
      refreshTokenIdleLifespan: 'saved',
      refreshTokenMaxLifespan: 'saved',
      reuseGracePeriod: 'default',
      sessionOnlyIdleLifespan: 'default',
    });

    const viewed = await api.get('/refresh-token/settings', as(superToken));
    expect(viewed.body.data).toEqual(saved.body.data);

    const user = await app.createUser();
    const client = app.client();
    const before = Date.now();
    const login = await client.login(user.email, user.password);
    expect(login.status).toBe(200);
    const claims = decodeJwt(login.body.jwt);
    expect(claims.exp - claims.iat).toBe(120);

    const list = await api.get(`/refresh-token/sessions?user=${encodeURIComponent(user.email)}`, as(superToken));
    expect(list.body.data).toHaveLength(1);
    const session = list.body.data[0];
    expect(session.id).toBe(claims.sid);
    const idle = Date.parse(session.expiresAt) - before;
    const absolute = Date.parse(session.absoluteExpiresAt) - before;
    expect(idle).toBeGreaterThanOrEqual(3600_000);
    expect(idle).toBeLessThan(3600_000 + 60_000);
    expect(absolute).toBeGreaterThanOrEqual(7200_000);
    expect(absolute).toBeLessThan(7200_000 + 60_000);

    // A partial save keeps the other saved values.
    const partial = await api.request('PUT', '/refresh-token/settings', { ...as(superToken), json: { reuseGracePeriod: 5 } });
    expect(partial.status).toBe(200);
    expect(partial.body.data.values.accessTokenLifespan).toBe(120);
    expect(partial.body.data.sources.reuseGracePeriod).toBe('saved');

    const reset = await api.post('/refresh-token/settings/reset', as(superToken));
    expect(reset.status).toBe(200);
    expect(reset.body.data.values).toEqual(reset.body.data.configured);
    expect(Object.values(reset.body.data.sources).every((source) => source === 'default')).toBe(true);

    const again = await app.client().login(user.email, user.password);
    const claims2 = decodeJwt(again.body.jwt);
    expect(claims2.exp - claims2.iat).toBe(900);
  });
});

describe('sessions', () => {
  it('lists live sessions with user details, paged and filtered by id, username or email', async () => {
    const alice = await app.createUser({ username: 'alice_admin_view', email: 'alice.view@example.com' });
    const bob = await app.createUser({ username: 'bob_admin_view', email: 'bob.view@example.com' });
    for (let i = 0; i < 3; i++) {
      const res = await app.client().post('/api/auth/local', {
        json: { identifier: alice.email, password: alice.password },
        headers: { 'user-agent': `AliceAgent/${i}` },
      });
      expect(res.status).toBe(200);
    }
    expect((await app.client().login(bob.email, bob.password)).status).toBe(200);

    const byEmail = await api.get('/refresh-token/sessions?user=ALICE.VIEW@', as(superToken));
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.pagination).toEqual({ page: 1, pageSize: 10, total: 3, pageCount: 1 });
    const first = byEmail.body.data[0];
    expect(first.user).toEqual({ id: alice.id, username: 'alice_admin_view', email: 'alice.view@example.com' });
    expect(first.userAgent).toBe('AliceAgent/2'); // newest first
    expect(first.ip).toBe('127.0.0.0/24');
    for (const key of ['createdAt', 'lastUsedAt', 'expiresAt', 'absoluteExpiresAt'])
      expect(Number.isNaN(Date.parse(first[key]))).toBe(false);
    expect(first).not.toHaveProperty('tokenHash');
    expect(JSON.stringify(byEmail.body)).not.toMatch(/token_hash|tokenHash/);

    const byUsername = await api.get('/refresh-token/sessions?user=bob_admin', as(superToken));
    expect(byUsername.body.data.map((s: { user: { id: number } }) => s.user.id)).toEqual([bob.id]);
    const byId = await api.get(`/refresh-token/sessions?user=${bob.id}`, as(superToken));
    expect(byId.body.data.map((s: { user: { id: number } }) => s.user.id)).toEqual([bob.id]);
    // LIKE wildcards in the filter are literal.
    expect((await api.get('/refresh-token/sessions?user=%25', as(superToken))).body.data).toEqual([]);

    const page1 = await api.get('/refresh-token/sessions?user=alice.view&page=1&pageSize=2', as(superToken));
    const page2 = await api.get('/refresh-token/sessions?user=alice.view&page=2&pageSize=2', as(superToken));
    expect(page1.body.data).toHaveLength(2);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.pagination).toEqual({ page: 2, pageSize: 2, total: 3, pageCount: 2 });
    const ids = [...page1.body.data, ...page2.body.data].map((s: { id: string }) => s.id);
    expect(new Set(ids).size).toBe(3);

    const all = await api.get('/refresh-token/sessions?pageSize=100', as(superToken));
    expect(all.body.pagination.total).toBeGreaterThanOrEqual(4);
  });

  it('refuses bad paging parameters with 400', async () => {
    for (const q of ['page=0', 'page=abc', 'pageSize=101', 'pageSize=-1']) {
      const res = await api.get(`/refresh-token/sessions?${q}`, as(superToken));
      expect(res.status, q).toBe(400);
      expect(res.body.error.name).toBe('ValidationError');
    }
  });

  it('revokes one session: its next refresh answers 401, the user’s other session lives', async () => {
    const user = await app.createUser();
    const victim = app.client();
    const other = app.client();
    const login = await victim.login(user.email, user.password);
    expect((await other.login(user.email, user.password)).status).toBe(200);
    const sid = decodeJwt(login.body.jwt).sid;
    expect((await victim.refresh()).status).toBe(200);

    const res = await api.delete(`/refresh-token/sessions/${sid}`, as(superToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const row = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first('revoked_reason');
    expect(row.revoked_reason).toBe('admin');

    expect((await victim.refresh()).status).toBe(401);
    expect((await other.refresh()).status).toBe(200);
    const listed = await api.get(`/refresh-token/sessions?user=${user.id}`, as(superToken));
    expect(listed.body.data.map((s: { id: string }) => s.id)).not.toContain(sid);
    expect(listed.body.data).toHaveLength(1);

    expect((await api.delete('/refresh-token/sessions/no-such-session', as(superToken))).status).toBe(404);
  });

  it('revokes every session of a user and no one else’s', async () => {
    const user = await app.createUser();
    const bystander = await app.createUser();
    const a = app.client();
    const b = app.client();
    const c = app.client();
    await a.login(user.email, user.password);
    await b.login(user.email, user.password);
    await c.login(bystander.email, bystander.password);

    const res = await api.delete(`/refresh-token/users/${user.id}/sessions`, as(superToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, revoked: 2 });
    expect((await a.refresh()).status).toBe(401);
    expect((await b.refresh()).status).toBe(401);
    expect((await c.refresh()).status).toBe(200);
    expect((await api.get(`/refresh-token/sessions?user=${user.id}`, as(superToken))).body.pagination.total).toBe(0);

    expect((await api.delete('/refresh-token/users/abc/sessions', as(superToken))).status).toBe(400);
  });
});
