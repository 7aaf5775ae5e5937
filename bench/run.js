#!/usr/bin/env node
'use strict';
/**
 * npm run bench [-- --quick] [-- --only=refresh,login] [-- --no-scale | --scale-only]
 *
 * The plugin (mode A: delivery 'body', its /api/token rate limiter off) against the same playground
 * app with the plugin disabled and users-permissions in its built-in `jwtManagement: 'refresh'`
 * mode (mode B), same machine, database engine and Strapi version, in one run. Each server is its
 * own child process on its own fresh database; the load comes from a third process (autocannon).
 * The users-permissions rate limiter (/auth/*) is off in both modes.
 *
 * Main matrix: scenarios health, me, refresh, login x concurrency 1, 8, 32, each cell run in the
 * order A B A B (drift cancels), BENCH_DURATION seconds per run (default 3).
 * Scale: the refresh scenario at concurrency 8 against the plugin with 1k / 100k / 1M sessions
 * already in refresh_token_sessions (three databases seeded with batched INSERTs, three servers,
 * rounds interleaved 1k 100k 1M 1k 100k 1M).
 *
 * Env: BENCH_DB=sqlite (default) | postgres, BENCH_DURATION (s), BENCH_SCALE_SIZES=1000,100000,1000000,
 * BENCH_CPU_PROF=1 (servers run under `node --cpu-prof`, profiles in bench/.tmp/prof),
 * BENCH_SQLITE=default | wal | wal-normal (the SQLite journal both modes run with: see SQLITE below),
 * BENCH_PIN=0 (do not pin: by default each server runs on CPU 1 and the load on CPU 0, so a
 * server's throughput is what one core gives it and the load generator never competes with it).
 * Writes bench/results.json (one entry per database engine; other engines' entries are kept).
 */
const { fork, execSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { seedSqlite, seedPostgres } = require('./seed');

const ROOT = path.resolve(__dirname, '..');
const PLAYGROUND = path.join(ROOT, 'playground');
const TMP = path.join(__dirname, '.tmp');
/** BENCH_RESULTS: write elsewhere (a partial run, e.g. --otel-only, would replace this engine's full entry). */
const RESULTS = process.env.BENCH_RESULTS || path.join(__dirname, 'results.json');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = flag('quick');
const DB = process.env.BENCH_DB || 'sqlite';
const DURATION = Number(process.env.BENCH_DURATION || (QUICK ? 1 : 3));
const WARMUP = QUICK ? 0.5 : 1;
const CONCURRENCY = QUICK ? [8] : [1, 8, 32];
const ROUNDS = QUICK ? ['A', 'B'] : ['A', 'B', 'A', 'B'];
const SCENARIOS = (option('only') || 'health,me,refresh,login').split(',');
const SCALE_SIZES = (process.env.BENCH_SCALE_SIZES || (QUICK ? '1000,10000' : '1000,100000,1000000')).split(',').map(Number);
const SCALE_DURATION = Number(process.env.BENCH_SCALE_DURATION || (QUICK ? 1 : 4));
const SCALE_ROUNDS = QUICK ? 1 : 2;
const RUN_MAIN = !flag('scale-only');
const RUN_SCALE = !flag('no-scale');
const RUN_VARIANTS = !flag('no-variants') && !flag('scale-only');
/** Only the limiter cell (refresh with the limiter off and on): `npm run bench -- --limiter-only`. */
const LIMITER_ONLY = flag('limiter-only');
/** Only the DPoP cells (refresh and GET /api/users/me with and without proofs): `npm run bench -- --dpop-only`. */
const DPOP_ONLY = flag('dpop-only');
/** Only the OpenTelemetry cell (refresh with and without a registered MeterProvider): `--otel-only`. */
const OTEL_ONLY = flag('otel-only');
/**
 * `--compare=<dir>`: refresh and GET /_health at c=8 against the plugin built in another checkout
 * (its dist/, e.g. the last release's), rounds A C A C A C: what the code between them changed.
 */
const COMPARE = option('compare') && path.resolve(option('compare'));
/** Only the signing-key cells (refresh and GET /api/users/me signed with ES256 and EdDSA beside HS256): `--signing-only`. */
const SIGNING_ONLY = flag('signing-only');
/** A fresh private JWK for the signing-key modes (never written anywhere). */
const privateJwk = (kind, alg) => ({
  ...require('node:crypto')
    .generateKeyPairSync(kind, kind === 'ec' ? { namedCurve: 'P-256' } : undefined)
    .privateKey.export({ format: 'jwk' }),
  kid: `bench-${alg}`,
  alg,
});
const signedWith = (jwk) => ({
  REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false }, signing: { keys: [jwk] } }),
  UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
});
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
/**
 * SQLite's journal for both modes: 'default' is what create-strapi writes (rollback journal,
 * synchronous FULL: three fsyncs per write transaction); 'wal' is WAL with synchronous FULL (one
 * fsync per commit, still durable across a power loss); 'wal-normal' is WAL with better-sqlite3's own
 * default for WAL, synchronous NORMAL (durable across a crash of the app, not of the machine).
 * README, Performance: what an app can tune.
 */
