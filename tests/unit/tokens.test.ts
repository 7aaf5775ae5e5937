import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import {
  createSigningKeys,
  digestsEqual,
  formatRefreshToken,
  generationsBehind,
  hashSecret,
  newSecret,
  newSessionId,
  parseRefreshToken,
  signAccessToken,
  accessClaims,
  successorSecret,
  verifyAccessToken,
} from '../../server/src/tokens';

const keys = createSigningKeys('unit-test-secret');

describe('refresh tokens', () => {
  it('carry 256 random bits and a 128-bit session id, and parse back', () => {
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(Buffer.from(newSessionId(), 'base64url')).toHaveLength(16);
    const token = formatRefreshToken({ sessionId: newSessionId(), secret });
    expect(parseRefreshToken(token)).toEqual({ sessionId: token.slice(0, 22), secret });
    expect(new Set(Array.from({ length: 1000 }, newSecret)).size).toBe(1000);
  });

  it('refuses anything that is not exactly <22 chars>.<43 chars> of base64url', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const parsed = parseRefreshToken(s);
        return parsed === null || formatRefreshToken(parsed) === s;
      })
    );
    const good = formatRefreshToken({ sessionId: newSessionId(), secret: newSecret() });
    expect(parseRefreshToken(good.replace('.', '_'))).toBeNull();
    expect(parseRefreshToken(`${good}x`)).toBeNull();
    expect(parseRefreshToken(good.slice(0, -1) + '=')).toBeNull();
  });

  it('hashes deterministically and compares digests in constant time, refusing non-strings', () => {
    const secret = newSecret();
    expect(hashSecret(secret)).toBe(hashSecret(secret));
    expect(hashSecret(secret)).not.toBe(secret);
    expect(digestsEqual(hashSecret(secret), hashSecret(secret))).toBe(true);
    expect(digestsEqual(hashSecret(secret), hashSecret(newSecret()))).toBe(false);
    expect(digestsEqual(hashSecret(secret), null)).toBe(false);
    expect(digestsEqual('short', 'longer')).toBe(false);
  });

  it('derives the successor from the token and the server key only: same input, same successor; other key, other successor', () => {
    const sid = newSessionId();
    const secret = newSecret();
    const next = successorSecret(keys.rotationKey, sid, secret);
    expect(next).toBe(successorSecret(keys.rotationKey, sid, secret));
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next).not.toBe(successorSecret(createSigningKeys('another').rotationKey, sid, secret));
    expect(next).not.toBe(successorSecret(keys.rotationKey, newSessionId(), secret));
  });
});

describe('lineage: which secrets a session really issued', () => {
  const chain = (sid: string, first: string, length: number) => {
    const secrets = [first];
    for (let i = 1; i < length; i++) secrets.push(successorSecret(keys.rotationKey, sid, secrets[i - 1]));
    return secrets;
  };

  it('finds every earlier secret of the chain at its distance from the live one, within the bound', () => {
    const sid = newSessionId();
    const secrets = chain(sid, newSecret(), 12);
    const live = hashSecret(secrets[11]);
    for (let i = 0; i < 11; i++) expect(generationsBehind(keys.rotationKey, sid, secrets[i], live, 100)).toBe(11 - i);
    // Older than the bound: not traced.
    expect(generationsBehind(keys.rotationKey, sid, secrets[0], live, 10)).toBeNull();
  });

  it('never finds a forged secret, nor a real one under another session id or key', () => {
    const sid = newSessionId();
    const secrets = chain(sid, newSecret(), 5);
    const live = hashSecret(secrets[4]);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (bytes) => generationsBehind(keys.rotationKey, sid, Buffer.from(bytes).toString('base64url'), live, 20) === null
      ),
      { numRuns: 200 }
    );
    expect(generationsBehind(keys.rotationKey, newSessionId(), secrets[0], live, 20)).toBeNull();
    expect(generationsBehind(createSigningKeys('another').rotationKey, sid, secrets[0], live, 20)).toBeNull();
  });

  it('costs a few microseconds a generation (printed, not asserted)', () => {
    const sid = newSessionId();
    const live = hashSecret(newSecret());
    generationsBehind(keys.rotationKey, sid, newSecret(), live, 100);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) generationsBehind(keys.rotationKey, sid, newSecret(), live, 100);
    const perLookup = Number(process.hrtime.bigint() - started) / 20 / 1000;
    console.log(`forged-token check, 100 generations: ${perLookup.toFixed(0)} µs (${(perLookup / 100).toFixed(1)} µs a generation)`);
    expect(perLookup).toBeGreaterThan(0);
  });
});

describe('access tokens', () => {
  it('are users-permissions JWTs (id claim, same secret) carrying sid, auth_time, a unique jti and the lifespan', () => {
    const token = signAccessToken(keys, accessClaims(7, 'sid-123', 120, 1_700_000_000_500));
    const claims = jwt.verify(token, 'unit-test-secret', { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ id: 7, sid: 'sid-123', auth_time: 1_700_000_000 });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(verifyAccessToken(keys, token).id).toBe(7);
    // Two tokens in the same second differ.
    const again = signAccessToken(keys, accessClaims(7, 'sid-123', 120, 1_700_000_000_500));
    expect(again).not.toBe(token);
    expect(jwt.decode(again)).toMatchObject({ jti: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    expect((jwt.decode(again) as jwt.JwtPayload).jti).not.toBe(claims.jti);
  });

  it('pin the algorithm: alg none, another HMAC size or another secret are refused', () => {
    const payload = { id: 1, sid: 'x' };
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    expect(() => verifyAccessToken(keys, none)).toThrow();
    expect(() => verifyAccessToken(keys, jwt.sign(payload, 'unit-test-secret', { algorithm: 'HS512' }))).toThrow();
    expect(() => verifyAccessToken(keys, jwt.sign(payload, 'wrong', { algorithm: 'HS256' }))).toThrow();
  });

  it('previous secrets still verify their HS tokens; a secret never listed does not', () => {
    const rotated = createSigningKeys('the-new-secret', 'HS256', ['unit-test-secret']);
    const old = signAccessToken(keys, accessClaims(7, 'sid-1', 120, Date.now()));
    expect(verifyAccessToken(rotated, old).id).toBe(7);
    expect(() => verifyAccessToken(createSigningKeys('the-new-secret'), old)).toThrow();
  });

  it('refuse a non-HMAC algorithm at start-up', () => {
    expect(() => createSigningKeys('s', 'RS256')).toThrow(/HMAC/);
    expect(createSigningKeys('s', 'HS512').algorithm).toBe('HS512');
  });
});
