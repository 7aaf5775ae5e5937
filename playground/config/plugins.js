const path = require('path');

/**
 * REFRESH_TOKEN_CONFIG (JSON) lets the tests and the benchmark vary the plugin's config;
 * UP_CONFIG (JSON) does the same for users-permissions. REFRESH_TOKEN_DISABLED=true turns the
 * plugin off (the benchmark's built-in-mode baseline).
 */
module.exports = ({ env }) => ({
  // GRAPHQL=true turns on @strapi/plugin-graphql (the GraphQL tests do).
  graphql: { enabled: env.bool('GRAPHQL', false) },
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET', 'playground-jwt-secret-change-me'),
      ...JSON.parse(env('UP_CONFIG', '{}')),
    },
  },
  'refresh-token': {
    enabled: !env.bool('REFRESH_TOKEN_DISABLED', false),
    // The built plugin, loaded from its package.json exports like an installed package.
    resolve: path.resolve(__dirname, '../..'),
    config: JSON.parse(env('REFRESH_TOKEN_CONFIG', '{}')),
  },
});
