/**
 * Legacy users-permissions JWTs already exchanged for a session (`POST /api/token/exchange`): a
 * SHA-256 of each, unique, so that every one is accepted once. Kept until the JWT would expire.
 */
export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_exchanged_tokens',
  info: {
    singularName: 'exchanged-token',
    pluralName: 'exchanged-tokens',
    displayName: 'Refresh-token exchanged legacy JWT',
    description: 'A legacy users-permissions JWT exchanged for a session',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    tokenHash: { type: 'string', required: true, private: true },
    expiresAt: { type: 'biginteger', required: true },
  },
  indexes: [{ name: 'refresh_token_exchanged_tokens_hash_uq', columns: ['token_hash'], type: 'unique' }],
};
