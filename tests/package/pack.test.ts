/**
 * The package as a user gets it: `npm pack`, install the tarball into a throwaway Strapi app whose
 * config/plugins.js is create-strapi 5.54's own (users-permissions in `jwtManagement: 'refresh'`)
 * with the README's quick-start entry added, boot it, log in and refresh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { freePort } from '../helpers/ports';

const require = createRequire(import.meta.url);

const root = path.resolve(__dirname, '../..');
// Inside the repository so that Strapi itself resolves from the root node_modules (a real app has
// its own); the plugin is installed from the tarball into the app's node_modules.
const work = path.join(root, 'tests', '.tmp', `pack-${process.pid}`);
const appDir = path.join(work, 'app');
const port = await freePort();
let server: ChildProcess | undefined;
let packedFiles: string[] = [];
let bootOutput = '';

/**
 * Step 2 of the README's quick start, done to a fresh create-strapi app as the README says: the
 * `'refresh-token'` entry of its snippet (`lang`: js or ts), added inside the object the app's own
 * config/plugins file returns.
 */
const readmeSnippet = (lang: 'js' | 'ts'): string =>
  new RegExp(`\`\`\`${lang}\\n(// config/plugins\\.${lang}[^\\n]*\\n[\\s\\S]*?)\`\`\``).exec(
    readFileSync(path.join(root, 'README.md'), 'utf8')
  )![1];
function quickStartConfig(lang: 'js' | 'ts', generated: string, opening: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const snippet = new RegExp(`\`\`\`${lang}\\n// config/plugins\\.${lang}[^\\n]*\\n([\\s\\S]*?)\`\`\``).exec(readme)![1];
  const entry = /^ {2}'refresh-token': \{\n[\s\S]*?^ {2}\},\n/m.exec(snippet)![0];
  expect(generated).toContain("jwtManagement: 'refresh'");
  expect(generated).toContain(opening);
  return generated.replace(opening, opening + entry);
}
const FIXTURES = path.join(root, 'tests', 'fixtures');
const jsPlugins = () =>
  quickStartConfig(
    'js',
    readFileSync(path.join(FIXTURES, 'create-strapi-app-5.54.0', 'config', 'plugins.js'), 'utf8'),
    // create-strapi's JS file takes no parameter; the README's entry reads env, as its snippet does.
    'module.exports = () => ({\n'
  ).replace('module.exports = () => ({\n', 'module.exports = ({ env }) => ({\n');

/** Evaluates a config/plugins file as Strapi does, with Strapi's own env helper. */
function evaluatePlugins(file: string): Record<string, any> {
  const loaded = require(file);
  const { env } = require('@strapi/utils');
  return (loaded.default ?? loaded)({ env });
}
/** What create-strapi's upload entry says: the deny-list that pasting a whole file over it would lose. */
function expectUploadSecurityKept(plugins: Record<string, any>) {
  expect(plugins.upload.config.security.deniedTypes).toEqual(expect.arrayContaining(['image/svg+xml', 'application/x-msdownload']));
  expect(plugins.upload.config.security.allowedTypes).toContain('image/*');
  expect(plugins['users-permissions'].config.jwtManagement).toBe('refresh');
  expect(plugins['refresh-token']).toMatchObject({ enabled: true, config: { accessTokenLifespan: '15m', trustedOrigins: undefined } });
}

