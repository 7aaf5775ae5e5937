/**
 * One client's traffic never rate-limits another user, with the limiters at their defaults
 * (30 requests a minute per IP and route, and per session): forged tokens naming a victim's
 * session id count against nobody but their sender.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../helpers/http';
import { LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

describe('limits that protect one user from another', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, plugin: { ...LIMITERS_AT_DEFAULTS.plugin, delivery: 'both' } });
  });
  afterAll(() => app?.stop());

  it("forged <sid>.<junk> tokens from another IP do not use up the victim's session bucket", async () => {
    const user = await app.createUser();
    const victim = app.client();
    const login = await victim.login(user.email, user.password);
    expect(login.status).toBe(200);
    const sid = decodeJwt(login.body.jwt).sid as string;
    const attacker = app.client('127.0.0.2');
    const statuses: number[] = [];
    for (let i = 0; i < 64; i++) {
      const forged = `${sid}.${randomBytes(32).toString('base64url')}`;
      const path = i % 2 ? '/api/token/refresh' : '/api/token/logout';
      statuses.push((await attacker.post(path, { json: { refreshToken: forged }, noJar: true })).status);
    }
    expect(statuses).toContain(401); // forged refreshes are unknown
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0); // the attacker's own IP is limited
    const refreshed = await victim.post('/api/token/refresh', { json: { refreshToken: login.body.refreshToken }, noJar: true });
    expect(refreshed.status, refreshed.text).toBe(200);
    const logout = await victim.post('/api/token/logout', { json: { refreshToken: refreshed.body.refreshToken }, noJar: true });
    expect(logout.status, logout.text).toBe(200);
  });
});
