/**
 * HTTP plumbing shared by the controllers, GraphQL and the users-permissions wrappers: where the
 * refresh token travels (cookie and/or body), the cookie itself, and the refresh and logout flows.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import type { PluginConfig } from './config';
import { cookieMaxAge, cookieSettings } from './cookie';
import { usesBody, usesCookie } from './http/delivery';
import { guardCookieRequest, isJson } from './request-guard';
import { refuse } from './refusal';
import type { LimiterService } from './services/limiter';
import type { IssuedTokens, RequestMeta, SessionsService } from './services/sessions';
import { parseRefreshToken } from './tokens';

export { answeringRefusals, Refusal } from './refusal';

const config = (strapi: Core.Strapi) => strapi.config.get('plugin::refresh-token') as PluginConfig;
const sessions = (strapi: Core.Strapi): SessionsService => strapi.plugin('refresh-token').service('sessions');
const limiter = (strapi: Core.Strapi): LimiterService => strapi.plugin('refresh-token').service('limiter');

export const requestMeta = (ctx: Context): RequestMeta => ({ ip: ctx.request.ip, userAgent: ctx.get('user-agent') || undefined });

export interface PresentedToken {
  /** null: a cookie whose signature no longer matches (already cleared). */
  token: string | null;
  fromCookie: boolean;
}

/** The `refreshToken` field of a JSON body, or undefined when there is none. */
export function bodyToken(ctx: Context): unknown {
  const body = isJson(ctx) ? (ctx.request.body as unknown) : undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  return (body as { refreshToken?: unknown }).refreshToken ?? undefined;
}

/**
 * The presented refresh token, from the body (a JSON field or a GraphQL argument) or the signed
 * cookie, as `delivery` allows. A form body never carries a token: it could only come from a
 * cross-site form. `staleCookie: 'accept'` (logout) takes a cookie with a broken signature as
 * "nothing to revoke" rather than a 401.
 */
export function presentedToken(ctx: Context, strapi: Core.Strapi, fromBody: unknown, staleCookie: 'refuse' | 'accept' = 'refuse'): PresentedToken {
  const c = config(strapi);
  if (fromBody !== undefined) {
    if (!usesBody(ctx, strapi)) {
      throw new errors.ValidationError(
        "refreshToken in the request body is not accepted: the refresh-token plugin's delivery is 'cookie', so the token travels only in its httpOnly cookie (send the request with credentials and no refreshToken, or set delivery to 'body' or 'both')"
      );
    }
    if (typeof fromBody !== 'string' || fromBody.length === 0) throw new errors.ValidationError('refreshToken must be a non-empty string');
    return { token: fromBody, fromCookie: false };
  }
  if (!usesCookie(ctx, strapi)) throw new errors.ValidationError('Missing refresh token: send { "refreshToken": "..." } in a JSON body');

  const { name, options } = cookieSettings(c.cookie);
  const raw = ctx.cookies.get(name);
  if (!raw) {
    // Say where it looked: the cookie's name and path (and the body field when that is allowed too).
    throw new errors.ValidationError(
      `Missing refresh token: no ${name} cookie came with the request (the browser sends it only to paths under ${options.path}, and from another origin only with credentials: 'include')` +
        (usesBody(ctx, strapi) ? ', and no "refreshToken" in a JSON body' : '')
    );
  }
  if (ctx.cookies.get(name, { signed: true }) !== raw) {
    clearRefreshCookie(ctx, strapi);
    if (staleCookie === 'accept') return { token: null, fromCookie: true };
    refuse(401, 'Invalid refresh token: the cookie signature does not match');
  }
  return { token: raw, fromCookie: true };
}

/**
 * koa's cookies write only Expires; Max-Age (which wins over Expires in every current browser)
 * keeps the lifetime right on a client whose clock is off. `null`: a browser-session cookie.
 */
function setCookie(ctx: Context, name: string, value: string, options: object, maxAgeMs: number | null): void {
  ctx.cookies.set(name, value, { ...options, ...(maxAgeMs === null ? {} : maxAgeMs === 0 ? { expires: new Date(0) } : { maxAge: maxAgeMs }) });
  if (maxAgeMs === null) return;
  const seconds = Math.floor(maxAgeMs / 1000);
  const lines = ctx.response.get('Set-Cookie') as unknown as string[];
  ctx.set(
    'Set-Cookie',
    lines.map((line) => (line.startsWith(`${name}=`) || line.startsWith(`${name}.sig=`) ? `${line}; max-age=${seconds}` : line))
  );
}

export function setRefreshCookie(ctx: Context, strapi: Core.Strapi, tokens: IssuedTokens): void {
  const { name, options } = cookieSettings(config(strapi).cookie);
  setCookie(ctx, name, tokens.refreshToken, options, tokens.persistent === false ? null : cookieMaxAge(tokens.expiresAt, Date.now()));
}

