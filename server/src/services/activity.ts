/**
 * Security activity for the admin: hourly counts (refreshes, logins, reuse detections, revocations
 * by reason) and a list of security events (reuse, unbound DPoP attempts, new devices, session-limit
 * and admin revocations).
 *
 * Counts are added up in this process (from the metrics module's records) and written at most once
 * a minute per instance, so an ordinary refresh adds no SQL statement. Each write adds to the
 * hour's row with an `UPDATE … SET total = total + n` (an INSERT the first time), so instances
 * sharing a database never lose each other's counts. Events are rare and written as they happen.
 */
import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { parseDuration } from '../config/duration';
import { metrics } from './metrics';
import { userTable } from './sessions/table';
import { getService } from './registry';
import { deviceLabel } from './user-agent';

export const EVENTS_TABLE = 'refresh_token_security_events';
export const COUNTS_TABLE = 'refresh_token_activity_counts';
const HOUR = 3_600_000;
const FLUSH_EVERY_MS = 60_000;

/** The security events the page lists, from the session events that report them. */
const EVENT_TYPES: Record<string, (payload: Record<string, unknown>) => string | null> = {
  reused: () => 'reuse',
  'unbound-attempt': () => 'unbound-attempt',
  'new-device': () => 'new-device',
  revoked: (p) => (p.reason === 'session-limit' ? 'session-limit' : p.reason === 'admin' ? 'admin-revocation' : null),
};

export type ActivityRange = '24h' | '7d';
export type UserField = 'username' | 'email';

