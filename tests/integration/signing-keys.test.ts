/**
 * Issue 28 on a real Strapi over HTTP, the limiters and `delivery` at their defaults: access tokens
 * signed with `signing.keys` (ES256, EdDSA), verified elsewhere through the published JWKS with
 * jose; read by users-permissions everywhere (REST, the sessions APIs, strict mode, DPoP `cnf`);
 * rotation across restarts on one database; previous jwtSecrets across a secret change; and every
 * refusal (unknown kid, another alg, alg none, HS256 made with the public key).
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, importJWK, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt, type HttpClient } from '../helpers/http';
import { newProofKey, proof } from '../helpers/dpop';
import { verifyAccessToken } from '../../server-entry/src';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const privateJwk = (type: 'ec' | 'ed25519' | 'rsa', kid: string, alg: string): JWK => {
  const { privateKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg };
};
const K1 = privateJwk('ec', 'k1', 'ES256');
const K2 = privateJwk('ed25519', 'k2', 'EdDSA');
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** users-permissions allows 10 logins a minute per IP at its default: each login from its own address. */
let address = 0;
async function login(app: TestApp, headers: Record<string, string> = {}): Promise<{ http: HttpClient; jwt: string }> {
  const http = app.client(`127.0.1.${++address}`);
  const res = await http.post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers });
  expect(res.status, res.text).toBe(200);
  return { http, jwt: res.body.jwt };
}
const me = (app: TestApp, jwt: string) => app.client().get('/api/users/me', { bearer: jwt });

