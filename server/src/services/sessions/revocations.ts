/**
 * Revocations of many sessions or of one by id (logout-all and -others, the session cap, the
 * sessions API, the admin) and the purge of old rows. Part of the session service: the table's owner.
 */
import type { Core } from '@strapi/strapi';
import type { SessionEvent } from '../events';
import { TABLE } from './table';
import type { RequestMeta, RevokeReason } from './types';

interface Needs {
  strapi: Core.Strapi;
  /** Revokes one row unless it already is; true when this call did. */
  revokeRow(id: number, reason: RevokeReason, sessionId?: string): Promise<boolean>;
  /** Drops a session from the strict-mode liveness cache. */
  forget(sessionId: string): void;
  emit(event: SessionEvent, payload: Record<string, unknown>): void;
}

export const sessionRevocations = ({ strapi, revokeRow, forget, emit }: Needs) => {
  const knex = () => strapi.db.connection;
  return {
    /** Revokes every live session of a user (or of one of its devices), optionally sparing one; returns how many. */
    async revokeUserSessions(
      userId: number,
      reason: RevokeReason,
      meta: RequestMeta & { except?: string; deviceId?: string } = {}
    ): Promise<number> {
      const query = knex()(TABLE).where({ user_id: userId }).whereNull('revoked_at');
      // Called from the user model's lifecycles too: join the transaction that changes the
      // password (on SQLite, a second connection would wait for it forever).
      if (strapi.db.inTransaction()) query.transacting((await strapi.db.transaction()).get());
      if (meta.except) query.whereNot('document_id', meta.except);
      if (meta.deviceId !== undefined) query.where('device_id', meta.deviceId);
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

    /** Revokes one session if it belongs to the user (or to anyone, when userId is null). */
    async revokeSession(sessionId: string, userId: number | null, reason: RevokeReason, meta: RequestMeta = {}): Promise<boolean> {
      const row = await knex()(TABLE).where({ document_id: sessionId }).first('id', 'user_id', 'revoked_at');
      if (!row || (userId !== null && Number(row.user_id) !== Number(userId))) return false;
      if (await revokeRow(row.id, reason, sessionId)) {
        emit('revoked', { sessionId, userId: row.user_id, reason, ip: meta.ip, userAgent: meta.userAgent });
      }
      return true;
    },

    /** Deletes every session row of a user, live or not (a privacy erasure request); how many. Live ones end at once. */
    async eraseUserSessions(userId: number): Promise<number> {
      const rows = await knex()(TABLE).where({ user_id: userId }).select('document_id');
      rows.forEach((r: { document_id: string }) => forget(r.document_id));
      return knex()(TABLE).where({ user_id: userId }).delete();
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
  };
};
