module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  // PROXY_HOPS: how many proxies stand in front (maxIpsCount); only that many X-Forwarded-For entries are believed.
  proxy: { koa: env.bool('PROXY', false), maxIpsCount: env.int('PROXY_HOPS', 0) },
  // PUBLIC_URL: the absolute URL the app is reached at (its own origin for the refresh cookie).
  ...(env('PUBLIC_URL') ? { url: env('PUBLIC_URL') } : {}),
  // Demo-only keys; a real app reads them from its environment.
  app: { keys: env.array('APP_KEYS', ['playground-key-one', 'playground-key-two']) },
});
