/**
 * Issue 14, the compatibility matrix: for the oldest supported Strapi minor, one in the middle and
 * 5.54, a stock app of that version gets the plugin from `npm pack` with a plain `npm install` (no
 * flags: the peer ranges must accept it), boots, and passes login → refresh → reuse → logout over
 * HTTP. For the oldest and 5.54 the admin panel builds with the plugin and its settings page renders
 * in Chromium without console errors. Apps live outside the clone, in
 * ~/.cache/strapi-plugin-refresh-token/compat/<version> (or $COMPAT_CACHE), so that their Strapi
 * installs are reused by every clone on the machine; each run still does a plain `npm install`
 * there, which re-resolves against the peer ranges and the fresh tarball.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';

const ROOT = path.resolve(__dirname, '../..');
const CACHE = process.env.COMPAT_CACHE ?? path.join(os.homedir(), '.cache', 'strapi-plugin-refresh-token', 'compat');
const BOOT = path.join(ROOT, 'tests', 'helpers', 'boot.cjs');
const MATRIX: Array<{ version: string; admin: boolean }> = [
  { version: '5.20.0', admin: true },
  { version: '5.36.1', admin: false },
  { version: '5.54.0', admin: true },
];
const DEMO = { identifier: 'demo@example.com', password: 'Demo-Passw0rd!' };
const timings: string[] = [];

let tarball: string;
/** Each version's app, installed: the three installs run at once (on a cold machine each downloads a Strapi). */
const apps = new Map<string, string>();
beforeAll(async () => {
  mkdirSync(CACHE, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', CACHE], { cwd: ROOT, encoding: 'utf8' })
  )[0];
  tarball = path.join(CACHE, packed.filename);
  await Promise.all(MATRIX.map(async ({ version }) => apps.set(version, await prepareApp(version))));
}, 900_000);
afterAll(() => console.log(`compat timings: ${timings.join('; ')}`));

