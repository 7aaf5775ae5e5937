/**
 * Wraps the users-permissions auth controllers that hand out a JWT so that they hand out a
 * short-lived access token and a new session instead. Done in register(): routes bind to the
 * controller's methods during Strapi's bootstrap, so a later swap would be invisible to REST.
 * The wrapped controller runs first, untouched: its checks (password, blocked, confirmed) decide,
 * and when it throws, no session exists.
 */
import type { Core } from '@strapi/strapi';
import jwt from 'jsonwebtoken';
import type { Context } from 'koa';
import { secondsOrZero, pluginConfig } from '../config';
import { builtInShapeRefresh } from '../http/transport';
import { builtInAccessClaims, isSwitchingFromBuiltIn } from '../services/built-in-sessions';
import { tokenEndpoint } from '../http/token-endpoint';
import { senderKey } from '../http/sender-proof';
import { beginLogin, completeLogin } from '../http/login';
import { assertWellFormedCredentials } from '../http/well-formed';
import { getService } from '../services/registry';
import { metrics } from '../services/metrics';

type Action = (ctx: Context, ...rest: unknown[]) => unknown;

/**
 * Actions that answer `{ jwt, user }`. A password change or reset ends the user's other sessions
 * through the user model's lifecycle (bootstrap), like every other password change.
 */
const ISSUING_ACTIONS = [
  'callback', // POST /auth/local, GET /auth/:provider/callback, GraphQL login
  'register',
  'emailConfirmation', // the e-mailed link redirects; GraphQL's mutation (returnUser) answers with a JWT
  'resetPassword',
  'changePassword',
];

interface AuthBody {
  jwt?: unknown;
  user?: { id?: number };
}

export function wrapUsersPermissionsAuth(strapi: Core.Strapi): void {
  const controller = strapi.plugin('users-permissions').controller('auth') as Record<string, Action>;

  // The built-in refresh mode's refresh route (users-permissions answers it 404 outside that mode):
  // kept working, in its answer shape, for the front ends of an app switching from that mode.
  const originalRefresh = controller.refresh;
  controller.refresh = (ctx: Context, ...rest: unknown[]) =>
    !isSwitchingFromBuiltIn(strapi)
      ? originalRefresh.call(controller, ctx, ...rest)
      : tokenEndpoint(ctx, strapi, { refusals: 'throw' }, async () => {
          ctx.body = await builtInShapeRefresh(ctx, strapi);
        });

  // GraphQL mutations hand their (possibly inline-literal) input to these actions as the body,
  // past the global body guard: check it here too, before users-permissions hashes anything.
  for (const action of [...ISSUING_ACTIONS, 'forgotPassword']) {
    const original = controller[action];
    if (typeof original !== 'function') continue;
    controller[action] = function wellFormedInput(this: unknown, ctx: Context, ...rest: unknown[]) {
      assertWellFormedCredentials(ctx.request.body);
      return original.call(this, ctx, ...rest);
    };
  }

  for (const action of ISSUING_ACTIONS) {
    const original = controller[action];
    if (typeof original !== 'function') continue;
    controller[action] = function issueSession(this: unknown, ctx: Context, ...rest: unknown[]) {
      return tokenEndpoint(ctx, strapi, { refusals: 'throw' }, async () => {
        // Before users-permissions runs: a refused request logs in, registers, confirms or changes
        // nothing. The e-mailed confirmation link (a navigation) answers with a redirect, no
        // token; called with returnUser (GraphQL's emailConfirmation) it issues a session.
        const issuing = action !== 'emailConfirmation' || rest[1] === true;
        // The origin, CSRF and delivery rules, the DPoP key to bind to and the device id.
        const begun = issuing ? await beginLogin(ctx, strapi) : { jkt: null };
        // A login's session is as old as its password check: one that raced a password change dies.
        const authStartedAt = action === 'callback' ? Date.now() : undefined;
        const provider = action === 'callback' ? ((ctx.params as { provider?: string } | undefined)?.provider ?? 'local') : 'local';
        const method = provider === 'local' ? 'local' : 'provider';
        const result = await Promise.resolve(original.call(this, ctx, ...rest)).catch((error: unknown) => {
          if (issuing) metrics.login(method, 'refused'); // a wrong password, a blocked user, a bad provider callback
          throw error;
        });
        const body = ctx.body as AuthBody | undefined;
        const userId = body?.user?.id;
        if (typeof body?.jwt !== 'string' || typeof userId !== 'number') return result;
        // `rememberMe: false` in the login body: a browser-session cookie and the shorter idle lifespan.
        const persistent = !(action === 'callback' && (ctx.request.body as { rememberMe?: unknown } | undefined)?.rememberMe === false);
        const facts = { ...begun, method, persistent, authStartedAt, firstLogin: action === 'register' } as const;
        ctx.body = (await completeLogin(ctx, strapi, userId, facts, body as Record<string, unknown>)).body;
        // GraphQL's login payload reads it from here (its resolver only returns jwt and user).
        ctx.state.refreshTokenIssued = (ctx.body as { refreshToken?: string }).refreshToken;
        return result;
      });
    };
  }
}

