/**
 * Two Strapi processes sharing one PostgreSQL database: 25 concurrent refreshes of the same token,
 * spread over both, must not fork the session. Always PostgreSQL, whatever DB says.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../helpers/ports';
import { bootChild, pgAdmin } from '../helpers/child';

const DB_NAME = `rt_race_${process.pid}`;
const PORTS = await freePorts(2);
const children: ChildProcess[] = [];

function startInstance(port: number, seed: boolean, config: object): Promise<unknown> {
  const { child, listening } = bootChild({
    DB: 'postgres',
    DATABASE_NAME: DB_NAME,
    PORT: String(port),
    LOG_LEVEL: 'error',
    SEED: String(seed),
    REFRESH_TOKEN_CONFIG: JSON.stringify(config),
    UP_CONFIG: '{"ratelimit":{"enabled":false}}',
  });
  children.push(child);
  return listening;
}

const post = async (port: number, refreshToken: string) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/token/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe.each([
  ['with the default 10 s grace period', '10s'],
  ['with no grace period', 0],
])('two instances on one PostgreSQL database, %s', (_label, reuseGracePeriod) => {
  const config = { delivery: 'body', reuseGracePeriod, rateLimit: { enabled: false } };

  beforeAll(async () => {
    await pgAdmin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await pgAdmin(`CREATE DATABASE ${DB_NAME}`);
    // The first creates the schema and seeds; the second joins the same database.
    await startInstance(PORTS[0], true, config);
    await startInstance(PORTS[1], false, config);
  });
  afterAll(async () => {
    for (const child of children.splice(0)) {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
    }
    await pgAdmin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  });

  it('25 concurrent refreshes of one token never fork the session', async () => {
    for (let round = 0; round < 3; round++) {
      const login = await fetch(`http://127.0.0.1:${PORTS[0]}/api/auth/local`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: 'demo@example.com', password: 'Demo-Passw0rd!' }),
      }).then((r) => r.json() as Promise<any>);
      const sid = login.refreshToken.split('.')[0];
      const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => post(PORTS[i % 2], login.refreshToken)));
      const ok = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status === 401);
      console.log(
        `two-instance race (grace ${reuseGracePeriod}), round ${round + 1}: ${ok.length} × 200, ${refused.length} × 401, other: ${replies.length - ok.length - refused.length}`
      );
      expect(ok.length + refused.length).toBe(25);
      const successors = new Set(ok.map((r) => r.body.refreshToken));
      expect(successors.size).toBeLessThanOrEqual(1);

      const session = (
        await pgAdmin('SELECT generation, revoked_at, revoked_reason FROM refresh_token_sessions WHERE document_id = $1', DB_NAME, [sid])
      ).rows[0];
      expect(Number(session.generation)).toBeLessThanOrEqual(1);
      if (reuseGracePeriod === '10s') {
        // With grace, every racer is an honest tab: all get the one successor, and it works.
        expect(ok.length).toBe(25);
        expect(session.revoked_at).toBeNull();
        expect((await post(PORTS[1], [...successors][0])).status).toBe(200);
      } else if (session.revoked_at === null) {
        // Without grace, exactly one wins and its successor is the one live token.
        expect(ok.length).toBe(1);
        expect((await post(PORTS[1], [...successors][0])).status).toBe(200);
      } else {
        // Or a loser's replay counted as reuse and killed the lineage: still no fork.
        expect(session.revoked_reason).toBe('reuse');
        for (const token of successors) expect((await post(PORTS[0], token)).status).toBe(401);
      }
    }
  });
});
