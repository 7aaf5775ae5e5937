/**
 * HTTP plumbing shared by the controllers, GraphQL and the users-permissions wrappers: where the
 * refresh token travels (cookie and/or body), the cookie itself, and the refresh and logout flows.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { pluginConfig } from '../config';
import { cookieMaxAge, cookieSettings } from './cookie';
import { usesBody, usesCookie } from './delivery';
import { assertCsrfHeaders, assertTrustedOrigin, guardCookieRequest, isJson } from './request-guard';
import { refuse, Refusal } from './refusal';

import type { IssuedTokens, RequestMeta, RotateResult, SenderKey } from '../services/sessions';
import { refreshKey, refuseProof } from './sender-proof';
import { parseRefreshToken, type ParsedRefreshToken } from '../tokens';
import { endBuiltInSessionOf, exchangeBuiltInToken, isBuiltInToken } from '../services/built-in-sessions';
import { builtInCookieToken, setBuiltInCookie } from './built-in-cookie';
import { getService } from '../services/registry';
import { REFRESH_OUTCOME } from './token-endpoint';
import { metrics, type RefreshOutcome } from '../services/metrics';
import { storedAddress } from '../services/client-address';

const sessions = (strapi: Core.Strapi) => getService(strapi, 'sessions');
const limiter = (strapi: Core.Strapi) => getService(strapi, 'limiter');

const UNBOUND =
  "Invalid refresh token: this session needs a valid DPoP proof (it is bound to a key that did not sign this request, or senderConstraint is 'required' and it was never bound: log in again with a proof)";

/**
 * What the session service hears of a request: the User-Agent, and the client's IP only in the
 * form `clientAddress` lets a session keep (its network by default). Limits read `ctx.request.ip` itself.
 */
export const requestMeta = (ctx: Context, strapi: Core.Strapi): RequestMeta => ({
  ip: storedAddress(ctx.request.ip, pluginConfig(strapi).clientAddress),
  userAgent: ctx.get('user-agent') || undefined,
});

export interface PresentedToken {
  /** null: a cookie whose signature no longer matches (already cleared). */
  token: string | null;
  /** The token read as one of this plugin's (parsed once, here); null for anything else. */
  parsed: ParsedRefreshToken | null;
  fromCookie: boolean;
  /** It came in users-permissions' built-in refresh cookie (an app switching from that mode). */
  builtInCookie?: boolean;
}

const asPresented = (token: string, fromCookie: boolean): PresentedToken => ({ token, parsed: parseRefreshToken(token), fromCookie });

/**
 * A client's first refresh on a fresh page asks `{ "probe": true }`: with no refresh token at all
 * (no cookie, no body token) the answer is 204, no session, instead of a 400 that every signed-out
 * page load would show in red. It tells only what the 400 told: no token came with the request.
 */
