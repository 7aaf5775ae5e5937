/**
 * The statements a refresh runs on every request, built once by knex for this database and then
 * handed straight to the driver as prepared statements: better-sqlite3 keeps a Statement per
 * connection, pg a named statement per connection, mysql2 caches what `execute` prepares. A
 * refresh pays no query building, no SQL parse and no plan in the database after the first.
 *
 * They run on a connection from knex's pool (or on the open Strapi transaction's), and knex's
 * `query` event still fires for each, so query logging and APM hooks see them as before. On SQLite,
 * writes that arrive together share a commit (below).
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

type Params = Record<string, string | number>;

interface Prepared {
  /** pg's statement name: unique per SQL text in this process. */
  name: string;
  sql: string;
  /** Per placeholder, in order: a parameter's name, or a constant knex bound itself (a `limit 1`). */
  order: Array<string | { value: unknown }>;
}

interface SqliteStatement {
  get(values: unknown[]): unknown;
  run(values: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}
interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}
interface MysqlConnection {
  execute(sql: string, values: unknown[], done: (error: Error | null, result: unknown) => void): void;
}

const PARAM = '\u0000param:';
let named = 0;

/**
 * Builds `query` once; `param(name)` stands for a value given at run time. The placeholders' order
 * is read back from what knex produced, so it is right whatever order a dialect writes clauses in.
 */
export function prepare(query: Knex.QueryBuilder): Prepared {
  const { sql, bindings } = query.toSQL().toNative();
  const order = bindings.map((value) => (typeof value === 'string' && value.startsWith(PARAM) ? value.slice(PARAM.length) : { value }));
  return { name: `refresh-token-${++named}`, sql, order };
}
export const param = (name: string): string => `${PARAM}${name}`;

const sqliteStatements = new WeakMap<object, Map<string, SqliteStatement>>();
/** invalid_sql_statement_name, duplicate_prepared_statement */
const PG_NAMED_STATEMENT_LOST = new Set(['26000', '42P05']);

/** Runs a prepared statement: `'row'` answers the first row, `'changes'` how many rows it changed. */
export function runner(strapi: Core.Strapi) {
  const knex = strapi.db.connection;
  const driver = (knex.client as { driverName?: string }).driverName;
  let pgNamed = true;

  function sqliteStatement(db: SqliteConnection, p: Prepared): SqliteStatement {
    let cache = sqliteStatements.get(db);
    if (!cache) sqliteStatements.set(db, (cache = new Map()));
    let statement = cache.get(p.sql);
    if (!statement) cache.set(p.sql, (statement = db.prepare(p.sql)));
    return statement;
  }

  async function execute(connection: unknown, p: Prepared, values: unknown[]): Promise<[unknown[], number]> {
    if (driver === 'better-sqlite3') {
      const statement = sqliteStatement(connection as SqliteConnection, p);
      if (/^\s*select/i.test(p.sql)) {
        const row = statement.get(values);
        return [row === undefined ? [] : [row], 0];
      }
      return [[], statement.run(values).changes];
    }
    if (driver === 'pg') {
      const pg = connection as PgConnection;
      let result;
      try {
        result = await pg.query(pgNamed ? { name: p.name, text: p.sql, values } : { text: p.sql, values });
      } catch (error) {
        // A pooler in transaction mode (PgBouncer before 1.21) hands each statement another server
        // connection, where a named statement does not exist: from then on, unnamed ones.
        if (!pgNamed || !PG_NAMED_STATEMENT_LOST.has((error as { code?: string }).code ?? '')) throw error;
        pgNamed = false;
        result = await pg.query({ text: p.sql, values });
      }
      return [result.rows, result.rowCount ?? 0];
    }
    if (driver === 'mysql2') {
      const result = await new Promise<unknown>((resolve, reject) =>
        (connection as MysqlConnection).execute(p.sql, values, (error, out) => (error ? reject(error) : resolve(out)))
      );
      return Array.isArray(result) ? [result, 0] : [[], (result as { affectedRows: number }).affectedRows];
    }
    throw new Error(`refresh-token: unsupported database driver ${driver}`);
  }

  /**
   * SQLite writes outside a transaction commit in groups: better-sqlite3 runs statements on the event
   * loop, and each commit in create-strapi's rollback journal costs three fsyncs, which is most of
   * a refresh. The writes that arrive in one turn of the event loop run in one transaction, so they
   * share the fsyncs; each caller still has its answer only once its own write is durable, and the
   * writes run one after another in arrival order, as they would alone.
   */
  let group: Array<{ p: Prepared; values: unknown[]; done: (error: unknown, changes?: number) => void }> = [];
  async function commitGroup() {
    const writes = group;
    group = [];
    const client = knex.client;
    let connection: (SqliteConnection & { __knexUid?: string }) | undefined;
    try {
      connection = await client.acquireConnection();
      const db = connection as SqliteConnection;
      const runAll = () => writes.map((w) => sqliteStatement(db, w.p).run(w.values).changes);
      for (const w of writes)
        client.emit('query', { sql: w.p.sql, bindings: w.values, method: 'update', __knexUid: connection?.__knexUid });
      const changes = writes.length === 1 ? runAll() : db.transaction(runAll)();
      writes.forEach((w, i) => w.done(null, changes[i]));
    } catch (error) {
      for (const w of writes) {
        if (connection) client.emit('query-error', error, { sql: w.p.sql, bindings: w.values });
        w.done(error);
      }
    } finally {
      if (connection) client.releaseConnection(connection);
    }
  }

  return async function run<T>(p: Prepared, params: Params, want: 'row' | 'changes'): Promise<T> {
    const values = p.order.map((o) => (typeof o === 'string' ? params[o] : o.value));
    const inTransaction = strapi.db.inTransaction();
    if (driver === 'better-sqlite3' && want === 'changes' && !inTransaction) {
      return new Promise<T>((resolve, reject) => {
        group.push({ p, values, done: (error, changes) => (error ? reject(error) : resolve(changes as T)) });
        if (group.length === 1) setImmediate(commitGroup);
      });
    }
    // Inside a Strapi transaction: its connection (a transaction's client hands out only that one).
    const client = inTransaction ? (await strapi.db.transaction()).get().client : knex.client;
    const connection = await client.acquireConnection();
    try {
      client.emit('query', { sql: p.sql, bindings: values, method: want === 'row' ? 'first' : 'update', __knexUid: connection.__knexUid });
      const [rows, changes] = await execute(connection, p, values);
      return (want === 'row' ? rows[0] : changes) as T;
    } catch (error) {
      client.emit('query-error', error, { sql: p.sql, bindings: values });
      throw error;
    } finally {
      client.releaseConnection(connection);
    }
  };
}
