/**
 * The one wrapper every token endpoint runs in: REST controllers, GraphQL resolvers and the
 * users-permissions wrappers alike. It
 * - marks the answer uncacheable (it carries tokens or session data),
 * - counts the request against the client IP's limit for its route (`bucket`),
 * - tracks it as in flight, so a shutdown lets it finish,
 * - maps a store outage to 503 and a Refusal to its 401/403, and notes that the store answered.
 *
 * A REST controller answers a Refusal itself (`refusals: 'respond'`): thrown as Strapi's
 * UnauthorizedError, the route's authorization step would swap its reason for a bare
 * "Unauthorized". Code running inside another plugin's route or a GraphQL resolver throws it as
 * a public error instead (`'throw'`).
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import type { Bucket } from '../services/limiter';
import { getService } from '../services/registry';
import { tracked } from './in-flight';
import { asPublicError, Refusal } from './refusal';
import { isStoreUnavailable, storeAnswered, unavailable } from './store-faults';
import { errors } from '@strapi/utils';
import { metrics, type RefreshOutcome } from '../services/metrics';

/** Set by the refresh flow: how the refresh ended, for `refresh_token.refreshes`. */
export const REFRESH_OUTCOME = 'refreshTokenOutcome';

export interface EndpointOptions {
  /** The per-IP limit to count against; none for a route users-permissions already limits. */
  bucket?: Bucket;
  refusals: 'respond' | 'throw';
}

export function tokenEndpoint<T>(
  ctx: Context,
  strapi: Core.Strapi,
  { bucket, refusals }: EndpointOptions,
  work: () => Promise<T>
): Promise<T | undefined> {
  return tracked(strapi, async () => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    const started = bucket === 'refresh' ? performance.now() : 0;
    const measured = (outcome: RefreshOutcome | undefined) => {
      if (bucket === 'refresh' && outcome) metrics.refresh(outcome, (performance.now() - started) / 1000);
    };
    try {
      if (bucket) await getService(strapi, 'limiter').hitRoute(ctx, bucket);
      const result = await work();
      storeAnswered(strapi);
      measured(ctx.state[REFRESH_OUTCOME]);
      return result;
    } catch (error) {
      if (await isStoreUnavailable(strapi, error)) {
        measured('unavailable');
        throw unavailable(ctx, strapi, error);
      }
      if (error instanceof errors.RateLimitError && bucket) {
        metrics.rateLimited(bucket);
        measured('rate_limited');
      } else measured(ctx.state[REFRESH_OUTCOME] ?? (error instanceof Refusal ? 'invalid' : undefined));
      if (!(error instanceof Refusal)) throw error;
      storeAnswered(strapi); // a refusal too: the store was reachable
      if (refusals === 'throw') throw asPublicError(error);
      ctx.status = error.status;
      ctx.body = { data: null, error: { status: error.status, name: error.name, message: error.message, details: {} } };
      return undefined;
    }
  });
}

type Action = (ctx: Context) => Promise<void>;

/** REST controller actions, each in the wrapper with its route's bucket. */
export function tokenActions<Name extends string>(strapi: Core.Strapi, actions: Record<Name, [Bucket, Action]>): Record<Name, Action> {
  const wrapped = {} as Record<Name, Action>;
  for (const name of Object.keys(actions) as Name[]) {
    const [bucket, action] = actions[name];
    wrapped[name] = async (ctx) => {
      await tokenEndpoint(ctx, strapi, { bucket, refusals: 'respond' }, () => action(ctx));
    };
  }
  return wrapped;
}
