const path = require('path');

/**
 * REFRESH_TOKEN_CONFIG (JSON) lets the tests and the benchmark vary the plugin's config;
 * UP_CONFIG (JSON) does the same for users-permissions. REFRESH_TOKEN_DISABLED=true turns the
 * plugin off (the benchmark's built-in-mode baseline).
 */
/** REDIS_URL: the rate limiter's shared store is that Redis (closed again in src/index.js destroy). */
function withRedis(config, url) {
  if (!url) return config;
  const Redis = require('ioredis');
  return { ...config, rateLimit: { ...config.rateLimit, store: 'redis', redis: new Redis(url, { maxRetriesPerRequest: 1 }) } };
}

module.exports = ({ env }) => ({
  // GRAPHQL=true turns on @strapi/plugin-graphql (the GraphQL tests do).
  // Its own CORS layer answers `Access-Control-Allow-Origin: *`, which browsers refuse for requests
  // with credentials: off, so strapi::cors (which echoes the origin) answers for /graphql too.
  graphql: { enabled: env.bool('GRAPHQL', false), config: { apolloServer: { cors: false } } },
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET', 'playground-jwt-secret-change-me'),
      ...JSON.parse(env('UP_CONFIG', '{}')),
    },
  },
  'refresh-token': {
    enabled: !env.bool('REFRESH_TOKEN_DISABLED', false),
    // The built plugin, loaded from its package.json exports like an installed package
    // (REFRESH_TOKEN_PLUGIN_DIR: another checkout's build, for the bench's --compare).
    resolve: env('REFRESH_TOKEN_PLUGIN_DIR', path.resolve(__dirname, '../..')),
    config: withRedis(JSON.parse(env('REFRESH_TOKEN_CONFIG', '{}')), env('REDIS_URL')),
  },
});
