/**
 * Two Strapi processes sharing one PostgreSQL database: 25 concurrent refreshes of the same token,
 * spread over both, must not fork the session. Always PostgreSQL, whatever DB says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../helpers/ports';
import { Client } from 'pg';

const BOOT = path.resolve(__dirname, '../helpers/boot.cjs');
const DB_NAME = `rt_race_${process.pid}`;
const PORTS = await freePorts(2);
const children: ChildProcess[] = [];

async function admin(sql: string) {
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function startInstance(port: number, seed: boolean, config: object): Promise<void> {
  const child = spawn(process.execPath, [BOOT], {
    env: {
      ...process.env,
      DB: 'postgres',
      DATABASE_NAME: DB_NAME,
      PORT: String(port),
      LOG_LEVEL: 'error',
      SEED: String(seed),
      REFRESH_TOKEN_CONFIG: JSON.stringify(config),
      UP_CONFIG: '{"ratelimit":{"enabled":false}}',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('LISTENING')) resolve();
      if (output.includes('BOOT FAILED')) reject(new Error(output));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`instance on ${port} exited with ${code}: ${output}`)));
  });
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
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB_NAME}`);
    // The first creates the schema and seeds; the second joins the same database.
    await startInstance(PORTS[0], true, config);
    await startInstance(PORTS[1], false, config);
  });
  afterAll(async () => {
    for (const child of children.splice(0)) {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
    }
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
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

      const db = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: DB_NAME });
      await db.connect();
      const session = (
        await db.query('SELECT generation, revoked_at, revoked_reason FROM refresh_token_sessions WHERE document_id = $1', [sid])
      ).rows[0];
      await db.end();
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
