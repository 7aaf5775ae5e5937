/**
 * An example front end (examples/<name>) as a user gets it, for the browser tests: the packed
 * plugin installed into an app folder, the example copied out of that app's node_modules into a
 * folder of its own outside the repository, then its README's `npm install` (given the tarball,
 * since this version is not on the registry). Kept per tarball digest and example, so test files
 * and runs share it; `built` says whether the example's own build is still there.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export const npm = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, stdio: 'pipe', env: { ...process.env, ...env } });

/** The example's folder with its dependencies installed; `fresh`: installed just now. */
export function installedExample(name: 'nextjs' | 'vue'): { dir: string; fresh: boolean } {
  const work = path.join(os.tmpdir(), `refresh-token-${name}-example`);
  mkdirSync(work, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' })
  )[0];
  const tarball = path.join(work, packed.filename);
  const digest = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
  const frontEnd = path.join(work, digest, 'front-end');
  if (existsSync(path.join(frontEnd, 'node_modules', 'strapi-plugin-refresh-token'))) return { dir: frontEnd, fresh: false };
  for (const old of readdirSync(work)) if (old !== packed.filename) rmSync(path.join(work, old), { recursive: true, force: true });

  const app = path.join(work, digest, 'strapi-app');
  mkdirSync(app, { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'strapi-app', private: true }));
  npm(['install', tarball, '--ignore-scripts'], app);
  // The README's first step: copy the example out of the installed package.
  cpSync(path.join(app, 'node_modules', 'strapi-plugin-refresh-token', 'examples', name), frontEnd, { recursive: true });
  npm(['install', tarball], frontEnd);
  return { dir: frontEnd, fresh: true };
}
