/**
 * The metrics module without Strapi: nothing is created without a global provider, the instruments
 * appear once one is registered (after the module loaded), and what one refresh's recording costs
 * with the SDK (printed; the bench's per-request CPU figure cannot resolve a few µs on this machine).
 */
import { metrics as otel } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { metrics } from '../../server/src/services/metrics';

afterAll(() => otel.disable());

describe('metrics', () => {
  it('without a provider, recording is a no-op; a provider registered later gets the instruments', async () => {
    otel.disable();
    expect(() => metrics.refresh('ok', 0.002)).not.toThrow();
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    otel.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    metrics.refresh('ok', 0.002);
    metrics.login('custom', 'ok');
    const names = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toEqual(expect.arrayContaining(['refresh_token.refreshes', 'refresh_token.refresh.duration', 'refresh_token.logins']));
  });

  it('costs a few µs per refresh with the SDK registered (printed)', () => {
    const runs = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) metrics.refresh('ok', 0.002 + (i % 10) / 1000);
    const perCall = Number(process.hrtime.bigint() - started) / runs / 1000;
    console.log(`metrics.refresh with an SDK MeterProvider: ${perCall.toFixed(2)} µs a call (counter + histogram)`);
    otel.disable();
    const idleStarted = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) metrics.refresh('ok', 0.002);
    console.log(`without a provider: ${(Number(process.hrtime.bigint() - idleStarted) / runs / 1000).toFixed(3)} µs a call`);
    expect(perCall).toBeGreaterThan(0);
  });
});