const SQLITE = process.env.BENCH_SQLITE || 'default';
const SQLITE_JOURNALS = {
  default: {},
  wal: { SQLITE_JOURNAL_MODE: 'wal', SQLITE_SYNCHRONOUS: 'full' },
  'wal-normal': { SQLITE_JOURNAL_MODE: 'wal', SQLITE_SYNCHRONOUS: 'normal' },
};
const SQLITE_ENV = SQLITE_JOURNALS[SQLITE];
if (!SQLITE_ENV) throw new Error(`BENCH_SQLITE=${SQLITE}: use default, wal or wal-normal`);
/** Servers on CPU 1, the load generator and this process on CPU 0 (Linux taskset; BENCH_PIN=0 turns it off). */
const PIN = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2 && hasTaskset();
function hasTaskset() {
  try {
    execSync('taskset -p $$', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const pin = (pid, cpu) => PIN && execSync(`taskset -a -cp ${cpu} ${pid}`, { stdio: 'ignore' });
const PG = {
  host: process.env.BENCH_PG_HOST || '127.0.0.1',
  port: Number(process.env.BENCH_PG_PORT || 5432),
  user: process.env.BENCH_PG_USER || 'postgres',
  password: process.env.BENCH_PG_PASSWORD || undefined,
};

const MODES = {
  A: {
    label: 'plugin',
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false } }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
    },
  },
  U: {
    label: "plugin, but users-permissions' stock string-secret jwt.verify put back (bench-only patch)",
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false } }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
      BENCH_UP_STOCK_VERIFY: '1',
    },
  },
  S: {
    label: 'plugin, strict: true',
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false }, strict: true }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
    },
  },
  L: {
    label: 'plugin, rate limiter on (memory store, 1m window) with 100,000 live keys counted before the measurement',
    refreshPath: '/api/token/refresh',
    env: {
      // max raised so that one IP's bench load is never refused: the cell measures the limiter's
      // cost per request, not its refusals.
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: true, max: 1e9 } }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
    },
  },
  D: {
    label: "plugin, senderConstraint 'optional' and dpop.requireForAccessTokens: sessions bound to a DPoP key, a proof per request",
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({
        delivery: 'body',
        rateLimit: { enabled: false },
        senderConstraint: 'optional',
        dpop: { requireForAccessTokens: true },
      }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
    },
  },
  M: {
    label: 'plugin, an OpenTelemetry SDK MeterProvider registered (metrics recorded on every request)',
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false } }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
      BENCH_OTEL: '1',
    },
  },
  E: {
    label: 'plugin, access tokens signed with ES256 (signing.keys)',
    refreshPath: '/api/token/refresh',
    env: signedWith(privateJwk('ec', 'ES256')),
  },
  P: {
    label: 'plugin, access tokens signed with EdDSA (signing.keys)',
    refreshPath: '/api/token/refresh',
    env: signedWith(privateJwk('ed25519', 'EdDSA')),
  },
  C: {
    label: `plugin built in ${COMPARE}`,
    refreshPath: '/api/token/refresh',
    env: {
      REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'body', rateLimit: { enabled: false } }),
      UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false } }),
      REFRESH_TOKEN_PLUGIN_DIR: COMPARE || '',
      ...(process.env.BENCH_COMPARE_ENV ? JSON.parse(process.env.BENCH_COMPARE_ENV) : {}),
    },
  },
  B: {
    label: 'built-in',
    refreshPath: '/api/auth/refresh',
    env: {
      REFRESH_TOKEN_DISABLED: 'true',
      UP_CONFIG: JSON.stringify({ jwtManagement: 'refresh', ratelimit: { enabled: false } }),
    },
  },
};

const TARGETS = {
  refreshThroughput: DB === 'postgres' ? 8 : 5,
  /** Server CPU per refresh at most this many times Strapi's empty request's (GET /_health). */
  refreshOverHealthCpu: 5,
  scaleP99: 1.5,
  stockWithin: 0.05,
};

const log = (...args) => console.error(...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value, digits = 2) => (value == null || Number.isNaN(value) ? null : Number(value.toFixed(digits)));

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed when this process exits, however it exits.
const children = new Set();
function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));
process.on('unhandledRejection', (error) => {
  log(error);
  process.exit(1);
});

