/** Pure pieces of the client: JWT claims, expiry on the local clock, refresh margin and timing. */
import { describe, expect, it } from 'vitest';
import { accessTokenExpiry, decodeJwt, defaultRefreshMargin, memoryStorage, needsRefresh } from '../../client/src';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`;

describe('decodeJwt', () => {
  it('reads the payload of a compact JWS without checking the signature', () => {
    expect(decodeJwt(jwt({ id: 7, sid: 'abc', iat: 100, exp: 103 }))).toEqual({ id: 7, sid: 'abc', iat: 100, exp: 103 });
  });
  it('decodes base64url with unicode and without padding', () => {
    expect(decodeJwt(jwt({ name: 'Zoë ✓', n: 1 }))).toEqual({ name: 'Zoë ✓', n: 1 });
  });
  it.each([
    '',
    'abc',
    'a.b',
    'a.b.c.d',
    `x.${Buffer.from('not json').toString('base64url')}.y`,
    `x.${b64([1, 2])}.y`,
    `x.${b64(null)}.y`,
    `x.${b64('str')}.y`,
  ])('returns null for %j', (token) => {
    expect(decodeJwt(token)).toBeNull();
  });
});

describe('accessTokenExpiry', () => {
  it('is exp * 1000 when the clocks agree', () => {
    const sentAt = 1_000_000_500;
    expect(accessTokenExpiry({ iat: 1_000_000, exp: 1_000_003 }, sentAt, sentAt + 20)).toBe(1_000_003_000);
  });
  it('is null without a numeric exp', () => {
    expect(accessTokenExpiry({ iat: 1 }, 0)).toBeNull();
    expect(accessTokenExpiry({ exp: 'soon' as unknown as number }, 0)).toBeNull();
    expect(accessTokenExpiry(null, 0)).toBeNull();
  });
  it('uses exp as is without iat', () => {
    expect(accessTokenExpiry({ exp: 50 }, 999_999)).toBe(50_000);
  });
  it('clamps a local clock running late: never later than receivedAt + lifespan', () => {
    // server says exp = 1003 s, but the local clock reads 500 s at receipt: the token lives 3 s from now at most
    expect(accessTokenExpiry({ iat: 1000, exp: 1003 }, 499_900, 500_000)).toBe(503_000);
  });
  it('clamps a local clock running early: never earlier than sentAt + lifespan - 1 s', () => {
    expect(accessTokenExpiry({ iat: 1000, exp: 1003 }, 9_000_000, 9_000_050)).toBe(9_002_000);
  });
});

describe('defaultRefreshMargin and needsRefresh', () => {
  it('is a quarter of the lifespan, capped at 30 s', () => {
    expect(defaultRefreshMargin(3000)).toBe(750);
    expect(defaultRefreshMargin(60_000)).toBe(15_000);
    expect(defaultRefreshMargin(15 * 60_000)).toBe(30_000);
    expect(defaultRefreshMargin(0)).toBe(0);
    expect(defaultRefreshMargin(Number.NaN)).toBe(0);
  });
  it('refreshes from expiresAt - margin on, never for an unknown expiry', () => {
    expect(needsRefresh(10_000, 750, 9_249)).toBe(false);
    expect(needsRefresh(10_000, 750, 9_250)).toBe(true);
    expect(needsRefresh(10_000, 750, 20_000)).toBe(true);
    expect(needsRefresh(null, 750, 1e15)).toBe(false);
  });
});

describe('memoryStorage', () => {
  it('keeps one token per store', async () => {
    const a = memoryStorage();
    const b = memoryStorage();
    await a.set('one');
    expect(await a.get()).toBe('one');
    expect(await b.get()).toBeNull();
    await a.remove();
    expect(await a.get()).toBeNull();
  });
});
