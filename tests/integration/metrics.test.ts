/**
 * Issue 29, OpenTelemetry metrics on a real Strapi over HTTP, the limiters and `delivery` at their
 * defaults. A MeterProvider with a reader is registered globally *after* Strapi booted (the meter
 * is created when first needed); logins (local, refused, custom), refreshes (ok, grace, reuse,
 * invalid), a rate-limited burst, a DPoP failure and revocations are performed; every instrument
 * and attribute value is asserted, and no attribute carries a user, e-mail, token, session id or IP.
 */
import { metrics as otel } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../helpers/http';
import { newProofKey, proof } from '../helpers/dpop';
import { DEMO_USER, LIMITERS_AT_DEFAULTS, startStrapi, type TestApp } from '../helpers/strapi';

let app: TestApp;
let provider: MeterProvider;
let reader: PeriodicExportingMetricReader;
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const mails: string[] = [];

beforeAll(async () => {
  app = await startStrapi({ ...LIMITERS_AT_DEFAULTS, plugin: { ...LIMITERS_AT_DEFAULTS.plugin, senderConstraint: 'optional' } });
  app.strapi.plugin('email').service('email').send = async (mail: { text: string }) => void mails.push(mail.text);
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  provider = new MeterProvider({ readers: [reader] });
  otel.setGlobalMeterProvider(provider);
});
afterAll(async () => {
  otel.disable();
  await provider?.shutdown();
  await app?.stop();
});

/** Every data point, as { name, attributes, value }. */
async function collected() {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      metric.dataPoints.map((point) => ({
        name: metric.descriptor.name,
        unit: metric.descriptor.unit,
        attributes: point.attributes as Record<string, string>,
        value: point.value as number | { count: number },
      }))
    )
  );
}
const sum = (points: Awaited<ReturnType<typeof collected>>, name: string, attributes: Record<string, string>) =>
  points
    .filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

let address = 0;
const from = () => `127.0.2.${++address}`;

describe('OpenTelemetry metrics', () => {
  it('counts each outcome and attribute, and no attribute names a user, token, session or IP', async () => {
    // Logins: local ok, local refused, custom (the playground's magic link), refused custom (blocked).
    const http = app.client(from());
    const login = await http.login(DEMO_USER.email, DEMO_USER.password);
    const sid = decodeJwt(login.body.jwt).sid as string;
    expect((await app.client(from()).login(DEMO_USER.email, 'wrong')).status).toBe(400);
    await app.client(from()).post('/api/magic-link/request', { json: { email: DEMO_USER.email } });
    const token = /token=([\w-]+)/.exec(mails.at(-1)!)![1];
    expect((await app.client(from()).post('/api/magic-link/verify', { json: { token } })).status).toBe(200);

    // Refreshes: ok, then two racing with the same token (one grace), an invalid one, a reuse.
    const before = [...http.jar];
    expect((await http.post('/api/token/refresh', { json: {} })).status).toBe(200);
    const racer = app.client(from());
    for (const [k, v] of before) racer.jar.set(k, v);
    expect((await racer.post('/api/token/refresh', { json: {} })).status).toBe(200); // the previous token within the grace period
    expect((await http.post('/api/token/refresh', { json: {} })).status).toBe(200);
    expect((await http.post('/api/token/refresh', { json: {} })).status).toBe(200);
    expect(
      (await app.client(from()).post('/api/token/refresh', { json: {}, headers: { cookie: 'strapi_refresh_token=junk' } })).status
    ).toBe(401);
    const thief = app.client(from());
    for (const [k, v] of before) thief.jar.set(k, v);
    expect((await thief.post('/api/token/refresh', { json: {} })).status).toBe(401); // two generations back: reuse
    expect((await app.strapi.db.connection('refresh_token_sessions').where({ document_id: sid }).first()).revoked_reason).toBe('reuse');

    // A burst from one client against the per-IP limit at its default (30 a minute).
    const burst = app.client(from());
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await burst.post('/api/token/refresh', { json: { refreshToken: 'x' } })).status);
    expect(statuses).toContain(429);

    // A DPoP proof replayed; a logout (revocation).
    const key = await newProofKey();
    const signed = await proof(key, 'POST', `${app.url}/api/auth/local`);
    const bound = app.client(from());
    expect(
      (
        await bound.post('/api/auth/local', {
          json: { identifier: DEMO_USER.email, password: DEMO_USER.password },
          headers: { dpop: signed },
        })
      ).status
    ).toBe(200);
    expect(
      (
        await app
          .client(from())
          .post('/api/auth/local', { json: { identifier: DEMO_USER.email, password: DEMO_USER.password }, headers: { dpop: signed } })
      ).status
    ).toBe(401);
    const other = await app.client(from()).login(DEMO_USER.email, DEMO_USER.password);
    expect((await app.client().post('/api/token/logout-all', { json: {}, bearer: other.body.jwt })).status).toBe(200);

    const points = await collected();
    expect(sum(points, 'refresh_token.logins', { method: 'local', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sum(points, 'refresh_token.logins', { method: 'local', outcome: 'refused' })).toBeGreaterThanOrEqual(1);
    expect(sum(points, 'refresh_token.logins', { method: 'custom', outcome: 'ok' })).toBe(1);
    expect(sum(points, 'refresh_token.refreshes', { outcome: 'ok' })).toBe(3);
    expect(sum(points, 'refresh_token.refreshes', { outcome: 'grace' })).toBe(1);
    expect(sum(points, 'refresh_token.refreshes', { outcome: 'reuse' })).toBe(1);
    expect(sum(points, 'refresh_token.refreshes', { outcome: 'invalid' })).toBe(1);
    expect(sum(points, 'refresh_token.refreshes', { outcome: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    expect(sum(points, 'refresh_token.rate_limited', { route: 'refresh' })).toBeGreaterThanOrEqual(1);
    expect(sum(points, 'refresh_token.dpop.failures', { reason: 'replayed' })).toBe(1);
    expect(sum(points, 'refresh_token.revocations', { reason: 'reuse' })).toBe(1);
    expect(sum(points, 'refresh_token.revocations', { reason: 'logout-all' })).toBeGreaterThanOrEqual(2);
    const durations = points.filter((p) => p.name === 'refresh_token.refresh.duration');
    expect(durations.length).toBeGreaterThan(0);
    expect(durations[0].unit).toBe('s');
    expect(sum(points, 'refresh_token.refresh.duration', {})).toBe(sum(points, 'refresh_token.refreshes', {}));
    const active = points.find((p) => p.name === 'refresh_token.sessions.active');
    const live = await app.strapi.plugin('refresh-token').service('sessions').countActive();
    expect(active?.value).toBe(live);

    // Attributes are the enums, nothing else: no user, e-mail, token, session id or IP.
    const allowed: Record<string, RegExp> = {
      outcome: /^(ok|grace|reuse|invalid|expired|unbound|rate_limited|unavailable|refused)$/,
      method: /^(local|provider|custom|exchange)$/,
      reason: /^[a-z_-]+$/,
      route: /^[a-z-]+$/,
    };
    const secrets = [sid, DEMO_USER.email, String(decodeJwt(login.body.jwt).id), '127.0.', login.body.jwt.slice(0, 20), token];
    for (const point of points) {
      for (const [name, value] of Object.entries(point.attributes)) {
        expect(allowed[name], `${point.name} has attribute ${name}`).toBeDefined();
        expect(value).toMatch(allowed[name]);
        for (const secret of secrets) expect(value).not.toContain(secret);
      }
    }
  });
});
