import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import type { Bucket } from '../services/limiter';
import { getService } from '../services/registry';

/**
 * Route middleware: counts the request against the client IP's bucket for this route, named in
 * the route's config (never the raw path). 429 past `rateLimit.max` per `rateLimit.interval`.
 */
export default ({ bucket }: { bucket: Bucket }, { strapi }: { strapi: Core.Strapi }) => {
  const limiter = () => getService(strapi, 'limiter');
  return async (ctx: Context, next: Next) => {
    await limiter().hitRoute(ctx, bucket);
    return next();
  };
};
