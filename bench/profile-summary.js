#!/usr/bin/env node
'use strict';
/**
 * node bench/profile-summary.js <file.cpuprofile | dir> [--top=25]
 *
 * Summarises a V8 CPU profile written by `node --cpu-prof` (BENCH_CPU_PROF=1 npm run bench puts
 * them in bench/.tmp/prof): self time per function, and self time grouped by package
 * (node_modules/<pkg>, node: internals, the plugin's dist/, (garbage collector), (idle)).
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.split('=')[1] || 25);
let target = args.find((a) => !a.startsWith('--'));
if (!target) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile | dir> [--top=25]');
  process.exit(2);
}
if (fs.statSync(target).isDirectory()) {
  const files = fs
    .readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(target, f));
  files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const file of files) summarise(file);
} else {
  summarise(target);
}

function packageOf(url) {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node: internals';
  if (url.includes('/dist/server/')) return 'refresh-token plugin (dist)';
  if (url.includes('/playground/')) return 'playground app';
  return url;
}

function summarise(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute each delta to its sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) || 0) + (profile.timeDeltas[i] || 0));
  }
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const fnTotals = new Map();
  const pkgTotals = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    const pkg = ['(idle)', '(garbage collector)', '(program)'].includes(name) ? name : packageOf(callFrame.url);
    const key = `${name}  ${callFrame.url ? `${path.basename(callFrame.url)}:${callFrame.lineNumber + 1}` : ''}  [${pkg}]`;
    fnTotals.set(key, (fnTotals.get(key) || 0) + us);
    pkgTotals.set(pkg, (pkgTotals.get(pkg) || 0) + us);
  }
  const busy = total - idle;
  const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  console.log(`\n${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`);
  console.log('  self time by package (% of busy time):');
  for (const [pkg, us] of [...pkgTotals]
    .filter(([p]) => p !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)) {
    console.log(`    ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${pkg}`);
  }
  console.log(`  top ${top} functions by self time (% of busy time):`);
  for (const [key, us] of [...fnTotals]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    console.log(`    ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  }
}
