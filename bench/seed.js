'use strict';
/**
 * Fills refresh_token_sessions with synthetic sessions, straight into the database with batched
 * multi-row INSERTs inside one transaction (SQLite: better-sqlite3 on the file while its server is
 * stopped; PostgreSQL: pg). Rows look like live sessions of many users: random 22-char base64url
 * session ids (so the document_id index grows the way real logins grow it), a hash, generation,
 * epoch-ms times in the future. `addSessions(target, from, to)` adds rows number from..to-1, so the
 * table can be grown 1k -> 100k -> 1M between runs.
 */
const crypto = require('node:crypto');

const COLUMNS = [
  'document_id', 'user_id', 'token_hash', 'previous_token_hash', 'generation', 'rotated_at', 'last_used_at',
  'expires_at', 'absolute_expires_at', 'user_agent', 'ip', 'created_at', 'updated_at', 'published_at',
];
const BATCH = 1000;
const DAY = 86_400_000;

/** Rows [from, to) as arrays in COLUMNS order. `userBase` keeps seeded users apart from real ones. */
function* rows(from, to, userBase = 1_000_000) {
  const now = Date.now();
  for (let start = from; start < to; start += BATCH) {
    const n = Math.min(BATCH, to - start);
    const ids = crypto.randomBytes(16 * n);
    const hashes = crypto.randomBytes(32 * n);
    const batch = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = start + i;
      const created = now - (k % 7) * DAY;
      batch[i] = [
        ids.subarray(16 * i, 16 * i + 16).toString('base64url'),
        userBase + (k % 50_000),
        hashes.subarray(32 * i, 32 * i + 32).toString('base64url'),
        null,
        k % 5,
        created,
        created,
        now + 7 * DAY,
        created + 30 * DAY,
        'bench-seed',
        '10.0.0.1',
        created,
        created,
        created,
      ];
    }
    yield batch;
  }
}

/** SQLite, with the server stopped. Returns the number of rows now in the table. */
function seedSqlite(file, from, to) {
  const Database = require('better-sqlite3');
  const db = new Database(file);
  try {
    db.pragma('synchronous = OFF');
    const placeholders = (n) => Array.from({ length: n }, () => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
    const sql = (n) => `INSERT INTO refresh_token_sessions (${COLUMNS.join(',')}) VALUES ${placeholders(n)}`;
    const full = db.prepare(sql(BATCH));
    const insertAll = db.transaction(() => {
      for (const batch of rows(from, to)) {
        const stmt = batch.length === BATCH ? full : db.prepare(sql(batch.length));
        stmt.run(batch.flat());
      }
    });
    insertAll();
    db.pragma('synchronous = FULL');
    return db.prepare('SELECT count(*) AS n FROM refresh_token_sessions').get().n;
  } finally {
    db.close();
  }
}

/** PostgreSQL: `connection` is a pg client config. Returns the number of rows now in the table. */
async function seedPostgres(connection, from, to) {
  const { Client } = require('pg');
  const client = new Client(connection);
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const batch of rows(from, to)) {
      const values = [];
      const tuples = batch.map((row, r) => {
        values.push(...row);
        const base = r * COLUMNS.length;
        // created_at/updated_at/published_at are timestamps in PostgreSQL: convert from epoch ms.
        return `(${COLUMNS.map((c, j) => (j >= 11 ? `to_timestamp($${base + j + 1}::bigint / 1000.0)` : `$${base + j + 1}`)).join(',')})`;
      });
      await client.query(`INSERT INTO refresh_token_sessions (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`, values);
    }
    await client.query('COMMIT');
    await client.query('ANALYZE refresh_token_sessions');
    const { rows: [{ n }] } = await client.query('SELECT count(*)::int AS n FROM refresh_token_sessions');
    return n;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

module.exports = { seedSqlite, seedPostgres, COLUMNS };
