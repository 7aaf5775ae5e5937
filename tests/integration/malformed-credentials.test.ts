/**
 * bcryptjs 2.4.3 aborts the Node process on a password that is not well-formed UTF-16 (a lone
 * surrogate). Every path that reaches it answers a 400 (HTTP) or a ValidationError (code), and the
 * server is still alive after each request: Strapi runs in this very process, so a crash would end
 * the test run. Runs with the limiters at their defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';
import type { Reply } from '../helpers/http';

const HIGH = 'Abcdef1!\ud800';
const LOW = '\udc00Abcdef1!';

describe('credentials that are not well-formed UTF-16', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ env: { GRAPHQL: 'true' }, ...LIMITERS_AT_DEFAULTS });
  });
  afterAll(() => app?.stop());

  async function expectRefusedAndAlive(reply: Reply, field: RegExp) {
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.error.name).toBe('ValidationError');
    expect(reply.body.error.message).toMatch(field);
    expect((await app.client().get('/_health')).status).toBe(204);
  }

  it('register, login, forgot, reset and change password answer 400 naming the field', async () => {
    const http = app.client();
    const json = (body: unknown) => ({ json: body });
    await expectRefusedAndAlive(
      await http.post('/api/auth/local/register', json({ username: 'x1', email: 'x1@example.com', password: HIGH })),
      /^password /
    );
    await expectRefusedAndAlive(await http.post('/api/auth/local', json({ identifier: DEMO_USER.email, password: HIGH })), /^password /);
    await expectRefusedAndAlive(await http.post('/api/auth/local', json({ identifier: DEMO_USER.email, password: LOW })), /^password /);
    await expectRefusedAndAlive(
      await http.post('/api/auth/local', json({ identifier: `\ud800${DEMO_USER.email}`, password: 'x' })),
      /^identifier /
    );
    await expectRefusedAndAlive(await http.post('/api/auth/forgot-password', json({ email: 'a\udfff@example.com' })), /^email /);
    await expectRefusedAndAlive(
      await http.post('/api/auth/reset-password', json({ code: 'abc', password: HIGH, passwordConfirmation: HIGH })),
      /^password /
    );

    const user = await app.createUser();
    const login = await app.client().login(user.email, user.password);
    expect(login.status).toBe(200);
    const change = await app.client().post('/api/auth/change-password', {
      json: { currentPassword: user.password, password: HIGH, passwordConfirmation: HIGH },
      bearer: login.body.jwt,
    });
    await expectRefusedAndAlive(change, /^password /);
    expect((await app.client().login(user.email, user.password)).status).toBe(200);
  });

  it('GraphQL login and register, with variables and with inline literals, are refused as bad input', async () => {
    const gql = (query: string, variables: Record<string, unknown> = {}) => app.client().post('/graphql', { json: { query, variables } });
    const refusedAndAlive = async (reply: Reply) => {
      expect(reply.body.data, reply.text).toBeNull();
      expect(reply.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(reply.body.errors[0].message).toMatch(/^password is not well-formed/);
      expect((await app.client().get('/_health')).status).toBe(204);
    };
    await refusedAndAlive(
      await gql('mutation($i: String!, $p: String!) { login(input: { identifier: $i, password: $p }) { jwt } }', {
        i: DEMO_USER.email,
        p: HIGH,
      })
    );
    await refusedAndAlive(
      await gql('mutation($p: String!) { register(input: { username: "g1", email: "g1@example.com", password: $p }) { jwt } }', { p: LOW })
    );
    // GraphQL's own parser refuses a lone surrogate in an inline literal, escaped or raw.
    for (const literal of ['Abc\\ud800', HIGH]) {
      const inline = await gql(`mutation { login(input: { identifier: "${DEMO_USER.email}", password: "${literal}" }) { jwt } }`);
      expect(inline.body.errors[0].extensions.code, inline.text).toBe('GRAPHQL_PARSE_FAILED');
      expect((await app.client().get('/_health')).status).toBe(204);
    }
  });

  it("Strapi's admin login is refused with 400 too", async () => {
    await expectRefusedAndAlive(
      await app.client().post('/admin/login', { json: { email: 'admin@example.com', password: HIGH } }),
      /^password /
    );
  });

  it('the Content Manager, the document service and the user service get a ValidationError, not a crash', async () => {
    const user = await app.createUser();
    const documents = app.strapi.documents('plugin::users-permissions.user');
    const row = await app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: user.id } });
    await expect(documents.update({ documentId: row.documentId, data: { password: HIGH } as never })).rejects.toThrow(/well-formed/);
    await expect(
      app.strapi
        .plugin('users-permissions')
        .service('user')
        .add({ username: 'svc', email: 'svc@example.com', password: LOW, provider: 'local' })
    ).rejects.toThrow(/well-formed/);
    await expect(app.strapi.plugin('users-permissions').service('user').validatePassword(HIGH, row.password)).rejects.toThrow(
      /well-formed/
    );
    // Passwords that are well-formed still hash and compare as before.
    expect(await app.strapi.plugin('users-permissions').service('user').validatePassword(user.password, row.password)).toBe(true);
    expect((await app.client().login(user.email, user.password)).status).toBe(200);
  });
});
