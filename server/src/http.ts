/**
 * HTTP plumbing shared by the controllers and the users-permissions wrappers: where the refresh
 * token travels (cookie and/or body), the CSRF rule, and how errors look.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import type { PluginConfig } from './config';
import { cookieMaxAge, cookieSettings } from './cookie';
import type { IssuedTokens, RequestMeta } from './services/sessions';

const config = (strapi: Core.Strapi) => strapi.config.get('plugin::refresh-token') as PluginConfig;
const usesCookie = (c: PluginConfig) => c.delivery === 'cookie' || c.delivery === 'both';
const usesBody = (c: PluginConfig) => c.delivery === 'body' || c.delivery === 'both';

/** By the Content-Type header alone: a JSON request may have no body at all. */
const isJson = (ctx: Context) => ctx.request.type === 'application/json';

/**
 * A 401 or 403 with its reason. Thrown as Strapi's UnauthorizedError/ForbiddenError, Strapi's
 * route authorization step would replace the reason with a bare "Unauthorized"/"Forbidden"; as any
 * other error, its error middleware would log a stack trace for every refused token. So the
 * controllers answer it themselves (`answeringRefusals`), in the same error shape.
 */
export class Refusal extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string
  ) {
    super(message);
    this.name = status === 401 ? 'UnauthorizedError' : 'ForbiddenError';
  }
}

const refuse = (status: 401 | 403, message: string): never => {
  throw new Refusal(status, message);
};

type Action = (ctx: Context) => Promise<void>;

/** Wraps controller actions so that a Refusal becomes its 401/403 response. */
export function answeringRefusals<T extends Record<string, Action>>(actions: T): T {
  const wrapped: Record<string, Action> = {};
  for (const [name, action] of Object.entries(actions)) {
    wrapped[name] = async (ctx) => {
      try {
        await action(ctx);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        ctx.status = error.status;
        ctx.body = { data: null, error: { status: error.status, name: error.name, message: error.message, details: {} } };
      }
    };
  }
  return wrapped as T;
}

export const requestMeta = (ctx: Context): RequestMeta => ({ ip: ctx.request.ip, userAgent: ctx.get('user-agent') || undefined });

export interface PresentedToken {
  token: string;
  fromCookie: boolean;
}

/** A presented token must be a non-empty string; 400 otherwise. */
export function requireTokenString(token: unknown): PresentedToken {
  if (typeof token !== 'string' || token.length === 0) {
    throw new errors.ValidationError('refreshToken must be a non-empty string');
  }
  return { token, fromCookie: false };
}

/** The signed cookie's token: 400 when there is none, 401 (cookie cleared) when its signature fails. */
export function readCookieToken(ctx: Context, strapi: Core.Strapi): PresentedToken {
  const { name } = cookieSettings(config(strapi).cookie);
  const raw = ctx.cookies.get(name);
  if (!raw) throw new errors.ValidationError('Missing refresh token');
  const verified = ctx.cookies.get(name, { signed: true });
  if (verified !== raw) {
    clearRefreshCookie(ctx, strapi);
    refuse(401, 'Invalid refresh token: the cookie signature does not match');
  }
  return { token: raw, fromCookie: true };
}

/**
 * The refresh token from a JSON body (`refreshToken`) or, failing that, the signed cookie. A form
 * body never carries a token: it could only come from a cross-site form.
 */
export function readRefreshToken(ctx: Context, strapi: Core.Strapi): PresentedToken {
  const body = isJson(ctx) ? (ctx.request.body as unknown) : undefined;
  if (body !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body) && 'refreshToken' in body) {
    return requireTokenString((body as { refreshToken: unknown }).refreshToken);
  }
  return readCookieToken(ctx, strapi);
}

/**
 * A cross-site form can post cookies but cannot set a JSON content type or a custom header
 * without a CORS preflight, so a cookie-carried token needs one of the two.
 */
export function assertCsrfSafe(ctx: Context, presented: PresentedToken): void {
  if (!presented.fromCookie) return;
  if (isJson(ctx) || ctx.get('x-requested-with')) return;
  refuse(403, 'A refresh token sent as a cookie needs Content-Type: application/json or an X-Requested-With header');
}

export function setRefreshCookie(ctx: Context, strapi: Core.Strapi, tokens: IssuedTokens): void {
  const { name, options } = cookieSettings(config(strapi).cookie);
  ctx.cookies.set(name, tokens.refreshToken, { ...options, maxAge: cookieMaxAge(tokens.expiresAt, Date.now()) });
}

/** Clears the cookie with the same name, path and domain it was set with. */
export function clearRefreshCookie(ctx: Context, strapi: Core.Strapi): void {
  const { name, options } = cookieSettings(config(strapi).cookie);
  ctx.cookies.set(name, '', { ...options, maxAge: 0, expires: new Date(0) });
}

/**
 * Puts freshly issued tokens on the response: the access JWT as `jwt` in the body, the refresh
 * token in the cookie and/or as `refreshToken`, per `delivery`. Never cacheable.
 */
export function deliverTokens(ctx: Context, strapi: Core.Strapi, tokens: IssuedTokens, body: Record<string, unknown> = {}): Record<string, unknown> {
  const c = config(strapi);
  if (usesCookie(c)) setRefreshCookie(ctx, strapi, tokens);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  const { refreshToken: _omitted, ...rest } = body;
  return { ...rest, jwt: tokens.accessToken, ...(usesBody(c) ? { refreshToken: tokens.refreshToken } : {}) };
}

/**
 * Rotates a presented token and delivers the successor pair; 403 for a cookie without the CSRF
 * header, 401 (cookie cleared) for a refused token. Shared by REST and GraphQL.
 */
export async function refreshWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<Record<string, unknown>> {
  assertCsrfSafe(ctx, presented);
  const result = await strapi.plugin('refresh-token').service('sessions').rotate(presented.token, requestMeta(ctx));
  if (!result.ok) refuseRefresh(ctx, strapi);
  return deliverTokens(ctx, strapi, result);
}

/** Revokes the presented token's session and clears the cookie. Shared by REST and GraphQL. */
export async function logoutWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<void> {
  assertCsrfSafe(ctx, presented);
  await strapi.plugin('refresh-token').service('sessions').revokeByToken(presented.token, requestMeta(ctx));
  clearRefreshCookie(ctx, strapi);
  ctx.set('Cache-Control', 'no-store');
}

/** 401 for a refused refresh token: the cookie goes too, so the browser stops sending it. */
export function refuseRefresh(ctx: Context, strapi: Core.Strapi, message = 'Invalid refresh token'): never {
  clearRefreshCookie(ctx, strapi);
  ctx.set('Cache-Control', 'no-store');
  return refuse(401, message);
}

/** The user behind a Bearer access token; 401 when there is none or it is not valid. */
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
  const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: claims.id }, select: ['id', 'blocked'] });
  if (!user || user.blocked) return refuse(401, 'Invalid or expired access token');
  return { id: user.id, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
}
