'use strict';
/**
 * Fills refresh_token_sessions with synthetic sessions, straight into the database with batched
 * INSERTs inside one transaction (SQLite: better-sqlite3 on the file while its server is stopped,
 * 1,000-row multi-row INSERTs; PostgreSQL: pg, INSERT ... SELECT FROM unnest() per 20,000 rows). Rows look like live sessions of many users: random 22-char base64url
 * session ids (so the document_id index grows the way real logins grow it), a hash, generation,
 * epoch-ms times in the future. `addSessions(target, from, to)` adds rows number from..to-1, so the
 * table can be grown 1k -> 100k -> 1M between runs.
 */
const crypto = require('node:crypto');

const COLUMNS = [
  'document_id',
  'user_id',
  'token_hash',
  'previous_token_hash',
  'generation',
  'rotated_at',
  'last_used_at',
  'expires_at',
  'absolute_expires_at',
  'user_agent',
  'ip',
  'created_at',
  'updated_at',
  'published_at',
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
    // Bulk load: drop the secondary indexes, insert, rebuild them (same definitions) in one go.
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'refresh_token_sessions' AND sql IS NOT NULL")
      .all();
    const insertAll = db.transaction(() => {
      for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
      for (const batch of rows(from, to)) {
        const stmt = batch.length === BATCH ? full : db.prepare(sql(batch.length));
        stmt.run(batch.flat());
      }
      for (const index of indexes) db.exec(index.sql);
    });
    insertAll();
    db.pragma('synchronous = FULL');
    return db.prepare('SELECT count(*) AS n FROM refresh_token_sessions').get().n;
  } finally {
    db.close();
  }
}

/** PostgreSQL column types, in COLUMNS order, for the unnest() arrays. */
const PG_TYPES = [
  'text',
  'int',
  'text',
  'text',
  'int',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'text',
  'bigint',
  'bigint',
  'bigint',
];
const PG_BATCH = 20_000;

/**
 * PostgreSQL: `connection` is a pg client config. One INSERT ... SELECT FROM unnest(<14 arrays>)
 * per 20,000 rows (a multi-row insert with one parameter per column instead of one per value,
 * which keeps the statement small and the parse cheap), all in one transaction, then ANALYZE.
 * Returns the number of rows now in the table.
 */
async function seedPostgres(connection, from, to) {
  const { Client } = require('pg');
  const client = new Client(connection);
  await client.connect();
  const select = COLUMNS.map((c, j) => (j >= 11 ? `to_timestamp(${c} / 1000.0)` : c)).join(', ');
  const sql =
    `INSERT INTO refresh_token_sessions (${COLUMNS.join(', ')}) SELECT ${select} FROM unnest(` +
    PG_TYPES.map((t, j) => `$${j + 1}::${t}[]`).join(', ') +
    `) AS t(${COLUMNS.join(', ')})`;
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = off');
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    // Bulk load: drop the secondary indexes, insert, rebuild them (same definitions) at the end.
    const { rows: indexes } = await client.query(
      "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'refresh_token_sessions' AND i.schemaname = current_schema() " +
        'AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)'
    );
    for (const { indexname } of indexes) await client.query(`DROP INDEX "${indexname}"`);
    let columns = COLUMNS.map(() => []);
    const flush = async () => {
      if (columns[0].length === 0) return;
      await client.query(sql, columns);
      columns = COLUMNS.map(() => []);
    };
    for (const batch of rows(from, to)) {
      for (const row of batch) for (let j = 0; j < row.length; j++) columns[j].push(row[j]);
      if (columns[0].length >= PG_BATCH) await flush();
    }
    await flush();
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('COMMIT');
    await client.query('ANALYZE refresh_token_sessions');
    const {
      rows: [{ n }],
    } = await client.query('SELECT count(*)::int AS n FROM refresh_token_sessions');
    return n;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

module.exports = { seedSqlite, seedPostgres, COLUMNS };
