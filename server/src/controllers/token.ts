import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import {
  answeringRefusals,
  bearerToken,
  bodyToken,
  clearRefreshCookie,
  deliverTokens,
  logoutOthersWith,
  logoutWith,
  presentedToken,
  refreshWith,
  requestMeta,
  requireAccessUser,
} from '../http/transport';
import { exchangeLegacyToken } from '../services/legacy-exchange';
import { pluginConfig } from '../config';
import { refuse } from '../http/refusal';
import { guardCookieRequest, guardTokenIssuing } from '../http/request-guard';

import { getService } from '../services/registry';

/** POST /api/token/* and the end-user sessions API. Thin: read, check, call the service, reply. */
const token = ({ strapi }: { strapi: Core.Strapi }) => {
  const sessions = () => getService(strapi, 'sessions');

  return answeringRefusals(strapi, {
    async refresh(ctx: Context) {
      ctx.body = await refreshWith(ctx, strapi, presentedToken(ctx, strapi, bodyToken(ctx)));
    },

    async logout(ctx: Context) {
      await logoutWith(ctx, strapi, presentedToken(ctx, strapi, bodyToken(ctx), 'accept'));
      ctx.body = { ok: true };
    },

    async logoutAll(ctx: Context) {
      guardCookieRequest(ctx, strapi, { fromCookie: false });
      const user = await requireAccessUser(ctx, strapi);
      const revoked = await sessions().revokeUserSessions(user.id, 'logout-all', requestMeta(ctx));
      clearRefreshCookie(ctx, strapi);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { ok: true, revoked };
    },

    async logoutOthers(ctx: Context) {
      ctx.body = { ok: true, revoked: await logoutOthersWith(ctx, strapi) };
    },

    async listSessions(ctx: Context) {
      const user = await requireAccessUser(ctx, strapi);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { data: await sessions().listForUser(user.id, user.sid) };
    },

    /** A legacy users-permissions JWT for a session, once (opt-in: legacyTokenExchange.enabled). */
    async exchange(ctx: Context) {
      if (!pluginConfig(strapi).legacyTokenExchange.enabled) {
        throw new errors.NotFoundError('Legacy token exchange is off: set legacyTokenExchange.enabled in the refresh-token config');
      }
      guardTokenIssuing(ctx, strapi); // it sets the cookie like a login: the same origin, CSRF and transport rules
      const bearer = bearerToken(ctx.request);
      if (!bearer) return refuse(401, 'Missing Authorization: Bearer <legacy users-permissions JWT>');
      const result = await exchangeLegacyToken(strapi, bearer, requestMeta(ctx));
      if (!result.ok) return refuse(401, result.message);
      ctx.body = deliverTokens(ctx, strapi, result.tokens, { user: result.user });
    },

    async revokeSession(ctx: Context) {
      const user = await requireAccessUser(ctx, strapi);
      const { id } = ctx.params as { id: string };
      if (!(await sessions().revokeSession(id, user.id, 'logout', requestMeta(ctx)))) {
        throw new errors.NotFoundError('Session not found');
      }
      ctx.body = { ok: true };
    },
  });
};

export default token;
