import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';
// The limiter users-permissions puts on /auth/local, with its shared in-memory store.
import { RateLimit } from 'koa2-ratelimit';
import { parseDuration } from '../config/duration';
import type { PluginConfig } from '../config';
import { cookieSettings } from '../cookie';
import { parseRefreshToken } from '../tokens';

/** The session id a request names, without verifying anything: a well-formed refresh token's prefix. */
function presentedSessionId(ctx: Context, cookieName: string): string | undefined {
  const body = ctx.request.body as { refreshToken?: unknown } | undefined;
  const token = typeof body?.refreshToken === 'string' ? body.refreshToken : ctx.cookies.get(cookieName);
  return typeof token === 'string' ? parseRefreshToken(token)?.sessionId : undefined;
}

/**
 * Two buckets per request to /api/token/*: one per client IP and endpoint, one per session, each
 * allowing `rateLimit.max` requests per `rateLimit.interval`. Over either: 429.
 */
export default (_options: unknown, { strapi }: { strapi: Core.Strapi }) => {
  const { rateLimit, cookie } = strapi.config.get('plugin::refresh-token') as PluginConfig;
  if (!rateLimit.enabled) return (_ctx: Context, next: Next) => next();
  const cookieName = cookieSettings(cookie).name;

  const common = {
    interval: (parseDuration(rateLimit.interval) as number) * 1000,
    max: rateLimit.max,
    headers: true,
    handler() {
      throw new errors.RateLimitError('Too many requests, please try again later.');
    },
  };
  const perIp = RateLimit.middleware({
    ...common,
    prefixKey: 'refresh-token:ip',
    keyGenerator: async (ctx: Context) => `refresh-token:ip|${ctx.request.path}|${ctx.request.ip}`,
  });
  const perSession = RateLimit.middleware({
    ...common,
    prefixKey: 'refresh-token:session',
    keyGenerator: async (ctx: Context) => `refresh-token:session|${presentedSessionId(ctx, cookieName) ?? ''}`,
    skip: async (ctx: Context) => presentedSessionId(ctx, cookieName) === undefined,
  });

  return (ctx: Context, next: Next) => perIp(ctx, () => perSession(ctx, next));
};
