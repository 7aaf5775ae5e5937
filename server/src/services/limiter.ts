/**
 * Rate limits of the token endpoints, on rate-limiter-flexible: O(1) work per request, counters
 * that expire with their window, in this process or in Redis (so that limits hold in total across
 * instances; when Redis fails, a per-process limiter stands in).
 *
 * Two kinds of bucket, each `rateLimit.max` requests per `rateLimit.interval`:
 * - per client IP and route (a fixed route name, never the raw path, which Strapi's router
 *   matches without regard to case or a trailing slash);
 * - per session, counted only for sessions that exist (a random token creates no counter).
 * The same store remembers the DPoP proofs and front-end header sets seen (`firstUse`), so a replay is refused.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { pluginConfig } from '../config';
import { parseDuration } from '../config/duration';

export type Bucket = 'refresh' | 'logout' | 'logout-all' | 'logout-others' | 'sessions' | 'exchange';

const tooMany = (ctx: Context, res: RateLimiterRes): never => {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(res.msBeforeNext / 1000))));
  throw new errors.RateLimitError('Too many requests, please try again later.');
};

const limiter = ({ strapi }: { strapi: Core.Strapi }) => {
  const { rateLimit } = pluginConfig(strapi);
  let store: RateLimiterAbstract | undefined;
  const seen = new Map<string, RateLimiterAbstract>();

  /** A counter store in this process or in Redis (then shared by every instance; this process's stands in when Redis fails). */
  function counters(options: { points: number; duration: number; keyPrefix: string }): RateLimiterAbstract {
    const memory = new RateLimiterMemory(options);
    if (rateLimit.store !== 'redis') return memory;
    const client = rateLimit.redis as { constructor?: { name?: string }; isOpen?: unknown };
    return new RateLimiterRedis({
      ...options,
      storeClient: client,
      // node-redis v4+ clients have isOpen; ioredis clients do not.
      useRedisPackage: typeof client.isOpen === 'boolean',
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }

  function limiterStore(): RateLimiterAbstract {
    store ??= counters({ points: rateLimit.max, duration: parseDuration(rateLimit.interval) as number, keyPrefix: 'refresh-token' });
    return store;
  }

  async function take(ctx: Context, key: string): Promise<void> {
    try {
      const res = await limiterStore().consume(key);
      ctx.set('RateLimit-Remaining', String(res.remainingPoints));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) tooMany(ctx, rejection);
      throw rejection;
    }
  }

  return {
    /** Counts one request from the client's IP to a route; 429 past the limit. */
    async hitRoute(ctx: Context, bucket: Bucket): Promise<void> {
      if (rateLimit.enabled) await take(ctx, `ip:${bucket}:${ctx.request.ip}`);
    },

    /** 429 when a session has used up its budget; reads without counting, so it creates nothing. */
    async checkSession(ctx: Context, sessionId: string | undefined): Promise<void> {
      if (!rateLimit.enabled || !sessionId) return;
      const res = await limiterStore().get(`session:${sessionId}`);
      if (res && res.consumedPoints >= rateLimit.max) tooMany(ctx, res);
    },

    /**
     * Replay caches: true the first time `key` is seen in `scope` within `rememberSeconds` (a DPoP
     * proof's `jti`, a front end's signed client headers: each is accepted once), false on a
     * replay. Kept in the limiter's store, so with Redis it holds across instances. Not subject to
     * `rateLimit.enabled`.
     */
    async firstUse(scope: 'dpop-jti' | 'front-end', key: string, rememberSeconds: number): Promise<boolean> {
      let store = seen.get(scope);
      if (!store) seen.set(scope, (store = counters({ points: 1, duration: rememberSeconds, keyPrefix: `refresh-token-${scope}` })));
      try {
        await store.consume(key);
        return true;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return false;
        throw rejection;
      }
    },

    /** Counts one request against a session that exists. */
    async hitSession(sessionId: string | undefined): Promise<void> {
      if (rateLimit.enabled && sessionId) await limiterStore().penalty(`session:${sessionId}`, 1);
    },
  };
};

export default limiter;
export type LimiterService = ReturnType<typeof limiter>;

declare module './registry' {
  interface Services {
    limiter: LimiterService;
  }
}
