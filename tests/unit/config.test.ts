import { describe, expect, it } from 'vitest';
import { defaultConfig, lifespanErrors, lifespansOf } from '../../server/src/config';
import { validateConfig } from '../../server/src/config/schema';
import { cookieMaxAge, cookieSettings } from '../../server/src/http/cookie';

const withConfig = (patch: Record<string, unknown>) => ({ ...defaultConfig, ...patch });

describe('config validator', () => {
  it('reports schema and lifespan-rule mistakes in one message', () => {
    const attempt = () => validateConfig(withConfig({ delivery: 'Both', unknownKey: 1, accessTokenLifespan: '8d' }));
    expect(attempt).toThrow(/invalid config \(4 problems\)/);
    for (const part of [
      /delivery must be one of/,
      /unknown config key: unknownKey/,
      /accessTokenLifespan must be between 1 and 86400 seconds/,
      /accessTokenLifespan must be shorter/,
    ]) {
      expect(attempt).toThrow(part);
    }
  });

  it('accepts the builtInRefreshMode values and a 16+ character proxySecret, refuses others', () => {
    expect(() => validateConfig(withConfig({ builtInRefreshMode: 'refuse', proxySecret: 'x'.repeat(16) }))).not.toThrow();
    expect(() => validateConfig(withConfig({ builtInRefreshMode: 'no' }))).toThrow(/builtInRefreshMode must be 'take-over' or 'refuse'/);
    expect(() => validateConfig(withConfig({ proxySecret: 'short' }))).toThrow(/proxySecret must be at least 16 characters/);
  });

  it('accepts the defaults', () => {
    expect(() => validateConfig(defaultConfig)).not.toThrow();
    expect(lifespansOf(defaultConfig)).toEqual({
      accessTokenLifespan: 900,
      refreshTokenIdleLifespan: 604800,
      refreshTokenMaxLifespan: 2592000,
      reuseGracePeriod: 10,
      sessionOnlyIdleLifespan: 86400,
    });
    // Unset, the remember-me-off idle lifespan never exceeds the idle lifespan.
    expect(lifespansOf({ ...defaultConfig, refreshTokenIdleLifespan: '1h' }).sessionOnlyIdleLifespan).toBe(3600);
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
    [{ sessionOnlyIdleLifespan: '30d' }, /sessionOnlyIdleLifespan must not be longer than refreshTokenIdleLifespan/],
    [{ sessionOnlyIdleLifespan: '5m' }, /sessionOnlyIdleLifespan must be longer than accessTokenLifespan/],
    [{ maxSessionsPerUser: 0 }, /maxSessionsPerUser must be at least 1/],
    [{ maxSessionsPerUser: '3' }, /maxSessionsPerUser/],
    [{ newDevice: { enabled: true, lookback: '30d', email: { subject: 'x' } } }, /newDevice.email/],
    [{ rateLimit: { enabled: true, interval: '1m', max: 0, store: 'memory' } }, /rateLimit.max/],
    [{ rateLimit: { enabled: true, interval: '1m', max: 5, store: 'redis' } }, /rateLimit.store 'redis' needs rateLimit.redis/],
    [{ rateLimit: { enabled: true, interval: '1m', max: 5, store: 'disk' } }, /rateLimit.store/],
    [{ trustedOrigins: 'https://app.example.com' }, /trustedOrigins must be an array/],
    [{ trustedOrigins: ['*'] }, /trustedOrigins: '\*' would trust every site/],
    [{ trustedOrigins: ['https://app.example.com/'] }, /trustedOrigins: 'https:\/\/app.example.com\/' is not an origin/],
    [{ trustedOrigins: ['app.example.com'] }, /is not an origin/],
    [{ trustedOrigins: ['https://app.*.com'] }, /is not an origin/],
    [{ cookie: { ...defaultConfig.cookie, sameSite: 'none' } }, /sameSite 'none' requires trustedOrigins/],
  ])('refuses %j naming the key', (patch, message) => {
    expect(() => validateConfig(withConfig(patch))).toThrow(message);
  });

  it('allows a zero grace period and SameSite=None with secure auto and trusted origins', () => {
    expect(() =>
      validateConfig(
        withConfig({
          reuseGracePeriod: 0,
          cookie: { ...defaultConfig.cookie, sameSite: 'none' },
          trustedOrigins: ['https://app.example.com'],
        })
      )
    ).not.toThrow();
  });

  it.each([[0], ['0'], ['0s'], ['0m'], ['0h'], ['0d'], [' 0 s ']])('accepts %j wherever 0 is allowed', (zero) => {
    const config = withConfig({
      reuseGracePeriod: zero,
      strictCacheTtl: zero,
      cleanup: { ...defaultConfig.cleanup, retainRevokedFor: zero },
    });
    expect(() => validateConfig(config)).not.toThrow();
    expect(lifespansOf(config).reuseGracePeriod).toBe(0);
  });

  it('reports every problem at once, each naming its key', () => {
    let message = '';
    try {
      validateConfig(withConfig({ accessTokenLifespan: '15x', delivery: 'header', strict: 'yes', trustedOrigins: ['*'] }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid config \(4 problems\):/);
    for (const key of ['accessTokenLifespan', 'delivery', 'strict', 'trustedOrigins']) expect(message).toContain(key);
  });

  it('accepts exact origins and the two wildcard forms', () => {
    const trustedOrigins = [
      'https://app.example.com',
      'http://localhost:5173',
      'https://*.example.com',
      'http://localhost:*',
      'http://[::1]:3000',
    ];
    expect(() => validateConfig(withConfig({ trustedOrigins }))).not.toThrow();
  });

  it('lifespanErrors reports every broken bound', () => {
    expect(
      lifespanErrors({
        accessTokenLifespan: 0,
        refreshTokenIdleLifespan: 10,
        refreshTokenMaxLifespan: 5,
        reuseGracePeriod: 1000,
        sessionOnlyIdleLifespan: 20,
      }).map(([k]) => k)
    ).toEqual(expect.arrayContaining(['accessTokenLifespan', 'refreshTokenIdleLifespan', 'refreshTokenMaxLifespan', 'reuseGracePeriod']));
  });
});

describe('cookie options', () => {
  it('are httpOnly, signed, scoped and not Secure outside production with secure auto', () => {
    const { name, options } = cookieSettings(defaultConfig.cookie, 'development');
    expect(name).toBe('strapi_refresh_token');
    expect(options).toMatchObject({ httpOnly: true, signed: true, secure: false, sameSite: 'lax', path: '/api/token' });
  });

  it('are Secure with the __Secure- prefix in production, or when secure is true', () => {
    expect(cookieSettings(defaultConfig.cookie, 'production')).toMatchObject({
      name: '__Secure-strapi_refresh_token',
      options: { secure: true },
    });
    expect(cookieSettings({ ...defaultConfig.cookie, secure: true }, 'development').options.secure).toBe(true);
    expect(cookieSettings({ ...defaultConfig.cookie, secure: false }, 'production').options.secure).toBe(false);
    expect(cookieSettings({ ...defaultConfig.cookie, domain: 'example.com' }).options.domain).toBe('example.com');
  });

  it('never outlive the session', () => {
    expect(cookieMaxAge(10_000, 4_000)).toBe(6_000);
    expect(cookieMaxAge(1_000, 4_000)).toBe(0);
  });
});

describe('supported Strapi versions', () => {
  it('accepts 5.20.0 and newer 5.x, refuses older 5.x and other majors with a message naming the version', async () => {
    const { unsupportedStrapi } = await import('../../server/src/config/compatibility');
    for (const ok of ['5.20.0', '5.20.1', '5.36.1', '5.54.0', '5.100.0']) expect(unsupportedStrapi(ok), ok).toBeNull();
    expect(unsupportedStrapi('5.19.0')).toContain('Strapi 5.19.0');
    expect(unsupportedStrapi('5.0.6')).toContain('5.20.0 or newer');
    expect(unsupportedStrapi('4.25.0')).toContain('Strapi 4.25.0');
    expect(unsupportedStrapi(undefined)).toBeNull();
  });
});
