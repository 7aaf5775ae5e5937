/**
 * The session service: the one owner of the session table. Every refresh token the plugin hands
 * out is minted here and every presented one judged here (rotation decision: ./rotation.ts); a
 * refresh is one read and one compare-and-swap UPDATE. Reads for people are in ./views.ts.
 */
import type { Core } from '@strapi/strapi';
import {
  digestsEqual,
  formatRefreshToken,
  generationsBehind,
  hashSecret,
  newSecret,
  newSessionId,
  successorSecret,
  type ParsedRefreshToken,
} from '../../tokens';
import type { ClientAddressMode, Lifespans } from '../../config';
import { ipNetwork } from '../client-address';
import { getService } from '../registry';
import { emitSessionEvent, type SessionEvent } from '../events';
import { outcomeOf, refusalOf, type Lineage } from './rotation';
import { clip, factsOf, hotStatements, ms, PASSWORD_CHANGES, TABLE, truthy, type Row } from './table';
import {
  type SenderKey,
  PasswordChangedError,
  type CreateOptions,
  type IssuedTokens,
  type RequestMeta,
  type RevokeReason,
  type RotateResult,
} from './types';
import { sessionRevocations } from './revocations';
import { sessionViews } from './views';

export * from './types';

/**
 * How many generations back a presented token is traced to tell an old token of the session
 * (reuse: the session is revoked) from a forged one (unknown: nothing happens). About 8 µs a
 * step (tests/unit/tokens.test.ts prints it); 100 generations is 25 hours of continuous use with
 * 15-minute access tokens. An older token is answered as unknown: 401, no revocation.
 */
const REUSE_LOOKBACK = 100;

const idleSeconds = (l: Lifespans, persistent: boolean) => (persistent ? l.refreshTokenIdleLifespan : l.sessionOnlyIdleLifespan);

