#!/usr/bin/env node
/**
 * `npm run demo`: builds the plugin and the playground's admin panel (once), starts the playground
 * Strapi app on embedded SQLite, seeds a demo user and admin, and prints where to go and a curl
 * session. PORT overrides 1337; HOST (default 127.0.0.1: this machine only, since the demo's
 * admin password is public) says where it listens, e.g. HOST=0.0.0.0 to reach it from elsewhere.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const playground = path.join(root, 'playground');
const port = Number(process.env.PORT || 1337);
const host = process.env.HOST || '127.0.0.1';
const base = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
const strapiBin = path.join(root, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js');
const env = { ...process.env, PORT: String(port), HOST: host, NODE_ENV: process.env.NODE_ENV || 'development' };

function step(label, command, args, options = {}) {
  const started = Date.now();
  process.stdout.write(`> ${label}...\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env, ...options });
  if (result.status !== 0) {
    console.error(`${label} failed`);
    process.exit(result.status || 1);
  }
  process.stdout.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

step(
  'Building the plugin',
  process.execPath,
  [path.join(root, 'node_modules', '@strapi', 'sdk-plugin', 'bin', 'strapi-plugin.js'), 'build'],
  { cwd: root }
);
if (existsSync(path.join(__dirname, 'build-demo.js')))
  step('Building the demo front end', process.execPath, [path.join(__dirname, 'build-demo.js')], { cwd: root });
step('Building the admin panel (when the plugin changed; about a minute)', process.execPath, [path.join(__dirname, 'admin-build.js')], {
  cwd: root,
});

const started = Date.now();
const server = spawn(process.execPath, [strapiBin, 'start'], { cwd: playground, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

(async function waitForHealth() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${base}/_health`);
      if (res.status === 204 || res.ok) return banner();
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error('The playground did not answer within 150 s');
})();

function banner() {
  const login = JSON.stringify({ identifier: 'demo@example.com', password: 'Demo-Passw0rd!' });
  console.log(`
──────────────────────────────────────────────────────────────────────────────
 strapi-plugin-refresh-token playground is up (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

 Listening on ${host}:${port}${host === '127.0.0.1' ? ' (this machine only; HOST=0.0.0.0 to open it up)' : ''}
 API          ${base}/api
 Admin panel  ${base}/admin      admin@example.com / Admin-Passw0rd!
 Demo app     ${base}/demo/      demo@example.com  / Demo-Passw0rd!

 Try it with curl (the cookie jar keeps the signed refresh cookie):
   curl -s -c jar.txt -H 'Content-Type: application/json' \\
        -d '${login}' ${base}/api/auth/local
   curl -s -b jar.txt -c jar.txt -X POST -H 'Content-Type: application/json' ${base}/api/token/refresh
   curl -s -b jar.txt -c jar.txt -X POST -H 'Content-Type: application/json' ${base}/api/token/logout
   curl -s -b jar.txt -X POST -H 'Content-Type: application/json' ${base}/api/token/refresh   # refused now

 The Next.js example (server-rendered, examples/nextjs) works against this playground as it is
 (in this repository it takes the plugin from the checkout; from the package, see its README):
   cd examples/nextjs && npm install --no-save ../.. && npm run build && STRAPI_URL=http://127.0.0.1:${port} PORT=3000 npm start
   then open http://localhost:3000/auth/login
──────────────────────────────────────────────────────────────────────────────
`);
}
