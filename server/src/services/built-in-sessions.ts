/**
 * Switching from users-permissions' built-in refresh mode (`jwtManagement: 'refresh'`, the default
 * of a fresh `create-strapi` app) signs nobody out. Its refresh tokens are JWTs that Strapi's session
 * manager checks against `admin::session` rows of origin `users-permissions`; presented to this
 * plugin (`POST /api/token/refresh`, or the built-in `POST /api/auth/refresh`), one is exchanged
 * once for a plugin session of the same user: the built-in session is ended by a compare-and-swap
 * on its status (two racing exchanges cannot both win), the sign-in time, absolute expiry, device
 * id and remember-me choice are carried over. Presented again, it is reuse: refused, and the
 * session made from it revoked. Built-in access tokens keep working until they expire (not in
 * strict mode: they name no plugin session).
 */
import type { Core } from '@strapi/strapi';
import jwt from 'jsonwebtoken';
import type { IssuedTokens, RequestMeta } from './sessions';
import { getService } from './registry';

const ORIGIN = 'users-permissions';
const SESSION_UID = 'admin::session';
const USER_UID = 'plugin::users-permissions.user';

interface BuiltInSession {
  sessionId: string;
  userId: string;
  deviceId?: string | null;
  type?: 'refresh' | 'session';
  createdAt: string | Date;
  absoluteExpiresAt?: string | Date | null;
}

type SessionManager = (origin: string) => {
  validateRefreshToken(token: string): Promise<{ isValid: boolean; userId?: string; sessionId?: string }>;
  invalidateRefreshToken(userId: string, deviceId?: string): Promise<void>;
  revokeSessionById(userId: string, sessionId: string): Promise<boolean>;
};

/** Strapi's session manager for users-permissions' origin; undefined in a Strapi without one (before 5.2x). */
function builtInManager(strapi: Core.Strapi): ReturnType<SessionManager> | undefined {
  const manager = (strapi as unknown as { sessionManager?: SessionManager }).sessionManager;
  try {
    return manager ? manager(ORIGIN) : undefined;
  } catch {
    return undefined; // the origin is not defined in this app
  }
}

const sessions = (strapi: Core.Strapi) => getService(strapi, 'sessions');

/**
 * Whether this app is switching from the built-in mode: users-permissions was configured with it
 * at start-up (taken over), or built-in sessions were still live then. Only such an app keeps the
 * built-in routes (`/api/auth/refresh`, `/api/auth/logout`); elsewhere they stay 404 as before.
 */
const switching = new WeakSet<object>();
export const markSwitchingFromBuiltIn = (strapi: Core.Strapi): void => void switching.add(strapi);
export const isSwitchingFromBuiltIn = (strapi: Core.Strapi): boolean => switching.has(strapi);

/** A JWT (three base64url parts): the built-in mode's token, never one of this plugin's `<session>.<secret>`. */
export const isBuiltInToken = (token: string): boolean => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

