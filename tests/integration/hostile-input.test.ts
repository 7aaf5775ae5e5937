/**
 * Hostile input: every plugin endpoint answers garbage with a 4xx in Strapi's error shape, never a
 * 500 or a stack trace, and no valid session is harmed. Named cases first, then fast-check.
 */
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startStrapi, type TestApp } from '../helpers/strapi';
import { decodeJwt, type Reply } from '../helpers/http';

const COOKIE = 'strapi_refresh_token';
const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 500);
const ENDPOINTS: Array<[string, string]> = [
  ['POST', '/api/token/refresh'],
  ['POST', '/api/token/logout'],
  ['POST', '/api/token/logout-all'],
  ['GET', '/api/token/sessions'],
  ['DELETE', '/api/token/sessions/abc'],
  ['POST', '/api/token/exchange'],
];

function expectCleanRefusal(reply: Reply, path: string) {
  const context = `${path} -> ${reply.status} ${reply.text.slice(0, 200)}`;
  expect(reply.status, context).toBeGreaterThanOrEqual(400);
  expect(reply.status, context).toBeLessThan(500);
  expect(reply.body, context).toMatchObject({
    data: null,
    error: { status: reply.status, name: expect.any(String), message: expect.any(String) },
  });
  expect(reply.text, context).not.toMatch(/\n\s+at /);
}

