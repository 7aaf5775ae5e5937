/**
 * Hourly counts behind the admin's activity charts (refreshes, logins, reuse, revocations by
 * reason): aggregated in memory and added here at most once a minute per instance, so a refresh
 * writes nothing more. Purged after `activity.retainFor`.
 */
import { internal } from '../internal';

export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_activity_counts',
  info: {
    singularName: 'activity-count',
    pluralName: 'activity-counts',
    displayName: 'Refresh-token activity count',
    description: 'How many of one kind of session activity happened in one hour',
  },
  ...internal,
  attributes: {
    /** The hour (epoch ms of its start). */
    bucket: { type: 'biginteger', required: true },
    kind: { type: 'string', required: true },
    total: { type: 'integer', required: true, default: 0 },
  },
  indexes: [{ name: 'refresh_token_activity_counts_uq', columns: ['bucket', 'kind'], type: 'unique' }],
};
