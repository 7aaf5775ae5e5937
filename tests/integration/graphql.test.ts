/** With @strapi/plugin-graphql installed: login/register create sessions, refreshToken and logout mutations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt } from '../helpers/http';

const LOGIN = `mutation Login($identifier: String!, $password: String!) {
  login(input: { identifier: $identifier, password: $password }) { jwt refreshToken user { id email } }
}`;
const REFRESH = 'mutation Refresh($token: String) { refreshToken(refreshToken: $token) { jwt refreshToken } }';
const LOGOUT = 'mutation Logout($token: String) { logout(refreshToken: $token) }';

describe.each([['cookie'], ['body']])('GraphQL with %s delivery', (delivery) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery, reuseGracePeriod: 0 }, env: { GRAPHQL: 'true' } });
  });
  afterAll(() => app.stop());

  const gql = (http: ReturnType<TestApp['client']>, query: string, variables: Record<string, unknown> = {}) =>
    http.post('/graphql', { json: { query, variables } });

  it('login creates a session and delivers the refresh token like REST; refreshToken rotates; logout revokes', async () => {
    const http = app.client();
    const login = await gql(http, LOGIN, { identifier: DEMO_USER.email, password: DEMO_USER.password });
    expect(login.status).toBe(200);
    const payload = login.body.data.login;
    const claims = decodeJwt(payload.jwt);
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.sid).toBeDefined();
    if (delivery === 'cookie') {
      expect(payload.refreshToken).toBeNull();
      expect(http.jar.get('strapi_refresh_token')).toMatch(new RegExp(`^${claims.sid}\\.`));
    } else {
      expect(payload.refreshToken).toMatch(new RegExp(`^${claims.sid}\\.`));
    }

    const token = delivery === 'body' ? payload.refreshToken : undefined;
    const stale = app.client();
    for (const [name, value] of http.jar) stale.jar.set(name, value);
    const refreshed = await gql(http, REFRESH, { token });
    expect(refreshed.body.errors).toBeUndefined();
    const next = refreshed.body.data.refreshToken;
    expect(decodeJwt(next.jwt).sid).toBe(claims.sid);
    if (delivery === 'body') expect(next.refreshToken).not.toBe(token);

    // The rotated-away token is refused (and, with no grace, that replay revokes the session).
    const replay = await gql(stale, REFRESH, { token });
    expect(replay.body.errors?.[0]?.extensions?.error?.name ?? replay.body.errors?.[0]?.message).toMatch(
      /Unauthorized|Invalid refresh token/
    );

    const fresh = await gql(app.client(), LOGIN, { identifier: DEMO_USER.email, password: DEMO_USER.password });
    const freshHttp = app.client();
    if (delivery === 'cookie') {
      // A new client with its own cookie.
      const l = await gql(freshHttp, LOGIN, { identifier: DEMO_USER.email, password: DEMO_USER.password });
      expect(l.status).toBe(200);
    }
    const logout = await gql(freshHttp, LOGOUT, { token: delivery === 'body' ? fresh.body.data.login.refreshToken : undefined });
    expect(logout.body.data.logout).toBe(true);
    const after = await gql(freshHttp, REFRESH, { token: delivery === 'body' ? fresh.body.data.login.refreshToken : undefined });
    expect(after.body.errors).toBeDefined();
  });

  it('the session table is not exposed through GraphQL', async () => {
    const res = await gql(app.client(), '{ __type(name: "RefreshTokenSession") { name } }');
    expect(res.body.data.__type).toBeNull();
  });
});
