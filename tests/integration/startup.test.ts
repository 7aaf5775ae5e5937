/** Start-up: invalid config and the built-in refresh mode stop Strapi with a message naming the key. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/database';

const run = promisify(execFile);
const BOOT = path.resolve(__dirname, '../helpers/boot.cjs');

async function boot(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const db = await freshDatabase();
  try {
    const { stdout, stderr } = await run(process.execPath, [BOOT], {
      env: { ...process.env, ...db, LOG_LEVEL: 'error', SEED: 'false', ...env },
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('start-up', () => {
  it.each([
    [{ accessTokenLifespan: '15 minutes' }, 'accessTokenLifespan'],
    [{ accessTokenLifespan: '8d' }, 'accessTokenLifespan'],
    [{ refreshTokenIdleLifespan: '90d' }, 'refreshTokenIdleLifespan must not be longer than refreshTokenMaxLifespan'],
    [{ cookie: { sameSite: 'none', secure: false } }, "cookie.sameSite 'none' requires cookie.secure"],
    [{ delivery: 42 }, 'delivery'],
    [{ trustedOrigins: ['https://*.com'] }, "'https://*.com' would trust every site under the public suffix com"],
    [{ trustedOrigins: ['https://*.vercel.app'] }, 'public suffix vercel.app'],
  ])('refuses %j', async (config, message) => {
    const { code, output } = await boot({ REFRESH_TOKEN_CONFIG: JSON.stringify(config) });
    expect(code).not.toBe(0);
    expect(output).toContain('BOOT FAILED: Error regarding refresh-token config: invalid config');
    expect(output).toContain(message);
  });

  it("takes over from users-permissions' jwtManagement: 'refresh' (create-strapi's default) with one log line; refuses with builtInRefreshMode: 'refuse'", async () => {
    const builtIn = JSON.stringify({ jwtManagement: 'refresh', sessions: { httpOnly: true } });
    const takeOver = await boot({ UP_CONFIG: builtIn, LOG_LEVEL: 'info' });
    expect(takeOver.output).toContain('BOOTED');
    expect(takeOver.output.match(/users-permissions runs in 'legacy-support' mode/g)).toHaveLength(1);
    const refuse = await boot({ UP_CONFIG: builtIn, REFRESH_TOKEN_CONFIG: JSON.stringify({ builtInRefreshMode: 'refuse' }) });
    expect(refuse.code).not.toBe(0);
    expect(refuse.output).toContain("jwtManagement: 'refresh'");
    expect(refuse.output).toContain('Migrating from the built-in refresh mode');
  });

  it('signing.keys: every problem at once, each naming the key, never a private member', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const { d, ...publicOnly } = ec;
    const keys = [
      { ...publicOnly, kid: 'no-private', alg: 'ES256' },
      { ...ec, kid: 'twice', alg: 'ES256' },
      { ...ec, kid: 'twice', alg: 'ES256' },
      { ...ec, kid: 'wrong-alg', alg: 'ES512' },
      { ...ec, kid: 'misfit', alg: 'EdDSA' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hs', alg: 'HS256' },
    ];
    const { code, output } = await boot({ REFRESH_TOKEN_CONFIG: JSON.stringify({ signing: { keys } }) });
    expect(code).not.toBe(0);
    expect(output).toContain('invalid config (5 problems)');
    expect(output).toContain("signing.keys[0] (kid 'no-private'): the private part is missing (d)");
    expect(output).toContain("signing.keys[2] (kid 'twice'): the kid 'twice' is used by another key");
    expect(output).toContain("signing.keys[3] (kid 'wrong-alg'): alg must be ES256, EdDSA or RS256");
    expect(output).toContain("signing.keys[4] (kid 'misfit'): alg EdDSA needs kty OKP and crv Ed25519, got kty EC crv P-256");
    expect(output).toContain("signing.keys[5] (kid 'hs') is a symmetric (HS) secret");
    expect(output).not.toContain(d);
  });

  it('in production, senderConstraint without an absolute server.url stops start-up naming the key; with one it boots', async () => {
    const config = JSON.stringify({ senderConstraint: 'optional' });
    const env = { NODE_ENV: 'production', REFRESH_TOKEN_CONFIG: config, APP_KEYS: 'a,b', ADMIN_JWT_SECRET: 'x'.repeat(32) };
    const refused = await boot(env);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('server.url is not absolute');
    expect(refused.output).toContain('senderConstraint');
    const booted = await boot({ ...env, PUBLIC_URL: 'https://api.example.com' });
    expect(booted.output).toContain('BOOTED');
  });

  it('warns once at start-up when proxy trust is on without maxIpsCount', async () => {
    const unbounded = await boot({ PROXY: 'true', LOG_LEVEL: 'warn', REFRESH_TOKEN_CONFIG: '{}' });
    expect(unbounded.output).toContain('BOOTED');
    expect(unbounded.output).toContain('server.proxy.koa is on without server.proxy.maxIpsCount');
    const bounded = await boot({ PROXY: 'true', PROXY_HOPS: '1', LOG_LEVEL: 'warn', REFRESH_TOKEN_CONFIG: '{}' });
    expect(bounded.output).toContain('BOOTED');
    expect(bounded.output).not.toContain('maxIpsCount');
  });

  it('boots with the default config', async () => {
    const { code, output } = await boot({ REFRESH_TOKEN_CONFIG: '{}' });
    expect(output).toContain('BOOTED');
    expect(code).toBe(0);
  });

  it("boots with zero written as '0s' and '0m' where 0 is allowed", async () => {
    const { code, output } = await boot({ REFRESH_TOKEN_CONFIG: JSON.stringify({ reuseGracePeriod: '0s', strictCacheTtl: '0m' }) });
    expect(output).toContain('BOOTED');
    expect(code).toBe(0);
  });

  it('reports every config problem in one message, lifespan bounds included', async () => {
    const mixed = await boot({ REFRESH_TOKEN_CONFIG: JSON.stringify({ delivery: 'Both', unknownKey: 1, accessTokenLifespan: '8d' }) });
    expect(mixed.code).not.toBe(0);
    expect(mixed.output).toContain('invalid config (4 problems)');
    expect(mixed.output).toContain('accessTokenLifespan must be between 1 and 86400 seconds');

    const { code, output } = await boot({
      REFRESH_TOKEN_CONFIG: JSON.stringify({ accessTokenLifespan: '15x', delivery: 'header', trustedOrigins: ['*'] }),
    });
    expect(code).not.toBe(0);
    expect(output).toContain('invalid config (3 problems)');
    for (const key of ['accessTokenLifespan', 'delivery', 'trustedOrigins']) expect(output).toContain(key);
  });

  it("refuses sameSite 'none' without trustedOrigins", async () => {
    const { code, output } = await boot({ REFRESH_TOKEN_CONFIG: JSON.stringify({ cookie: { sameSite: 'none' } }) });
    expect(code).not.toBe(0);
    expect(output).toContain("cookie.sameSite 'none' requires trustedOrigins");
  });
});
