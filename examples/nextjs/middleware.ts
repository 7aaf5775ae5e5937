import { NextResponse, type NextRequest } from 'next/server';
import { createServerAuth, type CookieOptions } from 'strapi-plugin-refresh-token/server';
import { clientOf } from './lib/auth';

/**
 * Runs before every page: refreshes the access token when it is about to expire and writes the
 * rotated cookies twice — on the request, so the server components of this same navigation read
 * the new tokens, and on the response, so the browser keeps them. Concurrent requests of one
 * browser share one refresh (see the plugin's server entry), so the session never forks.
 */
export async function middleware(request: NextRequest) {
  const written: Array<[string, string, CookieOptions]> = [];
  const auth = createServerAuth({
    strapiUrl: process.env.STRAPI_URL ?? 'http://127.0.0.1:1337',
    cookies: { get: (name) => request.cookies.get(name)?.value, set: (name, value, options) => written.push([name, value, options]) },
    client: clientOf(request.headers),
  });
  try {
    await auth.refreshIfNeeded();
  } catch {
    // Strapi unreachable or busy (503, 429): keep the session; the page says "try again".
  }
  for (const [name, value] of written) request.cookies.set(name, value);
  const response = NextResponse.next({ request });
  for (const [name, value, options] of written) response.cookies.set(name, value, options);
  return response;
}

export const config = { matcher: ['/dashboard/:path*'] };
