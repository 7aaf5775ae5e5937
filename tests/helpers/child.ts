/**
 * A Strapi app in a child process (tests/helpers/boot.cjs), for tests that need several at once
 * or a process of its own to kill; and admin SQL on the local PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

const BOOT = path.resolve(__dirname, 'boot.cjs');

/** Spawns boot.cjs with `env` on top of this process's environment; resolves once it listens. */
export function bootChild(env: Record<string, string>, cwd?: string): { child: ChildProcess; listening: Promise<ChildProcess> } {
  const child = spawn(process.execPath, [BOOT], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const listening = new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('LISTENING')) resolve(child);
      if (output.includes('BOOT FAILED')) reject(new Error(output));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the Strapi child (port ${env.PORT}) exited with ${code}: ${output}`)));
  });
  return { child, listening };
}

/** Stops a child for good, without its exit counting as a failed boot. */
export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  child.removeAllListeners('exit');
  child.kill(signal);
}

/** One statement as the postgres superuser (database `test` unless named). */
export async function pgAdmin(sql: string, database = 'test', params: unknown[] = []) {
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
