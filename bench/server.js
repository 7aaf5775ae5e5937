'use strict';
/**
 * One benchmarked Strapi: the playground app booted in THIS process (a child of bench/run.js),
 * configured entirely through the environment the parent passes (DB, DATABASE_FILENAME,
 * REFRESH_TOKEN_CONFIG, REFRESH_TOKEN_DISABLED, UP_CONFIG, ...). Talks to the parent over IPC:
 * sends { type: 'ready', url } once listening; on { type: 'stop' } destroys Strapi and exits 0
 * (so that `node --cpu-prof` writes its profile). Exits on its own if the parent goes away.
 */
const path = require('node:path');

const PLAYGROUND = path.resolve(__dirname, '..', 'playground');
const port = Number(process.env.BENCH_PORT || 0);

let strapi;
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const hardExit = setTimeout(() => process.exit(code), 5000);
  hardExit.unref();
  try {
    if (strapi) await strapi.destroy();
  } catch {
    // exiting anyway
  }
  process.exit(code);
}

/** HTTP requests accepted and not yet answered: the parent waits for 0 between measurements. */
let inflight = 0;

// Soak figures: event-loop delay since the last 'stats' message, and this process's memory.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', async (message) => {
  if (message && message.type === 'stop') stop(0);
  if (message && message.type === 'stats') {
    const rows = await strapi.db.connection('refresh_token_sessions').count({ n: 'id' });
    process.send({
      type: 'stats',
      id: message.id,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      heapMb: process.memoryUsage().heapUsed / 2 ** 20,
      loopP99Ms: loopDelay.percentile(99) / 1e6,
      loopMaxMs: loopDelay.max / 1e6,
      sessions: Number(rows[0].n),
    });
    loopDelay.reset();
  }
  if (message && message.type === 'prefill') {
    await prefillLimiter(strapi, message.n);
    process.send({ type: 'prefilled', id: message.id });
  }
  if (message && message.type === 'purge') {
    const result = await strapi.plugin('refresh-token').service('sessions').purge({ retainRevokedMs: 0, batchSize: 1000 });
    process.send({ type: 'purged', id: message.id, ...result });
  }
  if (message && message.type === 'inflight') process.send({ type: 'inflight', id: message.id, n: inflight });
});
process.on('disconnect', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));

/**
 * Bench-only experiment (mode U): put back users-permissions' own `jwt.verify`, which hands the
 * jwtSecret STRING to jsonwebtoken on every authenticated request (a failed PEM parse and an
 * exception per call), in place of whatever the plugin installed (a KeyObject made once). Comparing
 * U with A measures what the KeyObject buys per authenticated request, end to end.
 */
function restoreStockUpVerify(strapi) {
  const upDir = path.dirname(require.resolve('@strapi/plugin-users-permissions/package.json'));
  const factory = require(path.join(upDir, 'dist', 'server', 'services', 'jwt.js')).__require();
  const stock = factory({ strapi });
  const service = strapi.plugin('users-permissions').service('jwt');
  service.verify = stock.verify;
}

/** Mode L: fills the limiter's store with N distinct client IPs through its own code path (on request, so they are live while measured). */
async function prefillLimiter(strapi, n) {
  const limiter = strapi.plugin('refresh-token').service('limiter');
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    await limiter.hitRoute({ request: { ip }, set() {} }, 'refresh');
  }
}

(async () => {
  const { createStrapi } = require('@strapi/strapi');
  strapi = await createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND, serveAdminPanel: false }).load();
  if (process.env.BENCH_UP_STOCK_VERIFY === '1') restoreStockUpVerify(strapi);
  // The OpenTelemetry cell: an SDK MeterProvider registered after start-up, as an app might, with a
  // reader that collects every 10 s (what a Prometheus scrape costs is the SDK's, not the plugin's).
  if (process.env.BENCH_OTEL === '1') {
    const { metrics } = require('@opentelemetry/api');
    const {
      MeterProvider,
      PeriodicExportingMetricReader,
      InMemoryMetricExporter,
      AggregationTemporality,
    } = require('@opentelemetry/sdk-metrics');
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    metrics.setGlobalMeterProvider(
      new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 10_000 })] })
    );
  }
  strapi.server.mount();
  strapi.server.httpServer.on('request', (_req, res) => {
    inflight++;
    res.once('close', () => inflight--);
  });
  await new Promise((resolve) => strapi.server.httpServer.listen(port, '127.0.0.1', resolve));
  const address = strapi.server.httpServer.address();
  process.send({ type: 'ready', url: `http://127.0.0.1:${address.port}`, pid: process.pid });
})().catch((error) => {
  process.send?.({ type: 'error', message: String((error && error.stack) || error) });
  stop(1);
});
