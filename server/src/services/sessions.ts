import type { Core } from '@strapi/strapi';
import {
  createSigningKeys,
  digestsEqual,
  formatRefreshToken,
  hashSecret,
  newSecret,
  newSessionId,
  generationsBehind,
  parseRefreshToken,
  signAccessToken,
  successorSecret,
  verifyAccessToken,
  type SigningKeys,
} from '../tokens';
import type { Lifespans } from '../config';
import type { SettingsService } from './settings';
import { deviceLabel } from './user-agent';
import { emitSessionEvent, type SessionEvent } from './events';

const TABLE = 'refresh_token_sessions';
const PASSWORD_CHANGES = 'refresh_token_password_changes';
/**
 * How many generations back a presented token is traced to tell an old token of the session
 * (reuse: the session is revoked) from a forged one (unknown: nothing happens). About 8 µs a
 * step (tests/unit/tokens.test.ts prints it); 100 generations is 25 hours of continuous use with
 * 15-minute access tokens. An older token is answered as unknown: 401, no revocation.
 */
export const REUSE_LOOKBACK = 100;
const USER_UID = 'plugin::users-permissions.user';

/** A login whose password check predates a password change of the same user: it makes no session. */
export class PasswordChangedError extends Error {
  constructor() {
    super('The password changed while this login was in progress: log in again');
    this.name = 'PasswordChangedError';
  }
}

export type RevokeReason =
  'logout' | 'logout-all' | 'logout-others' | 'session-limit' | 'password-change' | 'blocked' | 'admin' | 'user-deleted' | 'reuse';
export type RefusalReason = 'unknown' | 'revoked' | 'expired' | 'user' | 'reused';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
}

export interface CreateOptions {
  /** false: "remember me: no" (a browser-session cookie, the shorter idle lifespan). */
  persistent?: boolean;
  /** When the login began, before its password check (a password change after it ends the session). */
  authStartedAt?: number;
  /** What a session exchanged from users-permissions' built-in mode keeps of it. */
  carriedOver?: { loginAt: number; absoluteExpiresAt: number; deviceId?: string; migratedFrom: string };
}

/** What a login or a refresh hands to the client. */
export interface IssuedTokens {
  sessionId: string;
  userId: number;
  accessToken: string;
  refreshToken: string;
  /** When the refresh token stops working unless used: idle expiry, capped by the absolute one. */
  expiresAt: number;
  /** false: a "remember me: no" session, whose cookie lives only as long as the browser session. */
  persistent?: boolean;
}

export type RotateResult = ({ ok: true } & IssuedTokens) | { ok: false; reason: RefusalReason; sessionId?: string; userId?: number };

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  userAgent: string | null;
  device: string;
  ip: string | null;
  current: boolean;
}

interface Row {
  id: number;
  created_at: unknown;
  user_id: number;
  token_hash: string;
  previous_token_hash: string | null;
  generation: number;
  rotated_at: number | string | null;
  expires_at: number | string;
  absolute_expires_at: number | string;
  revoked_at: number | string | null;
  persistent: boolean | number | null;
  auth_started_at: number | string | null;
  password_changed_at: number | string | null;
  user_exists: number | string | null;
  blocked: boolean | number | null;
  confirmed: boolean | number | null;
}

const ms = (value: unknown): number => {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return NaN;
};
const idleSeconds = (l: Lifespans, persistent: boolean) => (persistent ? l.refreshTokenIdleLifespan : l.sessionOnlyIdleLifespan);
const iso = (value: unknown): string => new Date(ms(value)).toISOString();
const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't';
const clip = (value: string | undefined, length = 255): string | null => (value ? value.slice(0, length) : null);

/** The public shape of a session row, as the sessions API and the admin list show it. */
const VIEW_COLUMNS = ['document_id', 'created_at', 'last_used_at', 'expires_at', 'absolute_expires_at', 'user_agent', 'ip'];
const toView = (r: Record<string, unknown>) => ({
  id: r.document_id as string,
  createdAt: iso(r.created_at),
  lastUsedAt: iso(r.last_used_at),
  expiresAt: iso(r.expires_at),
  absoluteExpiresAt: iso(r.absolute_expires_at),
  userAgent: (r.user_agent as string) ?? null,
  device: deviceLabel(r.user_agent as string | null),
  ip: (r.ip as string) ?? null,
});

