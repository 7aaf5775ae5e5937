/**
 * Issue 22, sender-constrained sessions (DPoP, RFC 9449) on a real Strapi over HTTP: a bound
 * session refreshes only with proofs by its key; its refresh cookie copied to a client without
 * the key is refused (401, nothing revoked, an event); each malformed proof is refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, memoryStorage } from '../../client/src';
import { createServerAuth, type CookieAdapter } from '../../server-entry/src';
import { decodeJwt, HttpClient } from '../helpers/http';
import { hmacConfusedProof, newProofKey, proof, unsignedProof, type ProofKey } from '../helpers/dpop';
import { LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

const COOKIE = 'strapi_refresh_token';
const session = (app: TestApp, sid: string) => app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first();

describe("senderConstraint 'optional', the limiters and delivery at their defaults", () => {
  let app: TestApp;
  const attempts: any[] = [];
  const created: any[] = [];
  beforeAll(async () => {
    app = await startStrapi({ plugin: { ...LIMITERS_AT_DEFAULTS.plugin, senderConstraint: 'optional' } });
    app.strapi.eventHub.on('refresh-token.session.unbound-attempt', async (p: any) => {
      attempts.push(p);
    });
    app.strapi.eventHub.on('refresh-token.session.created', async (p: any) => {
      created.push(p);
    });
  });
  afterAll(() => app?.stop());

  const url = (path: string) => `${app.url}${path}`;

  /** A user logged in with a proof by `key`: the owner's client, its cookie jar and the session id. */
  async function boundLogin(key: ProofKey) {
    const user = await app.createUser();
    const owner = app.client();
    const res = await owner.post('/api/auth/local', {
      json: { identifier: user.email, password: user.password },
      headers: { dpop: await proof(key, 'POST', url('/api/auth/local')) },
    });
    expect(res.status, res.text).toBe(200);
    return { owner, user, sid: decodeJwt(res.body.jwt).sid as string, jwt: res.body.jwt as string };
  }
  const refreshWith = async (client: HttpClient, headers: Record<string, string> = {}) =>
    client.post('/api/token/refresh', { json: {}, headers });
  const signedRefresh = async (client: HttpClient, key: ProofKey) =>
    refreshWith(client, { dpop: await proof(key, 'POST', url('/api/token/refresh')) });
  /** The owner's cookie, copied into another client (a stolen cookie jar). */
  const thiefOf = (owner: HttpClient) => {
    const thief = app.client('127.0.0.2');
    for (const [k, v] of owner.jar) thief.jar.set(k, v);
    return thief;
  };

  it('a login with a proof binds the session: the row keeps the thumbprint, the access JWT carries cnf.jkt, the sessions API says bound', async () => {
    const key = await newProofKey();
    const { owner, sid, jwt } = await boundLogin(key);
    expect((await session(app, sid)).jkt).toBe(key.jkt);
    expect(decodeJwt(jwt).cnf).toEqual({ jkt: key.jkt });
    const list = await owner.get('/api/token/sessions', { bearer: jwt });
    expect(list.status).toBe(200);
    expect(list.body.data.find((s: any) => s.id === sid).bound).toBe(true);
    const refreshed = await signedRefresh(owner, key);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.jwt).cnf).toEqual({ jkt: key.jkt });
    // The admin list says so too, and the events carry the thumbprint.
    const admin = await app.strapi
      .plugin('refresh-token')
      .service('sessions')
      .listForAdmin({ user: String(decodeJwt(jwt).id) });
    expect(admin.data.find((s: any) => s.id === sid).bound).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(created.find((e) => e.sessionId === sid)?.jkt).toBe(key.jkt);
  });

  it('the same refresh cookie in a client without the key is 401: nothing rotates or is revoked, the event fires, the owner goes on', async () => {
    const key = await newProofKey();
    const { owner, sid, user } = await boundLogin(key);
    const before = await session(app, sid);
    const thief = thiefOf(owner);
    const stolen = await refreshWith(thief);
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const after = await session(app, sid);
    expect(after.revoked_at).toBeNull();
    expect(after.token_hash).toBe(before.token_hash);
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts.some((a) => a.sessionId === sid && a.userId === user.id && a.jkt === key.jkt && a.presentedJkt === null)).toBe(true);
    expect(JSON.stringify(attempts)).not.toContain(owner.jar.get(COOKIE)!.split('.')[1]);
    const ownerGoesOn = await signedRefresh(owner, key);
    expect(ownerGoesOn.status, ownerGoesOn.text).toBe(200);
  });

  it('an older token of a bound session without the key is refused as unbound, not as reuse: the owner is not signed out', async () => {
    const key = await newProofKey();
    const { owner, sid } = await boundLogin(key);
    const thief = thiefOf(owner); // the token before the next rotation
    expect((await signedRefresh(owner, key)).status).toBe(200);
    expect((await signedRefresh(owner, key)).status).toBe(200);
    expect((await refreshWith(thief)).status).toBe(401);
    expect((await session(app, sid)).revoked_at).toBeNull();
    expect((await signedRefresh(owner, key)).status).toBe(200);
  });

  it('a proof by another key is refused and reported; the session stays alive', async () => {
    const key = await newProofKey();
    const other = await newProofKey();
    const { owner, sid } = await boundLogin(key);
    const res = await signedRefresh(thiefOf(owner), other);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts.some((a) => a.sessionId === sid && a.presentedJkt === other.jkt)).toBe(true);
    expect((await signedRefresh(owner, key)).status).toBe(200);
  });

  it('refuses a replayed proof (jti), a proof for another URL or method, a stale or future iat, alg none and HS256 with the public key', async () => {
    const key = await newProofKey();
    const { owner, sid } = await boundLogin(key);
    const refreshUrl = url('/api/token/refresh');
    const now = Math.floor(Date.now() / 1000);
    const used = await proof(key, 'POST', refreshUrl);
    expect((await refreshWith(owner, { dpop: used })).status).toBe(200);
    const refused: Array<[string, string]> = [
      ['replayed jti', used],
      ['another URL', await proof(key, 'POST', url('/api/token/logout'))],
      ['another host', await proof(key, 'POST', refreshUrl.replace('127.0.0.1', 'localhost'))],
      ['another method', await proof(key, 'GET', refreshUrl)],
      ['stale iat', await proof(key, 'POST', refreshUrl, { iat: now - 300 })],
      ['future iat', await proof(key, 'POST', refreshUrl, { iat: now + 300 })],
      ['alg none', unsignedProof(key, 'POST', refreshUrl)],
      ['HS256 with the public key as secret', await hmacConfusedProof(key, 'POST', refreshUrl)],
      ['two proofs', `${await proof(key, 'POST', refreshUrl)}, ${await proof(key, 'POST', refreshUrl)}`],
    ];
    for (const [what, dpop] of refused) {
      const res = await refreshWith(owner, { dpop });
      expect(res.status, what).toBe(401);
      expect(res.body.error.message, what).toMatch(/DPoP/);
    }
    // None of them rotated or revoked anything: the owner's next proof works.
    expect((await session(app, sid)).revoked_at).toBeNull();
    expect((await signedRefresh(owner, key)).status).toBe(200);
  });

  it('a query string does not change htu (RFC 9449 compares without it)', async () => {
    const key = await newProofKey();
    const { owner } = await boundLogin(key);
    const res = await refreshWith(owner, { dpop: await proof(key, 'POST', `${url('/api/token/refresh')}?x=1`) });
    expect(res.status, res.text).toBe(200);
  });

  it('EdDSA keys bind too', async () => {
    const key = await newProofKey('EdDSA');
    const { owner, sid } = await boundLogin(key);
    expect((await session(app, sid)).jkt).toBe(key.jkt);
    expect((await signedRefresh(owner, key)).status).toBe(200);
  });

  it('logout of a bound session needs a proof by its key: without one 401 and the session lives; with one it ends', async () => {
    const key = await newProofKey();
    const { owner, sid } = await boundLogin(key);
    const thief = thiefOf(owner);
    expect((await thief.post('/api/token/logout', { json: {} })).status).toBe(401);
    expect((await session(app, sid)).revoked_at).toBeNull();
    const out = await owner.post('/api/token/logout', { json: {}, headers: { dpop: await proof(key, 'POST', url('/api/token/logout')) } });
    expect(out.status, out.text).toBe(200);
    expect((await session(app, sid)).revoked_at).not.toBeNull();
  });

  it('an unbound session (login without a proof) behaves as before: refresh with no proof, and a proof on a refresh binds nothing', async () => {
    const user = await app.createUser();
    const client = app.client();
    const login = await client.login(user.email, user.password);
    expect(login.status).toBe(200);
    const sid = decodeJwt(login.body.jwt).sid as string;
    expect((await session(app, sid)).jkt).toBeNull();
    expect(decodeJwt(login.body.jwt).cnf).toBeUndefined();
    expect((await refreshWith(client)).status).toBe(200);
    const signed = await signedRefresh(client, await newProofKey());
    expect(signed.status, signed.text).toBe(200);
    expect(decodeJwt(signed.body.jwt).cnf).toBeUndefined();
    expect((await session(app, sid)).jkt).toBeNull();
    expect((await refreshWith(client)).status).toBe(200);
  });

  it("a thief's key cannot take over a copied unbound session: the owner's old token is reuse and revokes the session, thief included", async () => {
    const user = await app.createUser();
    const owner = app.client();
    const login = await owner.login(user.email, user.password);
    const sid = decodeJwt(login.body.jwt).sid as string;
    const thief = thiefOf(owner);
    const thiefKey = await newProofKey();
    const first = await signedRefresh(thief, thiefKey);
    expect(first.status, first.text).toBe(200);
    expect(decodeJwt(first.body.jwt).cnf).toBeUndefined();
    expect((await signedRefresh(thief, thiefKey)).status).toBe(200);
    expect((await session(app, sid)).jkt).toBeNull();
    // The owner still holds the token the thief rotated away: reuse, whoever holds the successor.
    const owners = await refreshWith(owner);
    expect(owners.status).toBe(401);
    expect((await session(app, sid)).revoked_reason).toBe('reuse');
    expect((await signedRefresh(thief, thiefKey)).status).toBe(401);
    expect(attempts.some((a) => a.sessionId === sid)).toBe(false);
  });

  it("htu is compared with this server's URL, never one built from the client's Host: a proof for another API is refused", async () => {
    const key = await newProofKey();
    const { owner } = await boundLogin(key);
    const viaOtherHost = app.client('127.0.0.1');
    for (const [k, v] of owner.jar) viaOtherHost.jar.set(k, v);
    const res = await refreshWith(viaOtherHost, {
      host: 'other-api.example',
      dpop: await proof(key, 'POST', 'http://other-api.example/api/token/refresh'),
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('server.url');
    expect((await signedRefresh(owner, key)).status).toBe(200);
  });

  it('the fresh route policy reads Authorization: DPoP like Bearer: a DPoP client passes, a proof by another key does not', async () => {
    const key = await newProofKey();
    const { owner, jwt, user } = await boundLogin(key);
    const target = url('/api/account/email');
    const put = async (signer: ProofKey) =>
      owner.request('PUT', '/api/account/email', {
        json: { email: `dpop-fresh${user.id}@example.com` },
        headers: { authorization: `DPoP ${jwt}`, dpop: await proof(signer, 'PUT', target, { accessToken: jwt }) },
      });
    const ok = await put(key);
    expect(ok.status, ok.text).toBe(200);
    expect((await put(await newProofKey())).status).toBe(401);
    expect((await owner.request('PUT', '/api/account/email', { json: { email: `b${user.id}@example.com` }, bearer: jwt })).status).toBe(
      200
    );
  });

  it('access tokens: Authorization: DPoP with a proof that hashes the token works; a proof without ath, or by another key, does not', async () => {
    const key = await newProofKey();
    const { owner, jwt } = await boundLogin(key);
    const me = url('/api/users/me');
    const ok = await owner.get('/api/users/me', {
      headers: { authorization: `DPoP ${jwt}`, dpop: await proof(key, 'GET', me, { accessToken: jwt }) },
    });
    expect(ok.status, ok.text).toBe(200);
    const noAth = await owner.get('/api/users/me', { headers: { authorization: `DPoP ${jwt}`, dpop: await proof(key, 'GET', me) } });
    expect(noAth.status).toBe(401);
    const other = await newProofKey();
    const wrongKey = await owner.get('/api/users/me', {
      headers: { authorization: `DPoP ${jwt}`, dpop: await proof(other, 'GET', me, { accessToken: jwt }) },
    });
    expect(wrongKey.status).toBe(401);
    // dpop.requireForAccessTokens is off: the bound session's token still works as a Bearer.
    expect((await owner.get('/api/users/me', { bearer: jwt })).status).toBe(200);
  });
});

