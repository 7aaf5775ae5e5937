#!/usr/bin/env node
/**
 * `npm test`: builds the plugin (integration tests load dist/, as an installed package is loaded),
 * runs the unit tests, the packaging test, the integration suite once per database in TEST_DBS
 * (default: all three), the multi-instance and database-fault tests (PostgreSQL), the Strapi
 * version matrix, a short soak, then the browser tests (admin, demo, origins, Next.js example). Ends with one line: "tests: N passed, N failed, N skipped".
 */
const { spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// `npm run test:quick`: the inner loop — build, lint, types, unit tests, the integration suite on SQLite.
const quick = process.argv.includes('--quick');
const dbs = quick
  ? ['sqlite']
  : (process.env.TEST_DBS || 'sqlite,postgres,mysql')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
const reports = path.join(root, 'tests', '.tmp');
mkdirSync(reports, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];
const failures = []; // "stage › test: first line of the error", repeated at the end where CI logs keep it

function run(label, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${label} ===`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status === 0;
}

function firstLine(messages = []) {
  return (
    String(messages.find(Boolean) || 'no message')
      .split('\n')
      .find((l) => l.trim()) || 'no message'
  );
}

function vitest(label, project, env = {}, files = []) {
  const out = path.join(reports, `${label.replace(/\W+/g, '-')}.json`);
  const ok = run(
    label,
    process.execPath,
    [
      path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--project',
      project,
      ...files,
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${out}`,
    ],
    env
  );
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + (report.numFailedTestSuites && !report.numFailedTests ? report.numFailedTestSuites : 0);
    totals.skipped += report.numPendingTests + report.numTodoTests;
    for (const file of report.testResults) {
      const failed = file.assertionResults.filter((t) => t.status === 'failed');
      for (const t of failed)
        failures.push(`${label} › ${path.relative(root, file.name)} › ${t.fullName}: ${firstLine(t.failureMessages)}`);
      if (!failed.length && file.status === 'failed')
        failures.push(`${label} › ${path.relative(root, file.name)}: ${firstLine([file.message])}`);
    }
    if (!ok && !report.numFailedTests && !report.numFailedTestSuites)
      failures.push(`${label}: vitest exited non-zero with every test passing (an unhandled error; see its output above)`);
  } else {
    totals.failed += 1;
  }
  return ok;
}

let ok = run('build plugin', 'npm', ['run', '--silent', 'build']);
if (!ok) {
  console.error('The plugin did not build; nothing else can run.');
  process.exit(1);
}
// Lint (ESLint, Prettier, the layering rules of .dependency-cruiser.cjs) and the type-check of every
// package and the tests: a finding fails the run like a failed test.
for (const [label, script] of [
  ['lint (eslint, prettier, layers)', 'lint'],
  ['typecheck (server, admin, client, server entry, tests)', 'typecheck'],
]) {
  if (!run(label, 'npm', ['run', '--silent', script])) {
    ok = false;
    failures.push(`${label}: see its output above`);
    totals.failed += 1;
  }
}
for (const script of ['build-demo.js']) {
  if (existsSync(path.join(__dirname, script))) ok = run(script, process.execPath, [path.join(__dirname, script)]) && ok;
}
ok = vitest('unit', 'unit') && ok;
if (!quick) ok = vitest('package (npm pack into fresh apps)', 'package') && ok;
// Every integration file runs on SQLite; on PostgreSQL and MariaDB, the ones whose outcome depends on
// the engine: the rotation compare-and-swap and races, lifecycles in transactions, SQL counts, admin
// queries, purge, the migration tables and upserts. The others only talk HTTP.
const DB_SENSITIVE = [
  'core',
  'attacks',
  'hardening',
  'lifecycle',
  'sql-per-refresh',
  'admin-api',
  'policies',
  'migration',
  'legacy-exchange',
  'dpop',
  'session-api',
].map((name) => `tests/integration/${name}.test.ts`);
for (const db of dbs) ok = vitest(`integration (${db})`, 'integration', { DB: db }, db === 'sqlite' ? [] : DB_SENSITIVE) && ok;
if (quick) finish();
// Two Strapi processes on one PostgreSQL database racing for one token.
if (dbs.includes('postgres')) ok = vitest('multi-instance race (postgres)', 'multi-instance') && ok;
// A database outage in the middle of refreshes (PostgreSQL: the test database is cut off and back).
if (dbs.includes('postgres')) ok = vitest('database faults (postgres)', 'faults', { DB: 'postgres' }) && ok;
// Stock apps of Strapi 5.20 / 5.36 / 5.54 with the packed plugin (their installs are cached outside the clone, in ~/.cache/strapi-plugin-refresh-token).
ok = vitest('compatibility matrix', 'compat') && ok;
// The short soak: a few thousand refreshes with logouts, memory and event loop sampled.
ok = vitest('soak (short)', 'soak') && ok;
if (existsSync(path.join(root, 'tests', 'e2e')) && readdirSync(path.join(root, 'tests', 'e2e')).some((f) => f.endsWith('.test.ts'))) {
  ok = vitest('e2e (chromium)', 'e2e') && ok;
}

finish();

function finish() {
  console.log(`\n${timings.join('\n')}`);
  if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  ${f.slice(0, 400)}`).join('\n')}`);
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(ok && totals.failed === 0 ? 0 : 1);
}
