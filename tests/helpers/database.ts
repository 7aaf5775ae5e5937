/**
 * A fresh, empty database for each Strapi boot. DB=sqlite (default) | postgres | mysql selects the
 * engine; a server that is expected but unreachable throws, it is never skipped.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export type Engine = 'sqlite' | 'postgres' | 'mysql';
export const engine = (process.env.DB ?? 'sqlite') as Engine;
const playground = path.resolve(__dirname, '../../playground');
let counter = 0;

/** Environment variables for playground/config/database.js pointing at a new empty database. */
export async function freshDatabase(): Promise<Record<string, string>> {
  return (await createDatabase()).env;
}

/** A new empty database and how to drop it again. */
export async function createDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  // pid, not the pool id: several vitest runs may share this machine.
  const name = `rt_${process.pid}_${counter++}`;
  if (engine === 'sqlite') {
    const dir = path.join(playground, '.tmp', 'tests');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.db`);
    rmSync(file, { force: true });
    return { env: { DB: 'sqlite', DATABASE_FILENAME: path.relative(playground, file) }, drop: async () => rmSync(file, { force: true }) };
  }
  if (engine === 'postgres') {
    const { Client } = await import('pg');
    const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
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
