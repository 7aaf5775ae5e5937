/**
 * Strapi's own session API (users-permissions 5.50+, documented for its built-in session mode),
 * answered from this plugin's sessions in every app, whatever `jwtManagement` says:
 * - `GET /api/auth/sessions`: `{ data: [{ id, deviceId?, deviceName?, current, loginAt, lastActiveAt }] }`,
 *   the caller's session first, then by last use; built-in sessions not yet exchanged included;
 * - `DELETE /api/auth/sessions/:sessionId`: `{ data: {} }`, 404 when it is not the caller's;
 * - `POST /api/auth/logout` (Bearer): `{ scope: 'all' }` every session of the user, `{ deviceId }`
 *   that device's, else the caller's; a refresh token in the body or the built-in cookie ends its
 *   session too (as built-in front ends send it). `{ ok: true }` only for what was applied.
 * They authenticate themselves (the Bearer or DPoP access token of a live session, as the plugin's
 * own sessions API does), so an Authenticated user reaches them in apps whose roles predate these
 * routes, and a Public caller gets 401. Wired in register(): routes bind to controllers during bootstrap.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { builtInCookieToken, setBuiltInCookie } from '../http/built-in-cookie';
import { deviceIdOf } from '../http/login';
import { refuse } from '../http/refusal';
import { assertCsrfHeaders, assertTrustedOrigin } from '../http/request-guard';
import { tokenEndpoint } from '../http/token-endpoint';
import { bodyToken, clearRefreshCookie, logoutPresented, requestMeta, requireAccessUser } from '../http/transport';
import { endBuiltInSessions, liveBuiltInSessions } from '../services/built-in-sessions';
import { getService } from '../services/registry';
import type { Bucket } from '../services/limiter';

type Action = (ctx: Context) => Promise<void>;
type Route = { method: string; path: string; handler: string; config?: Record<string, unknown> };

const ROUTES: Array<[action: string, method: string, path: string, bucket: Bucket]> = [
  ['getSessions', 'GET', '/auth/sessions', 'sessions'],
  ['revokeSession', 'DELETE', '/auth/sessions/:sessionId', 'sessions'],
  ['logout', 'POST', '/auth/logout', 'logout'],
];

/**
 * Edits users-permissions' content-API routes before Strapi mounts them: in 5.3x+ a factory that
 * shares one `routes` array; in older 5.x a function building them anew, which is wrapped.
 */
function editContentApiRoutes(strapi: Core.Strapi, edit: (routes: Route[]) => void): void {
  const routes = (strapi.plugin('users-permissions') as unknown as { routes: Record<string, unknown> }).routes;
  const entry = routes['content-api'] as { routes?: Route[] } | ((...args: unknown[]) => { routes: Route[] });
  if (Array.isArray((entry as { routes?: Route[] }).routes)) return edit((entry as { routes: Route[] }).routes);
  if (typeof entry !== 'function') return;
  routes['content-api'] = (...args: unknown[]) => {
    const built = entry(...args);
    edit(built.routes);
    return built;
  };
}

const jsonBody = (ctx: Context): Record<string, unknown> => {
  const body = ctx.request.body as unknown;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
};

export function serveSessionApi(strapi: Core.Strapi): void {
  const sessions = () => getService(strapi, 'sessions');
  const controller = strapi.plugin('users-permissions').controller('auth') as Record<string, Action>;

  const actions: Record<string, Action> = {
    async getSessions(ctx) {
      const user = await requireAccessUser(ctx, strapi);
      const own = (await sessions().listForUser(user.id, user.sid)).map((s) => ({
        id: s.id,
        ...(s.deviceId ? { deviceId: s.deviceId } : {}),
        deviceName: s.device,
        current: s.current,
        loginAt: s.createdAt,
        lastActiveAt: s.lastUsedAt,
      }));
      const data = [...own, ...(await liveBuiltInSessions(strapi, user.id, user.builtInSession))].sort((a, b) =>
        a.current !== b.current ? (a.current ? -1 : 1) : (b.lastActiveAt ?? '').localeCompare(a.lastActiveAt ?? '')
      );
      ctx.body = { data };
    },

    async revokeSession(ctx) {
      const user = await requireAccessUser(ctx, strapi);
      const { sessionId } = ctx.params as { sessionId: string };
      const ended =
        (await sessions().revokeSession(sessionId, user.id, 'logout', requestMeta(ctx, strapi))) ||
        (sessionId.length <= 128 && (await endBuiltInSessions(strapi, user.id, { sessionId })));
      if (!ended) throw new errors.NotFoundError('Session not found');
      ctx.body = { data: {} };
    },

    async logout(ctx) {
      const body = jsonBody(ctx);
      if (body.scope !== undefined && body.scope !== 'all') throw new errors.ValidationError("scope must be 'all' (or absent)");
      const deviceId = deviceIdOf(body);
      const meta = requestMeta(ctx, strapi);
      const fromBody = bodyToken(ctx);
      const fromCookie = fromBody === undefined ? builtInCookieToken(ctx, strapi) : undefined;
      // A token from the built-in cookie: the origin and CSRF rules, so a cross-site form cannot log anyone out.
      if (fromCookie) {
        assertTrustedOrigin(ctx, strapi);
        assertCsrfHeaders(ctx);
      }
      const presented = fromBody ?? fromCookie;
      // Who asks, before anything ends (the presented token may be the caller's own session).
      const user = ctx.get('authorization') ? await requireAccessUser(ctx, strapi) : null;
      // A refresh token in the body or the built-in cookie (as built-in front ends send it): its session ends.
      const endedPresented = typeof presented === 'string' && (await logoutPresented(ctx, strapi, presented));
      if (builtInCookieToken(ctx, strapi)) setBuiltInCookie(ctx, strapi, null);
      if (!user) {
        if (endedPresented && body.scope === undefined && deviceId === undefined) return void (ctx.body = { ok: true });
        return refuse(401, 'Missing authentication: send the access token as Authorization: Bearer');
      }
      if (body.scope === 'all') {
        await sessions().revokeUserSessions(user.id, 'logout-all', meta);
        await endBuiltInSessions(strapi, user.id, { all: true });
      } else if (deviceId !== undefined) {
        await sessions().revokeUserSessions(user.id, 'logout', { ...meta, deviceId });
        await endBuiltInSessions(strapi, user.id, { deviceId });
      } else if (user.sid) {
        await sessions().revokeSession(user.sid, user.id, 'logout', meta);
      } else if (user.builtInSession) {
        await endBuiltInSessions(strapi, user.id, { sessionId: user.builtInSession });
      } else if (!endedPresented) {
        throw new errors.ValidationError("This access token names no session: send { scope: 'all' } or a deviceId");
      }
      // The caller's own session is among those that ended: its refresh cookie goes too.
      if (body.scope === 'all' || deviceId === undefined) clearRefreshCookie(ctx, strapi);
      ctx.body = { ok: true };
    },
  };

  editContentApiRoutes(strapi, (routes) => {
    for (const [action, method, path] of ROUTES) {
      const handler = `auth.${action}`;
      let route = routes.find((r) => r.handler === handler || (r.method === method && r.path === path));
      if (!route) routes.push((route = { method, path, handler, config: { prefix: '' } })); // a Strapi before 5.50
      route.handler = handler;
      route.config = { ...route.config, auth: false };
    }
  });
  for (const [action, , , bucket] of ROUTES) {
    const work = actions[action];
    controller[action] = (ctx: Context) => tokenEndpoint(ctx, strapi, { bucket, refusals: 'throw' }, () => work(ctx)) as Promise<void>;
  }
}