/**
 * The only code that touches the session table. Every token the plugin hands out is minted here,
 * every check of a presented token happens here, and a refresh is at most one read and one
 * compare-and-swap UPDATE.
 */
const sessions = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const settings = (): SettingsService => strapi.plugin('refresh-token').service('settings');
  const userTable = () => strapi.db.metadata.get(USER_UID).tableName;
  const emit = (event: SessionEvent, payload: Record<string, unknown>) => emitSessionEvent(strapi, event, payload); // logs a failing listener

  /** Strict mode: session id -> [alive, checkedAt]. Revocations here drop their entry at once. */
  const liveness = new Map<string, [boolean, number]>();
  const forget = (sessionId: string) => liveness.delete(sessionId);

  let keys: SigningKeys | undefined;
  /** Built on first use: users-permissions may only generate its jwtSecret during its bootstrap. */
  function signingKeys(): SigningKeys {
    if (!keys) {
      const secret = strapi.config.get('plugin::users-permissions.jwtSecret') as string | undefined;
      if (typeof secret !== 'string' || secret.length === 0) throw new Error('users-permissions jwtSecret is not set');
      const jwtOptions = (strapi.config.get('plugin::users-permissions.jwt') ?? {}) as { algorithm?: string };
      keys = createSigningKeys(secret, jwtOptions.algorithm ?? 'HS256');
    }
    return keys;
  }

  async function emailConfirmationRequired(): Promise<boolean> {
    const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
      email_confirmation?: boolean;
    } | null;
    return advanced?.email_confirmation === true;
  }

  async function readSession(sessionId: string): Promise<Row | undefined> {
    return knex()(`${TABLE} as s`)
      .leftJoin(`${userTable()} as u`, 'u.id', 's.user_id')
      .leftJoin(`${PASSWORD_CHANGES} as p`, 'p.user_id', 's.user_id')
      .where('s.document_id', sessionId)
      .first(
        's.id',
        's.created_at',
        's.user_id',
        's.token_hash',
        's.previous_token_hash',
        's.generation',
        's.rotated_at',
        's.expires_at',
        's.absolute_expires_at',
        's.revoked_at',
        's.persistent',
        's.auth_started_at',
        'p.changed_at as password_changed_at',
        'u.id as user_exists',
        'u.blocked',
        'u.confirmed'
      );
  }

  async function revokeRow(id: number, reason: RevokeReason, sessionId?: string): Promise<boolean> {
    if (sessionId) forget(sessionId);
    const now = Date.now();
    const changed = await knex()(TABLE).where({ id }).whereNull('revoked_at').update({ revoked_at: now, revoked_reason: reason });
    return changed > 0;
  }

  const accessToken = (userId: number, sessionId: string, { accessTokenLifespan }: Lifespans, loginAt: number): string =>
    signAccessToken(signingKeys(), userId, sessionId, accessTokenLifespan, loginAt);

  /** How a presented secret relates to the session: the live token, an earlier one, or neither. */
  function lineage(
    row: Row,
    sessionId: string,
    secret: string,
    presentedHash = hashSecret(secret)
  ): 'current' | 'previous' | 'earlier' | 'unknown' {
    if (digestsEqual(presentedHash, row.token_hash)) return 'current';
    const behind = generationsBehind(
      signingKeys().rotationKey,
      sessionId,
      secret,
      row.token_hash,
      Math.min(REUSE_LOOKBACK, Number(row.generation))
    );
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

  /** Whether the session's login began before the user's last password change. */
  const predatesPasswordChange = (row: Row) =>
    row.password_changed_at != null && ms(row.auth_started_at ?? row.created_at) < ms(row.password_changed_at);

  /** Why this row may not be refreshed now, or null when it may. */
  async function refusal(row: Row, now: number): Promise<RefusalReason | null> {
    if (row.revoked_at !== null && row.revoked_at !== undefined) return 'revoked';
    if (predatesPasswordChange(row)) return 'revoked';
    if (now >= ms(row.expires_at) || now >= ms(row.absolute_expires_at)) return 'expired';
    if (row.user_exists === null || row.user_exists === undefined || truthy(row.blocked)) return 'user';
    if (!truthy(row.confirmed) && (await emailConfirmationRequired())) return 'user';
    return null;
  }

  return {
    signingKeys,

    /**
     * A new login session for the user: a row, a refresh token and an access token. A session that
     * is not `persistent` (remember me: no) gets the shorter idle lifespan and a browser-session cookie.
     */
    async create(userId: number, meta: RequestMeta = {}, options: CreateOptions = {}): Promise<IssuedTokens> {
      const { persistent = true, authStartedAt } = options;
      const lifespans = await settings().lifespans();
      const now = Date.now();
      const loginAt = options.carriedOver?.loginAt ?? now;
      const sessionId = newSessionId();
      const secret = newSecret();
      const absoluteExpiresAt = Math.min(
        now + lifespans.refreshTokenMaxLifespan * 1000,
        options.carriedOver?.absoluteExpiresAt ?? Infinity
      );
      const expiresAt = Math.min(now + idleSeconds(lifespans, persistent) * 1000, absoluteExpiresAt);
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
        device_id: clip(options.carriedOver?.deviceId),
        migrated_from: options.carriedOver?.migratedFrom ?? null,
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
      emit('created', { sessionId, userId, ip: meta.ip, userAgent: meta.userAgent });
      return {
        sessionId,
        userId,
        accessToken: accessToken(userId, sessionId, lifespans, loginAt),
        refreshToken: formatRefreshToken({ sessionId, secret }),
        expiresAt,
        persistent,
      };
    },

    /**
     * Exchanges a refresh token for its successor. The current token rotates through one
     * compare-and-swap; the immediately previous one, within the grace period, gets the same
     * successor (a race, not theft); an earlier token of the session revokes it (reuse); a secret
     * that was never issued for it changes nothing (unknown).
     */
    async rotate(token: string, meta: RequestMeta = {}): Promise<RotateResult> {
      const parsed = parseRefreshToken(token);
      if (!parsed) return { ok: false, reason: 'unknown' };
      const { sessionId, secret } = parsed;
      let row = await readSession(sessionId);
      if (!row) return { ok: false, reason: 'unknown' };

      const now = Date.now();
      const why = await refusal(row, now);
      const who = { sessionId, userId: row.user_id };
      if (why) {
        if (why === 'user' && row.user_exists == null) await revokeRow(row.id, 'user-deleted', sessionId);
        if (why === 'revoked' && predatesPasswordChange(row)) await revokeRow(row.id, 'password-change', sessionId);
        return { ok: false, reason: why, ...who };
      }

      const lifespans = await settings().lifespans();
      const presentedHash = hashSecret(secret);
      const next = successorSecret(signingKeys().rotationKey, sessionId, secret);
      const nextHash = hashSecret(next);
      const persistent = row.persistent === null || row.persistent === undefined || truthy(row.persistent);
      const issued = (expiresAt: number): RotateResult => ({
        ok: true,
        ...who,
        accessToken: accessToken(row!.user_id, sessionId, lifespans, ms(row!.created_at)),
        refreshToken: formatRefreshToken({ sessionId, secret: next }),
        expiresAt,
        persistent,
      });

      if (digestsEqual(presentedHash, row.token_hash)) {
        const expiresAt = Math.min(now + idleSeconds(lifespans, persistent) * 1000, ms(row.absolute_expires_at));
        const swapped = await knex()(TABLE)
          .where({ id: row.id, token_hash: presentedHash })
          .whereNull('revoked_at')
          .update({
            token_hash: nextHash,
            previous_token_hash: presentedHash,
            generation: knex().raw('generation + 1'),
            rotated_at: now,
            last_used_at: now,
            expires_at: expiresAt,
          });
        if (swapped === 1) {
          emit('refreshed', { ...who, ip: meta.ip, userAgent: meta.userAgent });
          return issued(expiresAt);
        }
        // Another request rotated this token first: judge it again against the new live token.
        row = await readSession(sessionId);
        if (!row || row.revoked_at != null) return { ok: false, reason: 'revoked', ...who };
      }

      // The loser of a race presents what is now the previous token: its successor, computed above,
      // is the live one, so no chain needs to be walked.
      const relation = digestsEqual(nextHash, row.token_hash) ? 'previous' : lineage(row, sessionId, secret, presentedHash);
      // A secret the session never issued names no session: it must not count against the
      // victim's rate-limit bucket (anyone who saw an access JWT knows its `sid`).
      if (relation === 'unknown' || relation === 'current') return { ok: false, reason: 'unknown' };
      const inGrace = lifespans.reuseGracePeriod > 0 && now - ms(row.rotated_at) <= lifespans.reuseGracePeriod * 1000;
      if (relation === 'previous' && inGrace) return issued(ms(row.expires_at));

      // A token this session really issued, no longer current: whoever holds the live one, the
      // lineage is compromised. Revoke it all.
      await revokeForReuse(row, sessionId, meta);
      return { ok: false, reason: 'reused', ...who };
    },

    /**
     * Logout with only the refresh token. Idempotent; a token the session never issued changes
     * nothing, an earlier one of the session is reuse. Returns the session id when the token
     * really belongs to the session.
     */
    async revokeByToken(token: string, meta: RequestMeta = {}): Promise<{ sessionId?: string }> {
      const parsed = parseRefreshToken(token);
      if (!parsed) return {};
      const row = await readSession(parsed.sessionId);
      if (!row) return {};
      const relation = lineage(row, parsed.sessionId, parsed.secret);
      if (relation === 'unknown') return {}; // forged: names no session, counts against none
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

    /** Revokes every live session of a user, optionally sparing one; returns how many. */
    async revokeUserSessions(userId: number, reason: RevokeReason, meta: RequestMeta & { except?: string } = {}): Promise<number> {
      const query = knex()(TABLE).where({ user_id: userId }).whereNull('revoked_at');
      // Called from the user model's lifecycles too: join the transaction that changes the
      // password (on SQLite, a second connection would wait for it forever).
      if (strapi.db.inTransaction()) query.transacting((await strapi.db.transaction()).get());
      if (meta.except) query.whereNot('document_id', meta.except);
      const ids = (await query.clone().select('document_id')).map((r: { document_id: string }) => r.document_id);
      if (ids.length === 0) return 0;
      ids.forEach(forget);
      const changed = await query.update({ revoked_at: Date.now(), revoked_reason: reason });
      for (const sessionId of ids) emit('revoked', { sessionId, userId, reason, ip: meta.ip, userAgent: meta.userAgent });
      return changed;
    },

    /**
     * Keeps the user's `keep` most recently used live sessions and revokes the rest. Every
     * concurrent caller orders the same way, so parallel logins at the cap agree on what stays.
     */
    async revokeBeyond(userId: number, keep: number, reason: RevokeReason): Promise<number> {
      const now = Date.now();
      const excess = await knex()(TABLE)
        .where({ user_id: userId })
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .orderBy([
          { column: 'last_used_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .offset(keep)
        .limit(1000)
        .select('id', 'document_id');
      let revoked = 0;
      for (const r of excess as Array<{ id: number; document_id: string }>) {
        if (await revokeRow(r.id, reason, r.document_id)) {
          revoked++;
          emit('revoked', { sessionId: r.document_id, userId, reason });
        }
      }
      return revoked;
    },

    /** User agent and IP of the user's sessions created since `sinceMs`, other than `exceptSessionId`. */
    async devicesSince(
      userId: number,
      sinceMs: number,
      exceptSessionId: string
    ): Promise<Array<{ userAgent: string | null; ip: string | null }>> {
      const rows = await knex()(TABLE)
        .where({ user_id: userId })
        .where('last_used_at', '>=', sinceMs)
        .whereNot('document_id', exceptSessionId)
        .orderBy('id', 'desc')
        .limit(500)
        .select('user_agent', 'ip');
      return rows.map((r: { user_agent: string | null; ip: string | null }) => ({ userAgent: r.user_agent, ip: r.ip }));
    },

    /** Revokes one session if it belongs to the user (or to anyone, when userId is null). */
    async revokeSession(sessionId: string, userId: number | null, reason: RevokeReason, meta: RequestMeta = {}): Promise<boolean> {
      const row = await knex()(TABLE).where({ document_id: sessionId }).first('id', 'user_id', 'revoked_at');
      if (!row || (userId !== null && Number(row.user_id) !== Number(userId))) return false;
      if (await revokeRow(row.id, reason, sessionId)) {
        emit('revoked', { sessionId, userId: row.user_id, reason, ip: meta.ip, userAgent: meta.userAgent });
      }
      return true;
    },

    /** Live sessions of a user, newest first. */
    async listForUser(userId: number, currentSessionId?: string): Promise<SessionView[]> {
      const now = Date.now();
      const rows = await knex()(TABLE)
        .where({ user_id: userId })
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .select(VIEW_COLUMNS);
      return rows.map((r: Record<string, unknown>) => ({
        ...toView(r),
        current: r.document_id === currentSessionId,
      }));
    },

    /**
     * Live sessions of every user for the admin sessions view, newest first, one page at a time.
     * `user` filters by user id when it is a number, else by username or email (case-insensitive substring).
     */
    async listForAdmin({
      page = 1,
      pageSize = 10,
      user,
      userFields = ['username', 'email'],
    }: {
      page?: number;
      pageSize?: number;
      user?: string;
      /** The user fields this admin may read (and so search): the rest stay out of the answer. */
      userFields?: Array<'username' | 'email'>;
    } = {}) {
      const now = Date.now();
      const base = knex()(`${TABLE} as s`)
        .leftJoin(`${userTable()} as u`, 'u.id', 's.user_id')
        .whereNull('s.revoked_at')
        .where('s.expires_at', '>', now)
        .where('s.absolute_expires_at', '>', now);
      if (user) {
        const like = `%${user.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
        if (/^\d+$/.test(user)) base.where('s.user_id', Number(user));
        else base.where((q: any) => userFields.forEach((field) => q.orWhereRaw(`LOWER(u.${field}) LIKE ? ESCAPE '!'`, [like])));
      }
      const [{ total }] = await base.clone().count({ total: 's.id' });
      const rows = await base
        .orderBy([
          { column: 's.created_at', order: 'desc' },
          { column: 's.id', order: 'desc' },
        ])
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .select([...VIEW_COLUMNS.map((c) => `s.${c}`), 's.user_id', 'u.username', 'u.email']);
      const count = Number(total);
      return {
        data: rows.map((r: Record<string, unknown>) => ({
          ...toView(r),
          user: { id: Number(r.user_id), ...Object.fromEntries(userFields.map((field) => [field, (r[field] as string) ?? null])) },
        })),
        pagination: { page, pageSize, total: count, pageCount: Math.ceil(count / pageSize) },
      };
    },

    /**
     * Deletes expired sessions, and revoked ones older than `retainRevokedMs`, `batchSize` rows at a
     * time so that no statement holds the table for long.
     */
    async purge({
      retainRevokedMs,
      batchSize,
    }: {
      retainRevokedMs: number;
      batchSize: number;
    }): Promise<{ deleted: number; batches: number }> {
      const now = Date.now();
      let deleted = 0;
      let batches = 0;
      for (;;) {
        const ids = (
          await knex()(TABLE)
            .where('expires_at', '<', now) // expires_at never exceeds absolute_expires_at
            .orWhere('revoked_at', '<', now - retainRevokedMs)
            .limit(batchSize)
            .select('id')
        ).map((r: { id: number }) => r.id);
        if (ids.length === 0) break;
        deleted += await knex()(TABLE).whereIn('id', ids).delete();
        batches++;
        if (ids.length < batchSize) break;
      }
      return { deleted, batches };
    },

    /**
     * Strict mode's question for every authenticated request: is this session still live? Answers
     * from an in-process cache for `ttlMs`, so across instances a revocation shows within the TTL.
     */
    async isLive(sessionId: string, ttlMs: number): Promise<boolean> {
      const now = Date.now();
      const cached = liveness.get(sessionId);
      if (cached && now - cached[1] < ttlMs) return cached[0];
      const row = await knex()(TABLE).where({ document_id: sessionId }).first('revoked_at', 'expires_at', 'absolute_expires_at');
      const alive = !!row && row.revoked_at == null && now < ms(row.expires_at) && now < ms(row.absolute_expires_at);
      if (liveness.size > 10_000) liveness.clear();
      if (ttlMs > 0) liveness.set(sessionId, [alive, now]);
      return alive;
    },

    /** The claims of a valid access token (algorithm pinned), or null. */
    verifyAccessToken(token: string): { id: number; sid?: string } | null {
      if (typeof token !== 'string') return null;
      try {
        const claims = verifyAccessToken(signingKeys(), token);
        return claims && (typeof claims.id === 'number' || typeof claims.id === 'string') ? (claims as { id: number; sid?: string }) : null;
      } catch {
        return null;
      }
    },
  };
};

export default sessions;
export type SessionsService = ReturnType<typeof sessions>;
