/**
 * users-permissions' built-in refresh cookie (`strapi_up_refresh`, or the name its `sessions.cookie`
 * config gives): read while an app switches from that mode, renewed by its kept
 * `POST /api/auth/refresh`, cleared once the token travels per this plugin's `delivery`.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';

/** users-permissions' built-in refresh cookie: its name and the options it was set with. */
function builtInCookie(strapi: Core.Strapi) {
  const upSessions = (strapi.config.get('plugin::users-permissions.sessions') ?? {}) as {
    cookie?: { name?: string; path?: string; domain?: string; sameSite?: 'lax' | 'strict' | 'none'; secure?: boolean };
  };
  const cookie = upSessions.cookie ?? {};
  return {
    name: cookie.name ?? 'strapi_up_refresh',
    options: {
      httpOnly: true,
      path: cookie.path ?? '/',
      domain: cookie.domain,
      sameSite: cookie.sameSite ?? 'lax',
      secure: cookie.secure ?? process.env.NODE_ENV === 'production',
      overwrite: true,
    },
  };
}

/** The built-in cookie's token (signature checked), if the request carries one. */
export const builtInCookieToken = (ctx: Context, strapi: Core.Strapi): string | undefined =>
  ctx.cookies.get(builtInCookie(strapi).name) || undefined;

/** Sets (or, with null, clears) the built-in cookie; a Secure one needs HTTPS, as the plugin's own does. */
export function setBuiltInCookie(ctx: Context, strapi: Core.Strapi, value: string | null): void {
  const { name, options } = builtInCookie(strapi);
  if (options.secure && !ctx.secure) {
    if (value === null) return; // nothing can be done over plain HTTP; it expires with the browser session
    throw new errors.ValidationError(
      `The ${name} cookie is Secure but this request came over plain HTTP: see the plugin's "Behind a proxy" notes (server.proxy, X-Forwarded-Proto)`
    );
  }
  ctx.cookies.set(name, value ?? '', value === null ? { ...options, expires: new Date(0) } : options);
}
