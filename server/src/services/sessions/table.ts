/** The session table's names and how its columns read back on SQLite, PostgreSQL and MySQL alike. */
import type { Core } from '@strapi/strapi';
import type { SessionView } from '../../../../contracts/src/sessions';
import { deviceLabel } from '../user-agent';
import type { SessionFacts } from './rotation';
import type { SenderKey } from './types';
import { param, prepare, runner } from './statements';

export const TABLE = 'refresh_token_sessions';
export const PASSWORD_CHANGES = 'refresh_token_password_changes';
const USER_UID = 'plugin::users-permissions.user';

export const userTable = (strapi: Core.Strapi): string => strapi.db.metadata.get(USER_UID).tableName;

/** What a refresh reads: the session, its user and the user's last password change, in one statement. */
export interface Row {
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
  jkt: string | null;
}

/** Milliseconds since the epoch from a bigint, a numeric string or a date, as each driver returns them. */
export const ms = (value: unknown): number => {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return NaN;
};
export const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't';
export const clip = (value: string | undefined, length = 255): string | null => (value ? value.slice(0, length) : null);
const iso = (value: unknown): string => new Date(ms(value)).toISOString();

/**
 * The statements of the hot paths (a refresh's read and compare-and-swap, strict mode's liveness
 * check), prepared on first use: the user table's name is known once Strapi has loaded.
 */
export function hotStatements(strapi: Core.Strapi) {
  const run = runner(strapi);
  const build = (knex = strapi.db.connection) => ({
    read: prepare(
      knex(`${TABLE} as s`)
        .leftJoin(`${userTable(strapi)} as u`, 'u.id', 's.user_id')
        .leftJoin(`${PASSWORD_CHANGES} as p`, 'p.user_id', 's.user_id')
        .where('s.document_id', param('sessionId'))
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
          's.jkt',
          'p.changed_at as password_changed_at',
          'u.id as user_exists',
          'u.blocked',
          'u.confirmed'
        )
    ),
    // The rotation: zero rows changed means another request rotated (or revoked) it first.
    swap: prepare(
      knex(TABLE)
        .where({ id: param('id'), token_hash: param('presented') })
        .whereNull('revoked_at')
        .update({
          token_hash: param('next'),
          previous_token_hash: param('presented'),
          generation: knex.raw('generation + 1'),
          rotated_at: param('now'),
          last_used_at: param('now'),
          expires_at: param('expiresAt'),
        })
    ),
    live: prepare(
      knex(TABLE)
        .where({ document_id: param('sessionId') })
        .first('revoked_at', 'expires_at', 'absolute_expires_at')
    ),
  });
  let built: ReturnType<typeof build> | undefined;
  const statements = () => (built ??= build());

  return {
    /** What a refresh reads: the session, its user and the user's last password change, in one statement. */
    readSession: (sessionId: string): Promise<Row | undefined> => run<Row | undefined>(statements().read, { sessionId }, 'row'),
    /** The compare-and-swap of a rotation; true when this request rotated the token. */
    swap: async (p: { id: number; presented: string; next: string; now: number; expiresAt: number }): Promise<boolean> =>
      (await run<number>(statements().swap, p, 'changes')) === 1,
    liveness: (sessionId: string): Promise<LivenessRow | undefined> =>
      run<LivenessRow | undefined>(statements().live, { sessionId }, 'row'),
  };
}

export interface LivenessRow {
  revoked_at: unknown;
  expires_at: unknown;
  absolute_expires_at: unknown;
}

/** Whether the session's login began before the user's last password change. */
const predatesPasswordChange = (row: Row) =>
  row.password_changed_at != null && ms(row.auth_started_at ?? row.created_at) < ms(row.password_changed_at);

/**
 * The facts of the rotation decision. `confirmationRequired` is only asked for an unconfirmed user;
 * `key`: the request's DPoP key, if any.
 */
export async function factsOf(row: Row, now: number, key: SenderKey, confirmationRequired: () => Promise<boolean>): Promise<SessionFacts> {
  const userDeleted = row.user_exists == null;
  return {
    revoked: row.revoked_at != null,
    predatesPasswordChange: predatesPasswordChange(row),
    expired: now >= ms(row.expires_at) || now >= ms(row.absolute_expires_at),
    userDeleted,
    userBlocked: !userDeleted && truthy(row.blocked),
    awaitingConfirmation: !userDeleted && !truthy(row.confirmed) && (await confirmationRequired()),
    wrongSender: row.jkt != null && row.jkt !== key.presented,
  };
}

/** The columns of the public view of a session, and the view itself. */
export const VIEW_COLUMNS = [
  'document_id',
  'created_at',
  'last_used_at',
  'expires_at',
  'absolute_expires_at',
  'user_agent',
  'ip',
  'jkt',
  'device_id',
];
export const toView = (r: Record<string, unknown>): SessionView => ({
  id: r.document_id as string,
  createdAt: iso(r.created_at),
  lastUsedAt: iso(r.last_used_at),
  expiresAt: iso(r.expires_at),
  absoluteExpiresAt: iso(r.absolute_expires_at),
  userAgent: (r.user_agent as string) ?? null,
  device: deviceLabel(r.user_agent as string | null),
  ip: (r.ip as string) ?? null,
  bound: r.jkt != null,
  deviceId: (r.device_id as string) ?? null,
});
