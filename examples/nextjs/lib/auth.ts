import { cookies } from 'next/headers';
import { createServerAuth } from 'strapi-plugin-refresh-token/server';

export const STRAPI_URL = process.env.STRAPI_URL ?? 'http://127.0.0.1:1337';

/**
 * The session of the browser behind this request. In server actions and route handlers the cookies
 * are writable; in server components they are not (Next.js forbids it there), which is why the
 * middleware refreshes first and hands the fresh tokens to the page.
 */
export async function serverAuth() {
  const store = await cookies();
  return createServerAuth({
    strapiUrl: STRAPI_URL,
    cookies: { get: (name) => store.get(name)?.value, set: (name, value, options) => store.set(name, value, options) },
  });
}