describe("senderConstraint 'required' with dpop.requireForAccessTokens", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({
      ...LIMITERS_AT_DEFAULTS,
      plugin: { ...LIMITERS_AT_DEFAULTS.plugin, senderConstraint: 'required', dpop: { proofWindow: '30s', requireForAccessTokens: true } },
    });
  });
  afterAll(() => app?.stop());

  it('refuses a login without a proof, and a bound token as a plain Bearer', async () => {
    const user = await app.createUser();
    const client = app.client();
    const refused = await client.login(user.email, user.password);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/DPoP proof is required/);
    expect(await app.strapi.db.connection('refresh_token_sessions').where({ user_id: user.id }).first()).toBeUndefined();

    const key = await newProofKey();
    const login = await client.post('/api/auth/local', {
      json: { identifier: user.email, password: user.password },
      headers: { dpop: await proof(key, 'POST', `${app.url}/api/auth/local`) },
    });
    expect(login.status, login.text).toBe(200);
    const jwt = login.body.jwt as string;
    expect((await client.get('/api/users/me', { bearer: jwt })).status).toBe(401);
    const me = await client.get('/api/users/me', {
      headers: { authorization: `DPoP ${jwt}`, dpop: await proof(key, 'GET', `${app.url}/api/users/me`, { accessToken: jwt }) },
    });
    expect(me.status, me.text).toBe(200);
    // The sessions API reads the access token the same way.
    const list = await client.get('/api/token/sessions', {
      headers: { authorization: `DPoP ${jwt}`, dpop: await proof(key, 'GET', `${app.url}/api/token/sessions`, { accessToken: jwt }) },
    });
    expect(list.status, list.text).toBe(200);
    expect((await client.get('/api/token/sessions', { bearer: jwt })).status).toBe(401);
  });

  it("an unbound session made before 'required' issues nothing more, with a proof or without, and its older token is still reuse", async () => {
    const user = await app.createUser();
    const client = app.client();
    app.strapi.config.set('plugin::refresh-token.senderConstraint', 'optional');
    try {
      expect((await client.login(user.email, user.password)).status).toBe(200);
      const older = `${COOKIE}=${client.jar.get(COOKIE)}; ${COOKIE}.sig=${client.jar.get(`${COOKIE}.sig`)}`;
      for (let i = 0; i < 2; i++) expect((await client.post('/api/token/refresh', { json: {} })).status).toBe(200);
      const sid = client.jar.get(COOKIE)!.split('.')[0];
      app.strapi.config.set('plugin::refresh-token.senderConstraint', 'required');
      const key = await newProofKey();
      const signed = await client.post('/api/token/refresh', {
        json: {},
        headers: { dpop: await proof(key, 'POST', `${app.url}/api/token/refresh`) },
      });
      expect(signed.status).toBe(401);
      expect(signed.body.error.message).toMatch(/DPoP/);
      expect((await session(app, sid)).jkt).toBeNull();
      expect((await session(app, sid)).revoked_at).toBeNull();
      const replay = await app.client().post('/api/token/refresh', { json: {}, headers: { cookie: older } });
      expect(replay.status).toBe(401);
      expect((await session(app, sid)).revoked_reason).toBe('reuse');
    } finally {
      app.strapi.config.set('plugin::refresh-token.senderConstraint', 'required');
    }
  });

  it("a built-in refresh token is exchanged like a login: refused without a proof (the built-in session kept), bound to the proof's key with one", async () => {
    const user = await app.createUser();
    const { token } = await (app.strapi as any)
      .sessionManager('users-permissions')
      .generateRefreshToken(String(user.id), undefined, { type: 'refresh' });
    const client = app.client();
    const bare = await client.post('/api/token/refresh', { json: { refreshToken: token } });
    expect(bare.status).toBe(401);
    expect((await app.strapi.db.query('admin::session').findMany({ where: { userId: String(user.id), status: 'active' } })).length).toBe(1);
    const key = await newProofKey();
    const signed = await client.post('/api/token/refresh', {
      json: { refreshToken: token },
      headers: { dpop: await proof(key, 'POST', `${app.url}/api/token/refresh`) },
    });
    expect(signed.status, signed.text).toBe(200);
    expect(decodeJwt(signed.body.jwt).cnf).toEqual({ jkt: key.jkt });
    expect((await session(app, decodeJwt(signed.body.jwt).sid as string)).jkt).toBe(key.jkt);
    // Its access token is refused as a plain Bearer (requireForAccessTokens).
    expect((await client.get('/api/users/me', { bearer: signed.body.jwt })).status).toBe(401);
  });
});

