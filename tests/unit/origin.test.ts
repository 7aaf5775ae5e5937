import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { originPatternError, originPolicy } from '../../server/src/config/trusted-origins';

const own = ['https://api.example.com'];

describe('trusted origins', () => {
  it('exact entries match exactly (case-insensitive), nothing else', () => {
    const policy = originPolicy(['https://app.example.com', 'http://localhost:5173'], 'production');
    expect(policy.allows('https://app.example.com', own)).toBe(true);
    expect(policy.allows('HTTPS://APP.EXAMPLE.COM', own)).toBe(true);
    expect(policy.allows('http://localhost:5173', own)).toBe(true);
    for (const origin of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://evil.app.example.com',
      'https://app.example.com.evil.io',
      'http://localhost:5174',
      'null',
    ]) {
      expect(policy.allows(origin, own), origin).toBe(false);
    }
  });

  it('the server itself always counts', () => {
    expect(originPolicy([], 'production').allows('https://api.example.com', own)).toBe(true);
    expect(originPolicy(undefined, 'production').allows('https://api.example.com', own)).toBe(true);
  });

  it('*.domain matches subdomains at any depth over the same scheme, not the domain itself nor look-alikes', () => {
    const policy = originPolicy(['https://*.example.com'], 'production');
    expect(policy.allows('https://a.example.com', own)).toBe(true);
    expect(policy.allows('https://a.b.example.com', own)).toBe(true);
    for (const origin of [
      'https://example.com',
      'http://a.example.com',
      'https://a.example.com.evil.io',
      'https://aexample.com',
      'https://a.example.com:444',
    ]) {
      expect(policy.allows(origin, own), origin).toBe(false);
    }
  });

  it('refuses a wildcard over a public suffix (ICANN or private: shared hosts), accepts one over a registrable domain', () => {
    for (const entry of ['https://*.com', 'https://*.co.uk', 'https://*.vercel.app', 'https://*.github.io', 'http://*.herokuapp.com']) {
      expect(originPatternError(entry), entry).toMatch(/public suffix/);
    }
    for (const entry of ['https://*.example.com', 'https://*.example.co.uk', 'https://*.my-app.vercel.app', 'https://app.vercel.app']) {
      expect(originPatternError(entry), entry).toBeNull();
    }
  });

  it('host:* matches any port of that host only', () => {
    const policy = originPolicy(['http://localhost:*'], 'production');
    expect(policy.allows('http://localhost', own)).toBe(true);
    expect(policy.allows('http://localhost:3000', own)).toBe(true);
    expect(policy.allows('http://localhost.evil.io:3000', own)).toBe(false);
    expect(policy.allows('https://localhost:3000', own)).toBe(false);
  });

  it('without trustedOrigins: development trusts this machine on any port, production nothing but itself', () => {
    const dev = originPolicy(undefined, 'development');
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://localhost'])
      expect(dev.allows(origin, own), origin).toBe(true);
    for (const origin of ['https://evil.example', 'http://localhost.evil.io', 'http://127.0.0.2:3000', 'null'])
      expect(dev.allows(origin, own), origin).toBe(false);
    expect(originPolicy(undefined, 'production').allows('http://localhost:5173', own)).toBe(false);
  });

  it('no random origin is trusted by a list that does not name it', () => {
    const policy = originPolicy(['https://app.example.com', 'https://*.trusted.io'], 'production');
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const origin = new URL(url).origin;
        const expected = origin === 'https://app.example.com' || /^https:\/\/([a-z0-9-]+\.)+trusted\.io$/.test(origin) || origin === own[0];
        return policy.allows(origin, own) === expected;
      }),
      { numRuns: 500 }
    );
  });

  it('entries are validated: no bare *, no null, no paths', () => {
    expect(originPatternError('https://app.example.com')).toBeNull();
    expect(originPatternError('*')).toMatch(/every site/);
    expect(originPatternError('null')).toMatch(/every site/);
    expect(originPatternError('https://app.example.com/path')).toMatch(/not an origin/);
    expect(originPatternError('https://*')).toMatch(/not an origin/);
    expect(originPatternError(42)).toMatch(/not a string/);
  });
});