describe('signing.keys: ES256, verified through the JWKS, everywhere users-permissions reads a JWT', () => {
  let app: TestApp;
  afterAll(() => app?.stop());

  it('signs with the first key (alg, kid); the JWKS has public parts only, cacheable; jose verifies the token with it', async () => {
    app = await startStrapi({
      ...LIMITERS_AT_DEFAULTS,
      plugin: { ...LIMITERS_AT_DEFAULTS.plugin, strict: true, senderConstraint: 'optional', signing: { keys: [K1] } },
      env: { GRAPHQL: 'true' },
    });
    const { jwt } = await login(app);
    expect(header(jwt)).toMatchObject({ alg: 'ES256', kid: 'k1' });
    const jwks = await app.client().get('/api/token/jwks');
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(jwks.body.keys).toHaveLength(1);
    expect(Object.keys(jwks.body.keys[0]).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwks.body.keys[0]).toMatchObject({ kid: 'k1', alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks.body), { algorithms: ['ES256'] });
    expect(payload).toMatchObject({ id: expect.any(Number), sid: expect.any(String) });
    // Not rate-limited into uselessness for a verifier: 40 fetches in a row, all 200.
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        app
          .client()
          .get('/api/token/jwks')
          .then((r) => r.status)
      )
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('REST, GraphQL, the sessions APIs (ours and the built-in shapes) and strict mode accept it', async () => {
    const { http, jwt } = await login(app);
    expect((await me(app, jwt)).status).toBe(200);
    expect((await app.client().get('/api/token/sessions', { bearer: jwt })).status).toBe(200);
    expect((await app.client().get('/api/auth/sessions', { bearer: jwt })).status).toBe(200);
    const graphql = await app.client().post('/graphql', { json: { query: '{ me { id email } }' }, bearer: jwt });
    expect(graphql.body.data?.me?.email, graphql.text).toBe(DEMO_USER.email);
    // strict: the token dies with its session
    expect((await http.post('/api/token/logout', { json: {} })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await me(app, jwt)).status).toBe(401);
  });

  it('DPoP: a bound session’s ES256 token carries cnf.jkt and works as Authorization: DPoP', async () => {
    const key = await newProofKey();
    const { jwt } = await login(app, { dpop: await proof(key, 'POST', `${app.url}/api/auth/local`) });
    expect(decodeJwt(jwt).cnf).toEqual({ jkt: key.jkt });
    const res = await app.client().get('/api/users/me', {
      headers: { authorization: `DPoP ${jwt}`, dpop: await proof(key, 'GET', `${app.url}/api/users/me`, { accessToken: jwt }) },
    });
    expect(res.status, res.text).toBe(200);
  });

  it('refuses (401) an unknown kid, another alg than the key’s, alg none, and HS256 made with the public key', async () => {
    const { jwt } = await login(app);
    const claims = decodeJwt(jwt);
    const stranger = privateJwk('ec', 'k1', 'ES256'); // the same kid, another key
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(await importJWK(stranger, 'ES256'));
    const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).sign(await importJWK(K1, 'ES256'));
    const [h, p, s] = jwt.split('.');
    const otherAlg = `${b64({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'ES384' })}.${p}.${s}`;
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${p}.`;
    const publicJwk = (await app.client().get('/api/token/jwks')).body.keys[0];
    const hsHead = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const confused = `${hsHead}.${p}.${createHmac('sha256', JSON.stringify(publicJwk)).update(`${hsHead}.${p}`).digest('base64url')}`;
    for (const token of [forged, unknownKid, otherAlg, none, confused]) expect((await me(app, token)).status).toBe(401);
    expect((await me(app, jwt)).status).toBe(200);
  });
});

describe('rotation across restarts on one database: nobody is signed out', () => {
  let app: TestApp | undefined;
  afterAll(() => app?.stop());

  it("the old key's tokens work while it is listed and are 401 once removed; the session goes on under the new key (EdDSA)", async () => {
    const config = (keys: JWK[]) => ({ ...LIMITERS_AT_DEFAULTS, plugin: { ...LIMITERS_AT_DEFAULTS.plugin, signing: { keys } } });
    app = await startStrapi(config([K1]));
    const { http, jwt: oldToken } = await login(app);
    const jar = [...http.jar];
    // Another service verifying with the server entry's verifyAccessToken, through one stable URL.
    let jwksFetches = 0;
    const viaStableUrl: typeof fetch = (input, init) => {
      jwksFetches++;
      return fetch(String(input).replace('http://strapi.internal', app!.url), init);
    };
    const verifier = { jwksUrl: 'http://strapi.internal/api/token/jwks', fetch: viaStableUrl };
    expect((await verifyAccessToken(oldToken, verifier))?.sid).toBe(decodeJwt(oldToken).sid);
    expect(await verifyAccessToken(`${oldToken.slice(0, -4)}AAAA`, verifier)).toBeNull();
    expect(jwksFetches).toBe(1);
    let database = app.database;
    await app.stop({ keepDatabase: true });

    // Step 1: the new key first, the old one kept.
    app = await startStrapi({ ...config([K2, K1]), database });
    expect((await me(app, oldToken)).status).toBe(200);
    const browser = app.client();
    for (const [k, v] of jar) browser.jar.set(k, v);
    const refreshed = await browser.post('/api/token/refresh', { json: {} });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(header(refreshed.body.jwt)).toMatchObject({ alg: 'EdDSA', kid: 'k2' });
    const jwks = (await app.client().get('/api/token/jwks')).body;
    expect(jwks.keys.map((k: JWK) => k.kid)).toEqual(['k2', 'k1']);
    await jwtVerify(refreshed.body.jwt, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    // The cached set has no k2: fetched again once, then verified; the old token from the cache.
    expect((await verifyAccessToken(refreshed.body.jwt, verifier))?.id).toBe(decodeJwt(refreshed.body.jwt).id);
    expect(await verifyAccessToken(oldToken, verifier)).not.toBeNull();
    expect(jwksFetches).toBe(2);
    // An HS256 token is never accepted by a verifier of published keys.
    expect(
      await verifyAccessToken(
        (await login(app)).jwt.replace(/^[^.]+/, Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')),
        verifier
      )
    ).toBeNull();
    const newToken = refreshed.body.jwt;
    database = app.database;
    await app.stop({ keepDatabase: true });

    // Step 2: the old key removed.
    app = await startStrapi({ ...config([K2]), database });
    expect((await me(app, oldToken)).status).toBe(401);
    expect((await me(app, newToken)).status).toBe(200);
    const again = app.client();
    for (const [k, v] of browser.jar) again.jar.set(k, v);
    expect((await again.post('/api/token/refresh', { json: {} })).status).toBe(200);
  });
});

describe('signing.previousSecrets across a jwtSecret change', () => {
  let app: TestApp | undefined;
  afterAll(() => app?.stop());

  it('an HS256 token of the old secret is accepted while it is listed, 401 without it; new tokens use the new secret; { keys: [] } in the JWKS', async () => {
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, env: { JWT_SECRET: 'the-first-jwt-secret' } });
    const { jwt: old } = await login(app);
    expect(header(old).alg).toBe('HS256');
    expect((await app.client().get('/api/token/jwks')).body).toEqual({ keys: [] });
    let database = app.database;
    await app.stop({ keepDatabase: true });

    app = await startStrapi({
      ...LIMITERS_AT_DEFAULTS,
      plugin: { ...LIMITERS_AT_DEFAULTS.plugin, signing: { previousSecrets: ['the-first-jwt-secret'] } },
      env: { JWT_SECRET: 'the-second-jwt-secret' },
      database,
    });
    expect((await me(app, old)).status).toBe(200);
    const { jwt: fresh } = await login(app);
    expect((await me(app, fresh)).status).toBe(200);
    database = app.database;
    await app.stop({ keepDatabase: true });

    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, env: { JWT_SECRET: 'the-second-jwt-secret' }, database });
    expect((await me(app, old)).status).toBe(401);
    expect((await me(app, fresh)).status).toBe(200);
  });
});
