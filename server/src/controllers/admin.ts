import { pluginConfig } from '../config';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { LIFESPAN_KEYS, type Lifespans } from '../config';
import { requestMeta } from '../http/transport';

import { getService } from '../services/registry';

const MAX_PAGE_SIZE = 100;

type FieldError = { path: string[]; message: string; name: 'ValidationError' };
const fieldError = (key: string, message: string): FieldError => ({ path: [key], message, name: 'ValidationError' });

/** The body of PUT /settings: only the four lifespans, each a whole number of seconds. */
function parseSettingsBody(body: unknown): Partial<Lifespans> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new errors.ValidationError('Expected a JSON object of lifespans in seconds', { errors: [] });
  }
  const input = body as Record<string, unknown>;
  const fieldErrors: FieldError[] = [];
  const result: Partial<Lifespans> = {};
  for (const key of Object.keys(input)) {
    if (!(LIFESPAN_KEYS as readonly string[]).includes(key)) fieldErrors.push(fieldError(key, `${key} is not a setting`));
  }
  for (const key of LIFESPAN_KEYS) {
    if (!(key in input)) continue;
    const value = input[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      fieldErrors.push(fieldError(key, `${key} must be a whole number of seconds`));
    } else {
      result[key] = value;
    }
  }
  if (fieldErrors.length > 0) throw new errors.ValidationError('Invalid lifespans', { errors: fieldErrors });
  if (Object.keys(result).length === 0) throw new errors.ValidationError('Nothing to save', { errors: [] });
  return result;
}

function positiveInt(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > max) {
    throw new errors.ValidationError(`${name} must be an integer between 1 and ${max}`, {
      errors: [fieldError(name, `${name} must be an integer between 1 and ${max}`)],
    });
  }
  return n;
}

const USER_UID = 'plugin::users-permissions.user';
const CONTENT_MANAGER_READ = 'plugin::content-manager.explorer.read';

/**
 * The end users' fields an admin may see in the sessions list: those their role may read in the
 * Content Manager. `sessions.read` alone shows sessions (device, IP, times) and user ids only.
 */
function readableUserFields(ctx: Context): Array<'username' | 'email'> {
  const ability = ctx.state.userAbility as { can(action: string, subject: string, field?: string): boolean } | undefined;
  return (['username', 'email'] as const).filter((field) => ability?.can(CONTENT_MANAGER_READ, USER_UID, field) === true);
}

/** Admin API: settings (lifespans) and every user's sessions. Thin, like the content-API controller. */
const admin = ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'settings');
  const sessions = () => getService(strapi, 'sessions');
  /** The lifespans, and which keys sign access tokens (kid, alg, signing or verify-only: never a private member). */
  const withSigning = async (view: Promise<object>) => ({
    data: {
      ...(await view),
      signing: {
        keys: getService(strapi, 'accessTokens').describeKeys(),
        previousSecrets: pluginConfig(strapi).signing.previousSecrets.length,
        jwksPath: '/api/token/jwks',
      },
    },
  });

  return {
    async getSettings(ctx: Context) {
      ctx.body = await withSigning(settings().view());
    },

    async updateSettings(ctx: Context) {
      ctx.body = await withSigning(settings().save(parseSettingsBody(ctx.request.body)));
    },

    async resetSettings(ctx: Context) {
      ctx.body = await withSigning(settings().reset());
    },

    async listSessions(ctx: Context) {
      const query = ctx.query as Record<string, unknown>;
      const page = positiveInt(query.page, 'page', 1);
      const pageSize = positiveInt(query.pageSize, 'pageSize', 10, MAX_PAGE_SIZE);
      const user = typeof query.user === 'string' ? query.user.trim().slice(0, 255) : '';
      const userFields = readableUserFields(ctx);
      if (user && !/^\d+$/.test(user) && userFields.length === 0) {
        throw new errors.PolicyError(
          'Searching sessions by username or e-mail needs read permission on users in the Content Manager: search by user id'
        );
      }
      ctx.body = await sessions().listForAdmin({ page, pageSize, user: user || undefined, userFields });
    },

    async revokeSession(ctx: Context) {
      const { id } = ctx.params as { id: string };
      if (!(await sessions().revokeSession(id, null, 'admin', requestMeta(ctx, strapi))))
        throw new errors.NotFoundError('Session not found');
      ctx.body = { ok: true };
    },

    /** The security activity page: charts of the last 24 hours or 7 days, and the latest security events. */
    async getActivity(ctx: Context) {
      const range = (ctx.query as Record<string, unknown>).range ?? '24h';
      if (range !== '24h' && range !== '7d')
        throw new errors.ValidationError("range must be '24h' or '7d'", { errors: [fieldError('range', "range must be '24h' or '7d'")] });
      const activity = getService(strapi, 'activity');
      ctx.body = { data: { ...(await activity.summary(range)), events: await activity.recentEvents(50, readableUserFields(ctx)) } };
    },

    async revokeUserSessions(ctx: Context) {
      const { userId } = ctx.params as { userId: string };
      if (!/^\d+$/.test(userId))
        throw new errors.ValidationError('userId must be an integer', { errors: [fieldError('userId', 'userId must be an integer')] });
      const revoked = await sessions().revokeUserSessions(Number(userId), 'admin', requestMeta(ctx, strapi));
      ctx.body = { ok: true, revoked };
    },
  };
};

export default admin;
