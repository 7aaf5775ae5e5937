/**
 * Issue 12: three Strapi processes on one PostgreSQL database with the rate limiter's counters in
 * Redis, as a deployment behind a load balancer runs them. Limits hold in total; kill -9 of one
 * instance under load forks nothing; revocations and saved settings reach every instance (measured);
 * SIGTERM lets token requests in progress finish.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootChild, pgAdmin } from '../helpers/child';
import { newProofKey, proof } from '../helpers/dpop';
import { freePorts } from '../helpers/ports';

const DB_NAME = `rt_cluster_${process.pid}`;
const PORTS = await freePorts(3);
const CONFIG = {
  delivery: 'body',
  reuseGracePeriod: '10s',
  strict: true,
  strictCacheTtl: '1s',
  rateLimit: { enabled: true, interval: '1m', max: 20, store: 'redis' },
  senderConstraint: 'optional',
};
/** The URL clients address behind the load balancer (server.url): DPoP proofs name it, not an instance. */
const PUBLIC_URL = 'https://api.cluster.test';
const children = new Map<number, ChildProcess>();
const run = Math.floor(Math.random() * 200) + 20; // IPs of this run, so that Redis counters of another run never count
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startInstance(port: number, seed: boolean): Promise<ChildProcess> {
  const { child, listening } = bootChild({
    DB: 'postgres',
    DATABASE_NAME: DB_NAME,
    PORT: String(port),
    PROXY: 'true',
    PUBLIC_URL,
    REDIS_URL: 'redis://127.0.0.1:6379',
    LOG_LEVEL: 'error',
    SEED: String(seed),
    REFRESH_TOKEN_CONFIG: JSON.stringify(CONFIG),
    UP_CONFIG: '{"ratelimit":{"enabled":false}}',
  });
  children.set(port, child);
  return listening;
}

