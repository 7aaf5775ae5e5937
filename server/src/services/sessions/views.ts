/** The session table read for people: a user's own list, the admin list and search, recent devices. */
import type { Core } from '@strapi/strapi';
import type { AdminSessionView, OwnSessionView } from '../../../../contracts/src/sessions';
import { TABLE, toView, userTable, VIEW_COLUMNS } from './table';

export type UserField = 'username' | 'email';

export const sessionViews = (strapi: Core.Strapi) => {
  const knex = () => strapi.db.connection;

  return {
    /** Live sessions of a user, newest first. */
    async listForUser(userId: number, currentSessionId?: string): Promise<OwnSessionView[]> {
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
      return rows.map((r: Record<string, unknown>) => ({ ...toView(r), current: r.document_id === currentSessionId }));
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
      userFields?: UserField[];
    } = {}): Promise<{ data: AdminSessionView[]; pagination: { page: number; pageSize: number; total: number; pageCount: number } }> {
      const now = Date.now();
      const base = knex()(`${TABLE} as s`)
        .leftJoin(`${userTable(strapi)} as u`, 'u.id', 's.user_id')
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

    /** The User-Agent and (stored) address a session was created with. */
    async clientOf(sessionId: string): Promise<{ userAgent: string | null; ip: string | null } | undefined> {
      return knex()(TABLE).where({ document_id: sessionId }).first('user_agent as userAgent', 'ip');
    },

    /** How many sessions are live now (the `refresh_token.sessions.active` gauge). */
    async countActive(): Promise<number> {
      const now = Date.now();
      const [{ n }] = await knex()(TABLE)
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .count({ n: 'id' });
      return Number(n);
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
  };
};
