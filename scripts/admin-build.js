/**
 * Builds the playground's admin panel (`strapi build`, output playground/build) unless the current
 * build already holds this plugin's admin bundle. Used by `npm run demo` and the admin e2e test.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PLAYGROUND = path.join(ROOT, 'playground');
const ADMIN_BUILD = path.join(PLAYGROUND, 'build');
const STAMP = path.join(ADMIN_BUILD, '.refresh-token-admin.sha256');

/** A digest of the plugin's built admin bundle: the playground admin is rebuilt when it changes. */
function pluginAdminDigest() {
  const dir = path.join(ROOT, 'dist', 'admin');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) if (/\.m?js$/.test(file)) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

/** Returns the build time in seconds, or 0 when the existing build was current. */
function ensureAdminBuild({ stdio = 'inherit' } = {}) {
  const digest = pluginAdminDigest();
  if (existsSync(path.join(ADMIN_BUILD, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) return 0;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'build'], {
    cwd: PLAYGROUND,
    stdio,
    // The playground takes React & co. from the repository's node_modules; skip Strapi's check
    // that they are installed next to the app.
    env: { ...process.env, NODE_ENV: 'production', USE_EXPERIMENTAL_DEPENDENCIES: 'true' },
  });
  if (result.status !== 0) throw new Error(`strapi build failed (exit ${result.status})`);
  writeFileSync(STAMP, digest);
  return (Date.now() - started) / 1000;
}

module.exports = { ensureAdminBuild, ADMIN_BUILD };

if (require.main === module) {
  const seconds = ensureAdminBuild();
  console.log(seconds ? `admin panel built in ${seconds.toFixed(1)} s` : 'admin panel is up to date');
}
