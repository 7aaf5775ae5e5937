/**
 * examples/nextjs as a user gets it, for the browser tests: installed from the packed plugin outside
 * the repository (./examples.ts), then its README's `npm run build`. Kept per tarball digest, so
 * the e2e files share it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './chromium';
import { installedExample, npm } from './examples';
import { freePort } from './ports';
import { LIMITERS_AT_DEFAULTS, startStrapi } from './strapi';

/** The example's folder, built; prepared once per tarball. */
export function prepareExample(): string {
  const started = Date.now();
  const { dir } = installedExample('nextjs');
  if (existsSync(path.join(dir, '.next', 'BUILD_ID'))) return dir;
  npm(['run', 'build'], dir, { NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' });
  console.log(
    `[e2e] examples/nextjs copied from the installed package, installed and built in ${((Date.now() - started) / 1000).toFixed(1)} s`
  );
  return dir;
}

/** `next start` of the prepared example on 127.0.0.1 with the given environment; resolves once it is ready. */
export async function startExample(dir: string, env: Record<string, string>): Promise<{ base: string; stop(): void }> {
  const port = await freePort();
  const next = spawn(
    process.execPath,
    [path.join(dir, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`next start did not answer: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (/Ready|started server/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    next.stdout!.on('data', onData);
    next.stderr!.on('data', onData);
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => next.kill('SIGTERM') };
}

/** Shared by the front end and Strapi in the e2e: their browsers' IPs and User-Agents are signed with it. */
export const PROXY_SECRET = 'nextjs-e2e-shared-proxy-secret';

/**
 * The example against the playground Strapi as a user runs them: both limiters at their defaults,
 * cookie delivery, a 5-second access token, the shared proxy secret; and Chromium.
 */
export async function startNextStack({
  plugin = {},
  exampleEnv = {},
}: { plugin?: Record<string, unknown>; exampleEnv?: Record<string, string> } = {}) {
  const example = prepareExample();
  const app = await startStrapi({
    ...LIMITERS_AT_DEFAULTS,
    plugin: { ...LIMITERS_AT_DEFAULTS.plugin, accessTokenLifespan: '5s', ...plugin },
    env: { REFRESH_TOKEN_PROXY_SECRET: PROXY_SECRET },
  });
  const next = await startExample(example, {
    STRAPI_URL: app.url,
    REFRESH_TOKEN_PROXY_SECRET: PROXY_SECRET,
    // Strapi signs with key pairs: the example's middleware verifies access tokens against its JWKS.
    ...(plugin.signing ? { STRAPI_JWKS_URL: `${app.url}/api/token/jwks` } : {}),
    ...exampleEnv,
  });
  const browser = await launchChromium();
  return {
    app,
    next,
    browser,
    async stop() {
      await browser.close();
      next.stop();
      await app.stop();
    },
  };
}
