#!/usr/bin/env node
'use strict';
/**
 * node bench/jwt-verify.js
 *
 * What would it buy to serve users-permissions' own `jwt.verify` (which passes the jwtSecret
 * STRING to jsonwebtoken on every authenticated request) with a KeyObject made once by
 * crypto.createSecretKey? Times jsonwebtoken 9 verify and sign, string secret vs KeyObject,
 * HS256, a users-permissions-shaped token, in µs per operation (median of several batches).
 */
const crypto = require('node:crypto');
const jwt = require('jsonwebtoken');

const SECRET = 'playground-jwt-secret-change-me';
const KEY = crypto.createSecretKey(Buffer.from(SECRET, 'utf8'));
const token = jwt.sign({ id: 1, sid: 'AAAAAAAAAAAAAAAAAAAAAA' }, SECRET, { algorithm: 'HS256', expiresIn: '15m' });
const OPTIONS = { algorithms: ['HS256'] };

function time(label, fn, { batches = 7, perBatch = 2000 } = {}) {
  for (let i = 0; i < perBatch; i++) fn(); // warm-up
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e3 / perBatch);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  return {
    label,
    usPerOp: Number(median.toFixed(2)),
    min: Number(samples[0].toFixed(2)),
    max: Number(samples[samples.length - 1].toFixed(2)),
  };
}

// Both must accept the same token and agree on the payload.
const a = jwt.verify(token, SECRET, OPTIONS);
const b = jwt.verify(token, KEY, OPTIONS);
if (a.id !== b.id || a.sid !== b.sid) throw new Error('string and KeyObject verify disagree');

const results = [
  time('verify, string secret (users-permissions today)', () => jwt.verify(token, SECRET, OPTIONS), { perBatch: 500 }),
  time('verify, KeyObject (createSecretKey once)', () => jwt.verify(token, KEY, OPTIONS)),
  time('verify, string secret, callback form (as users-permissions calls it)', () => jwt.verify(token, SECRET, OPTIONS, () => {}), {
    perBatch: 500,
  }),
  time('sign, string secret', () => jwt.sign({ id: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '30d' }), { perBatch: 500 }),
  time('sign, KeyObject', () => jwt.sign({ id: 1 }, KEY, { algorithm: 'HS256', expiresIn: '30d' })),
];

const width = Math.max(...results.map((r) => r.label.length));
console.log(`jsonwebtoken ${require('jsonwebtoken/package.json').version}, Node ${process.version}, HS256 (median of 7 batches)`);
for (const r of results) console.log(`${r.label.padEnd(width)}  ${String(r.usPerOp).padStart(8)} µs/op  (min ${r.min}, max ${r.max})`);
const saving = results[0].usPerOp - results[1].usPerOp;
console.log(
  `\nverify with a KeyObject saves ${saving.toFixed(1)} µs per authenticated request (${(results[0].usPerOp / results[1].usPerOp).toFixed(1)}x faster verify).`
);
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
