/**
 * From @redon2inc/strapi-plugin-refresh-token, which uses the same plugin id (`refresh-token`): an
 * app runs it (its `refresh-token_token` table is created), uninstalls it, installs this package
 * and boots with its config entry unchanged. What happens to the old table is what docs/migration.md
 * tells its users, and the plugin works at once.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootChild, killChild } from '../helpers/child';
import { freePort } from '../helpers/ports';

const root = path.resolve(__dirname, '../..');
const work = path.join(root, 'tests', '.tmp', `redon2-${process.pid}`);
const appDir = path.join(work, 'app');
const STRAPI = { '@strapi/strapi': '5.54.0', '@strapi/plugin-users-permissions': '5.54.0' };
/** npm in the app; Strapi itself comes from the repository's node_modules, declared after each call so npm does not install it again. */
function npm(args: string[]): void {
  const file = path.join(appDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const name of Object.keys(STRAPI)) delete pkg.dependencies?.[name];
  writeFileSync(file, JSON.stringify(pkg));
  execFileSync('npm', [...args, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: appDir,
    stdio: 'pipe',
  });
  const installed = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...installed, dependencies: { ...STRAPI, ...installed.dependencies } }));
}
const env = (port: number) => ({
  NODE_PATH: path.join(appDir, 'node_modules'),
  APP_DIR: appDir,
  DB: 'sqlite',
  DATABASE_FILENAME: '.tmp/data.db',
  PORT: String(port),
  LOG_LEVEL: 'error',
  REFRESH_TOKEN_CONFIG: '',
  UP_CONFIG: '',
  REFRESH_JWT_SECRET: 'redon2-refresh-secret',
});

/** Boots the app in a child process until it listens; returns a stop function. */
async function boot(extra: Record<string, string> = {}): Promise<{ base: string; stop(): void }> {
  const port = await freePort();
  const { child, listening } = bootChild({ ...env(port), ...extra });
  await listening;
  return { base: `http://127.0.0.1:${port}`, stop: () => killChild(child) };
}

const tables = () =>
  execFileSync(
    process.execPath,
    [
      '-e',
      `const db=require('better-sqlite3')(${JSON.stringify(path.join(appDir, '.tmp', 'data.db'))});console.log(JSON.stringify(db.prepare("select name from sqlite_master where type='table'").all().map(r=>r.name)))`,
    ],
    { cwd: root, encoding: 'utf8' }
  );

let tarball: string;
beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  tarball = path.join(
    work,
    JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }))[0]
      .filename
  );
  for (const dir of ['config', 'src', 'public']) cpSync(path.join(root, 'playground', dir), path.join(appDir, dir), { recursive: true });
  cpSync(path.join(root, 'playground', 'favicon.png'), path.join(appDir, 'favicon.png'));
  writeFileSync(
    path.join(appDir, 'config', 'plugins.js'),
    `module.exports = () => ({\n  'users-permissions': { config: { jwtSecret: 'switch-secret' } },\n  'refresh-token': { enabled: true },\n});\n`
  );
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'switch-app', private: true }));
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('switching from @redon2inc/strapi-plugin-refresh-token', () => {
  it('once its user-model extension is removed, Strapi drops its table; this plugin then works with the same config entry', async () => {
    // Its README has apps extend the users-permissions user with a relation to its token type.
    const extension = path.join(appDir, 'src', 'extensions', 'users-permissions', 'strapi-server.js');
    mkdirSync(path.dirname(extension), { recursive: true });
    writeFileSync(
      extension,
      `module.exports = (plugin) => {\n  plugin.contentTypes.user.schema.attributes.refresh_tokens = { type: 'relation', relation: 'oneToMany', target: 'plugin::refresh-token.token', mappedBy: 'user', private: true, configurable: false };\n  return plugin;\n};\n`
    );
    npm(['install', '@redon2inc/strapi-plugin-refresh-token@0.1.4']);
    // The playground's own route that uses this plugin's `fresh` policy is left out while it is absent.
    const before = await boot({ REFRESH_TOKEN_DISABLED: 'true' });
    before.stop();
    expect(JSON.parse(tables())).toContain('refresh-token_token');

    npm(['uninstall', '@redon2inc/strapi-plugin-refresh-token']);
    rmSync(extension); // left in place, the relation names a type that no longer exists: Strapi would not boot
    npm(['install', tarball]);
    const after = await boot();
    try {
      const names = JSON.parse(tables()) as string[];
      expect(names).toContain('refresh_token_sessions');
      expect(names).not.toContain('refresh-token_token');
      const login = await fetch(`${after.base}/api/auth/local`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: 'demo@example.com', password: 'Demo-Passw0rd!' }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const refresh = await fetch(`${after.base}/api/token/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
      });
      expect(refresh.status).toBe(200);
    } finally {
      after.stop();
    }
  }, 240_000);
});
