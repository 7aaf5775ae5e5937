/**
 * A login, whoever checked the credentials: users-permissions' own actions (wrapped in
 * users-permissions/auth.ts) and custom flows (magic links, one-time codes, a provider's ID token
 * on mobile, SSO) through `strapi.plugin('refresh-token').service('login').issue(ctx, user)`. Both
 * go through the same two steps, so both get the same rules: the origin, CSRF and delivery checks
 * and the DPoP key before anything happens, then the session (password-change race, session cap,
 * new-device alert) and the tokens on the response.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { PasswordChangedError, type IssuedTokens } from '../services/sessions';
import { afterLogin } from '../services/post-login';
import { metrics, type LoginMethod } from '../services/metrics';
import { getService } from '../services/registry';
import { refuse } from './refusal';
import { guardTokenIssuing, ownOrigins } from './request-guard';
import { warnIfCrossSite } from './cross-site-hint';
import { loginKey } from './sender-proof';
import { tokenEndpoint } from './token-endpoint';
import { deliverTokens, requestMeta } from './transport';

/** A device id as the built-in session mode takes it: a string of at most 128 characters; '' is none. */
export function deviceIdOf(body: unknown): string | undefined {
  const value = body !== null && typeof body === 'object' ? (body as { deviceId?: unknown }).deviceId : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 128)
    throw new errors.ValidationError('deviceId must be a string of at most 128 characters');
  return value;
}

/** Before the credentials are checked: refused here, a request logs in, registers or changes nothing. */
export async function beginLogin(ctx: Context, strapi: Core.Strapi): Promise<{ jkt: string | null; deviceId?: string }> {
  const deviceId = deviceIdOf(ctx.request.body);
  guardTokenIssuing(ctx, strapi);
  warnIfCrossSite(ctx, strapi, ownOrigins(ctx, strapi)[0]);
  return { jkt: await loginKey(ctx, strapi), deviceId };
}

export interface LoginFacts {
  /** How the user proved who they are, for `refresh_token.logins`. */
  method: LoginMethod;
  jkt: string | null;
  deviceId?: string;
  /** false: "remember me: no" (a browser-session cookie, the shorter idle lifespan). */
  persistent?: boolean;
  /** When the credentials were checked: a password change since then refuses the login. */
  authStartedAt?: number;
  /** A new account: its first login is no new-device alert. */
  firstLogin?: boolean;
}

/** After the credentials were checked: the session, the post-login rules, the tokens on the response. */
export async function completeLogin(
  ctx: Context,
  strapi: Core.Strapi,
  userId: number,
  facts: LoginFacts,
  body: Record<string, unknown> = {}
): Promise<{ body: Record<string, unknown>; tokens: IssuedTokens }> {
  const meta = requestMeta(ctx, strapi);
  const tokens = await getService(strapi, 'sessions')
    .create(userId, meta, { persistent: facts.persistent, authStartedAt: facts.authStartedAt, jkt: facts.jkt, deviceId: facts.deviceId })
    .catch((error) => {
      if (error instanceof PasswordChangedError) refuse(401, error.message);
      throw error;
    });
  await afterLogin(strapi, { userId, sessionId: tokens.sessionId, meta, firstLogin: facts.firstLogin === true });
  metrics.login(facts.method, 'ok');
  return { body: deliverTokens(ctx, strapi, tokens, body), tokens };
}

const USER_UID = 'plugin::users-permissions.user';

/** The `login` service: a session for a user that the app's own code has authenticated. */
const login = ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Answers like `POST /api/auth/local` after its password check: the cookie set where the cookie
   * travels, `{ jwt, refreshToken? }` returned (`refreshToken` where body delivery applies). A
   * blocked, unconfirmed (with e-mail confirmation on) or unknown user is a 400 and no session exists.
   */
  async issue(
    ctx: Context,
    user: { id: number | string },
    options: { rememberMe?: boolean; deviceId?: string } = {}
  ): Promise<{ jwt: string; refreshToken?: string }> {
    const issued = await tokenEndpoint(ctx, strapi, { refusals: 'throw' }, async () => {
      const authStartedAt = Date.now();
      const { jkt, deviceId } = await beginLogin(ctx, strapi);
      const found = await strapi.db.query(USER_UID).findOne({ where: { id: Number(user?.id) }, select: ['id', 'blocked', 'confirmed'] });
      const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
        email_confirmation?: boolean;
      } | null;
      const refusal = !found
        ? 'Unknown user'
        : found.blocked
          ? 'Your account has been blocked by an administrator'
          : advanced?.email_confirmation && !found.confirmed
            ? 'Your account email is not confirmed'
            : null;
      if (refusal) {
        metrics.login('custom', 'refused');
        throw new errors.ApplicationError(refusal);
      }
      const { body } = await completeLogin(ctx, strapi, found.id, {
        method: 'custom',
        jkt,
        deviceId: options.deviceId !== undefined ? deviceIdOf({ deviceId: options.deviceId }) : deviceId,
        persistent: options.rememberMe !== false,
        authStartedAt,
      });
      return body as { jwt: string; refreshToken?: string };
    });
    return { jwt: issued!.jwt, ...(issued!.refreshToken ? { refreshToken: issued!.refreshToken } : {}) };
  },
});

export default login;
export type LoginService = ReturnType<typeof login>;

declare module '../services/registry' {
  interface Services {
    login: LoginService;
  }
}