const url = (port: number, p: string) => `http://127.0.0.1:${port}${p}`;
async function call(port: number, p: string, init: { json?: unknown; bearer?: string; ip?: string; method?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.ip) headers['x-forwarded-for'] = init.ip;
  const res = await fetch(url(port, p), {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const login = (port: number, ip: string) =>
  call(port, '/api/auth/local', { json: { identifier: 'demo@example.com', password: 'Demo-Passw0rd!' }, ip });
const refresh = (port: number, refreshToken: string, ip: string) => call(port, '/api/token/refresh', { json: { refreshToken }, ip });
const sessionRow = async (sid: string) =>
  (await pgAdmin(`SELECT generation, revoked_at FROM refresh_token_sessions WHERE document_id = '${sid}'`, DB_NAME)).rows[0] as {
    generation: number;
    revoked_at: string | null;
  };

beforeAll(async () => {
  await pgAdmin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await pgAdmin(`CREATE DATABASE ${DB_NAME}`);
  await startInstance(PORTS[0], true);
  await Promise.all([startInstance(PORTS[1], false), startInstance(PORTS[2], false)]);
}, 240_000);

afterAll(async () => {
  for (const child of children.values()) {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
  }
  await pgAdmin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
});

describe('three instances, PostgreSQL, Redis for the limiter', () => {
  it('rate limits hold in total across instances, not per instance', async () => {
    const ip = `192.0.2.${run}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await refresh(PORTS[i % 3], `${'Z'.repeat(22)}.${'z'.repeat(43)}`, ip)).status);
    console.log(
      `cluster limit: ${statuses.filter((s) => s === 401).length} × 401, then ${statuses.filter((s) => s === 429).length} × 429 (max 20 per minute in total)`
    );
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
  });

  it('a DPoP proof is good once in the whole cluster: its jti is remembered in Redis', async () => {
    const key = await newProofKey();
    const ip = `203.0.${run}.7`;
    const post = async (port: number, p: string, json: unknown, dpop: string) => {
      const res = await fetch(url(port, p), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, dpop },
        body: JSON.stringify(json),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const login = await post(
      PORTS[0],
      '/api/auth/local',
      { identifier: 'demo@example.com', password: 'Demo-Passw0rd!' },
      await proof(key, 'POST', `${PUBLIC_URL}/api/auth/local`)
    );
    expect(login.status).toBe(200);
    const used = await proof(key, 'POST', `${PUBLIC_URL}/api/token/refresh`);
    const first = await post(PORTS[1], '/api/token/refresh', { refreshToken: login.body.refreshToken }, used);
    expect(first.status).toBe(200);
    const replayed = await post(PORTS[2], '/api/token/refresh', { refreshToken: first.body.refreshToken }, used);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.message).toMatch(/used before/);
    const fresh = await post(
      PORTS[2],
      '/api/token/refresh',
      { refreshToken: first.body.refreshToken },
      await proof(key, 'POST', `${PUBLIC_URL}/api/token/refresh`)
    );
    expect(fresh.status).toBe(200);
  });

  it('kill -9 of one instance under load: clients continue on the others, no session forks', async () => {
    const clients = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const ip = `198.51.${run}.${i + 1}`;
        const res = await login(PORTS[i % 3], ip);
        return {
          ip,
          token: res.body.refreshToken as string,
          sid: res.body.refreshToken.split('.')[0] as string,
          ok: 0,
          retries: 0,
          refused: 0,
        };
      })
    );
    let killedAt = 0;
    const alive = new Set(PORTS);
    const loops = clients.map(async (c, i) => {
      for (let n = 0; c.ok < 12 && n < 60; n++) {
        const port = [...alive][(i + n) % alive.size];
        try {
          const res = await refresh(port, c.token, c.ip);
          if (res.status === 200) {
            c.token = res.body.refreshToken;
            c.ok++;
          } else c.refused++;
        } catch {
          c.retries++; // the instance died under this request: the same token goes to another one
        }
        if (!killedAt && clients.reduce((s, x) => s + x.ok, 0) >= 30) {
          killedAt = Date.now();
          children.get(PORTS[2])!.removeAllListeners('exit');
          children.get(PORTS[2])!.kill('SIGKILL');
          alive.delete(PORTS[2]);
        }
        await sleep(10);
      }
    });
    await Promise.all(loops);
    console.log(
      `kill -9: ${clients.reduce((s, c) => s + c.ok, 0)} × 200, ${clients.reduce((s, c) => s + c.retries, 0)} requests lost with the killed instance and retried, ${clients.reduce((s, c) => s + c.refused, 0)} refused`
    );
    expect(killedAt).toBeGreaterThan(0);
    for (const c of clients) {
      expect(c.refused).toBe(0);
      expect(c.ok).toBe(12);
      const row = await sessionRow(c.sid);
      expect(row.revoked_at).toBeNull();
      expect(Number(row.generation)).toBe(12);
      expect((await refresh(PORTS[0], c.token, c.ip)).status).toBe(200);
    }
  });

  it('a revocation on one instance: refused at once on another for refresh, within strictCacheTtl for access tokens (measured)', async () => {
    const ip = `203.0.${run}.9`;
    const session = await login(PORTS[0], ip);
    const { jwt, refreshToken } = session.body;
    expect((await call(PORTS[1], '/api/users/me', { bearer: jwt, ip })).status).toBe(200); // warms instance 1's cache
    const revokedAt = Date.now();
    expect((await call(PORTS[0], '/api/token/logout', { json: { refreshToken }, ip })).status).toBe(200);
    const refused = await refresh(PORTS[1], refreshToken, ip);
    const refreshRefusedMs = Date.now() - revokedAt;
    expect(refused.status).toBe(401);
    // Bounded by send times (the last accepted request left before revokedAt + strictCacheTtl), which
    // a loaded machine cannot stretch the way it stretches round trips.
    let accessRefusedMs = -1;
    let lastAcceptedSentMs = -1;
    while (Date.now() - revokedAt < 5000) {
      const sentMs = Date.now() - revokedAt;
      if ((await call(PORTS[1], '/api/users/me', { bearer: jwt, ip })).status === 401) {
        accessRefusedMs = Date.now() - revokedAt;
        break;
      }
      lastAcceptedSentMs = sentMs;
      await sleep(25);
    }
    console.log(
      `revocation on instance 0: refresh refused on instance 1 after ${refreshRefusedMs} ms, access token refused after ${accessRefusedMs} ms, last accepted request sent ${lastAcceptedSentMs} ms after (strictCacheTtl 1 s)`
    );
    expect(accessRefusedMs).toBeGreaterThan(-1);
    expect(lastAcceptedSentMs).toBeLessThan(1000);
  });

  it('a lifespan saved in the admin on one instance applies on another within the 5 s cache (measured)', async () => {
    const adminLogin = await call(PORTS[0], '/admin/login', { json: { email: 'admin@example.com', password: 'Admin-Passw0rd!' } });
    const token = adminLogin.body.data.token;
    const saved = await call(PORTS[0], '/refresh-token/settings', { method: 'PUT', json: { accessTokenLifespan: 120 }, bearer: token });
    expect(saved.status).toBe(200);
    const savedAt = Date.now();
    // As above, bounded by when the last login with the old lifespan was sent, not by round trips.
    let appliedMs = -1;
    let lastStaleSentMs = -1;
    for (let i = 0; Date.now() - savedAt < 10_000; i++) {
      const sentMs = Date.now() - savedAt;
      const res = await login(PORTS[1], `203.0.${run}.${10 + (i % 200)}`);
      const claims = JSON.parse(Buffer.from(res.body.jwt.split('.')[1], 'base64url').toString());
      if (claims.exp - claims.iat === 120) {
        appliedMs = Date.now() - savedAt;
        break;
      }
      lastStaleSentMs = sentMs;
      await sleep(100);
    }
    console.log(
      `settings saved on instance 0 applied on instance 1 after ${appliedMs} ms, last login with the old lifespan sent ${lastStaleSentMs} ms after (cache bound 5 s)`
    );
    expect(appliedMs).toBeGreaterThan(-1);
    expect(lastStaleSentMs).toBeLessThan(5000);
    await call(PORTS[0], '/refresh-token/settings/reset', { json: {}, bearer: token });
  });

  it('SIGTERM lets token requests in progress finish: every answered refresh rotated, no rotation without its answer', async () => {
    const sessions = [];
    for (let i = 0; i < 20; i++) sessions.push((await login(PORTS[1], `203.1.${run}.${i}`)).body.refreshToken as string);
    const child = children.get(PORTS[1])!;
    child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const requests = sessions.map((token, i) =>
      refresh(PORTS[1], token, `203.1.${run}.${i}`).then(
        (r) => r.status,
        () => 'lost' as const
      )
    );
    await sleep(5);
    child.kill('SIGTERM');
    const outcomes = await Promise.all(requests);
    const code = await exited;
    const rows = await Promise.all(sessions.map((t) => sessionRow(t.split('.')[0])));
    const answered = outcomes.filter((o) => o === 200).length;
    console.log(`SIGTERM: ${answered} answered 200, ${outcomes.filter((o) => o === 'lost').length} not accepted, exit code ${code}`);
    expect(outcomes.every((o) => o === 200 || o === 'lost')).toBe(true);
    for (let i = 0; i < sessions.length; i++) expect(Number(rows[i].generation)).toBe(outcomes[i] === 200 ? 1 : 0);
    expect(code).toBe(0);
  });
});
