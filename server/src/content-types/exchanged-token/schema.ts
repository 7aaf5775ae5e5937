/**
 * Legacy users-permissions JWTs already exchanged for a session (`POST /api/token/exchange`): a
 * SHA-256 of each, unique, so that every one is accepted once. Kept until the JWT would expire.
 */
import { internal } from '../internal';

export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_exchanged_tokens',
  info: {
    singularName: 'exchanged-token',
    pluralName: 'exchanged-tokens',
    displayName: 'Refresh-token exchanged legacy JWT',
    description: 'A legacy users-permissions JWT exchanged for a session',
  },
  ...internal,
  attributes: {
    tokenHash: { type: 'string', required: true, private: true },
    expiresAt: { type: 'biginteger', required: true },
  },
  indexes: [{ name: 'refresh_token_exchanged_tokens_hash_uq', columns: ['token_hash'], type: 'unique' }],
};
