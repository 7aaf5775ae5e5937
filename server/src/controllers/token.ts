import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import {
  bearerToken,
  bodyToken,
  clearRefreshCookie,
  deliverTokens,
  isEmptyProbe,
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
import { tokenActions } from '../http/token-endpoint';
import { loginKey } from '../http/sender-proof';
import { getService } from '../services/registry';

/**
 * How long verifiers may cache the JWKS. Keep a key listed at least the access lifespan plus this
 * long after it stops signing (docs/signing-keys.md).
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** POST /api/token/* and the end-user sessions API. Thin: read, check, call the service, reply. */
const token = ({ strapi }: { strapi: Core.Strapi }) => {
  const sessions = () => getService(strapi, 'sessions');

  /** GET /api/token/jwks: public keys only, from memory; public and cacheable, so not rate-limited. */
  const jwks = async (ctx: Context) => {
    ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    ctx.body = getService(strapi, 'accessTokens').jwks();
  };

  const actions = tokenActions(strapi, {
    refresh: [
      'refresh',
      async (ctx: Context) => {
        if (isEmptyProbe(ctx, strapi)) return void (ctx.status = 204);
        ctx.body = await refreshWith(ctx, strapi, presentedToken(ctx, strapi, bodyToken(ctx)));
      },
    ],

    logout: [
      'logout',
      async (ctx: Context) => {
        await logoutWith(ctx, strapi, presentedToken(ctx, strapi, bodyToken(ctx), 'accept'));
        ctx.body = { ok: true };
      },
    ],

    logoutAll: [
      'logout-all',
      async (ctx: Context) => {
        guardCookieRequest(ctx, strapi, { fromCookie: false });
        const user = await requireAccessUser(ctx, strapi);
        const revoked = await sessions().revokeUserSessions(user.id, 'logout-all', requestMeta(ctx, strapi));
        clearRefreshCookie(ctx, strapi);
        ctx.body = { ok: true, revoked };
      },
    ],

    logoutOthers: [
      'logout-others',
      async (ctx: Context) => {
        ctx.body = { ok: true, revoked: await logoutOthersWith(ctx, strapi) };
      },
    ],

    listSessions: [
      'sessions',
      async (ctx: Context) => {
        const user = await requireAccessUser(ctx, strapi);
        ctx.body = { data: await sessions().listForUser(user.id, user.sid) };
      },
    ],

    /** A legacy users-permissions JWT for a session, once (opt-in: legacyTokenExchange.enabled). */
    exchange: [
      'exchange',
      async (ctx: Context) => {
        if (!pluginConfig(strapi).legacyTokenExchange.enabled) {
          throw new errors.NotFoundError('Legacy token exchange is off: set legacyTokenExchange.enabled in the refresh-token config');
        }
        guardTokenIssuing(ctx, strapi); // it sets the cookie like a login: the same origin, CSRF and transport rules
        const bearer = bearerToken(ctx.request);
        if (!bearer) return refuse(401, 'Missing Authorization: Bearer <legacy users-permissions JWT>');
        const result = await exchangeLegacyToken(strapi, bearer, requestMeta(ctx, strapi), await loginKey(ctx, strapi));
        if (!result.ok) return refuse(401, result.message);
        ctx.body = deliverTokens(ctx, strapi, result.tokens, { user: result.user });
      },
    ],

    revokeSession: [
      'sessions',
      async (ctx: Context) => {
        const user = await requireAccessUser(ctx, strapi);
        const { id } = ctx.params as { id: string };
        if (!(await sessions().revokeSession(id, user.id, 'logout', requestMeta(ctx, strapi)))) {
          throw new errors.NotFoundError('Session not found');
        }
        ctx.body = { ok: true };
      },
    ],
  });
  return { ...actions, jwks };
};

export default token;