export function isEmptyProbe(ctx: Context, strapi: Core.Strapi): boolean {
  const body = isJson(ctx) ? (ctx.request.body as { probe?: unknown; refreshToken?: unknown } | undefined) : undefined;
  if (body?.probe !== true || body.refreshToken !== undefined) return false;
  const { name } = cookieSettings(pluginConfig(strapi).cookie);
  return !ctx.cookies.get(name) && !builtInCookieToken(ctx, strapi);
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
export function presentedToken(
  ctx: Context,
  strapi: Core.Strapi,
  fromBody: unknown,
  staleCookie: 'refuse' | 'accept' = 'refuse'
): PresentedToken {
  const c = pluginConfig(strapi);
  if (fromBody !== undefined) {
    // A built-in mode's token is exchanged from the body whatever `delivery` says (a front end switching over).
    if (!usesBody(ctx, strapi) && !(typeof fromBody === 'string' && isBuiltInToken(fromBody))) {
      throw new errors.ValidationError(
        "refreshToken in the request body is not accepted: the refresh-token plugin's delivery is 'cookie', so the token travels only in its httpOnly cookie (send the request with credentials and no refreshToken, or set delivery to 'body' or 'both')"
      );
    }
    if (typeof fromBody !== 'string' || fromBody.length === 0) throw new errors.ValidationError('refreshToken must be a non-empty string');
    return asPresented(fromBody, false);
  }
  if (!usesCookie(ctx, strapi)) throw new errors.ValidationError('Missing refresh token: send { "refreshToken": "..." } in a JSON body');

  const { name, options } = cookieSettings(c.cookie);
  const raw = ctx.cookies.get(name);
  const builtIn = raw ? undefined : builtInCookieToken(ctx, strapi);
  if (builtIn) return { ...asPresented(builtIn, true), builtInCookie: true };
  if (!raw) {
    // Say where it looked: the cookie's name and path (and the body field when that is allowed too).
    throw new errors.ValidationError(
      `Missing refresh token: no ${name} cookie came with the request (the browser sends it only to paths under ${options.path}, from another origin only with credentials: 'include', and with SameSite=${options.sameSite ?? 'lax'} never from a page on another site: localhost and 127.0.0.1 are different sites, so open the front end and Strapi under the same host name)` +
        (usesBody(ctx, strapi) ? ', and no "refreshToken" in a JSON body' : '')
    );
  }
  if (ctx.cookies.get(name, { signed: true }) !== raw) {
    clearRefreshCookie(ctx, strapi);
    if (staleCookie === 'accept') return { token: null, parsed: null, fromCookie: true };
    refuse(401, 'Invalid refresh token: the cookie signature does not match');
  }
  return asPresented(raw, true);
}

/**
 * koa's cookies write only Expires; Max-Age (which wins over Expires in every current browser)
 * keeps the lifetime right on a client whose clock is off. `null`: a browser-session cookie.
 */
function setCookie(ctx: Context, name: string, value: string, options: object, maxAgeMs: number | null): void {
  ctx.cookies.set(name, value, {
    ...options,
    ...(maxAgeMs === null ? {} : maxAgeMs === 0 ? { expires: new Date(0) } : { maxAge: maxAgeMs }),
  });
  if (maxAgeMs === null) return;
  const seconds = Math.floor(maxAgeMs / 1000);
  const lines = ctx.response.get('Set-Cookie') as unknown as string[];
  ctx.set(
    'Set-Cookie',
    lines.map((line) => (line.startsWith(`${name}=`) || line.startsWith(`${name}.sig=`) ? `${line}; max-age=${seconds}` : line))
  );
}

function setRefreshCookie(ctx: Context, strapi: Core.Strapi, tokens: IssuedTokens): void {
  const { name, options } = cookieSettings(pluginConfig(strapi).cookie);
  setCookie(ctx, name, tokens.refreshToken, options, tokens.persistent === false ? null : cookieMaxAge(tokens.expiresAt, Date.now()));
}

/** Clears the cookie with the same name, path and domain it was set with. */
export function clearRefreshCookie(ctx: Context, strapi: Core.Strapi): void {
  const { name, options } = cookieSettings(pluginConfig(strapi).cookie);
  setCookie(ctx, name, '', options, 0);
}

/**
 * Puts freshly issued tokens on the response: the access JWT as `jwt` in the body, the refresh
 * token in the cookie and/or as `refreshToken`, per `delivery`. Never cacheable.
 */
export function deliverTokens(
  ctx: Context,
  strapi: Core.Strapi,
  tokens: IssuedTokens,
  body: Record<string, unknown> = {}
): Record<string, unknown> {
  if (usesCookie(ctx, strapi)) setRefreshCookie(ctx, strapi, tokens);
  const { refreshToken: _omitted, ...rest } = body;
  return { ...rest, jwt: tokens.accessToken, ...(usesBody(ctx, strapi) ? { refreshToken: tokens.refreshToken } : {}) };
}

const ROTATED = 'refreshTokenRotated';

/**
 * Rotates a presented token and delivers the successor pair: 403 for a request the origin or
 * CSRF rule refuses, 429 for a session over its rate limit, 401 (cookie cleared) for a refused
 * token. One rotation per request (GraphQL aliases could ask for many). Shared by REST and GraphQL.
 */
export async function refreshWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<Record<string, unknown>> {
  guardCookieRequest(ctx, strapi, presented);
  if (ctx.state[ROTATED]) throw new errors.ValidationError('Only one refresh per request');
  ctx.state[ROTATED] = true;
  await limiter(strapi).checkSession(ctx, presented.parsed?.sessionId);
  const result = await rotateOrExchange(strapi, presented, requestMeta(ctx, strapi), await refreshKey(ctx, strapi));
  ctx.state[REFRESH_OUTCOME] = refreshOutcome(result);
  await limiter(strapi).hitSession(result.sessionId);
  // Exchanged or refused, the built-in cookie has done its work: the token now travels per `delivery`.
  if (presented.builtInCookie) setBuiltInCookie(ctx, strapi, null);
  if (!result.ok && result.reason === 'unbound') refuseProof(ctx, UNBOUND, 'wrong_key');
  if (!result.ok) refuseRefresh(ctx, strapi);
  return deliverTokens(ctx, strapi, result);
}

/** How a refresh ended, as `refresh_token.refreshes` counts it. */
function refreshOutcome(result: RotateResult): RefreshOutcome {
  if (result.ok) return result.grace ? 'grace' : 'ok';
  return result.reason === 'reused'
    ? 'reuse'
    : result.reason === 'expired'
      ? 'expired'
      : result.reason === 'unbound'
        ? 'unbound'
        : 'invalid';
}

/** A plugin token rotates; a token of users-permissions' built-in refresh mode is exchanged, once. */
async function rotateOrExchange(strapi: Core.Strapi, presented: PresentedToken, meta: RequestMeta, key: SenderKey): Promise<RotateResult> {
  if (presented.parsed) return sessions(strapi).rotate(presented.parsed, meta, key);
  if (!presented.token || !isBuiltInToken(presented.token)) return { ok: false, reason: 'unknown' };
  // An exchange is a login: `senderConstraint` binds the new session to the proof's key, or refuses without one.
  if (key.mode === 'required' && key.presented === null) return { ok: false, reason: 'unbound' };
  const exchanged = await exchangeBuiltInToken(strapi, presented.token, meta, key.mode === 'off' ? null : key.presented);
  if (exchanged.ok) metrics.login('exchange', 'ok');
  return exchanged.ok ? { ok: true, ...exchanged.tokens } : { ok: false, reason: exchanged.reason };
}

/**
 * `POST /api/auth/refresh`, the built-in mode's route, kept for front ends written for it: the
 * token in the JSON body (answered `{ jwt, refreshToken }`) or in the built-in cookie (answered
 * `{ jwt }` and the cookie), whatever `delivery` says, exchanged or rotated like any other.
 */
export async function builtInShapeRefresh(ctx: Context, strapi: Core.Strapi): Promise<Record<string, unknown>> {
  const fromBody = bodyToken(ctx);
  const token = fromBody ?? builtInCookieToken(ctx, strapi);
  if (typeof token !== 'string' || token.length === 0)
    throw new errors.ValidationError('Missing refresh token: send { "refreshToken": "..." } or the strapi_up_refresh cookie');
  const fromCookie = fromBody === undefined;
  if (fromCookie) {
    assertTrustedOrigin(ctx, strapi);
    assertCsrfHeaders(ctx);
  }
  const given = asPresented(token, fromCookie);
  await limiter(strapi).checkSession(ctx, given.parsed?.sessionId);
  const result = await rotateOrExchange(strapi, given, requestMeta(ctx, strapi), await refreshKey(ctx, strapi));
  await limiter(strapi).hitSession(result.sessionId);
  if (!result.ok) {
    if (result.reason === 'unbound') return refuseProof(ctx, UNBOUND, 'wrong_key');
    if (fromCookie) setBuiltInCookie(ctx, strapi, null);
    return refuse(401, 'Invalid refresh token');
  }
  if (!fromCookie) return { jwt: result.accessToken, refreshToken: result.refreshToken };
  setBuiltInCookie(ctx, strapi, result.refreshToken);
  return { jwt: result.accessToken };
}

/**
 * A refresh token presented to `POST /api/auth/logout` (body or the built-in cookie): a plugin
 * token ends its session (a bound one only with its key's proof), a built-in one its built-in
 * session. True when a session of it was found.
 */
export async function logoutPresented(ctx: Context, strapi: Core.Strapi, token: string): Promise<boolean> {
  const parsed = parseRefreshToken(token);
  if (!parsed) return isBuiltInToken(token) && endBuiltInSessionOf(strapi, token);
  const { sessionId, refused } = await sessions(strapi).revokeByToken(
    parsed,
    requestMeta(ctx, strapi),
    (await refreshKey(ctx, strapi)).presented
  );
  if (refused) refuseProof(ctx, UNBOUND, 'wrong_key');
  return sessionId !== undefined;
}

/** Revokes the presented token's session and clears the cookie. Shared by REST and GraphQL. */
export async function logoutWith(ctx: Context, strapi: Core.Strapi, presented: PresentedToken): Promise<void> {
  guardCookieRequest(ctx, strapi, presented);
  await limiter(strapi).checkSession(ctx, presented.parsed?.sessionId);
  if (presented.parsed) {
    const { sessionId, refused } = await sessions(strapi).revokeByToken(
      presented.parsed,
      requestMeta(ctx, strapi),
      (await refreshKey(ctx, strapi)).presented
    );
    await limiter(strapi).hitSession(sessionId);
    if (refused) return refuseProof(ctx, UNBOUND, 'wrong_key');
  }
  if (usesCookie(ctx, strapi) || presented.fromCookie) clearRefreshCookie(ctx, strapi);
}

/** Revokes every other session of the Bearer token's user; how many. Shared by REST and GraphQL. */
export async function logoutOthersWith(ctx: Context, strapi: Core.Strapi): Promise<number> {
  const user = await requireAccessUser(ctx, strapi);
  if (!user.sid) throw new errors.ValidationError('This access token names no session: log in again to sign out other devices');
  return sessions(strapi).revokeUserSessions(user.id, 'logout-others', { ...requestMeta(ctx, strapi), except: user.sid });
}

/** 401 for a refused refresh token: the cookie goes too, so the browser stops sending it. */
function refuseRefresh(ctx: Context, strapi: Core.Strapi, message = 'Invalid refresh token'): never {
  if (usesCookie(ctx, strapi)) clearRefreshCookie(ctx, strapi);
  return refuse(401, message);
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export const bearerToken = (request: Pick<Context['request'], 'get'>): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(request.get('authorization'))?.[1];

/**
 * The claims of the request's access token, read as users-permissions reads it (its `getToken`,
 * as wrapped by this plugin: `Authorization: Bearer` or `DPoP` with a proof, pinned algorithm,
 * strict mode, `dpop.requireForAccessTokens`); null when there is none or it is not valid. A
 * DPoP proof that does not hold is its own 401.
 */
export async function accessClaims(
  ctx: Context,
  strapi: Core.Strapi
): Promise<({ id: number; sid?: unknown } & Record<string, unknown>) | null> {
  return strapi
    .plugin('users-permissions')
    .service('jwt')
    .getToken(ctx)
    .catch((error: unknown) => {
      if (error instanceof Refusal) throw error;
      return null;
    });
}

/** The user behind a Bearer access token of a live session; 401 when there is none or it is not valid. */
export async function requireAccessUser(
  ctx: Context,
  strapi: Core.Strapi
): Promise<{ id: number; sid?: string; /** A built-in mode's access token: its built-in session. */ builtInSession?: string }> {
  if (!/^(bearer|dpop)\s+\S+$/i.test(ctx.get('authorization'))) return refuse(401, 'Missing or malformed Authorization: Bearer header');
  const claims = await accessClaims(ctx, strapi);
  if (!claims) return refuse(401, 'Invalid or expired access token');
  // Whatever `strict` says: the access token of a session that has ended must not manage the
  // user's other sessions (an attacker whose session the victim just ended).
  if (typeof claims.sid === 'string' && !(await sessions(strapi).isLive(claims.sid, 0)))
    return refuse(401, 'This session has ended: log in again');
  const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: claims.id }, select: ['id', 'blocked'] });
  if (!user || user.blocked) return refuse(401, 'Invalid or expired access token');
  return {
    id: user.id,
    sid: typeof claims.sid === 'string' ? claims.sid : undefined,
    builtInSession: typeof claims.builtInSession === 'string' ? claims.builtInSession : undefined,
  };
}