/**
 * Replaces users-permissions' `jwt.verify` and `jwt.issue`: the same secret, options and pinned
 * algorithm, but the secret as a KeyObject built once (jsonwebtoken given a string secret pays a
 * PEM parse attempt and an exception on every call, ~0.45 ms). `verify` runs on every
 * authenticated content-API request; in strict mode it also refuses an access token whose session
 * is no longer live, or that names no session at all.
 */
export function wrapUsersPermissionsJwt(strapi: Core.Strapi): void {
  const jwtService = strapi.plugin('users-permissions').service('jwt') as {
    getToken(ctx: Context): Promise<unknown>;
    verify(token: string): Promise<unknown>;
    issue(payload: object, options?: jwt.SignOptions): string;
  };
  const sessions = () => getService(strapi, 'sessions');

  jwtService.verify = async function verify(token: string) {
    const { strict, strictCacheTtl } = pluginConfig(strapi);
    const ttlMs = secondsOrZero(strictCacheTtl) * 1000;
    // A built-in refresh mode's access token works until it expires, but not in strict mode: it names no session.
    const claims = (await getService(strapi, 'accessTokens').verify(token)) ?? (strict ? null : builtInAccessClaims(strapi, token));
    if (!claims) throw new Error('Invalid token.');
    if (strict && (typeof claims.sid !== 'string' || !(await sessions().isLive(claims.sid, ttlMs)))) {
      throw new Error('Invalid token.');
    }
    return claims;
  };

  /**
   * The access token of a request: `Authorization: Bearer`, as users-permissions reads it, or
   * `Authorization: DPoP` with a proof by the key in its `cnf.jkt` (RFC 9449). With
   * `dpop.requireForAccessTokens`, a bound session's token is refused as a plain Bearer.
   */
  // Once per request: a DPoP proof is single-use, and the route's auth and a policy (fresh) both ask.
  const read = new WeakMap<object, Promise<unknown>>();
  jwtService.getToken = function getToken(ctx: Context) {
    const request = ctx.request ?? ctx;
    let claims = read.get(request);
    if (!claims) read.set(request, (claims = readToken(ctx)));
    return claims;
  };

  async function readToken(ctx: Context): Promise<unknown> {
    const [scheme, token, extra] = String(ctx.request?.header?.authorization ?? '').split(/\s+/);
    if (scheme.toLowerCase() === 'dpop' && token && extra === undefined) {
      const claims = (await jwtService.verify(token)) as { cnf?: { jkt?: unknown } };
      const jkt = await senderKey(ctx, strapi, token);
      if (typeof claims.cnf?.jkt !== 'string' || claims.cnf.jkt !== jkt) throw new Error('Invalid token.');
      return claims;
    }
    if (scheme.toLowerCase() !== 'bearer' || !token || extra !== undefined) return null;
    const claims = (await jwtService.verify(token)) as { cnf?: { jkt?: unknown } };
    if (claims.cnf?.jkt !== undefined && pluginConfig(strapi).dpop.requireForAccessTokens) throw new Error('Invalid token.');
    return claims;
  }

  jwtService.issue = function issue(payload: object & { toJSON?: () => object }, options: jwt.SignOptions = {}) {
    const { jwtKey, algorithm } = getService(strapi, 'accessTokens').signingKeys();
    const defaults = (strapi.config.get('plugin::users-permissions.jwt') ?? {}) as jwt.SignOptions;
    const claims = { ...(typeof payload.toJSON === 'function' ? payload.toJSON() : payload) };
    return jwt.sign(claims, jwtKey, { ...defaults, ...options, algorithm });
  };
}
