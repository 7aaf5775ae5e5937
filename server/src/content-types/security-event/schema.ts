/**
 * Security activity the admin's activity page lists: reuse detected, unbound DPoP attempts, new
 * devices, session-limit and admin revocations. Rare by nature: one row an event, never on the path
 * of an ordinary refresh. Purged after `activity.retainFor`.
 */
import { internal } from '../internal';

export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_security_events',
  info: {
    singularName: 'security-event',
    pluralName: 'security-events',
    displayName: 'Refresh-token security event',
    description: 'A security event of a users-permissions session',
  },
  ...internal,
  attributes: {
    type: { type: 'string', required: true },
    userId: { type: 'integer' },
    /** "Chrome on macOS", from the User-Agent. */
    device: { type: 'string' },
    /** What `clientAddress` keeps of the client's IP (its network by default). */
    network: { type: 'string' },
    reason: { type: 'string' },
    occurredAt: { type: 'biginteger', required: true },
  },
  indexes: [{ name: 'refresh_token_security_events_time_idx', columns: ['occurred_at'] }],
};
