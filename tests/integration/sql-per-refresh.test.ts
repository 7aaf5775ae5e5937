/**
 * Issue 7: SQL statements per refresh, counted on a real Strapi twice: with knex's `query` event,
 * and where they reach the database driver (better-sqlite3, pg, mysql2), which sees every
 * statement whether or not it was built by knex (the refresh's own run as prepared statements).
 * A refresh is one SELECT (the session joined to its user) and one compare-and-swap UPDATE:
 * at most one durable write. The count is printed for the README's Performance section.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';

interface QueryEvent {
  sql: string;
  bindings?: unknown[];
}

/** Runs `fn` and returns the SQL statements knex sent while it ran. */
async function captureSql(app: TestApp, fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const knex = app.strapi.db.connection;
  const listener = (query: QueryEvent) => seen.push(query.sql);
  knex.on('query', listener);
  try {
    await fn();
  } finally {
    knex.removeListener('query', listener);
  }
  return seen;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The driver's own entry points for running a statement, and how to read its SQL from a call. */
async function driverMethods(app: TestApp): Promise<Array<[object, string, (self: unknown, args: unknown[]) => string]>> {
  const client = app.strapi.db.connection.client;
  const driver = (client as { driverName: string }).driverName;
  if (driver === 'better-sqlite3') {
    const connection = await client.acquireConnection();
    const statement = Object.getPrototypeOf(connection.prepare('select 1'));
    client.releaseConnection(connection);
    const sqlOf = (self: unknown) => (self as { source: string }).source;
    return ['get', 'all', 'run', 'iterate'].map((name) => [statement, name, sqlOf]);
  }
  const textOf = (_self: unknown, args: unknown[]) => {
    const first = args[0] as string | { text?: string; sql?: string };
    return typeof first === 'string' ? first : (first.text ?? first.sql ?? '');
  };
  if (driver === 'pg') return [[require('pg').Client.prototype, 'query', textOf]];
  const { Connection } = require('mysql2');
  return [
    [Connection.prototype, 'query', textOf],
    [Connection.prototype, 'execute', textOf],
  ];
}

/** Runs `fn` and returns the SQL statements the database driver was asked to run while it ran. */
async function captureDriverSql(app: TestApp, fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const patched = (await driverMethods(app)).map(([target, name, sqlOf]) => {
    const original = (target as Record<string, Method>)[name];
    (target as Record<string, Method>)[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(sqlOf(this, args));
      return original.apply(this, args);
    };
    return () => ((target as Record<string, Method>)[name] = original);
  });
  try {
    await fn();
  } finally {
    for (const restore of patched) restore();
  }
  return seen;
}

const verb = (sql: string) => sql.trim().split(/\s+/)[0].toLowerCase();

describe('SQL statements per refresh', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'body' } });
  });
  afterAll(() => app.stop());

  it('a refresh is at most one SELECT and one UPDATE', async () => {
    const http = app.client();
    const login = await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password } });
    expect(login.status).toBe(200);
    let token: string = login.body.refreshToken;
    expect(typeof token).toBe('string');

    const refresh = async () => {
      const res = await http.post('/api/token/refresh', { json: { refreshToken: token } });
      expect(res.status).toBe(200);
      token = res.body.refreshToken;
    };

    await refresh(); // warm-up: first-use caches (settings read from the plugin store, signing keys)

    const statements = await captureSql(app, refresh);
    const verbs = statements.map(verb);
    console.log(
      `[sql-per-refresh] ${DB()}: ${statements.length} SQL statements per refresh (${verbs.join(', ')})\n  ${statements.join('\n  ')}`
    );

    expect(statements.length).toBeGreaterThan(0);
    expect(statements.length).toBeLessThanOrEqual(2);
    expect(verbs.filter((v) => v === 'update')).toHaveLength(1);
    expect(verbs.filter((v) => v === 'insert' || v === 'delete')).toHaveLength(0);
    expect(verbs.filter((v) => v === 'select').length).toBeLessThanOrEqual(1);

    // The same, seen by the driver: nothing reaches the database around knex's back.
    const reached = (await captureDriverSql(app, refresh)).map(verb);
    console.log(`[sql-per-refresh] ${DB()}: the driver ran ${reached.length} statements per refresh (${reached.join(', ')})`);
    expect(reached).toEqual(['select', 'update']);
  });

  it('for comparison, counts the statements of a login and of an authenticated GET /api/users/me (printed, not asserted)', async () => {
    const http = app.client();
    let jwt = '';
    const loginSql = await captureSql(app, async () => {
      const res = await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password } });
      expect(res.status).toBe(200);
      jwt = res.body.jwt;
    });
    await http.get('/api/users/me', { bearer: jwt }); // warm-up
    const meSql = await captureSql(app, async () => {
      const res = await http.get('/api/users/me', { bearer: jwt });
      expect(res.status).toBe(200);
    });
    console.log(
      `[sql-per-refresh] ${DB()}: login ${loginSql.length} statements (${loginSql.map(verb).join(', ')}); GET /api/users/me ${meSql.length} statements (${meSql.map(verb).join(', ')})`
    );
  });
});

