/**
 * A server-rendered front end (the `./server` entry) reaches Strapi from one address for every
 * browser, so every per-IP limit would be shared by all its users and every session would show
 * the front end's IP and "node" as its device. With a secret shared by both processes
 * (REFRESH_TOKEN_PROXY_SECRET, or the `proxySecret` config key), the front end names the browser's
 * IP and User-Agent in headers signed with an HMAC of that secret, and Strapi takes them as the
 * request's own: for this plugin's and users-permissions' per-IP limits, the session's device and
 * IP, and new-device alerts. Without the secret, or with a wrong signature, the headers are
 * dropped (one log line per app) and the request is what it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';

/** The wire contract with the server entry (ssr): header names and what is signed. */
export const CLIENT_HEADERS = {
  ip: 'x-refresh-token-client-ip',
  userAgent: 'x-refresh-token-client-user-agent',
  signature: 'x-refresh-token-client-signature',
} as const;

export const PROXY_SECRET_ENV = 'REFRESH_TOKEN_PROXY_SECRET';

/** base64url HMAC-SHA256 of the two header values exactly as sent (the User-Agent URI-encoded). */
export const clientSignature = (secret: string, ip: string, encodedUserAgent: string): string =>
  createHmac('sha256', secret).update(`${ip}\n${encodedUserAgent}`).digest('base64url');

function signatureMatches(secret: string, ip: string, encodedUserAgent: string, presented: string): boolean {
  const expected = Buffer.from(clientSignature(secret, ip, encodedUserAgent));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Registered in register(): before every other middleware, so all of them see the browser. */
export function trustedFrontEnd(strapi: Core.Strapi, secret: string | undefined) {
  let warned = false;
  return async (ctx: Context, next: Next) => {
    const headers = ctx.req.headers;
    const signature = headers[CLIENT_HEADERS.signature];
    const ip = headers[CLIENT_HEADERS.ip];
    const encodedUserAgent = headers[CLIENT_HEADERS.userAgent];
    if (signature === undefined && ip === undefined && encodedUserAgent === undefined) return next();
    for (const name of Object.values(CLIENT_HEADERS)) delete headers[name];

    const userAgent = typeof encodedUserAgent === 'string' ? decode(encodedUserAgent) : '';
    const trusted =
      typeof secret === 'string' &&
      typeof signature === 'string' &&
      typeof ip === 'string' &&
      (ip === '' || isIP(ip) !== 0) &&
      userAgent !== undefined &&
      signatureMatches(secret, ip, typeof encodedUserAgent === 'string' ? encodedUserAgent : '', signature);
    if (!trusted) {
      if (!warned) {
        warned = true;
        strapi.log.warn(
          `[refresh-token] a request named a front end's client (${CLIENT_HEADERS.ip}) without ${secret ? 'a valid signature' : `a shared secret: set ${PROXY_SECRET_ENV} in both processes`}; its client headers were ignored`
        );
      }
      return next();
    }
    if (ip) ctx.request.ip = ip;
    if (userAgent) headers['user-agent'] = userAgent;
    else delete headers['user-agent'];
    return next();
  };
}