/** Resolves with the boot output once the child reports LISTENING; rejects if it fails or exits. */
function untilListening(child: ChildProcess, onOutput: (output: string) => void = () => {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      onOutput(output);
      if (output.includes('LISTENING')) resolve(output);
      if (output.includes('BOOT FAILED')) reject(new Error(output));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

/** POSTs a login (or register) body, then refreshes with the cookie it set; both must be 200. */
async function signInAndRefresh(base: string, path: string, body: object): Promise<{ jwt: string }> {
  const signIn = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(signIn.status, await signIn.clone().text()).toBe(200);
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  expect(cookie).toContain('strapi_refresh_token=');
  const refresh = await fetch(`${base}/api/token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', cookie } });
  expect(refresh.status).toBe(200);
  expect(((await refresh.json()) as { jwt: string }).jwt).toMatch(/^eyJ/);
  return (await signIn.json()) as { jwt: string };
}

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' })
  )[0];
  const tarball = path.join(work, packed.filename);
  packedFiles = packed.files.map((f: { path: string }) => f.path);
  expect(packed.files.map((f: { path: string }) => f.path)).toEqual(
    expect.arrayContaining(['dist/server/index.js', 'dist/admin/index.mjs', 'dist/client/index.js', 'strapi-server.js', 'README.md'])
  );

  for (const dir of ['config', 'src', 'public']) cpSync(path.join(root, 'playground', dir), path.join(appDir, dir), { recursive: true });
  cpSync(path.join(root, 'playground', 'favicon.png'), path.join(appDir, 'favicon.png'));
  writeFileSync(path.join(appDir, 'config', 'plugins.js'), jsPlugins());
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'pack-test-app', private: true }, null, 2));
  // Peers (Strapi, React…) are the app's and already in the repository's node_modules; the plugin's
  // own dependencies come with it.
  execFileSync('npm', ['install', tarball, '--legacy-peer-deps', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], {
    cwd: appDir,
    stdio: 'pipe',
  });
  expect(readdirSync(path.join(appDir, 'node_modules'))).toContain('strapi-plugin-refresh-token');
  const pkg = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
  expect(pkg.dependencies['strapi-plugin-refresh-token']).toMatch(/\.tgz$/);
  pkg.dependencies = { '@strapi/strapi': '5.54.0', '@strapi/plugin-users-permissions': '5.54.0', ...pkg.dependencies };
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify(pkg, null, 2));

  server = spawn(process.execPath, [path.join(root, 'tests', 'helpers', 'boot.cjs')], {
    // Strapi resolves installed plugins from its own location; in a real app that is the app's
    // node_modules, here it is the repository's, so NODE_PATH adds the app's. JWT_SECRET stands for
    // the .env that create-strapi writes beside config/ (users-permissions reads it from there).
    env: {
      ...process.env,
      NODE_PATH: path.join(appDir, 'node_modules'),
      APP_DIR: appDir,
      DB: 'sqlite',
      DATABASE_FILENAME: '.tmp/data.db',
      PORT: String(port),
      LOG_LEVEL: 'info',
      REFRESH_TOKEN_CONFIG: '',
      UP_CONFIG: '',
      JWT_SECRET: 'fresh-app-jwt-secret',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await untilListening(server, (output) => (bootOutput = output));
}, 240_000);

afterAll(() => {
  server?.removeAllListeners('exit');
  server?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('packed from a clean clone (no dist/ yet) carries dist/: prepack builds it', () => {
    const clone = path.join(work, 'clone');
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${root}`, clone], { stdio: 'pipe' });
    expect(existsSync(path.join(clone, 'dist'))).toBe(false);
    // The clone's devDependencies are the repository's: link them rather than install them again.
    symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    const output = execFileSync('npm', ['pack', '--dry-run', '--json'], {
      cwd: clone,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const files: string[] = JSON.parse(output.slice(output.lastIndexOf('\n[') + 1))[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/server/index.js', 'dist/admin/index.mjs', 'dist/client/index.js', 'dist/server-entry/index.js'])
    );
  }, 120_000);

  it('has every file its markdown links to: the README reads the same on the npm page and in node_modules', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const markdown = packedFiles.filter((f) => f.endsWith('.md'));
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'SECURITY.md', 'docs/client.md']));
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdown) {
      const text = readFileSync(path.join(root, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        checked++;
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target.split('#')[0]));
        // A file of the tarball, or a folder of it (a link to an example's directory).
        if (!packedFiles.includes(resolved) && !packedFiles.some((f) => f.startsWith(`${resolved}/`))) broken.push(`${file} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(3);
    expect(readme).toContain('docs/client.md');
  });

  it('carries the metadata a registry page needs', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const key of ['repository', 'homepage', 'bugs', 'keywords', 'license']) expect(pkg[key], key).toBeDefined();
  });
});

describe('the packed plugin in a fresh create-strapi app, configured as the README says', () => {
  it("takes over from users-permissions' built-in refresh mode with one log line, logs in with a session cookie and refreshes", async () => {
    expect(bootOutput.match(/users-permissions runs in 'legacy-support' mode/g)).toHaveLength(1);
    const { jwt } = await signInAndRefresh(`http://127.0.0.1:${port}`, '/api/auth/local', {
      identifier: 'demo@example.com',
      password: 'Demo-Passw0rd!',
    });
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
  });
});