const sessions = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const { readSession, swap, liveness: readLiveness } = hotStatements(strapi);
  const lifespans = () => getService(strapi, 'settings').lifespans();
  const accessTokens = () => getService(strapi, 'accessTokens');
  const emit = (event: SessionEvent, payload: Record<string, unknown>) => emitSessionEvent(strapi, event, payload); // logs a failing listener

  /** Strict mode: session id -> [alive, checkedAt]. Revocations here drop their entry at once. */
  const liveness = new Map<string, [boolean, number]>();
  const forget = (sessionId: string) => liveness.delete(sessionId);

  async function emailConfirmationRequired(): Promise<boolean> {
    const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
      email_confirmation?: boolean;
    } | null;
    return advanced?.email_confirmation === true;
  }

  async function revokeRow(id: number, reason: RevokeReason, sessionId?: string): Promise<boolean> {
    if (sessionId) forget(sessionId);
    const changed = await knex()(TABLE).where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now(), revoked_reason: reason });
    return changed > 0;
  }

  const accessToken = (userId: number, sessionId: string, l: Lifespans, loginAt: number, jkt: string | null): Promise<string> =>
    accessTokens().issue(userId, sessionId, l.accessTokenLifespan, loginAt, jkt);

  /** A refresh or logout of a bound session without a proof by its key: a live token in the wrong hands. */
  function unboundAttempt(row: Pick<Row, 'user_id' | 'jkt'>, sessionId: string, presentedKey: string | null, meta: RequestMeta): void {
    strapi.log.warn(
      `[refresh-token] session ${sessionId} of user ${row.user_id} is bound to a key: a request without a proof by it was refused`
    );
    emit('unbound-attempt', {
      sessionId,
      userId: row.user_id,
      jkt: row.jkt,
      presentedJkt: presentedKey,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }

  function lineage(row: Row, sessionId: string, secret: string, presentedHash = hashSecret(secret)): Lineage {
    if (digestsEqual(presentedHash, row.token_hash)) return 'current';
    const { rotationKey } = accessTokens().signingKeys();
    const behind = generationsBehind(rotationKey, sessionId, secret, row.token_hash, Math.min(REUSE_LOOKBACK, Number(row.generation)));
    if (behind === null) return 'unknown';
    return behind === 1 ? 'previous' : 'earlier';
  }

  async function revokeForReuse(row: Pick<Row, 'id' | 'user_id'>, sessionId: string, meta: RequestMeta): Promise<void> {
    if (!(await revokeRow(row.id, 'reuse', sessionId))) return;
    strapi.log.warn(`[refresh-token] refresh token reuse detected: session ${sessionId} of user ${row.user_id} revoked`);
    const payload = { sessionId, userId: row.user_id, ip: meta.ip, userAgent: meta.userAgent };
    emit('reused', payload);
    emit('revoked', { ...payload, reason: 'reuse' });
  }

  return {
    ...sessionViews(strapi),

    /**
     * A new login session for the user: a row, a refresh token and an access token. A session that
     * is not `persistent` (remember me: no) gets the shorter idle lifespan and a browser-session cookie.
     */
    async create(userId: number, meta: RequestMeta = {}, options: CreateOptions = {}): Promise<IssuedTokens> {
      const { persistent = true, authStartedAt } = options;
      const jkt = options.jkt ?? null;
      const l = await lifespans();
      const now = Date.now();
      const loginAt = options.carriedOver?.loginAt ?? now;
      const sessionId = newSessionId();
      const secret = newSecret();
      const absoluteExpiresAt = Math.min(
        now + l.refreshTokenMaxLifespan * 1000,
        options.carriedOver?.absoluteExpiresAt ?? Infinity,
        options.notAfter ?? Infinity
      );
      const expiresAt = Math.min(now + idleSeconds(l, persistent) * 1000, absoluteExpiresAt);
      await knex()(TABLE).insert({
        document_id: sessionId,
        user_id: userId,
        token_hash: hashSecret(secret),
        previous_token_hash: null,
        generation: 0,
        rotated_at: now,
        last_used_at: now,
        expires_at: expiresAt,
        absolute_expires_at: absoluteExpiresAt,
        user_agent: clip(meta.userAgent),
        ip: clip(meta.ip, 64),
        persistent,
        auth_started_at: authStartedAt ?? loginAt,
        device_id: clip(options.deviceId ?? options.carriedOver?.deviceId, 128),
        migrated_from: options.carriedOver?.migratedFrom ?? null,
        jkt,
        created_at: new Date(loginAt),
        updated_at: new Date(now),
        published_at: new Date(now),
      });
      // Inserted first, checked after: a password change committing later revokes this row; one
      // committed earlier is seen here. (A change in between is caught at the first refresh.)
      const changed = await knex()(PASSWORD_CHANGES).where({ user_id: userId }).first('changed_at');
      if (changed && (authStartedAt ?? loginAt) < ms(changed.changed_at)) {
        await knex()(TABLE).where({ document_id: sessionId }).update({ revoked_at: Date.now(), revoked_reason: 'password-change' });
        throw new PasswordChangedError();
      }
      emit('created', { sessionId, userId, ip: meta.ip, userAgent: meta.userAgent, jkt });
      return {
        sessionId,
        userId,
        accessToken: await accessToken(userId, sessionId, l, loginAt, jkt),
        refreshToken: formatRefreshToken({ sessionId, secret }),
        expiresAt,
        persistent,
      };
    },

    /**
     * Exchanges a refresh token for its successor, as ./rotation.ts decides: the current token
     * rotates through one compare-and-swap; the previous one within the grace period gets the same
     * successor; an earlier one revokes the session; a secret it never issued changes nothing.
     */
    async rotate(
      { sessionId, secret }: ParsedRefreshToken,
      meta: RequestMeta = {},
      key: SenderKey = { presented: null }
    ): Promise<RotateResult> {
      let row = await readSession(sessionId);
      if (!row) return { ok: false, reason: 'unknown' };

      const now = Date.now();
      const who = { sessionId, userId: row.user_id };
      const refused = refusalOf(await factsOf(row, now, key, emailConfirmationRequired));
      if (refused) {
        if (refused.revoke) await revokeRow(row.id, refused.revoke, sessionId);
        if (refused.reason === 'unbound' && row.jkt != null) unboundAttempt(row, sessionId, key.presented, meta);
        return { ok: false, reason: refused.reason, ...who };
      }

      const l = await lifespans();
      const presentedHash = hashSecret(secret);
      const next = successorSecret(accessTokens().signingKeys().rotationKey, sessionId, secret);
      const nextHash = hashSecret(next);
      const persistent = row.persistent == null || truthy(row.persistent);
      const loginAt = ms(row.created_at);
      const jkt = row.jkt; // bound at creation or never: a proof on a refresh binds nothing
      const proofRequired = jkt == null && key.mode === 'required';
      const issued = async (expiresAt: number, boundTo: string | null): Promise<RotateResult> => ({
        ok: true,
        ...who,
        accessToken: await accessToken(who.userId, sessionId, l, loginAt, boundTo),
        refreshToken: formatRefreshToken({ sessionId, secret: next }),
        expiresAt,
        persistent,
      });

      if (lineage(row, sessionId, secret, presentedHash) === 'current' && !proofRequired) {
        const expiresAt = Math.min(now + idleSeconds(l, persistent) * 1000, ms(row.absolute_expires_at));
        const swapped = await swap({ id: row.id, presented: presentedHash, next: nextHash, now, expiresAt });
        if (swapped) {
          emit('refreshed', { ...who, ip: meta.ip, userAgent: meta.userAgent, jkt });
          return issued(expiresAt, jkt);
        }
        // Another request rotated this token first: judge it again against the new live token.
        row = await readSession(sessionId);
        if (!row || row.revoked_at != null) return { ok: false, reason: 'revoked', ...who };
      }

      // The loser of a race presents what is now the previous token: its successor, computed above,
      // is the live one, so no chain needs to be walked.
      const relation = digestsEqual(nextHash, row.token_hash) ? 'previous' : lineage(row, sessionId, secret, presentedHash);
      const inGrace = l.reuseGracePeriod > 0 && now - ms(row.rotated_at) <= l.reuseGracePeriod * 1000;
      const outcome = outcomeOf(relation, inGrace, proofRequired);
      if (outcome.action === 'reissue') return { ...(await issued(ms(row.expires_at), jkt)), grace: true } as RotateResult;
      if (outcome.action === 'refuse') return { ok: false, reason: outcome.reason, ...who };
      if (outcome.action === 'revoke-for-reuse') {
        await revokeForReuse(row, sessionId, meta);
        return { ok: false, reason: 'reused', ...who };
      }
      // Unknown (or current again after a lost race): a secret the session never issued names no
      // session, so it must not count against the victim's rate-limit bucket.
      return { ok: false, reason: 'unknown' };
    },

    /**
     * Logout with only the refresh token. Idempotent; a token the session never issued changes
     * nothing, an earlier one of the session is reuse. Returns the session id when the token
     * really belongs to the session.
     */
    async revokeByToken(
      parsed: ParsedRefreshToken,
      meta: RequestMeta = {},
      presentedKey: string | null = null
    ): Promise<{ sessionId?: string; refused?: 'unbound' }> {
      const row = await readSession(parsed.sessionId);
      if (!row) return {};
      const relation = lineage(row, parsed.sessionId, parsed.secret);
      if (relation === 'unknown') return {}; // forged: names no session, counts against none
      if (row.jkt != null && row.jkt !== presentedKey && row.revoked_at == null) {
        unboundAttempt(row, parsed.sessionId, presentedKey, meta);
        return { sessionId: parsed.sessionId, refused: 'unbound' };
      }
      if (relation === 'earlier') await revokeForReuse(row, parsed.sessionId, meta);
      else if (await revokeRow(row.id, 'logout', parsed.sessionId)) {
        emit('revoked', { sessionId: parsed.sessionId, userId: row.user_id, reason: 'logout', ip: meta.ip, userAgent: meta.userAgent });
      }
      return { sessionId: parsed.sessionId };
    },

    /**
     * Records a password change: every session whose login began before now is refused from here
     * on, even one whose login is still in flight. Joins the changing transaction.
     */
    async recordPasswordChange(userId: number): Promise<void> {
      const query = knex()(PASSWORD_CHANGES)
        .insert({ user_id: userId, changed_at: Date.now() })
        .onConflict('user_id')
        .merge(['changed_at']);
      if (strapi.db.inTransaction()) query.transacting((await strapi.db.transaction()).get());
      await query;
    },

    /** The session exchanged from a built-in users-permissions session, if any. */
    async migratedFrom(builtInSessionId: string): Promise<{ sessionId: string; userId: number; exchangedAt: number | null } | undefined> {
      const row = await knex()(TABLE)
        .where({ migrated_from: builtInSessionId })
        .first('document_id', 'user_id', 'generation', 'rotated_at');
      // Until its first rotation, rotated_at is the moment of the exchange.
      return (
        row && { sessionId: row.document_id, userId: row.user_id, exchangedAt: Number(row.generation) === 0 ? ms(row.rotated_at) : null }
      );
    },

    /** A built-in token replayed after its exchange: the session made from it is compromised. */
    async revokeMigratedForReuse(builtInSessionId: string, meta: RequestMeta = {}): Promise<boolean> {
      const row = await knex()(TABLE).where({ migrated_from: builtInSessionId }).first('id', 'document_id', 'user_id');
      if (!row) return false;
      await revokeForReuse(row, row.document_id, meta);
      return true;
    },

    ...sessionRevocations({ strapi, revokeRow, forget, emit }),

    /**
     * Brings what stored sessions keep of their client's IP down to `clientAddress` (on the first
     * start after an upgrade or a change to a stricter mode): networks for 'network', nothing for
     * 'none'. How many rows changed.
     */
    async reduceStoredAddresses(mode: ClientAddressMode): Promise<number> {
      if (mode === 'full') return 0;
      if (mode === 'none') return knex()(TABLE).whereNotNull('ip').update({ ip: null });
      let changed = 0;
      for (;;) {
        const rows = await knex()(TABLE).whereNotNull('ip').whereNot('ip', 'like', '%/%').distinct('ip').limit(500);
        if (rows.length === 0) return changed;
        // An address ipNetwork cannot read becomes null: every pass shrinks the set.
        for (const { ip } of rows as Array<{ ip: string }>)
          changed += await knex()(TABLE)
            .where({ ip })
            .update({ ip: ipNetwork(ip) });
      }
    },

    /**
     * Strict mode's question for every authenticated request: is this session still live? Answers
     * from an in-process cache for `ttlMs`, so across instances a revocation shows within the TTL.
     */
    async isLive(sessionId: string, ttlMs: number): Promise<boolean> {
      const now = Date.now();
      const cached = liveness.get(sessionId);
      if (cached && now - cached[1] < ttlMs) return cached[0];
      const row = await readLiveness(sessionId);
      const alive = !!row && row.revoked_at == null && now < ms(row.expires_at) && now < ms(row.absolute_expires_at);
      if (liveness.size > 10_000) liveness.clear();
      if (ttlMs > 0) liveness.set(sessionId, [alive, now]);
      return alive;
    },
  };
};

export default sessions;
export type SessionsService = ReturnType<typeof sessions>;

declare module '../registry' {
  interface Services {
    sessions: SessionsService;
  }
}
