import { cookies, headers } from 'next/headers';
import { createServerAuth, type ClientIdentity } from 'strapi-plugin-refresh-token/server';

export const STRAPI_URL = process.env.STRAPI_URL ?? 'http://127.0.0.1:1337';

/**
 * The browser behind this request, named to Strapi when REFRESH_TOKEN_PROXY_SECRET is set here and
 * in Strapi (per-IP limits, session devices and new-device alerts are then the browser's own).
 *
 * The IP is the X-Forwarded-For entry written by the nearest proxy you trust: with
 * TRUSTED_PROXY_HOPS=1 (the default) the last entry, which is what your proxy (or, reached
 * directly, `next start` itself) appended. With a CDN in front of a load balancer, 2. Entries
 * further left were written by the client and are never believed.
 */
export function clientOf(requestHeaders: Headers): ClientIdentity {
  const hops = Number(process.env.TRUSTED_PROXY_HOPS ?? 1);
  const chain = (requestHeaders.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return {
    ip: hops > 0 && chain.length >= hops ? chain[chain.length - hops] : undefined,
    userAgent: requestHeaders.get('user-agent') ?? undefined,
  };
}

/** For server actions and route handlers, where cookies can be written: may log in, refresh, log out. */
export async function serverAuth() {
  const store = await cookies();
  return createServerAuth({
    strapiUrl: STRAPI_URL,
    cookies: { get: (name) => store.get(name)?.value, set: (name, value, options) => store.set(name, value, options) },
    client: clientOf(await headers()),
  });
}

/**
 * For server components, where Next.js forbids writing cookies: read-only, so it never rotates a
 * token the browser would not receive. The middleware refreshes before the page renders.
 */
export async function pageAuth() {
  const store = await cookies();
  return createServerAuth({ strapiUrl: STRAPI_URL, cookies: { get: (name) => store.get(name)?.value }, client: clientOf(await headers()) });
}
