/** examples/nextjs for the browser tests: built when its sources or the server entry changed, started on a free port. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';

const ROOT = path.resolve(__dirname, '../..');
export const EXAMPLE = path.join(ROOT, 'examples/nextjs');

/** The newest modification time under a directory (sources of the example and the built plugin). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.next'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** `npm install` (first time) and `npm run build` in the example unless its build is current. */
export function ensureExampleBuilt(): void {
  if (!existsSync(path.join(EXAMPLE, 'node_modules', 'next'))) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: EXAMPLE, stdio: 'inherit' });
  }
  const buildId = path.join(EXAMPLE, '.next', 'BUILD_ID');
  if (existsSync(buildId) && statSync(buildId).mtimeMs > Math.max(newest(EXAMPLE), newest(path.join(ROOT, 'dist', 'ssr')))) return;
  const started = Date.now();
  execFileSync('npm', ['run', 'build'], { cwd: EXAMPLE, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  console.log(`[e2e] examples/nextjs built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** `next start` on 127.0.0.1 with the given environment; resolves once it is ready. */
export async function startExample(env: Record<string, string>): Promise<{ base: string; stop(): void }> {
  const port = await freePort();
  const next = spawn(process.execPath, [path.join(EXAMPLE, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: EXAMPLE,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