// better-sqlite3 runs statements on the event loop and each rollback-journal commit costs three
// fsyncs: the refresh's compare-and-swaps that arrive in one turn of the event loop share a commit.
if (DB() === 'sqlite') {
  describe('SQLite: refreshes that arrive together commit together', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startStrapi({ plugin: { delivery: 'body' } });
    });
    afterAll(() => app.stop());

    it('each rotates its own session exactly once; fewer commits than refreshes', async () => {
      const chains = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const user = await app.createUser();
          const res = await app.client().login(user.email, user.password);
          expect(res.status).toBe(200);
          return { token: res.body.refreshToken as string, sessionId: String(res.body.refreshToken).split('.')[0] };
        })
      );
      const [first] = (
        await app.strapi.db.connection('refresh_token_sessions').where('document_id', chains[0].sessionId).select('generation')
      ).map((g: { generation: number }) => Number(g.generation));
      const rounds: Array<{ updates: number; commits: number }> = [];
      // Whether requests land in one turn is up to the network: up to 5 rounds for one shared commit.
      while (rounds.length < 5 && !rounds.some((r) => r.commits < r.updates)) {
        const reached = await captureDriverSql(app, () =>
          Promise.all(
            chains.map(async (chain) => {
              const res = await app.client().refresh({ json: { refreshToken: chain.token } });
              expect(res.status, res.text).toBe(200);
              chain.token = res.body.refreshToken;
            })
          )
        );
        // A group of one is a plain autocommit UPDATE; a group of n is BEGIN, n UPDATEs, COMMIT.
        let updates = 0;
        let commits = 0;
        let open = false;
        for (const v of reached.map(verb)) {
          if (v === 'begin') open = true;
          if (v === 'commit') {
            open = false;
            commits++;
          }
          if (v === 'update') {
            updates++;
            if (!open) commits++;
          }
        }
        expect(updates).toBe(chains.length);
        rounds.push({ updates, commits });
      }
      console.log(`[sql-per-refresh] sqlite: 8 refreshes at once, commits per round: ${rounds.map((r) => r.commits).join(', ')}`);
      expect(rounds.some((r) => r.commits < r.updates)).toBe(true);
      const generations = async () =>
        (
          await app.strapi.db
            .connection('refresh_token_sessions')
            .whereIn(
              'document_id',
              chains.map((c) => c.sessionId)
            )
            .select('generation')
        ).map((g: { generation: number }) => Number(g.generation));
      expect(await generations()).toEqual(chains.map(() => first + rounds.length));
    });
  });
}

// A pooler in transaction mode (PgBouncer before 1.21) gives each statement whichever server
// connection is free, where the named statements a refresh prepared do not exist. Here the server
// forgets them behind the driver's back (DEALLOCATE ALL on the app's only connection).
if (DB() === 'postgres') {
  describe('PostgreSQL: prepared statements the server no longer has', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startStrapi({ plugin: { delivery: 'body' }, env: { DATABASE_POOL_MAX: '1' } });
    });
    afterAll(() => app.stop());

    it('a refresh falls back to unnamed statements and goes on', async () => {
      const http = app.client();
      const login = await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password } });
      let token: string = login.body.refreshToken;
      for (let i = 0; i < 4; i++) {
        if (i === 2) await app.strapi.db.connection.raw('DEALLOCATE ALL');
        const res = await http.post('/api/token/refresh', { json: { refreshToken: token } });
        expect(res.status, res.text).toBe(200);
        token = res.body.refreshToken;
      }
    });
  });
}

function DB(): string {
  return process.env.DB ?? 'sqlite';
}
