/**
 * OpenTelemetry metrics, through the app's global meter provider. No dependency: the provider is
 * read from the registry every copy of `@opentelemetry/api` 1.x shares on `globalThis`
 * (`Symbol.for('opentelemetry.js.api.1')`), so the app's provider is found whichever copy, and
 * whichever 1.x version, registered it; `@opentelemetry/api`'s own `metrics.getMeterProvider()`
 * would answer a no-op provider to a newer copy than the app's. Without a provider every call
 * here is a property read and a return: nothing is created, nothing breaks.
 *
 * The meter is created when first needed with a provider present, so an SDK started after the
 * plugin loaded still gets it. Attributes are low-cardinality enums only: never a user, e-mail,
 * token, session id or IP.
 */

/** The few parts of the OpenTelemetry metrics API used here. */
interface Attributes {
  [name: string]: string;
}
interface Counter {
  add(value: number, attributes?: Attributes): void;
}
interface Histogram {
  record(value: number, attributes?: Attributes): void;
}
interface ObservableResult {
  observe(value: number, attributes?: Attributes): void;
}
interface ObservableGauge {
  addCallback(callback: (result: ObservableResult) => void | Promise<void>): void;
}
interface Meter {
  createCounter(name: string, options?: { description?: string; unit?: string }): Counter;
  createHistogram(name: string, options?: { description?: string; unit?: string; advice?: object }): Histogram;
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): ObservableGauge;
}
interface MeterProvider {
  getMeter(name: string, version?: string): Meter;
}

export type RefreshOutcome = 'ok' | 'grace' | 'reuse' | 'invalid' | 'expired' | 'unbound' | 'rate_limited' | 'unavailable';
export type LoginMethod = 'local' | 'provider' | 'custom' | 'exchange';
export type DpopFailure = 'invalid' | 'replayed' | 'missing' | 'wrong_key';

const REGISTRY = Symbol.for('opentelemetry.js.api.1');
const METER_NAME = 'strapi-plugin-refresh-token';

interface Instruments {
  provider: MeterProvider;
  refreshes: Counter;
  logins: Counter;
  revocations: Counter;
  rateLimited: Counter;
  dpopFailures: Counter;
  refreshDuration: Histogram;
}

let instruments: Instruments | null = null;
let activeSessions: (() => Promise<number>) | null = null;
/** The admin's activity counts hear every record too, provider or not. */
let listener: ((kind: string, count: number) => void) | null = null;

function globalProvider(): MeterProvider | undefined {
  return (globalThis as { [REGISTRY]?: { metrics?: MeterProvider } })[REGISTRY]?.metrics;
}

/** The instruments of the current global provider; null while none is registered. */
function current(): Instruments | null {
  const provider = globalProvider();
  if (!provider) return null;
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(METER_NAME);
  instruments = {
    provider,
    refreshes: meter.createCounter('refresh_token.refreshes', { description: 'Refresh requests, by outcome' }),
    logins: meter.createCounter('refresh_token.logins', { description: 'Logins that issue a session, by method and outcome' }),
    revocations: meter.createCounter('refresh_token.revocations', { description: 'Sessions revoked, by reason' }),
    rateLimited: meter.createCounter('refresh_token.rate_limited', { description: 'Requests refused by the rate limiter, by route' }),
    dpopFailures: meter.createCounter('refresh_token.dpop.failures', { description: 'DPoP proofs refused, by reason' }),
    refreshDuration: meter.createHistogram('refresh_token.refresh.duration', {
      description: 'Time to answer a refresh request',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
    }),
  };
  const gauge = meter.createObservableGauge('refresh_token.sessions.active', { description: 'Live sessions in the table' });
  gauge.addCallback(async (result) => {
    if (activeSessions) result.observe(await activeSessions());
  });
  return instruments;
}

export const metrics = {
  refresh(outcome: RefreshOutcome, seconds?: number): void {
    listener?.(`refresh:${outcome}`, 1);
    const i = current();
    if (!i) return;
    i.refreshes.add(1, { outcome });
    if (seconds !== undefined) i.refreshDuration.record(seconds, { outcome });
  },
  login(method: LoginMethod, outcome: 'ok' | 'refused'): void {
    listener?.(`login:${outcome}`, 1);
    current()?.logins.add(1, { method, outcome });
  },
  revocation(reason: string, count = 1): void {
    if (count <= 0) return;
    listener?.(`revocation:${reason}`, count);
    current()?.revocations.add(count, { reason });
  },
  rateLimited(route: string): void {
    current()?.rateLimited.add(1, { route });
  },
  dpopFailure(reason: DpopFailure): void {
    current()?.dpopFailures.add(1, { reason });
  },
  /** Every record also goes to `listen` (the admin's activity counts); null stops it. */
  forward(listen: ((kind: string, count: number) => void) | null): void {
    listener = listen;
  },
  /**
   * The gauge `refresh_token.sessions.active` reads `count` at most once a minute per instance
   * (the last value is observed in between), so a scrape never queries the table each time.
   */
  watchActiveSessions(count: () => Promise<number>, everyMs = 60_000): void {
    let last: { value: number; at: number } | null = null;
    activeSessions = async () => {
      if (!last || Date.now() - last.at >= everyMs) last = { value: await count(), at: Date.now() };
      return last.value;
    };
    current(); // a provider registered before start-up gets the instruments (and the gauge) now, others at the first request
  },
};
