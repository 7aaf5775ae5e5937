import { describe, expect, it } from 'vitest';
import { defaultConfig, lifespanErrors, lifespansOf, validateConfig } from '../../server/src/config';
import { cookieMaxAge, cookieSettings } from '../../server/src/cookie';

const withConfig = (patch: Record<string, unknown>) => ({ ...defaultConfig, ...patch });

describe('config validator', () => {
  it('accepts the defaults', () => {
    expect(() => validateConfig(defaultConfig)).not.toThrow();
    expect(lifespansOf(defaultConfig)).toEqual({ accessTokenLifespan: 900, refreshTokenIdleLifespan: 604800, refreshTokenMaxLifespan: 2592000, reuseGracePeriod: 10 });
  });

  it.each([
    [{ accessTokenLifespan: '15x' }, /accessTokenLifespan/],
    [{ accessTokenLifespan: true }, /accessTokenLifespan/],
    [{ refreshTokenIdleLifespan: -5 }, /refreshTokenIdleLifespan/],
    [{ accessTokenLifespan: '2h', refreshTokenIdleLifespan: '1h' }, /accessTokenLifespan must be shorter than refreshTokenIdleLifespan/],
    [{ refreshTokenIdleLifespan: '60d' }, /refreshTokenIdleLifespan must not be longer than refreshTokenMaxLifespan/],
    [{ delivery: 'header' }, /delivery/],
    [{ cookie: { ...defaultConfig.cookie, sameSite: 'none', secure: false } }, /sameSite 'none' requires cookie.secure/],
    [{ cookie: { ...defaultConfig.cookie, sameSite: 'sometimes' } }, /cookie.sameSite/],
    [{ cookie: { ...defaultConfig.cookie, path: 'api' } }, /cookie.path/],
    [{ strict: 'yes' }, /strict/],
    [{ acessTokenLifespan: '5m' }, /unknown config key: acessTokenLifespan/],
    [{ rateLimit: { enabled: true, interval: '1m', max: 0 } }, /rateLimit.max/],
  ])('refuses %j naming the key', (patch, message) => {
    expect(() => validateConfig(withConfig(patch))).toThrow(message);
  });

  it('allows a zero grace period and SameSite=None with secure auto', () => {
    expect(() => validateConfig(withConfig({ reuseGracePeriod: 0, cookie: { ...defaultConfig.cookie, sameSite: 'none' } }))).not.toThrow();
  });

  it('lifespanErrors reports every broken bound', () => {
    expect(lifespanErrors({ accessTokenLifespan: 0, refreshTokenIdleLifespan: 10, refreshTokenMaxLifespan: 5, reuseGracePeriod: 1000 }).map(([k]) => k)).toEqual(
      expect.arrayContaining(['accessTokenLifespan', 'refreshTokenIdleLifespan', 'refreshTokenMaxLifespan', 'reuseGracePeriod'])
    );
  });
});

describe('cookie options', () => {
  it('are httpOnly, signed, scoped and not Secure outside production with secure auto', () => {
    const { name, options } = cookieSettings(defaultConfig.cookie, 'development');
    expect(name).toBe('strapi_refresh_token');
    expect(options).toMatchObject({ httpOnly: true, signed: true, secure: false, sameSite: 'lax', path: '/api/token' });
  });

  it('are Secure with the __Secure- prefix in production, or when secure is true', () => {
    expect(cookieSettings(defaultConfig.cookie, 'production')).toMatchObject({ name: '__Secure-strapi_refresh_token', options: { secure: true } });
    expect(cookieSettings({ ...defaultConfig.cookie, secure: true }, 'development').options.secure).toBe(true);
    expect(cookieSettings({ ...defaultConfig.cookie, secure: false }, 'production').options.secure).toBe(false);
    expect(cookieSettings({ ...defaultConfig.cookie, domain: 'example.com' }).options.domain).toBe('example.com');
  });

  it('never outlive the session', () => {
    expect(cookieMaxAge(10_000, 4_000)).toBe(6_000);
    expect(cookieMaxAge(1_000, 4_000)).toBe(0);
  });
});