describe("the Node client and the server entry bind their sessions (senderConstraint 'optional', delivery 'both')", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ plugin: { senderConstraint: 'optional', delivery: 'both', accessTokenLifespan: '2s' } });
  });
  afterAll(() => app?.stop());

  it("the Node client (dpop: 'required') makes a key in memory, binds at login, refreshes with proofs; its token alone is refused", async () => {
    const user = await app.createUser();
    const storage = memoryStorage();
    const auth = createAuthClient({ baseURL: app.url, delivery: 'body', storage, dpop: 'required' });
    await auth.login(user.email, user.password);
    const row = await session(app, auth.sessionId!);
    expect(row.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await auth.refresh()).toBe(true);
    // A bound token reaches Strapi as Authorization: DPoP with a proof.
    const me = await auth.fetch('/api/users/me');
    expect(me.status).toBe(200);
    const stolen = await fetch(`${app.url}/api/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: await storage.get() }),
    });
    expect(stolen.status).toBe(401);
    expect(await auth.refresh()).toBe(true);
    expect((await auth.logout()).revoked).toBe(true);
    expect((await session(app, row.document_id)).revoked_at).not.toBeNull();
  });

  it('the server entry binds every session to its key (a JWK or a PEM); its refresh cookie is useless elsewhere', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const { d: _d, ...publicJwk } = jwk;
    const jkt = await calculateJwkThumbprint(publicJwk as any, 'sha256');
    for (const dpopKey of [JSON.stringify(jwk), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string]) {
      const user = await app.createUser();
      const jar = new Map<string, string>();
      const cookies: CookieAdapter = { get: (name) => jar.get(name), set: (name, value) => void jar.set(name, value) };
      const entry = () => createServerAuth({ strapiUrl: app.url, cookies, dpopKey, refreshMarginMs: 1500 });
      const login = await entry().login(user.email, user.password);
      expect(login.ok).toBe(true);
      const sid = jar.get('strapi_rt')!.split('.')[0];
      expect((await session(app, sid)).jkt).toBe(jkt);
      await new Promise((r) => setTimeout(r, 800));
      expect(await entry().getAccessToken()).toBeTruthy(); // refreshed with a proof (margin 1.5 s of 2 s)
      expect(await entry().getUser()).toMatchObject({ id: user.id });
      const stolen = await fetch(`${app.url}/api/token/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-refresh-token-delivery': 'body' },
        body: JSON.stringify({ refreshToken: jar.get('strapi_rt') }),
      });
      expect(stolen.status).toBe(401);
      expect((await session(app, sid)).revoked_at).toBeNull();
      expect((await entry().logout()).revoked).toBe(true);
    }
  });
});
