/**
 * Issue 7: SQL statements per refresh, counted on a real Strapi with knex's `query` event.
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

function DB(): string {
  return process.env.DB ?? 'sqlite';
}
