/**
 * Apps that followed the common tutorial hand out 30-day users-permissions JWTs that front ends
 * keep in localStorage, with no refresh token: switching would sign every user out when theirs
 * expires. `POST /api/token/exchange` (opt-in: `legacyTokenExchange.enabled`) takes such a JWT as
 * a Bearer token and answers like a login, with a session: only a JWT that names no session
 * (`sid`), signed with the users-permissions secret (algorithm pinned), issued before the cut-off
 * (by default the moment the plugin first started on this database), of a user who exists and is
 * neither blocked nor unconfirmed, not older than the user's last password change, with an `exp`
 * (the session dies no later), and only once (its hash is kept until it would expire).
 */
import { createHash } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { type PluginConfig, pluginConfig } from '../config';
import { PasswordChangedError, type IssuedTokens, type RequestMeta } from './sessions';
import { getService } from './registry';
import { metrics } from './metrics';

const EXCHANGED = 'refresh_token_exchanged_tokens';
const USER_UID = 'plugin::users-permissions.user';
const FIRST_START_KEY = 'firstStartedAt';

const store = (strapi: Core.Strapi) => strapi.store({ type: 'plugin', name: 'refresh-token' });
const sessions = (strapi: Core.Strapi) => getService(strapi, 'sessions');

/** Called at boot: the first start on this database is the default cut-off for legacy JWTs. */
export async function recordFirstStart(strapi: Core.Strapi): Promise<void> {
  if ((await store(strapi).get({ key: FIRST_START_KEY })) == null) await store(strapi).set({ key: FIRST_START_KEY, value: Date.now() });
}

async function cutoff(strapi: Core.Strapi, config: PluginConfig): Promise<number> {
  if (config.legacyTokenExchange.issuedBefore) return Date.parse(config.legacyTokenExchange.issuedBefore);
  return Number(await store(strapi).get({ key: FIRST_START_KEY }));
}

export type LegacyExchange = { ok: true; tokens: IssuedTokens; user: Record<string, unknown> } | { ok: false; message: string };
const refused = (message: string): LegacyExchange => ({ ok: false, message });

/** A session for the user behind a legacy JWT, or why not (the caller answers 401). */
export async function exchangeLegacyToken(
  strapi: Core.Strapi,
  bearer: string,
  meta: RequestMeta,
  jkt: string | null = null
): Promise<LegacyExchange> {
  const config = pluginConfig(strapi);
  const claims = (await getService(strapi, 'accessTokens').verify(bearer)) as {
    id?: unknown;
    sid?: unknown;
    iat?: unknown;
    exp?: unknown;
  } | null;
  if (!claims || typeof claims.iat !== 'number') return refused('Invalid or expired token');
  // Without an expiry its once-only mark could never be purged safely: such a JWT is never exchanged.
  if (typeof claims.exp !== 'number') return refused('Only a JWT with an expiry (exp) can be exchanged');
  if (claims.sid !== undefined) return refused('This token already belongs to a session: refresh it instead');
  if (claims.iat * 1000 >= (await cutoff(strapi, config)))
    return refused('Only tokens issued before the switch to refresh tokens can be exchanged');

  const user = await strapi.db.query(USER_UID).findOne({ where: { id: Number(claims.id) } });
  if (!user || user.blocked) return refused('Invalid or expired token');
  const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
    email_confirmation?: boolean;
  } | null;
  if (advanced?.email_confirmation && !user.confirmed) return refused('Invalid or expired token');

  // Once: the unique hash is the compare-and-swap, whoever races.
  const tokenHash = createHash('sha256').update(bearer).digest('base64url');
  try {
    await strapi.db
      .connection(EXCHANGED)
      .insert({ token_hash: tokenHash, expires_at: claims.exp * 1000, created_at: new Date(), updated_at: new Date() });
  } catch (error) {
    if (await strapi.db.connection(EXCHANGED).where({ token_hash: tokenHash }).first('id'))
      return refused('This token was already exchanged');
    throw error;
  }
  // The JWT's issue time is when its login began: a password change since refuses it (PasswordChangedError,
  // answered 401), as strict mode refuses the sessions of that login. The session dies with the JWT.
  const tokens = await sessions(strapi)
    .create(user.id, meta, { jkt, authStartedAt: claims.iat * 1000, notAfter: claims.exp * 1000 })
    .catch((error) => {
      if (error instanceof PasswordChangedError) return null;
      throw error;
    });
  if (!tokens) return refused('This token was issued before the last password change: log in again');
  metrics.login('exchange', 'ok');
  const { id, documentId, username, email, confirmed, blocked, provider, createdAt, updatedAt } = user;
  return { ok: true, tokens, user: { id, documentId, username, email, provider, confirmed, blocked, createdAt, updatedAt } };
}

/** Deletes exchanged-JWT records whose JWT has expired anyway (the cleanup cron). */
export async function purgeExchangedTokens(strapi: Core.Strapi): Promise<number> {
  return strapi.db.connection(EXCHANGED).where('expires_at', '<', Date.now()).delete();
}
