/**
 * A fresh database for each Strapi boot. DB=sqlite (default) | postgres | mysql selects the
 * engine; a server that is expected but unreachable throws, it is never skipped.
 *
 * SQLite files live in memory-backed /dev/shm where the machine has it (real SQLite files; only
 * their fsyncs cost nothing). Where the integration run made a template (tests/helpers/template.ts:
 * the playground's schema and seed, booted once), a new database is a copy of it, so a boot finds
 * its tables made instead of creating some sixty of them: `fromTemplate: false` for an empty one.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export type Engine = 'sqlite' | 'postgres' | 'mysql';
export const engine = (process.env.DB ?? 'sqlite') as Engine;
const playground = path.resolve(__dirname, '../../playground');
export const SQLITE_DIR = existsSync('/dev/shm') ? '/dev/shm/strapi-plugin-refresh-token-tests' : path.join(playground, '.tmp', 'tests');
/** Set by the integration project's global setup: a SQLite file or a PostgreSQL database to copy. */
export const TEMPLATE_ENV = 'REFRESH_TOKEN_TEST_TEMPLATE';
let counter = 0;

/** Environment variables for playground/config/database.js pointing at a new empty database. */
export async function freshDatabase(): Promise<Record<string, string>> {
  return (await createDatabase()).env;
}

/** A new database (a copy of the run's template if there is one and `fromTemplate`) and how to drop it again. */
export async function createDatabase({ fromTemplate = true, name = `rt_${process.pid}_${counter++}` } = {}): Promise<{
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  // pid, not the pool id: several vitest runs may share this machine.
  const template = fromTemplate ? process.env[TEMPLATE_ENV] : undefined;
  if (engine === 'sqlite') {
    mkdirSync(SQLITE_DIR, { recursive: true });
    const file = path.join(SQLITE_DIR, `${name}.db`);
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    if (template) copyFileSync(template, file);
    return { env: { DB: 'sqlite', DATABASE_FILENAME: file }, drop: async () => rmSync(file, { force: true }) };
  }
  if (engine === 'postgres') {
    const { Client } = await import('pg');
    const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
    await client.end();
    const drop = async () => {
      const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
    return { env: { DB: 'postgres', DATABASE_NAME: name }, drop };
  }
  if (engine === 'mysql') {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
    await conn.query(`DROP DATABASE IF EXISTS ${name}`);
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
    const drop = async () => {
      const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    };
    return { env: { DB: 'mysql', DATABASE_NAME: name }, drop };
  }
  throw new Error(`Unknown DB=${engine as string}: use sqlite, postgres or mysql`);
}