/** Clears the cookie with the same name, path and domain it was set with. */
export function clearRefreshCookie(ctx: Context, strapi: Core.Strapi): void {
  const { name, options } = cookieSettings(config(strapi).cookie);
  setCookie(ctx, name, '', options, 0);
}

/**
 * Puts freshly issued tokens on the response: the access JWT as `jwt` in the body, the refresh
 * token in the cookie and/or as `refreshToken`, per `delivery`. Never cacheable.
 */
export function deliverTokens(ctx: Context, strapi: Core.Strapi, tokens: IssuedTokens, body: Record<string, unknown> = {}): Record<string, unknown> {
  if (usesCookie(ctx, strapi)) setRefreshCookie(ctx, strapi, tokens);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  const { refreshToken: _omitted, ...rest } = body;
  return { ...rest, jwt: tokens.accessToken, ...(usesBody(ctx, strapi) ? { refreshToken: tokens.refreshToken } : {}) };
}

const ROTATED = 'refreshTokenRotated';
const sessionIdOf = (presented: PresentedToken) => (presented.token ? parseRefreshToken(presented.token)?.sessionId : undefined);

/**
 * Rotates a presented token and delivers the successor pair: 403 for a request the origin or
 * CSRF rule refuses, 429 for a session over its rate limit, 401 (cookie cleared) for a refused
 * token. One rotation per request (GraphQL aliases could ask for many). Shared by REST and GraphQL.
 */
export async function refreshWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<Record<string, unknown>> {
  guardCookieRequest(ctx, strapi, presented);
  if (ctx.state[ROTATED]) throw new errors.ValidationError('Only one refresh per request');
  ctx.state[ROTATED] = true;
  await limiter(strapi).checkSession(ctx, sessionIdOf(presented));
  const result = await sessions(strapi).rotate(presented.token as string, requestMeta(ctx));
  await limiter(strapi).hitSession(result.sessionId);
  if (!result.ok) refuseRefresh(ctx, strapi);
  return deliverTokens(ctx, strapi, result);
}

/** Revokes the presented token's session and clears the cookie. Shared by REST and GraphQL. */
export async function logoutWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<void> {
  guardCookieRequest(ctx, strapi, presented);
  await limiter(strapi).checkSession(ctx, sessionIdOf(presented));
  if (presented.token) {
    const { sessionId } = await sessions(strapi).revokeByToken(presented.token, requestMeta(ctx));
    await limiter(strapi).hitSession(sessionId);
  }
  if (usesCookie(ctx, strapi) || presented.fromCookie) clearRefreshCookie(ctx, strapi);
  ctx.set('Cache-Control', 'no-store');
}

/** Revokes every other session of the Bearer token's user; how many. Shared by REST and GraphQL. */
export async function logoutOthersWith(ctx: Context, strapi: Core.Strapi): Promise<number> {
  const user = await requireAccessUser(ctx, strapi);
  if (!user.sid) throw new errors.ValidationError('This access token names no session: log in again to sign out other devices');
  ctx.set('Cache-Control', 'no-store');
  return sessions(strapi).revokeUserSessions(user.id, 'logout-others', { ...requestMeta(ctx), except: user.sid });
}

/** 401 for a refused refresh token: the cookie goes too, so the browser stops sending it. */
export function refuseRefresh(ctx: Context, strapi: Core.Strapi, message = 'Invalid refresh token'): never {
  if (usesCookie(ctx, strapi)) clearRefreshCookie(ctx, strapi);
  ctx.set('Cache-Control', 'no-store');
  return refuse(401, message);
}

/** The user behind a Bearer access token of a live session; 401 when there is none or it is not valid. */
export async function requireAccessUser(ctx: Context, strapi: Core.Strapi): Promise<{ id: number; sid?: string }> {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!match) return refuse(401, 'Missing or malformed Authorization: Bearer header');
  // users-permissions' own verify, as wrapped by this plugin: pinned algorithm, and strict mode.
  const claims = (await strapi
    .plugin('users-permissions')
    .service('jwt')
    .verify(match[1])
    .catch(() => null)) as { id: number; sid?: unknown } | null;
  if (!claims) return refuse(401, 'Invalid or expired access token');
  // Whatever `strict` says: the access token of a session that has ended must not manage the
  // user's other sessions (an attacker whose session the victim just ended).
  if (typeof claims.sid === 'string' && !(await sessions(strapi).isLive(claims.sid, 0))) return refuse(401, 'This session has ended: log in again');
  const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: claims.id }, select: ['id', 'blocked'] });
  if (!user || user.blocked) return refuse(401, 'Invalid or expired access token');
  return { id: user.id, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
}