describe("the README's entry in create-strapi 5.54's own config files", () => {
  it('JavaScript: the entry added to config/plugins.js keeps the upload security settings', () => {
    expectUploadSecurityKept(evaluatePlugins(path.join(appDir, 'config', 'plugins.js')));
  });

  it("TypeScript: the app's own tsc (strict, noEmitOnError) compiles it, the upload settings survive, and the compiled app boots, registers and refreshes", async () => {
    const tsApp = path.join(work, 'ts-app');
    cpSync(path.join(FIXTURES, 'create-strapi-app-5.54.0-ts'), tsApp, { recursive: true });
    const file = path.join(tsApp, 'config', 'plugins.ts');
    const opening = 'const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({\n';
    writeFileSync(file, quickStartConfig('ts', readFileSync(file, 'utf8'), opening));
    // The README's snippet as a whole compiles in the same app too (a pasted file must not break the build).
    writeFileSync(path.join(tsApp, 'readme-snippet.ts'), readmeSnippet('ts'));
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(tsApp, 'tsconfig.json')], {
      cwd: tsApp,
      stdio: 'pipe',
    });
    expectUploadSecurityKept(evaluatePlugins(path.join(tsApp, 'dist', 'config', 'plugins.js')));

    mkdirSync(path.join(tsApp, 'public', 'uploads'), { recursive: true }); // create-strapi's public/uploads/.gitkeep
    // `npm install` of the tarball, as in the JS app: the plugin becomes a dependency Strapi discovers.
    const pkg = JSON.parse(readFileSync(path.join(tsApp, 'package.json'), 'utf8'));
    pkg.dependencies = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')).dependencies;
    writeFileSync(path.join(tsApp, 'package.json'), JSON.stringify(pkg, null, 2));
    const tsPort = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'tests', 'helpers', 'boot.cjs')], {
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DATABASE_'))),
        NODE_PATH: path.join(appDir, 'node_modules'),
        APP_DIR: tsApp,
        DIST_DIR: path.join(tsApp, 'dist'),
        PORT: String(tsPort),
        LOG_LEVEL: 'info',
        // The .env create-strapi writes (env.example's keys), and nothing of the test harness's.
        APP_KEYS: 'key-one,key-two',
        API_TOKEN_SALT: 'salt',
        ADMIN_JWT_SECRET: 'admin-secret',
        TRANSFER_TOKEN_SALT: 'transfer-salt',
        JWT_SECRET: 'ts-app-jwt-secret',
        ENCRYPTION_KEY: 'encryption-key',
        REFRESH_TOKEN_CONFIG: '',
        UP_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const output = await untilListening(child);
      expect(output.match(/users-permissions runs in 'legacy-support' mode/g)).toHaveLength(1);
      await signInAndRefresh(`http://127.0.0.1:${tsPort}`, '/api/auth/local/register', {
        username: 'newcomer',
        email: 'newcomer@example.com',
        password: 'Newcomer-Passw0rd!',
      });
    } finally {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
    }
  }, 180_000);
});