/** The claims of a token signed with the users-permissions secret (pinned algorithm), expired or not. */
function signedClaims(strapi: Core.Strapi, token: string, ignoreExpiration: boolean): jwt.JwtPayload | null {
  const { jwtKey, algorithm } = getService(strapi, 'accessTokens').signingKeys();
  try {
    const claims = jwt.verify(token, jwtKey, { algorithms: [algorithm], ignoreExpiration });
    return typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** A built-in access token as users-permissions' own claims (`id`, and the built-in session it belongs to), or null. */
export function builtInAccessClaims(strapi: Core.Strapi, token: string): { id: number; sid?: undefined; builtInSession?: string } | null {
  const claims = signedClaims(strapi, token, false);
  if (claims?.type !== 'access' || claims.userId === undefined || !/^\d+$/.test(String(claims.userId))) return null;
  return { id: Number(claims.userId), ...(typeof claims.sessionId === 'string' ? { builtInSession: claims.sessionId } : {}) };
}

export type ExchangeResult = { ok: true; tokens: IssuedTokens } | { ok: false; reason: 'unknown' | 'reused' };

/** Exchanges a built-in refresh token once for a plugin session. */
export async function exchangeBuiltInToken(
  strapi: Core.Strapi,
  token: string,
  meta: RequestMeta,
  jkt: string | null = null
): Promise<ExchangeResult> {
  const manager = builtInManager(strapi);
  const valid = manager ? await manager.validateRefreshToken(token) : { isValid: false };
  if (!valid.isValid || !valid.sessionId) return refusedBuiltInToken(strapi, token, meta);

  const user = await strapi.db.query(USER_UID).findOne({ where: { id: Number(valid.userId) }, select: ['id', 'blocked'] });
  if (!user || user.blocked) return { ok: false, reason: 'unknown' };
  // The compare-and-swap that ends the built-in session: only one exchange wins.
  const { count } = await strapi.db
    .query(SESSION_UID)
    .updateMany({ where: { sessionId: valid.sessionId, origin: ORIGIN, status: 'active' }, data: { status: 'rotated' } });
  if (count !== 1) return { ok: false, reason: 'unknown' };
  const row = (await strapi.db.query(SESSION_UID).findOne({ where: { sessionId: valid.sessionId } })) as BuiltInSession;
  const loginAt = new Date(row.createdAt).getTime();
  const tokens = await sessions(strapi).create(user.id, meta, {
    jkt,
    persistent: row.type !== 'session',
    carriedOver: {
      loginAt,
      absoluteExpiresAt: row.absoluteExpiresAt ? new Date(row.absoluteExpiresAt).getTime() : Infinity,
      deviceId: row.deviceId ?? undefined,
      migratedFrom: valid.sessionId,
    },
  });
  strapi.log.info(`[refresh-token] built-in session ${valid.sessionId} of user ${user.id} exchanged for session ${tokens.sessionId}`);
  return { ok: true, tokens };
}

/**
 * A built-in token Strapi no longer accepts. Already exchanged: reuse (the session made from it is
 * revoked) — unless the exchange happened within the grace period, a race of two tabs, not theft.
 */
async function refusedBuiltInToken(strapi: Core.Strapi, token: string, meta: RequestMeta): Promise<ExchangeResult> {
  const claims = signedClaims(strapi, token, true);
  if (claims?.type !== 'refresh' || typeof claims.sessionId !== 'string') return { ok: false, reason: 'unknown' };
  const migrated = await sessions(strapi).migratedFrom(claims.sessionId);
  if (!migrated) return { ok: false, reason: 'unknown' };
  const { reuseGracePeriod } = await getService(strapi, 'settings').lifespans();
  const { exchangedAt } = migrated;
  if (exchangedAt !== null && reuseGracePeriod > 0 && Date.now() - exchangedAt <= reuseGracePeriod * 1000)
    return { ok: false, reason: 'unknown' };
  await sessions(strapi).revokeMigratedForReuse(claims.sessionId, meta);
  return { ok: false, reason: 'reused' };
}

/** Built-in sessions that can still be exchanged: a count and the last moment one can, for the boot log. */
export async function pendingBuiltInSessions(strapi: Core.Strapi): Promise<{ count: number; until: Date | null }> {
  if (!strapi.db.metadata.get(SESSION_UID)) return { count: 0, until: null };
  const now = new Date();
  const live = { origin: ORIGIN, status: 'active', expiresAt: { $gt: now } };
  const count = await strapi.db.query(SESSION_UID).count({ where: live });
  if (count === 0) return { count, until: null };
  const last = await strapi.db
    .query(SESSION_UID)
    .findOne({ where: live, orderBy: { absoluteExpiresAt: 'desc' }, select: ['absoluteExpiresAt'] });
  return { count, until: last?.absoluteExpiresAt ? new Date(last.absoluteExpiresAt) : null };
}

/** A built-in session not yet exchanged, in the built-in session API's shape. */
export interface BuiltInSessionEntry {
  id: string;
  deviceId?: string;
  deviceName?: string;
  current: boolean;
  loginAt?: string;
  lastActiveAt?: string;
}

/** The user's built-in sessions still live (not yet exchanged): they appear in `GET /api/auth/sessions` too. */
export async function liveBuiltInSessions(strapi: Core.Strapi, userId: number, current?: string): Promise<BuiltInSessionEntry[]> {
  if (!strapi.db.metadata.get(SESSION_UID)) return [];
  const rows = (await strapi.db.query(SESSION_UID).findMany({
    where: { origin: ORIGIN, userId: String(userId), status: 'active', expiresAt: { $gt: new Date() } },
  })) as Array<BuiltInSession & { metadata?: { deviceName?: unknown; loginAt?: unknown } | null }>;
  return rows.map((row) => ({
    id: row.sessionId,
    ...(row.deviceId ? { deviceId: row.deviceId } : {}),
    ...(typeof row.metadata?.deviceName === 'string' ? { deviceName: row.metadata.deviceName } : {}),
    current: row.sessionId === current,
    loginAt: typeof row.metadata?.loginAt === 'string' ? row.metadata.loginAt : new Date(row.createdAt).toISOString(),
    lastActiveAt: new Date(row.createdAt).toISOString(),
  }));
}

/**
 * Ends built-in sessions of the user not yet exchanged, through Strapi's session manager: all of
 * them, a device's, or one by id (true when it was the user's). Nothing to do in an app without one.
 */
export async function endBuiltInSessions(
  strapi: Core.Strapi,
  userId: number,
  which: { all: true } | { deviceId: string } | { sessionId: string }
): Promise<boolean> {
  const manager = builtInManager(strapi);
  if (!manager) return false;
  if ('sessionId' in which) return manager.revokeSessionById(String(userId), which.sessionId);
  await manager.invalidateRefreshToken(String(userId), 'deviceId' in which ? which.deviceId : undefined);
  return true;
}

/** Ends the built-in session a built-in refresh token belongs to, when Strapi still accepts it. */
export async function endBuiltInSessionOf(strapi: Core.Strapi, token: string): Promise<boolean> {
  const manager = builtInManager(strapi);
  const valid = manager ? await manager.validateRefreshToken(token) : { isValid: false };
  if (!manager || !valid.isValid || !valid.userId || !valid.sessionId) return false;
  return manager.revokeSessionById(String(valid.userId), valid.sessionId);
}