/** A stock app of that Strapi version with the packed plugin, configured like a user would. */
async function prepareApp(version: string): Promise<string> {
  const dir = path.join(CACHE, version);
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name: `compat-strapi-${version}`,
    private: true,
    version: '0.0.0',
    dependencies: {
      '@strapi/plugin-users-permissions': version,
      '@strapi/strapi': version,
      'better-sqlite3': '^12.4.1',
      react: '^18.0.0',
      'react-dom': '^18.0.0',
      'react-router-dom': '^6.0.0',
      'styled-components': '^6.0.0',
      'strapi-plugin-refresh-token': `file:${tarball}`,
    },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // A warm app's lock file pins the plugin of an earlier run, and npm keeps it although the tarball
  // changed: forget it, so that the install takes this run's tarball (and only it is re-extracted).
  const lockFile = path.join(dir, 'package-lock.json');
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    delete lock.packages?.['node_modules/strapi-plugin-refresh-token'];
    writeFileSync(lockFile, JSON.stringify(lock, null, 2));
  }
  rmSync(path.join(dir, 'node_modules', 'strapi-plugin-refresh-token'), { recursive: true, force: true });
  const started = Date.now();
  // A plain install: no --legacy-peer-deps, no --force. ERESOLVE here is exactly the bug to catch.
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 * 2 ** 20 });
  // The app runs this build of the plugin, not a cached one.
  const installed = readFileSync(path.join(dir, 'node_modules', 'strapi-plugin-refresh-token', 'dist', 'server', 'index.js'));
  expect(installed.equals(readFileSync(path.join(ROOT, 'dist', 'server', 'index.js')))).toBe(true);
  timings.push(`${version} install ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const sub of ['config', 'src', 'public']) {
    rmSync(path.join(dir, sub), { recursive: true, force: true });
    cpSync(path.join(ROOT, 'playground', sub), path.join(dir, sub), { recursive: true });
  }
  cpSync(path.join(ROOT, 'playground', 'favicon.png'), path.join(dir, 'favicon.png'));
  // The user's config: the installed package, not the repository.
  writeFileSync(
    path.join(dir, 'config', 'plugins.js'),
    `module.exports = () => ({\n  'users-permissions': { config: { jwtSecret: 'compat-secret', ratelimit: { enabled: false } } },\n  'refresh-token': { enabled: true, config: { rateLimit: { enabled: false } } },\n});\n`
  );
  return dir;
}

function start(dir: string, port: number, command: 'boot' | 'start'): Promise<ChildProcess> {
  const args = command === 'boot' ? [BOOT] : [path.join(dir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'start'];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      APP_DIR: dir,
      DB: 'sqlite',
      DATABASE_FILENAME: `.tmp/compat-${Date.now()}.db`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      SEED: 'true',
      STRAPI_TELEMETRY_DISABLED: 'true',
      NODE_ENV: 'development',
      REFRESH_TOKEN_CONFIG: '',
      UP_CONFIG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // `strapi start` says nothing at log level error: the caller waits for /_health instead.
  if (command === 'start') return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no answer on ${port}: ${output}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('LISTENING')) {
        clearTimeout(timer);
        resolve(child);
      }
      if (output.includes('BOOT FAILED')) reject(new Error(output));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

async function waitForHealth(base: string) {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}/_health`)).status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${base} never became healthy`);
}

const post = async (base: string, p: string, body: unknown) => {
  const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: res.status,
    body: (await res.json().catch(() => null)) as any,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
  };
};

describe.each(MATRIX)('Strapi $version', ({ version }) => {
  let dir: string;
  let server: ChildProcess | undefined;
  const port = 26000 + Number(version.split('.')[1]) * 10 + (process.pid % 10);
  const base = `http://127.0.0.1:${port}`;

  beforeAll(() => {
    dir = apps.get(version)!;
    const installed = JSON.parse(readFileSync(path.join(dir, 'node_modules', '@strapi', 'strapi', 'package.json'), 'utf8')).version;
    expect(installed).toBe(version);
  }, 900_000);
  afterAll(() => {
    server?.removeAllListeners('exit');
    server?.kill('SIGKILL');
  });

  it('installs without flags, boots, and passes login → refresh → reuse → logout', async () => {
    server = await start(dir, port, 'boot');
    const login = await post(base, '/api/auth/local', DEMO);
    expect(login.status).toBe(200);
    const claims = JSON.parse(Buffer.from(login.body.jwt.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
    expect(login.cookie).toContain('strapi_refresh_token=');
    const refresh = await fetch(`${base}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: login.cookie },
    });
    expect(refresh.status).toBe(200);
    const rotated = refresh.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    // Reuse: rotate once more, then present the first cookie, two generations back (the grace
    // period only covers the immediately previous token).
    const second = await fetch(`${base}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: rotated },
    });
    expect(second.status).toBe(200);
    const reused = await fetch(`${base}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: login.cookie },
    });
    expect(reused.status).toBe(401);
    const latest = second.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(
      (await fetch(`${base}/api/token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: latest } })).status
    ).toBe(401); // the session died with the reuse
    const fresh = await post(base, '/api/auth/local', DEMO);
    const logout = await fetch(`${base}/api/token/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: fresh.cookie },
    });
    expect(await logout.json()).toEqual({ ok: true });
    expect(
      (await fetch(`${base}/api/token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: fresh.cookie } }))
        .status
    ).toBe(401);
    server.removeAllListeners('exit');
    server.kill('SIGKILL');
    server = undefined;
  });
});

describe.each(MATRIX.filter((m) => m.admin))('Strapi $version admin panel', ({ version }) => {
  let server: ChildProcess | undefined;
  const dir = path.join(CACHE, version);
  const port = 27000 + Number(version.split('.')[1]) * 10 + (process.pid % 10);
  const base = `http://127.0.0.1:${port}`;
  afterAll(() => server?.kill('SIGKILL'));

  it('builds with the plugin, and its settings page renders without console errors', async () => {
    const started = Date.now();
    execFileSync(process.execPath, [path.join(dir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'build'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production', STRAPI_TELEMETRY_DISABLED: 'true' },
    });
    timings.push(`${version} admin build ${((Date.now() - started) / 1000).toFixed(0)} s`);
    server = await start(dir, port, 'start');
    await waitForHealth(base);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/favicon|Failed to load resource/i.test(m.text())) errors.push(m.text());
      });
      await page.goto(`${base}/admin/auth/login`);
      await page.locator('input[name="email"]').fill('admin@example.com');
      await page.locator('input[name="password"]').fill('Admin-Passw0rd!');
      await page.getByRole('button', { name: /^log ?in$/i }).click();
      await page.waitForURL((u) => !u.pathname.includes('/auth/'));
      await page.goto(`${base}/admin/settings/refresh-token/settings`);
      await expect.poll(() => page.getByRole('heading', { name: 'Lifespans', level: 1 }).isVisible(), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => page.getByRole('textbox', { name: 'Access token lifespan' }).inputValue(), { timeout: 10_000 }).toBe('15');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
