/**
 * Checks a request must pass before the refresh cookie is read, rotated, revoked or set. Each
 * refusal happens before any side effect.
 *
 * - Origin: a request with an `Origin` header outside `trustedOrigins` (and not the server's own
 *   origin) gets 403. Strapi's default CORS approves any origin with credentials, so CORS alone
 *   does not keep other sites' pages from reading a fresh access token.
 * - CSRF: a cookie-carrying or cookie-setting POST needs `Content-Type: application/json` or an
 *   `X-Requested-With` header; a cross-site HTML form can send neither (no login CSRF either).
 * - Transport: a Secure cookie cannot be set on a plain-HTTP request; say how to fix the proxy
 *   settings instead of failing with a 500 after the work is done.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { pluginConfig } from '../config';
import { cookieSettings } from './cookie';
import { usesCookie } from './delivery';
import { originPolicy, type OriginPolicy } from '../config/trusted-origins';
import { refuse } from './refusal';

const policies = new WeakMap<object, OriginPolicy>();

/** By the Content-Type header alone: a JSON request may have no body at all. */
export const isJson = (ctx: Context) => ctx.request.type === 'application/json';

function policy(strapi: Core.Strapi): OriginPolicy {
  const c = pluginConfig(strapi);
  let p = policies.get(c);
  if (!p) policies.set(c, (p = originPolicy(c.trustedOrigins)));
  return p;
}

/**
 * The server's own origin: `server.url` when it is absolute; else as the request reached it
 * (Host, or X-Forwarded-Host behind a trusted proxy), which a client can name itself.
 */
export function ownOrigins(ctx: Context, strapi: Core.Strapi): string[] {
  const url = strapi.config.get('server.url') as string | undefined;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? [new URL(url).origin] : [ctx.origin];
}

export function assertTrustedOrigin(ctx: Context, strapi: Core.Strapi): void {
  const origin = ctx.get('origin');
  if (!origin || policy(strapi).allows(origin, ownOrigins(ctx, strapi))) return;
  refuse(403, `Origin ${origin} may not use the refresh token cookie: add it to trustedOrigins in the refresh-token plugin config`);
}

export function assertCsrfHeaders(ctx: Context): void {
  if (isJson(ctx) || ctx.get('x-requested-with')) return;
  refuse(403, 'A request that sends or sets the refresh token cookie needs Content-Type: application/json or an X-Requested-With header');
}

/** Apps already told how to fix their proxy settings: one log line per app, not per request. */
const warnedInsecure = new WeakSet<object>();
function assertCookieCanBeSet(ctx: Context, strapi: Core.Strapi): void {
  const { options } = cookieSettings(pluginConfig(strapi).cookie);
  if (!options.secure || ctx.secure) return;
  // Say what is missing: the proxy trust, or the proxy's X-Forwarded-Proto.
  const fix = ctx.app.proxy
    ? `The refresh cookie is Secure but this request came over plain HTTP: server.proxy.koa is on, but the request has ${ctx.get('x-forwarded-proto') ? `X-Forwarded-Proto: ${ctx.get('x-forwarded-proto')}` : 'no X-Forwarded-Proto header'}. Have the TLS proxy in front of Strapi send X-Forwarded-Proto: https; for plain-HTTP testing, set the refresh-token config cookie.secure: false.`
    : `The refresh cookie is Secure but this request came over plain HTTP. Behind a TLS proxy, set server.proxy: { koa: true, maxIpsCount: 1 } in config/server (maxIpsCount: the number of proxies in front of Strapi, so that clients cannot choose their own IP with X-Forwarded-For) and have the proxy send X-Forwarded-Proto: https; for plain-HTTP testing, set the refresh-token config cookie.secure: false.`;
  if (!warnedInsecure.has(strapi)) {
    warnedInsecure.add(strapi);
    strapi.log.warn(`[refresh-token] ${fix}`);
  }
  throw new errors.ValidationError(fix);
}

/**
 * Refresh, logout and the other token routes: the origin rule whenever the cookie is in play (it
 * came with the request or the answer would set or clear it), the CSRF rule when it carried the
 * token, and a Secure cookie only over HTTPS.
 */
export function guardCookieRequest(ctx: Context, strapi: Core.Strapi, { fromCookie }: { fromCookie: boolean }): void {
  const cookie = usesCookie(ctx, strapi);
  if (!cookie && !fromCookie) return;
  assertTrustedOrigin(ctx, strapi);
  if (fromCookie) assertCsrfHeaders(ctx);
  if (cookie) assertCookieCanBeSet(ctx, strapi);
}

/**
 * Login, register, reset and change password, the provider callback: when the answer sets the
 * cookie, the request must come from a trusted page, in a way a cross-site form or link cannot.
 * The provider callback is a GET that a front end calls with fetch: it passes with
 * X-Requested-With, a trusted Origin, or the browser's own Sec-Fetch-Site: same-origin; a
 * cross-site navigation or image carries none of them.
 */
export function guardTokenIssuing(ctx: Context, strapi: Core.Strapi): void {
  if (!usesCookie(ctx, strapi)) return;
  assertTrustedOrigin(ctx, strapi);
  if (ctx.method === 'GET') {
    const vouched = ctx.get('x-requested-with') || ctx.get('origin') || ctx.get('sec-fetch-site') === 'same-origin';
    if (!vouched) {
      refuse(403, 'A provider callback that sets the refresh token cookie needs an X-Requested-With header (or a trusted Origin)');
    }
  } else {
    assertCsrfHeaders(ctx);
  }
  assertCookieCanBeSet(ctx, strapi);
}
