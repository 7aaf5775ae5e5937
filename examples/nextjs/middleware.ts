import { NextResponse, type NextRequest } from 'next/server';
import { createServerAuth, verifyAccessToken, type CookieOptions } from 'strapi-plugin-refresh-token/server';
import { clientOf } from './lib/auth';

/**
 * Runs before every page: refreshes the access token when it is about to expire and writes the
 * rotated cookies twice — on the request, so the server components of this same navigation read
 * the new tokens, and on the response, so the browser keeps them. Concurrent requests of one
 * browser share one refresh (see the plugin's server entry), so the session never forks.
 *
 * With STRAPI_JWKS_URL (Strapi signing with `signing.keys`), the access token is also verified here,
 * against Strapi's published keys, without a request to Strapi per page: the pages get the verified
 * user id as `x-verified-user-id` ('none' for a token that does not verify: they send the browser
 * to the login page before asking Strapi anything).
 */
export async function middleware(request: NextRequest) {
  const written: Array<[string, string, CookieOptions]> = [];
  const auth = createServerAuth({
    strapiUrl: process.env.STRAPI_URL ?? 'http://127.0.0.1:1337',
    cookies: { get: (name) => request.cookies.get(name)?.value, set: (name, value, options) => written.push([name, value, options]) },
    client: clientOf(request.headers),
  });
  let refreshFailed = false;
  try {
    await auth.refreshIfNeeded();
  } catch {
    // Strapi unreachable or busy (503, 429): keep the session; the page says "try again".
    refreshFailed = true;
  }
  for (const [name, value] of written) request.cookies.set(name, value);
  request.headers.delete('x-verified-user-id'); // only this middleware may say it
  const jwksUrl = process.env.STRAPI_JWKS_URL;
  if (jwksUrl && !refreshFailed) {
    const token = request.cookies.get('strapi_at')?.value;
    const claims = token ? await verifyAccessToken(token, { jwksUrl }).catch(() => undefined) : null;
    // null: it does not verify (the page sends the browser to log in); undefined: the JWKS is unreachable, the page asks Strapi.
    if (claims !== undefined) request.headers.set('x-verified-user-id', claims ? String(claims.id) : 'none');
  }
  const response = NextResponse.next({ request });
  for (const [name, value, options] of written) response.cookies.set(name, value, options);
  return response;
}

export const config = { matcher: ['/dashboard/:path*'] };