const activity = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  /** `${hour}|${kind}` → how many since the last write. */
  const pending = new Map<string, number>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function count(kind: string, n: number): void {
    const key = `${Math.floor(Date.now() / HOUR) * HOUR}|${kind}`;
    pending.set(key, (pending.get(key) ?? 0) + n);
  }

  async function addTo(bucket: number, kind: string, n: number): Promise<void> {
    const raise = () => knex()(COUNTS_TABLE).where({ bucket, kind }).increment('total', n);
    if ((await raise()) > 0) return;
    try {
      await knex()(COUNTS_TABLE).insert({ bucket, kind, total: n });
    } catch {
      await raise(); // another instance inserted the hour's row first
    }
  }

  return {
    /** Starts counting and writing (bootstrap); `stop()` writes what is left (destroy). */
    start(): void {
      metrics.forward(count);
      for (const [event, typeOf] of Object.entries(EVENT_TYPES)) {
        // Not awaited: the app's own listeners of the same event run after this one, and must not wait for its write.
        strapi.eventHub.on(`refresh-token.session.${event}`, async (payload: Record<string, unknown>) => {
          const type = typeOf(payload);
          if (type)
            void this.recordEvent(event, type, payload).catch((e: Error) =>
              strapi.log.warn(`[refresh-token] security event not written: ${e.message}`)
            );
        });
      }
      timer = setInterval(
        () => void this.flush().catch((e: Error) => strapi.log.warn(`[refresh-token] activity counts not written: ${e.message}`)),
        FLUSH_EVERY_MS
      );
      timer.unref?.();
    },

    /** One security event row. A revocation's device is the revoked session's, not the revoking admin's; the others describe the request itself. */
    async recordEvent(event: string, type: string, payload: Record<string, unknown>): Promise<void> {
      const source =
        event === 'revoked' && typeof payload.sessionId === 'string'
          ? await getService(strapi, 'sessions').clientOf(payload.sessionId)
          : payload;
      const userAgent = source?.userAgent;
      await knex()(EVENTS_TABLE).insert({
        type,
        user_id: typeof payload.userId === 'number' ? payload.userId : Number(payload.userId) || null,
        device: typeof userAgent === 'string' ? deviceLabel(userAgent) : typeof payload.device === 'string' ? payload.device : null,
        network: typeof source?.ip === 'string' ? source.ip.slice(0, 64) : null,
        reason: typeof payload.reason === 'string' ? payload.reason : type,
        occurred_at: Date.now(),
      });
    },

    async stop(): Promise<void> {
      metrics.forward(null);
      clearInterval(timer);
      await this.flush().catch(() => undefined);
    },

    /** Writes the counts added up since the last write. */
    async flush(): Promise<void> {
      const entries = [...pending];
      pending.clear();
      for (const [key, n] of entries) {
        const [bucket, kind] = key.split('|');
        await addTo(Number(bucket), kind, n);
      }
    },

    /**
     * The charts of the last 24 hours (hourly) or 7 days (daily): refreshes (ok and grace), logins,
     * reuse detections, revocations by reason; this instance's counts not yet written included.
     */
    async summary(range: ActivityRange) {
      const now = Date.now();
      const step = range === '24h' ? HOUR : 24 * HOUR;
      const slots = range === '24h' ? 24 : 7;
      const end = Math.floor(now / step) * step + step;
      const start = end - slots * step;
      const rows = (await knex()(COUNTS_TABLE).where('bucket', '>=', start).select('bucket', 'kind', 'total')) as Array<{
        bucket: number | string;
        kind: string;
        total: number | string;
      }>;
      const all = [...rows.map((r) => [Number(r.bucket), r.kind, Number(r.total)] as const)];
      for (const [key, n] of pending) {
        const [bucket, kind] = key.split('|');
        if (Number(bucket) >= start) all.push([Number(bucket), kind, n]);
      }
      const series = (match: (kind: string) => boolean) => {
        const values = Array<number>(slots).fill(0);
        for (const [bucket, kind, n] of all) if (match(kind)) values[Math.floor((bucket - start) / step)] += n;
        return values;
      };
      const reasons = [...new Set(all.map(([, kind]) => kind).filter((k) => k.startsWith('revocation:')))].map((k) => k.slice(11));
      return {
        range,
        buckets: Array.from({ length: slots }, (_, i) => new Date(start + i * step).toISOString()),
        refreshes: series((k) => k === 'refresh:ok' || k === 'refresh:grace'),
        logins: series((k) => k === 'login:ok'),
        reuse: series((k) => k === 'refresh:reuse'),
        revocations: Object.fromEntries(reasons.sort().map((reason) => [reason, series((k) => k === `revocation:${reason}`)])),
      };
    },

    /** The latest security events, newest first; username and e-mail only where this admin may read them. */
    async recentEvents(limit = 50, userFields: UserField[] = []) {
      const rows = await knex()(`${EVENTS_TABLE} as e`)
        .leftJoin(`${userTable(strapi)} as u`, 'u.id', 'e.user_id')
        .orderBy([
          { column: 'e.occurred_at', order: 'desc' },
          { column: 'e.id', order: 'desc' },
        ])
        .limit(limit)
        .select(['e.id', 'e.type', 'e.user_id', 'e.device', 'e.network', 'e.reason', 'e.occurred_at', ...userFields.map((f) => `u.${f}`)]);
      return rows.map((r: Record<string, unknown>) => ({
        id: Number(r.id),
        type: r.type as string,
        at: new Date(Number(r.occurred_at)).toISOString(),
        user:
          r.user_id == null ? null : { id: Number(r.user_id), ...Object.fromEntries(userFields.map((f) => [f, (r[f] as string) ?? null])) },
        device: (r.device as string) ?? null,
        network: (r.network as string) ?? null,
        reason: (r.reason as string) ?? null,
      }));
    },

    /** Deletes events and counts older than `activity.retainFor` (the cleanup cron). */
    async purge(): Promise<number> {
      const before = Date.now() - (parseDuration(pluginConfig(strapi).activity.retainFor) as number) * 1000;
      const events = await knex()(EVENTS_TABLE).where('occurred_at', '<', before).delete();
      const counts = await knex()(COUNTS_TABLE).where('bucket', '<', before).delete();
      return events + counts;
    },
  };
};

export default activity;
export type ActivityService = ReturnType<typeof activity>;

declare module './registry' {
  interface Services {
    activity: ActivityService;
  }
}
