/**
 * One row per login session. Times are epoch milliseconds (bigint) so every database compares
 * them the same way. Only hashes of refresh-token secrets are kept; `documentId` is the session id
 * that appears in tokens, in the access JWT's `sid` claim and in the sessions API.
 */
import { internal } from '../internal';

export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_sessions',
  info: {
    singularName: 'session',
    pluralName: 'sessions',
    displayName: 'Refresh-token session',
    description: 'A login session of a users-permissions user',
  },
  ...internal,
  attributes: {
    userId: { type: 'integer', required: true },
    tokenHash: { type: 'string', required: true, private: true },
    previousTokenHash: { type: 'string', private: true },
    generation: { type: 'integer', required: true, default: 0 },
    rotatedAt: { type: 'biginteger' },
    lastUsedAt: { type: 'biginteger', required: true },
    expiresAt: { type: 'biginteger', required: true },
    absoluteExpiresAt: { type: 'biginteger', required: true },
    revokedAt: { type: 'biginteger' },
    revokedReason: { type: 'string' },
    /** false: logged in with rememberMe: false (browser-session cookie, shorter idle lifespan). */
    persistent: { type: 'boolean', default: true },
    /** When the login that made the session began (before its password check); null: created_at. */
    authStartedAt: { type: 'biginteger' },
    /** The device id a client named (carried over from users-permissions' built-in sessions). */
    deviceId: { type: 'string' },
    /** The users-permissions built-in session this one was exchanged from (once: unique). */
    migratedFrom: { type: 'string' },
    userAgent: { type: 'string' },
    ip: { type: 'string' },
    /** Sender-constrained (DPoP): the RFC 7638 thumbprint of the key every refresh must be signed by. */
    jkt: { type: 'string' },
  },
  indexes: [
    { name: 'refresh_token_sessions_user_idx', columns: ['user_id', 'revoked_at'] },
    { name: 'refresh_token_sessions_expires_idx', columns: ['expires_at'] },
    { name: 'refresh_token_sessions_revoked_idx', columns: ['revoked_at'] },
    { name: 'refresh_token_sessions_migrated_uq', columns: ['migrated_from'], type: 'unique' },
  ],
};