describe('hostile input', () => {
  let app: TestApp;
  let victim: { jwt: string; refreshToken: string; sid: string };
  let victimCookie: string;
  let victimSig: string;
  let counted = 0;

  beforeAll(async () => {
    app = await startStrapi({ plugin: { delivery: 'both', reuseGracePeriod: 0 } });
    const http = app.client();
    const res = await http.login(DEMO_USER.email, DEMO_USER.password);
    victim = { jwt: res.body.jwt, refreshToken: res.body.refreshToken, sid: decodeJwt(res.body.jwt).sid };
    victimCookie = http.jar.get(COOKIE)!;
    victimSig = http.jar.get(`${COOKIE}.sig`)!;
  });
  afterAll(async () => {
    // The victim's session survived everything: untouched, and it still rotates.
    const row = await app.strapi.db.connection('refresh_token_sessions').where({ document_id: victim.sid }).first();
    expect(row.revoked_at).toBeNull();
    expect(Number(row.generation)).toBe(0);
    expect((await app.client().refresh({ json: { refreshToken: victim.refreshToken } })).status).toBe(200);
    console.log(
      `hostile input: ${counted} requests, all answered 4xx in Strapi's error shape (logout answers 200 { ok: true } to any well-formed string, by design)`
    );
    await app.stop();
  });

  const send = async (method: string, path: string, init: { body?: any; headers?: Record<string, string> }) => {
    counted++;
    return app.client().request(method, path, { body: init.body, headers: init.headers, noJar: true });
  };

  it('named cases', async () => {
    const other = await app.createUser();
    const otherLogin = await app.client().login(other.email, other.password);
    const otherCookieSig = otherLogin.setCookies
      .find((c) => c.startsWith(`${COOKIE}.sig=`))!
      .split(';')[0]
      .split('=')[1];
    const algNone = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ id: 1, sid: victim.sid })).toString('base64url')}.`;
    const hs512 = jwt.sign({ id: 1, sid: victim.sid }, 'playground-jwt-secret-change-me', { algorithm: 'HS512' });
    const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
    const cases: Array<[string, string, { body?: any; headers?: Record<string, string> }]> = [
      ['POST', '/api/token/refresh', {}],
      ['POST', '/api/token/refresh', json({})],
      ['POST', '/api/token/refresh', { body: '', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/token/refresh', { body: '{"refreshToken":', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/token/refresh', json({ refreshToken: 'x'.repeat(200_000) })],
      [
        'POST',
        '/api/token/refresh',
        {
          body: Buffer.from([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
          headers: { 'content-type': 'application/json' },
        },
      ],
      ['POST', '/api/token/refresh', json({ refreshToken: algNone })],
      ['POST', '/api/token/refresh', json({ refreshToken: victim.jwt })], // an access token as a refresh token
      ['POST', '/api/token/refresh', json([victim.refreshToken])],
      ['POST', '/api/token/refresh', json(null)],
      ['POST', '/api/token/refresh', json('a string')],
      [
        'POST',
        '/api/token/refresh',
        {
          headers: { cookie: `${COOKIE}=${victimCookie}; ${COOKIE}.sig=${otherCookieSig}`, 'content-type': 'application/json' },
          body: '{}',
        },
      ],
      ['POST', '/api/token/refresh', { headers: { cookie: `${COOKIE}=${victimCookie}`, 'content-type': 'application/json' }, body: '{}' }],
      [
        'POST',
        '/api/token/refresh',
        { headers: { cookie: `${COOKIE}=${victimCookie}; ${COOKIE}.sig=${victimSig}`, 'content-type': 'text/plain' }, body: 'x' },
      ],
      ['POST', '/api/token/logout', json({ refreshToken: 42 })],
      [
        'POST',
        '/api/token/logout',
        {
          body: 'refreshToken=abc',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${COOKIE}=${victimCookie}; ${COOKIE}.sig=${victimSig}` },
        },
      ],
      ['POST', '/api/token/logout-all', { headers: { authorization: `Bearer ${victim.refreshToken}` } }], // a refresh token as Bearer
      ['POST', '/api/token/logout-all', { headers: { authorization: `Bearer ${algNone}` } }],
      ['POST', '/api/token/logout-all', { headers: { authorization: `Bearer ${hs512}` } }],
      ['GET', '/api/token/sessions', { headers: { authorization: 'Bearer' } }],
      ['GET', '/api/token/sessions', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }],
      // Node itself answers 431 to headers over 16 kB, before Strapi; 8 kB still reaches the plugin.
      ['GET', '/api/token/sessions', { headers: { authorization: `Bearer ${'y'.repeat(8_000)}` } }],
      ['DELETE', `/api/token/sessions/${victim.sid}`, { headers: { authorization: `Bearer ${algNone}` } }],
      ['DELETE', `/api/token/sessions/${victim.sid}`, { headers: { authorization: `Bearer ${otherLogin.body.jwt}` } }], // someone else's: 404
    ];
    for (const [method, path, init] of cases) expectCleanRefusal(await send(method, path, init), path);
  });

  it('text that reads like a database outage is bad input (400), not a 503, and logs no outage', async () => {
    const logged: string[] = [];
    const error = app.strapi.log.error;
    app.strapi.log.error = ((message: string) => void logged.push(String(message))) as unknown as typeof error;
    try {
      for (const text of [
        'Connection terminated',
        'Connection terminated unexpectedly',
        'Timeout acquiring a connection',
        'ECONNREFUSED',
      ]) {
        const reply = await send('POST', '/api/auth/local', {
          body: JSON.stringify({ identifier: [text], password: 'x' }),
          headers: { 'content-type': 'application/json' },
        });
        expect(reply.status, reply.text).toBe(400);
        expect(reply.headers.get('retry-after')).toBeNull();
        const refresh = await send('POST', '/api/token/refresh', {
          body: JSON.stringify({ refreshToken: text }),
          headers: { 'content-type': 'application/json' },
        });
        expect(refresh.status).toBe(401);
      }
    } finally {
      app.strapi.log.error = error;
    }
    expect(logged.filter((l) => l.includes('unreachable'))).toEqual([]);
  });

  const anyJson = fc.oneof(
    fc.jsonValue(),
    fc.record({ refreshToken: fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom('', ' ', 'null', '.'.repeat(66))) })
  );
  const contentTypes = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    ''
  );
  const request = fc.record({
    body: fc.oneof(
      anyJson.map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))
    ),
    contentType: contentTypes,
    cookie: fc.option(
      fc
        .tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }))
        .map(([v, s]) => `${COOKIE}=${encodeURIComponent(v)}; ${COOKIE}.sig=${encodeURIComponent(s)}`),
      { nil: undefined }
    ),
    authorization: fc.option(
      fc.oneof(
        fc.string({ maxLength: 200 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, '')}`),
        fc.string({ maxLength: 50 }).map((s) => s.replace(/[\r\n]/g, ''))
      ),
      { nil: undefined }
    ),
    xrw: fc.boolean(),
  });

  it.each(ENDPOINTS)(
    `fast-check: ${RUNS} random requests to %s %s answer 4xx (logout: 200 or 4xx) and harm nothing`,
    async (method, path) => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const headers: Record<string, string> = {};
          if (r.contentType) headers['content-type'] = r.contentType;
          if (r.cookie) headers.cookie = r.cookie;
          if (r.authorization) headers.authorization = r.authorization;
          if (r.xrw) headers['x-requested-with'] = 'fetch';
          const reply = await send(method, path, { body: method === 'GET' ? undefined : r.body, headers });
          if (path === '/api/token/logout' && reply.status === 200) {
            expect(reply.body).toEqual({ ok: true });
            return;
          }
          expectCleanRefusal(reply, path);
        }),
        { numRuns: RUNS }
      );
    }
  );
});
