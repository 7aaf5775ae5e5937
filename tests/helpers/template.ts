/**
 * The integration project's global setup: boots the playground once (a child process, its default
 * config and seed) on a database that every test's new database is then copied from (SQLite: the
 * file; PostgreSQL: CREATE DATABASE … TEMPLATE). MariaDB has no template databases: there each test
 * database is made empty as before. Removed again when the run ends.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createDatabase, engine, TEMPLATE_ENV } from './database';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (engine === 'mysql') return undefined;
  const name = `rt_template_${process.pid}`;
  const template = await createDatabase({ fromTemplate: false, name });
  const booted = spawnSync(process.execPath, [path.resolve(__dirname, 'boot.cjs')], {
    env: { ...process.env, ...template.env, SEED: 'true', LOG_LEVEL: 'error', STRAPI_TELEMETRY_DISABLED: 'true' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (!booted.stdout.includes('BOOTED')) throw new Error(`the template database did not boot: ${booted.stdout}${booted.stderr}`);
  process.env[TEMPLATE_ENV] = engine === 'sqlite' ? template.env.DATABASE_FILENAME : name;
  return async () => {
    delete process.env[TEMPLATE_ENV];
    await template.drop();
  };
}