// ---------------------------------------------------------------------------------------------
// Databases
async function pgAdmin(fn) {
  const { Client } = require('pg');
  const client = new Client({ ...PG, database: process.env.BENCH_PG_DATABASE || 'test' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database; returns the env that points the playground at it. */
async function freshDatabase(name, template) {
  if (DB === 'sqlite') {
    const file = path.join(TMP, `${name}.db`);
    for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    if (template) fs.copyFileSync(template.file, file);
    return { file, env: { DB: 'sqlite', DATABASE_FILENAME: path.relative(PLAYGROUND, file) } };
  }
  if (DB === 'postgres') {
    const db = `rt_bench_${name.replace(/[^a-z0-9_]/gi, '_')}`.toLowerCase();
    await pgAdmin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${db}${template ? ` TEMPLATE ${template.database}` : ''}`);
    });
    return {
      database: db,
      env: {
        DB: 'postgres',
        DATABASE_NAME: db,
        DATABASE_HOST: PG.host,
        DATABASE_PORT: String(PG.port),
        DATABASE_USERNAME: PG.user,
        DATABASE_PASSWORD: PG.password || '',
      },
    };
  }
  throw new Error(`BENCH_DB=${DB}: use sqlite or postgres`);
}

async function seedSessions(target, from, to) {
  if (to <= from) return;
  if (DB === 'sqlite') return seedSqlite(target.file, from, to);
  return seedPostgres({ ...PG, database: target.database }, from, to);
}

// ---------------------------------------------------------------------------------------------
// Servers
const baseEnv = () => {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(DB|DATABASE_.*|REFRESH_TOKEN_.*|UP_CONFIG|PORT|HOST|SEED|NODE_OPTIONS|VITEST.*)$/.test(key)) delete env[key];
  }
  // Strapi's telemetry posts the first 1,000 /api requests a day: off, so no mode pays for network calls.
  return { ...env, LOG_LEVEL: 'error', SEED: 'true', STRAPI_TELEMETRY_DISABLED: 'true', ...(DB === 'sqlite' ? SQLITE_ENV : {}) };
};

/** Boots the playground in a child process; resolves once it listens. */
function startServer(modeKey, database, tag) {
  const mode = MODES[modeKey];
  const execArgv = [];
  if (CPU_PROF) {
    fs.mkdirSync(path.join(TMP, 'prof'), { recursive: true });
    execArgv.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      path.join(TMP, 'prof'),
      '--cpu-prof-name',
      `${DB}-${tag}-${modeKey}-${Date.now()}.cpuprofile`
    );
  }
  const started = Date.now();
  const child = track(
    fork(path.join(__dirname, 'server.js'), [], {
      cwd: ROOT,
      env: { ...baseEnv(), ...database.env, ...mode.env },
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
  );
  pin(child.pid, 1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${modeKey} did not start within 180 s`)), 180_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${modeKey} exited with ${code} before it was ready`));
    });
    child.on('message', (message) => {
      if (message.type === 'error') log(`server ${modeKey}: ${message.message}`);
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      let asked = 0;
      const answers = new Map();
      child.on('message', (m) => {
        if (m.type === 'inflight' && answers.has(m.id)) answers.get(m.id)(m.n);
      });
      resolve({
        mode: modeKey,
        /** How many HTTP requests the server is still working on (null if it does not answer). */
        inflight: () =>
          new Promise((done) => {
            const id = ++asked;
            const timer = setTimeout(() => {
              answers.delete(id);
              done(null);
            }, 5000);
            answers.set(id, (n) => {
              clearTimeout(timer);
              answers.delete(id);
              done(n);
            });
            child.send({ type: 'inflight', id });
          }),
        /** One IPC request to the server (bench-only messages: prefill); resolves with its answer. */
        request: (payload) =>
          new Promise((done) => {
            const id = ++asked;
            const onMessage = (m) => {
              if (m.id === id && m.type !== 'inflight') {
                child.off('message', onMessage);
                done(m);
              }
            };
            child.on('message', onMessage);
            child.send({ ...payload, id });
          }),
        url: message.url,
        pid: child.pid,
        bootMs: Date.now() - started,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}

/**
 * Waits until the server has finished the requests the load generator abandoned when its window
 * closed (a login burst at c=32 keeps bcrypt busy for seconds), then until /_health is quick again.
 */
async function settle(server) {
  const url = server.url;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const n = await server.inflight();
    if (n === 0 || n === null) break;
    await sleep(50);
  }
  await sleep(100);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const t = performance.now();
    try {
      await fetch(`${url}/_health`);
    } catch {
      // retry
    }
    if (performance.now() - t < 50) return;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// Load process
let loader;
let nextId = 0;
const pending = new Map();
function startLoader() {
  loader = track(fork(path.join(__dirname, 'load.js'), [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  pin(loader.pid, 0);
  pin(process.pid, 0);
  loader.on('message', ({ id, result, error }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (error) p.reject(new Error(error));
    else p.resolve(result);
  });
  loader.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`load process exited with ${code}`));
    pending.clear();
  });
}
function load(cell) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    loader.send({ id, type: 'run', cell });
  });
}

/**
 * Uncounted ramp before each measured window: 0.5 s, or for login one bcrypt (~0.15 s of CPU) per
 * connection, since concurrent logins all finish late together. Login windows are at least 5 s.
 */
const rampFor = (name, connections) => (name === 'login' ? Math.max(0.5, 0.15 * connections) : QUICK ? 0.2 : 0.5);
const windowFor = (name, duration) => (name === 'login' && !QUICK ? Math.max(duration, 5) : duration);

async function measure(server, name, connections, duration, { warmup = false } = {}) {
  const result = await load({
    url: server.url,
    serverPid: server.pid,
    name,
    refreshPath: MODES[server.mode].refreshPath,
    connections,
    ramp: warmup ? 0 : rampFor(name, connections),
    duration: warmup ? duration : windowFor(name, duration),
  });
  await settle(server);
  return result;
}

/**
 * Discarded load at c=8 until the server's throughput settles (the JIT has compiled the hot path):
 * windows of WARMUP seconds until two in a row agree within 10%, at most 6 windows.
 * Login is warmed with one window only (bcrypt is already native-speed JS; windows are slow).
 */
async function warmUp(server, name) {
  const windows = [];
  const max = name === 'login' ? 1 : QUICK ? 2 : 6;
  for (let i = 0; i < max; i++) {
    const r = await measure(server, name, 8, WARMUP, { warmup: true });
    windows.push(Math.round(r.rps));
    const [prev, last] = windows.slice(-2);
    if (windows.length >= 2 && Math.abs(last - prev) <= 0.1 * Math.max(prev, 1)) break;
  }
  log(`  warm-up ${name} on ${server.mode}: ${windows.join(' -> ')} req/s`);
  return windows;
}

const fmt = (r) =>
  `${Math.round(r.rps)} req/s  p50 ${r.p50?.toFixed(2)} ms  p99 ${r.p99?.toFixed(2)} ms  errors ${r.errors}  server CPU ${r.cpuMsPerReq?.toFixed(2)} ms/req`;

/** Rounds of one mode merged: throughput over the summed time, latency percentiles averaged. */
function merge(runs) {
  const ok = runs.reduce((s, r) => s + r.ok, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const mean = (key) => {
    const values = runs.map((r) => r[key]).filter((v) => v != null);
    return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  };
  const cpu = runs.every((r) => r.cpuMs != null) ? runs.reduce((s, r) => s + r.cpuMs, 0) : null;
  return {
    rps: round(ok / seconds, 1),
    p50: round(mean('p50'), 3),
    p99: round(mean('p99'), 3),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    cpuMsPerReq: cpu === null || ok === 0 ? null : round(cpu / ok, 3),
    requests: ok,
    runs: runs.map((r) => ({
      rps: round(r.rps, 1),
      p50: round(r.p50, 3),
      p99: round(r.p99, 3),
      errors: r.errors,
      cpuMsPerReq: round(r.cpuMsPerReq, 3),
      statuses: r.statuses,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
async function mainMatrix() {
  const servers = {};
  let variants = null;
  let limiter = null;
  let dpop = null;
  let signing = null;
  let otel = null;
  let compare = null;
  for (const key of ['A', 'B']) {
    const database = await freshDatabase(`main-${key.toLowerCase()}`);
    servers[key] = await startServer(key, database, 'main');
    log(`mode ${key} (${MODES[key].label}) up at ${servers[key].url} in ${servers[key].bootMs} ms`);
  }
  const cells = [];
  try {
    // First, while all four servers are equally fresh: the authenticated-GET variants.
    const only = LIMITER_ONLY || DPOP_ONLY || SIGNING_ONLY || OTEL_ONLY || flag('compare-only');
    if (RUN_VARIANTS && !only) variants = await authVariants(servers);
    if (RUN_VARIANTS && (!only || LIMITER_ONLY)) limiter = await limiterVariant(servers);
    if (RUN_VARIANTS && (!only || DPOP_ONLY)) dpop = await dpopVariant(servers);
    if (RUN_VARIANTS && (!only || SIGNING_ONLY)) signing = await signingVariant(servers);
    if (RUN_VARIANTS && (!only || OTEL_ONLY)) otel = await variantAgainstPlugin(servers, 'M', [['refresh', 'refresh']]);
    if (COMPARE)
      compare = await variantAgainstPlugin(
        servers,
        'C',
        ['refresh', 'me'].filter((name) => SCENARIOS.includes(name)).map((name) => [name, name])
      );
    if (only) return { cells, variants, limiter, dpop, signing, otel, compare };
    for (const name of SCENARIOS) {
      for (const key of ['A', 'B']) await warmUp(servers[key], name); // discarded
      for (const connections of CONCURRENCY) {
        const runs = { A: [], B: [] };
        for (const key of ROUNDS) {
          const r = await measure(servers[key], name, connections, DURATION);
          runs[key].push(r);
          log(`  ${name.padEnd(7)} c=${String(connections).padEnd(2)} ${key} ${fmt(r)}`);
        }
        const plugin = merge(runs.A);
        const builtin = merge(runs.B);
        cells.push({
          scenario: name,
          connections,
          plugin,
          builtin,
          ratio: {
            rps: round(plugin.rps / builtin.rps, 3),
            p50: round(plugin.p50 / builtin.p50, 3),
            p99: round(plugin.p99 / builtin.p99, 3),
            cpuPerReq: round(plugin.cpuMsPerReq / builtin.cpuMsPerReq, 3),
          },
        });
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  const journal = DB === 'sqlite' && !flag('no-journal-cell') && SCENARIOS.includes('refresh') ? await journalCell() : null;
  return { cells, variants, limiter, dpop, signing, otel, journal, compare };
}

/**
 * SQLite with the other journal (WAL when the main matrix ran create-strapi's default): GET /_health
 * and refresh at c=8 on a plugin and a built-in server of their own, rounds A B A B, so that one run
 * shows what the journal costs each mode. `--no-journal-cell` skips it.
 */
async function journalCell() {
  const journal = SQLITE === 'default' ? 'wal' : 'default';
  const servers = {};
  const runs = { health: { A: [], B: [] }, refresh: { A: [], B: [] } };
  try {
    for (const key of ['A', 'B']) {
      const database = await freshDatabase(`journal-${journal}-${key.toLowerCase()}`);
      const env = { SQLITE_JOURNAL_MODE: '', SQLITE_SYNCHRONOUS: '', ...SQLITE_JOURNALS[journal] };
      servers[key] = await startServer(key, { ...database, env: { ...database.env, ...env } }, `journal-${journal}`);
      log(`mode ${key} on SQLite journal ${journal} up at ${servers[key].url} in ${servers[key].bootMs} ms`);
    }
    for (const name of ['health', 'refresh']) {
      for (const key of ['A', 'B']) await warmUp(servers[key], name);
      for (const key of ROUNDS) {
        const r = await measure(servers[key], name, 8, DURATION);
        runs[name][key].push(r);
        log(`  ${name.padEnd(7)} c=8  ${key} (journal ${journal}) ${fmt(r)}`);
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
  const cell = (name) => {
    const plugin = merge(runs[name].A);
    const builtin = merge(runs[name].B);
    return { scenario: name, connections: 8, plugin, builtin, ratio: { rps: round(plugin.rps / builtin.rps, 3) } };
  };
  return { journal, cells: [cell('health'), cell('refresh')] };
}

/**
 * The authenticated GET at c=8 under four servers, rounds B A U S B A U S: built-in, plugin,
 * plugin with users-permissions' stock string-secret verify put back (bench-only patch, see
 * server.js: U vs A is what verifying with a KeyObject buys), plugin in strict mode. Runs before
 * the main matrix, so that all four are booted and warmed up alike; U and S stop afterwards.
 */
async function authVariants(mainServers) {
  const order = ['B', 'A', 'U', 'S'];
  const servers = { ...mainServers };
  const extra = [];
  const runs = Object.fromEntries(order.map((k) => [k, []]));
  try {
    for (const key of ['U', 'S']) {
      const database = await freshDatabase(`variant-${key.toLowerCase()}`);
      servers[key] = await startServer(key, database, 'variant');
      extra.push(servers[key]);
      log(`mode ${key} (${MODES[key].label}) up at ${servers[key].url} in ${servers[key].bootMs} ms`);
    }
    for (const key of order) await warmUp(servers[key], 'me');
    for (let r = 0; r < (QUICK ? 1 : 2); r++) {
      for (const key of order) {
        const result = await measure(servers[key], 'me', 8, DURATION);
        runs[key].push(result);
        log(`  me      c=8  ${key} ${fmt(result)}`);
      }
    }
  } finally {
    await Promise.all(extra.map((server) => server.stop()));
  }
  const merged = Object.fromEntries(order.map((k) => [k, merge(runs[k])]));
  return order.map((key) => ({
    mode: key,
    label: MODES[key].label,
    ...merged[key],
    vsBuiltin: round(merged[key].rps / merged.B.rps, 3),
    vsPlugin: round(merged[key].rps / merged.A.rps, 3),
    cpuVsBuiltin: round(merged[key].cpuMsPerReq / merged.B.cpuMsPerReq, 3),
    cpuVsPlugin: round(merged[key].cpuMsPerReq / merged.A.cpuMsPerReq, 3),
  }));
}

/**
 * Refresh at c=8 with the limiter off (A) and on (L, 100,000 keys in its store), rounds A L A L:
 * what the limiter costs a refresh in server CPU.
 */
async function limiterVariant(mainServers) {
  const database = await freshDatabase('variant-l');
  const limited = await startServer('L', database, 'variant');
  log(`mode L (${MODES.L.label}) up at ${limited.url} in ${limited.bootMs} ms`);
  const servers = { A: mainServers.A, L: limited };
  const runs = { A: [], L: [] };
  try {
    for (const key of ['A', 'L']) await warmUp(servers[key], 'refresh');
    // 100,000 keys, counted now so that they are all live (1-minute window) while measured.
    await limited.request({ type: 'prefill', n: 100_000 });
    await settle(limited);
    for (const key of QUICK ? ['A', 'L'] : ['A', 'L', 'A', 'L', 'A', 'L']) {
      const result = await measure(servers[key], 'refresh', 8, DURATION);
      runs[key].push(result);
      log(`  refresh c=8  ${key} ${fmt(result)}`);
    }
  } finally {
    await limited.stop();
  }
  const off = merge(runs.A);
  const on = merge(runs.L);
  return { off, on, cpuRatio: round(on.cpuMsPerReq / off.cpuMsPerReq, 3), rpsRatio: round(on.rps / off.rps, 3) };
}

/**
 * Sender-constrained sessions: refresh and the authenticated GET at c=8, without (A) and with (D) a
 * DPoP proof per request, rounds interleaved A D A D A D. The difference in server CPU per request
 * is the price of verifying a proof (ES256, jose) and remembering its jti.
 */
async function dpopVariant(mainServers) {
  return variantAgainstPlugin(mainServers, 'D', [
    ['refresh', 'refresh-dpop'],
    ['me', 'me-dpop'],
  ]);
}

/**
 * The plugin (A, HS256) against one other mode's server, the same scenario pairs at c=8, rounds
 * A X A X A X: what that mode adds in CPU per request.
 */
async function variantAgainstPlugin(mainServers, modeKey, pairs) {
  const database = await freshDatabase(`variant-${modeKey.toLowerCase()}`);
  const other = await startServer(modeKey, database, 'variant');
  log(`mode ${modeKey} (${MODES[modeKey].label}) up at ${other.url} in ${other.bootMs} ms`);
  const servers = { A: mainServers.A, [modeKey]: other };
  const result = {};
  try {
    for (const [plain, variant] of pairs) {
      const runs = { A: [], [modeKey]: [] };
      await warmUp(servers.A, plain);
      await warmUp(other, variant);
      for (const key of QUICK ? ['A', modeKey] : ['A', modeKey, 'A', modeKey, 'A', modeKey]) {
        const r = await measure(servers[key], key === 'A' ? plain : variant, 8, DURATION);
        runs[key].push(r);
        log(`  ${key === 'A' ? plain : variant} c=8  ${key} ${fmt(r)}`);
      }
      const without = merge(runs.A);
      const withVariant = merge(runs[modeKey]);
      result[plain] = {
        without,
        with: withVariant,
        cpuMsAdded: round(withVariant.cpuMsPerReq - without.cpuMsPerReq, 3),
        rpsRatio: round(withVariant.rps / without.rps, 3),
      };
    }
  } finally {
    await other.stop();
  }
  return result;
}

/** Refresh and the authenticated GET with ES256 and EdDSA access tokens beside HS256, same run. */
async function signingVariant(mainServers) {
  const pairs = [
    ['refresh', 'refresh'],
    ['me', 'me'],
  ];
  return { ES256: await variantAgainstPlugin(mainServers, 'E', pairs), EdDSA: await variantAgainstPlugin(mainServers, 'P', pairs) };
}

async function scaleScenario() {
  // A template database with the schema (booted once), copied per size, then seeded.
  const template = await freshDatabase('scale-template');
  const boot = await startServer('A', template, 'scale-template');
  await boot.stop();
  const servers = [];
  const seeding = [];
  try {
    for (const size of SCALE_SIZES) {
      const target = await freshDatabase(`scale-${size}`, template);
      const t = Date.now();
      await seedSessions(target, 0, size);
      const seedMs = Date.now() - t;
      seeding.push({ sessions: size, seedMs });
      log(`scale: seeded ${size} sessions in ${seedMs} ms`);
      const server = await startServer('A', target, `scale-${size}`);
      servers.push({ size, server, runs: [] });
    }
    for (const { server } of servers) await warmUp(server, 'refresh');
    for (let r = 0; r < SCALE_ROUNDS; r++) {
      for (const entry of servers) {
        const result = await measure(entry.server, 'refresh', 8, SCALE_DURATION);
        entry.runs.push(result);
        log(`  refresh c=8 ${String(entry.size).padStart(7)} sessions ${fmt(result)}`);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
  }
  const rows = servers.map(({ size, runs }) => ({
    sessions: size,
    seedMs: seeding.find((s) => s.sessions === size).seedMs,
    ...merge(runs),
  }));
  const first = rows[0];
  const last = rows[rows.length - 1];
  return { rows, p99Ratio: round(last.p99 / first.p99, 3), from: first.sessions, to: last.sessions };
}

// ---------------------------------------------------------------------------------------------

/** Refresh at c=8 beside Strapi's empty request (GET /_health) of the same run: the floor. */
function floorSummary(cells) {
  const health = cells.find((x) => x.scenario === 'health' && x.connections === 8);
  const refresh = cells.find((x) => x.scenario === 'refresh' && x.connections === 8);
  if (!health || !refresh) return null;
  const floor = health.plugin.cpuMsPerReq;
  return {
    healthCpuMs: floor,
    healthRps: health.plugin.rps,
    plugin: { rps: refresh.plugin.rps, cpuMsPerReq: refresh.plugin.cpuMsPerReq, overHealth: round(refresh.plugin.cpuMsPerReq / floor, 2) },
    builtin: {
      rps: refresh.builtin.rps,
      cpuMsPerReq: refresh.builtin.cpuMsPerReq,
      overHealth: round(refresh.builtin.cpuMsPerReq / floor, 2),
    },
    rpsRatio: refresh.ratio.rps,
    cpuRatio: round(refresh.builtin.cpuMsPerReq / refresh.plugin.cpuMsPerReq, 2),
  };
}

function printFloor(f, journal = SQLITE) {
  return [
    `| refresh at c=8 (${DB}${DB === 'sqlite' ? `, journal ${journal}` : ''}${PIN ? ', server on one core' : ''}) | req/s | server CPU ms/req | CPU / GET /_health's |`,
    '| --- | --- | --- | --- |',
    `| GET /_health (Strapi's empty request, plugin app) | ${f.healthRps} | ${f.healthCpuMs} | 1x |`,
    `| POST /api/token/refresh (plugin) | ${f.plugin.rps} | ${f.plugin.cpuMsPerReq} | ${f.plugin.overHealth}x |`,
    `| POST /api/auth/refresh (built-in mode) | ${f.builtin.rps} | ${f.builtin.cpuMsPerReq} | ${f.builtin.overHealth}x |`,
    `| plugin vs built-in | ${f.rpsRatio}x | ${f.cpuRatio}x less | |`,
  ].join('\n');
}

function printTable(cells, scale, variants, limiter, dpop, signing, otel, journal, compare) {
  const out = [];
  const floor = floorSummary(cells);
  if (floor) out.push(printFloor(floor), '');
  const other = journal && floorSummary(journal.cells);
  if (other) out.push(printFloor(other, journal.journal), '');
  const header = `| scenario | c | plugin req/s | p50 ms | p99 ms | err | CPU ms/req | built-in req/s | p50 ms | p99 ms | err | CPU ms/req | req/s ratio | p99 ratio | CPU/req ratio |`;
  out.push(
    header,
    header.replace(/[^|]+/g, (m) => ` ${'-'.repeat(Math.max(3, m.length - 2))} `)
  );
  for (const c of cells) {
    const p = c.plugin;
    const b = c.builtin;
    out.push(
      `| ${c.scenario} | ${c.connections} | ${p.rps} | ${p.p50} | ${p.p99} | ${p.errors} | ${p.cpuMsPerReq} | ${b.rps} | ${b.p50} | ${b.p99} | ${b.errors} | ${b.cpuMsPerReq} | ${c.ratio.rps}x | ${c.ratio.p99}x | ${c.ratio.cpuPerReq}x |`
    );
  }
  if (variants) {
    out.push(
      '',
      '| GET /api/users/me, c=8 | req/s | p50 ms | p99 ms | err | CPU ms/req | req/s vs built-in | req/s vs plugin | CPU/req vs built-in | CPU/req vs plugin |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    );
    for (const v of variants) {
      out.push(
        `| ${v.mode}: ${v.label} | ${v.rps} | ${v.p50} | ${v.p99} | ${v.errors} | ${v.cpuMsPerReq} | ${v.vsBuiltin}x | ${v.vsPlugin}x | ${v.cpuVsBuiltin}x | ${v.cpuVsPlugin}x |`
      );
    }
  }
  if (limiter) {
    out.push('', '| refresh, c=8 | req/s | p50 ms | p99 ms | err | CPU ms/req |', '| --- | --- | --- | --- | --- | --- |');
    out.push(
      `| limiter off | ${limiter.off.rps} | ${limiter.off.p50} | ${limiter.off.p99} | ${limiter.off.errors} | ${limiter.off.cpuMsPerReq} |`
    );
    out.push(
      `| limiter on, 100,000 keys | ${limiter.on.rps} | ${limiter.on.p50} | ${limiter.on.p99} | ${limiter.on.errors} | ${limiter.on.cpuMsPerReq} |`
    );
    out.push(`| ratio | ${limiter.rpsRatio}x | | | | ${limiter.cpuRatio}x |`);
  }
  if (dpop) {
    out.push(
      '',
      '| c=8 | without DPoP: req/s, CPU ms/req | with a proof per request: req/s, CPU ms/req | CPU added per request | req/s ratio |'
    );
    out.push('| --- | --- | --- | --- | --- |');
    for (const [name, d] of Object.entries(dpop)) {
      out.push(
        `| ${name === 'me' ? 'GET /api/users/me' : 'refresh'} | ${d.without.rps}, ${d.without.cpuMsPerReq} | ${d.with.rps}, ${d.with.cpuMsPerReq} | ${d.cpuMsAdded} ms | ${d.rpsRatio}x |`
      );
    }
  }
  if (signing) {
    out.push('', '| c=8, CPU ms/req (req/s) | HS256 (jwtSecret) | ES256 | EdDSA |', '| --- | --- | --- | --- |');
    for (const name of ['refresh', 'me']) {
      const hs = signing.ES256[name].without;
      const cell = (d) => `${d.with.cpuMsPerReq} (${d.with.rps}), ${d.cpuMsAdded >= 0 ? '+' : ''}${d.cpuMsAdded} ms`;
      out.push(
        `| ${name === 'me' ? 'GET /api/users/me' : 'refresh'} | ${hs.cpuMsPerReq} (${hs.rps}) | ${cell(signing.ES256[name])} | ${cell(signing.EdDSA[name])} |`
      );
    }
  }
  if (compare) {
    out.push(
      '',
      `| c=8 | this build: req/s, CPU ms/req | ${COMPARE}: req/s, CPU ms/req | CPU per request, that − this | req/s, this / that |`,
      '| --- | --- | --- | --- | --- |'
    );
    for (const [name, c] of Object.entries(compare)) {
      out.push(
        `| ${name === 'me' ? 'GET /api/users/me' : 'refresh'} | ${c.without.rps}, ${c.without.cpuMsPerReq} | ${c.with.rps}, ${c.with.cpuMsPerReq} | ${c.cpuMsAdded} ms | ${round(c.without.rps / c.with.rps, 3)}x |`
      );
    }
  }
  if (otel?.refresh) {
    const o = otel.refresh;
    out.push(
      '',
      '| refresh, c=8 | no MeterProvider: req/s, CPU ms/req | SDK MeterProvider registered | CPU added per refresh |',
      '| --- | --- | --- | --- |'
    );
    out.push(
      `| | ${o.without.rps}, ${o.without.cpuMsPerReq} | ${o.with.rps}, ${o.with.cpuMsPerReq} | ${o.cpuMsAdded} ms (target ≤ 0.05) |`
    );
  }
  if (scale) {
    out.push(
      '',
      '| refresh c=8, sessions in table | seed time | req/s | p50 ms | p99 ms | err | CPU ms/req |',
      '| --- | --- | --- | --- | --- | --- | --- |'
    );
    for (const r of scale.rows) {
      out.push(
        `| ${r.sessions.toLocaleString('en-US')} | ${(r.seedMs / 1000).toFixed(1)} s | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpuMsPerReq} |`
      );
    }
  }
  return out.join('\n');
}

function verdicts(cells, scale, variants, limiter, dpop, journal) {
  const at = (scenario, c) => cells.find((x) => x.scenario === scenario && x.connections === c);
  const list = [];
  const refresh = at('refresh', 8);
  if (refresh) {
    list.push({
      target: `refresh throughput at c=8 >= ${TARGETS.refreshThroughput}x built-in (${DB})`,
      value: refresh.ratio.rps,
      note: `server CPU per request ${refresh.ratio.cpuPerReq}x built-in`,
      pass: refresh.ratio.rps >= TARGETS.refreshThroughput,
    });
  }
  const journals = [[DB === 'sqlite' ? ` (journal ${SQLITE})` : '', cells]];
  if (journal) journals.push([` (journal ${journal.journal})`, journal.cells]);
  for (const [label, set] of journals) {
    const floor = floorSummary(set);
    if (!floor) continue;
    if (set !== cells)
      list.push({
        target: `refresh throughput at c=8 >= ${TARGETS.refreshThroughput}x built-in${label}`,
        value: floor.rpsRatio,
        note: `server CPU per request ${floor.cpuRatio}x less than built-in`,
        pass: floor.rpsRatio >= TARGETS.refreshThroughput,
      });
    list.push({
      target: `server CPU per refresh at c=8 <= ${TARGETS.refreshOverHealthCpu}x GET /_health's, same run${label}`,
      value: floor.plugin.overHealth,
      note: `${floor.plugin.cpuMsPerReq} ms against ${floor.healthCpuMs} ms; the built-in refresh: ${floor.builtin.overHealth}x`,
      pass: floor.plugin.overHealth <= TARGETS.refreshOverHealthCpu,
    });
  }
  if (scale)
    list.push({
      target: `refresh p99 at ${scale.to.toLocaleString('en-US')} sessions <= ${TARGETS.scaleP99}x p99 at ${scale.from.toLocaleString('en-US')}`,
      value: scale.p99Ratio,
      pass: scale.p99Ratio <= TARGETS.scaleP99,
    });
  for (const name of ['login', 'me']) {
    for (const c of CONCURRENCY) {
      const cell = at(name, c);
      if (!cell) continue;
      list.push({
        target: `${name === 'me' ? 'GET /api/users/me' : 'login'} c=${c} throughput within 5% of built-in (>= 0.95x)`,
        value: cell.ratio.rps,
        note: `server CPU per request ${cell.ratio.cpuPerReq}x built-in`,
        pass: cell.ratio.rps >= 1 - TARGETS.stockWithin,
      });
    }
  }
  const strict = variants?.find((v) => v.mode === 'S');
  if (strict) {
    list.push({
      target: 'GET /api/users/me c=8 in strict mode within 10% of built-in (>= 0.90x)',
      value: strict.vsBuiltin,
      note: `server CPU per request ${strict.cpuVsBuiltin}x built-in`,
      pass: strict.vsBuiltin >= 0.9,
    });
  }
  if (limiter) {
    list.push({
      target: 'refresh CPU per request with the limiter on (100,000 keys) within 10% of off (<= 1.10x)',
      value: limiter.cpuRatio,
      note: `req/s ${limiter.rpsRatio}x`,
      pass: limiter.cpuRatio <= 1.1,
    });
  }
  if (dpop?.refresh) {
    list.push({
      target: 'refresh with a DPoP proof: server CPU per request at most +0.3 ms over without',
      value: dpop.refresh.cpuMsAdded,
      unit: ' ms',
      note: `req/s ${dpop.refresh.rpsRatio}x; GET /api/users/me with a proof: +${dpop.me?.cpuMsAdded} ms CPU`,
      pass: dpop.refresh.cpuMsAdded <= 0.3,
    });
  }
  const errors =
    (dpop ? Object.values(dpop).reduce((n, d) => n + d.without.errors + d.with.errors, 0) : 0) +
    (limiter ? limiter.off.errors + limiter.on.errors : 0) +
    cells.reduce((s, c) => s + c.plugin.errors + c.builtin.errors, 0) +
    (journal ? journal.cells.reduce((s, c) => s + c.plugin.errors + c.builtin.errors, 0) : 0) +
    (scale ? scale.rows.reduce((s, r) => s + r.errors, 0) : 0) +
    (variants ? variants.reduce((s, v) => s + v.errors, 0) : 0);
  list.push({ target: 'no errors (connection errors, timeouts, non-2xx)', value: errors, unit: '', pass: errors === 0 });
  return list;
}

async function main() {
  const t0 = Date.now();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'index.js'))) {
    log('dist/server/index.js missing: building the plugin (npx strapi-plugin build)');
    execSync('npx strapi-plugin build', { cwd: ROOT, stdio: 'inherit' });
  }
  fs.mkdirSync(TMP, { recursive: true });
  const loadBefore = os.loadavg();
  log(
    `bench: db=${DB}${DB === 'sqlite' ? ` (journal ${SQLITE})` : ''}${PIN ? ', servers pinned to CPU 1, load to CPU 0' : ''} duration=${DURATION}s concurrency=${CONCURRENCY.join(',')} rounds=${ROUNDS.join(' ')}${QUICK ? ' (quick)' : ''}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`
  );
  startLoader();
  const { cells, variants, limiter, dpop, signing, otel, journal, compare } = RUN_MAIN
    ? await mainMatrix()
    : { cells: [], variants: null, limiter: null, dpop: null, signing: null, otel: null, journal: null, compare: null };
  const scale = RUN_SCALE ? await scaleScenario() : null;
  const loadAfter = os.loadavg();
  const targetList = verdicts(cells, scale, variants, limiter, dpop, journal);

  const entry = {
    date: new Date().toISOString(),
    quick: QUICK,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGb: round(os.totalmem() / 2 ** 30, 1),
      loadavgBefore: loadBefore.map((l) => round(l)),
      loadavgAfter: loadAfter.map((l) => round(l)),
    },
    versions: {
      node: process.version,
      strapi: require('@strapi/strapi/package.json').version,
      autocannon: require('autocannon/package.json').version,
    },
    settings: {
      db: DB,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      scaleSizes: SCALE_SIZES,
      scaleDurationSeconds: SCALE_DURATION,
      scaleRounds: SCALE_ROUNDS,
      sqliteJournal: DB === 'sqlite' ? SQLITE : undefined,
      serverPinnedToOneCore: PIN,
      telemetry: 'off',
    },
    floor: floorSummary(cells),
    journal: journal && { journal: journal.journal, cells: journal.cells, floor: floorSummary(journal.cells) },
    // The signing modes' private members are not written out (fresh keys per run).
    modes: Object.fromEntries(
      Object.values(MODES).map((m) => [
        m.label,
        {
          refreshPath: m.refreshPath,
          env: JSON.parse(JSON.stringify(m.env).replace(/\\"(d|p|q|dp|dq|qi)\\":\\"[^\\"]+\\"/g, '\\"$1\\":\\"…\\"')),
        },
      ])
    ),
    cells,
    variants,
    limiter,
    dpop,
    signing,
    otel,
    compare: compare && { dir: COMPARE, ...compare },
    scale,
    targets: targetList,
    totalSeconds: round((Date.now() - t0) / 1000, 1),
  };
  let all = {};
  try {
    all = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    // first run
  }
  // A full, unprofiled run is stored under the engine's name; anything else under a suffixed key.
  const partial = !RUN_MAIN || !RUN_SCALE || !RUN_VARIANTS || option('only') || LIMITER_ONLY || DPOP_ONLY || COMPARE;
  const key = [DB, DB === 'sqlite' && SQLITE !== 'default' && SQLITE, QUICK && 'quick', partial && 'partial', CPU_PROF && 'cpuprof']
    .filter(Boolean)
    .join('-');
  all[key] = entry;
  fs.writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);

  console.log(
    `\nstrapi-plugin-refresh-token bench - ${DB}, Strapi ${entry.versions.strapi}, Node ${process.version}, ${entry.machine.cpus} CPUs, load average ${loadBefore[0].toFixed(2)} -> ${loadAfter[0].toFixed(2)}${QUICK ? ' (QUICK: smoke run, not a measurement)' : ''}\n`
  );
  console.log(printTable(cells, scale, variants, limiter, dpop, signing, otel, journal, compare));
  console.log('');
  for (const t of targetList)
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.value}${t.unit ?? 'x'}${t.note ? ` (${t.note})` : ''}`);
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)} in ${entry.totalSeconds} s`);
  loader.disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    log(error);
    process.exit(1);
  }
);
