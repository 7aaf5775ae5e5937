/**
 * When the database cannot be reached (connection refused or lost, pool timeout, deadlock), a
 * token request answers 503 with Retry-After — never 401, which clears the cookie and signs the
 * user out, and never a stack trace. The cookie is left alone; the same refresh token works once
 * the database is back. One log line when an outage starts and one when it ends, not one per request.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import createError from 'http-errors';
import type { Context } from 'koa';

const RETRY_AFTER_SECONDS = 5;

const TRANSIENT_CODES = new Set([
  // Node sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: connection exceptions, shutdown, cannot connect now, deadlock, serialization, not accepting connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '40P01',
  '40001',
  '55000',
  '53300',
  // MySQL / MariaDB
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // SQLite
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
/** Errors pg and mysql2 raise with no code when a connection drops mid-query. Exact texts. */
const CODELESS_CONNECTION_LOSS = new Set([
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  "Can't add new command when connection is in closed state",
]);

/**
 * Whether an error is a driver's "cannot reach the database", by its code or class alone — never
 * by message text, which a request can put into a validation error.
 */
function isDriverOutage(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true; // the pool could not hand out a connection
  return e.cause !== undefined && e.cause !== e && isDriverOutage(e.cause);
}

/** pg's codeless "connection terminated": a plain Error, never one of Strapi's own errors, which carry request text. */
function isCodelessConnectionLoss(error: unknown): boolean {
  return error instanceof Error && !(error instanceof errors.ApplicationError) && CODELESS_CONNECTION_LOSS.has(error.message);
}

/** `select 1`, its answer kept for a second: the database's own word on whether it is reachable. */
const probes = new WeakMap<object, { at: number; down: Promise<unknown> }>();
function probeDown(strapi: Core.Strapi): Promise<unknown> {
  const last = probes.get(strapi);
  if (last && Date.now() - last.at < 1000) return last.down;
  const selectOne = () => Promise.resolve(strapi.db.connection.raw('select 1'));
  // A pooled connection the server has already closed fails without a code; knex drops it, so a
  // second try asks on a fresh connection, which either works or names the outage.
  const down = selectOne()
    .catch((error: unknown) => (isCodelessConnectionLoss(error) ? selectOne() : Promise.reject(error)))
    .then(
      () => null,
      (error: unknown) => (isDriverOutage(error) ? error : null)
    );
  probes.set(strapi, { at: Date.now(), down });
  return down;
}

/**
 * Whether a failed token request met an unreachable database. A driver's outage code or class
 * decides at once; a codeless connection loss is confirmed by probing the database.
 */
export async function isStoreUnavailable(strapi: Core.Strapi, error: unknown): Promise<boolean> {
  if (isDriverOutage(error)) return true;
  if (!isCodelessConnectionLoss(error)) return false;
  return (await probeDown(strapi)) !== null;
}

const outages = new WeakMap<object, number>();

/**
 * The 503 to throw (Strapi's error middleware answers it in its error shape): Retry-After on the
 * response, one log line per outage.
 */
export function unavailable(ctx: Context, strapi: Core.Strapi, error: unknown): Error {
  if (!outages.has(strapi)) {
    outages.set(strapi, Date.now());
    strapi.log.error(
      `[refresh-token] the session store is unreachable (${(error as Error)?.message ?? error}); answering 503 until it is back`
    );
  }
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  return Object.assign(createError(503, 'The session store is temporarily unavailable: retry shortly'), {
    details: { retryAfter: RETRY_AFTER_SECONDS },
  });
}

/** Called after a token request the store answered: closes an outage episode with one log line. */
export function storeAnswered(strapi: Core.Strapi): void {
  const since = outages.get(strapi);
  if (since === undefined) return;
  outages.delete(strapi);
  strapi.log.info(`[refresh-token] the session store is reachable again after ${Math.round((Date.now() - since) / 1000)} s`);
}

/**
 * users-permissions' authentication strategy swallows database errors and answers 401 "Missing or
 * invalid credentials" — during an outage every login (a public-role route) and every API call
 * would look like "signed out" — and other code paths answer 500. This outermost middleware checks
 * such a 401 or a 500 against the database (the probe above) and
 * turns it into the 503 it really is.
 */
export function outageAwareAuthentication(strapi: Core.Strapi) {
  return async (ctx: Context, next: () => Promise<unknown>) => {
    await next();
    if (ctx.status !== 401 && ctx.status !== 500) return;
    const message = (ctx.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    if (ctx.status === 401 && message !== 'Missing or invalid credentials' && message !== 'Invalid credentials') return;
    const down = await probeDown(strapi);
    if (!down) return;
    const error = unavailable(ctx, strapi, down) as Error & { status: number; details: unknown };
    ctx.status = 503;
    ctx.body = { data: null, error: { status: 503, name: error.name, message: error.message, details: error.details } };
  };
}
