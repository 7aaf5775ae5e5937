/**
 * A server-rendered front end (the `./server` entry) reaches Strapi from one address for every
 * browser, so every per-IP limit would be shared by all its users and every session would show
 * the front end's IP and "node" as its device. With a secret shared by both processes
 * (REFRESH_TOKEN_PROXY_SECRET, or the `proxySecret` config key), the front end names the browser's
 * IP and User-Agent in headers signed with an HMAC of that secret, and Strapi takes them as the
 * request's own: for this plugin's and users-permissions' per-IP limits, the session's device and
 * IP, and new-device alerts. The signature covers the request's method and path and a timestamped
 * nonce too, so a set holds for one request: a captured set replayed, sent later or to another route
 * is ignored. Without the secret, or with a wrong, stale or replayed set, the headers are dropped
 * (one log line per app) and the request is what it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { getService } from '../services/registry';
import type { LimiterService } from '../services/limiter';

/** The wire contract with the server entry (ssr): header names and what is signed. */
export const CLIENT_HEADERS = {
  ip: 'x-refresh-token-client-ip',
  userAgent: 'x-refresh-token-client-user-agent',
  /** `<epoch ms>.<random>`: when the set was made, and what makes it one of a kind. */
  nonce: 'x-refresh-token-client-nonce',
  signature: 'x-refresh-token-client-signature',
} as const;

export const PROXY_SECRET_ENV = 'REFRESH_TOKEN_PROXY_SECRET';

/** How long a signed set is accepted after it was made (either way, for clock skew); each is accepted once. */
export const CLIENT_HEADERS_WINDOW_SECONDS = 60;

/** What is signed: the request (method and path) the set was made for, its nonce, and the client. */
export const signedText = (method: string, path: string, nonce: string, ip: string, encodedUserAgent: string): string =>
  `${method.toUpperCase()}\n${path}\n${nonce}\n${ip}\n${encodedUserAgent}`;

/** base64url HMAC-SHA256 of the signed text. */
export const clientSignature = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('base64url');

function signatureMatches(secret: string, text: string, presented: string): boolean {
  const expected = Buffer.from(clientSignature(secret, text));
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

const fresh = (nonce: string, now: number): boolean => {
  const made = Number(/^(\d{1,15})\.[\w-]{16,64}$/.exec(nonce)?.[1]);
  return Number.isFinite(made) && Math.abs(now - made) <= CLIENT_HEADERS_WINDOW_SECONDS * 1000;
};

/** Registered in register(): before every other middleware, so all of them see the browser. */
export function trustedFrontEnd(strapi: Core.Strapi, secret: string | undefined) {
  let warned = false;
  /** Signed for this request, within the window, never seen before (in the limiter's store: across instances with Redis). */
  async function believable(ctx: Context, values: Record<keyof typeof CLIENT_HEADERS, unknown>): Promise<boolean> {
    const { ip, userAgent, nonce, signature } = values;
    if (typeof secret !== 'string' || typeof signature !== 'string' || typeof ip !== 'string' || typeof nonce !== 'string') return false;
    if (typeof userAgent !== 'string' || decode(userAgent) === undefined || (ip !== '' && isIP(ip) === 0)) return false;
    if (!fresh(nonce, Date.now()) || !signatureMatches(secret, signedText(ctx.method, ctx.path, nonce, ip, userAgent), signature))
      return false;
    // A store fault drops the identity, like any set that cannot be proven fresh: never a 5xx from here.
    const limiter: LimiterService = getService(strapi, 'limiter');
    return limiter.firstUse('front-end', nonce, 2 * CLIENT_HEADERS_WINDOW_SECONDS).catch(() => false);
  }

  return async (ctx: Context, next: Next) => {
    const headers = ctx.req.headers;
    const values = Object.fromEntries(Object.entries(CLIENT_HEADERS).map(([key, name]) => [key, headers[name]])) as Record<
      keyof typeof CLIENT_HEADERS,
      unknown
    >;
    if (Object.values(values).every((v) => v === undefined)) return next();
    for (const name of Object.values(CLIENT_HEADERS)) delete headers[name];

    if (!(await believable(ctx, values))) {
      if (!warned) {
        warned = true;
        strapi.log.warn(
          `[refresh-token] a request named a front end's client (${CLIENT_HEADERS.ip}) without ${secret ? `a valid, fresh (${CLIENT_HEADERS_WINDOW_SECONDS} s), unused signature for this request` : `a shared secret: set ${PROXY_SECRET_ENV} in both processes`}; its client headers were ignored`
        );
      }
      return next();
    }
    const ip = values.ip as string;
    const userAgent = decode(values.userAgent as string);
    if (ip) ctx.request.ip = ip;
    if (userAgent) headers['user-agent'] = userAgent;
    else delete headers['user-agent'];
    return next();
  };
}
