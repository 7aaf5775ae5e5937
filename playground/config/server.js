module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  proxy: { koa: env.bool('PROXY', false) },
  // Demo-only keys; a real app reads them from its environment.
  app: { keys: env.array('APP_KEYS', ['playground-key-one', 'playground-key-two']) },
});
