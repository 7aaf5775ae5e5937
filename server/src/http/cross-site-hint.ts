/**
 * Development help for the commonest first-hour trap: a page on another *site* than Strapi's
 * (`localhost` against `127.0.0.1`, or two unrelated domains) logs in with 200, but under
 * SameSite=Lax or Strict the browser never sends the refresh cookie back from that page, so the
 * session ends at the first refresh. Said once per pair of origins, outside production.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { getDomain } from 'tldts';
import { pluginConfig } from '../config';
import { usesCookie } from './delivery';

const warned = new WeakMap<object, Set<string>>();

/** Scheme and registrable domain (the host itself for IPs and `localhost`), as browsers compare sites. */
function siteOf(origin: string): string | null {
  try {
    const { protocol, hostname } = new URL(origin);
    return `${protocol}//${getDomain(hostname, { allowPrivateDomains: true }) ?? hostname}`;
  } catch {
    return null;
  }
}

export function warnIfCrossSite(ctx: Context, strapi: Core.Strapi, ownOrigin: string): void {
  const origin = ctx.get('origin');
  const { sameSite } = pluginConfig(strapi).cookie;
  if (!origin || sameSite === 'none' || process.env.NODE_ENV === 'production' || !usesCookie(ctx, strapi)) return;
  const page = siteOf(origin);
  if (!page || page === siteOf(ownOrigin)) return;
  const seen = warned.get(strapi) ?? new Set<string>();
  warned.set(strapi, seen);
  if (seen.has(`${origin} ${ownOrigin}`)) return;
  seen.add(`${origin} ${ownOrigin}`);
  strapi.log.warn(
    `[refresh-token] a login from ${origin} to Strapi at ${ownOrigin}: these are different sites, so the browser will not send the SameSite=${sameSite} refresh cookie back and the session ends at the first refresh. ` +
      `Open the front end and Strapi under the same host name (both localhost or both 127.0.0.1, or subdomains of one domain), or in production use cookie.sameSite 'none' with HTTPS and trustedOrigins.`
  );
}
