/**
 * The layering, checked on every `npm test` (`npm run lint:layers`). One direction of flow:
 * Strapi's slots (controllers, routes, middlewares, policies) and the users-permissions wrappers
 * → http/ (transport, guards, refusals) → services/ (the session table and the rules about it)
 * → tokens/ and config/ (pure). Packages (server, admin, client, server entry) do not reach into
 * each other's internals.
 */
const layer = (name, mayNotImport, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^server/src/${name}/` },
  to: { path: `^server/src/(${mayNotImport.join('|')})/` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles, type-only imports included', from: {}, to: { circular: true } },
    layer(
      'tokens',
      ['config', 'services', 'http', 'users-permissions', 'controllers', 'routes', 'middlewares', 'policies'],
      'tokens/ is pure crypto: it imports nothing of the plugin'
    ),
    layer(
      'config',
      ['services', 'http', 'users-permissions', 'controllers', 'routes', 'middlewares', 'policies'],
      'config/ is pure: schema, lifespans, origins'
    ),
    layer(
      'services',
      ['http', 'users-permissions', 'controllers', 'routes', 'middlewares', 'policies'],
      'services/ knows no HTTP: it answers with results, not responses'
    ),
    layer(
      'http',
      ['users-permissions', 'controllers', 'routes', 'middlewares', 'policies'],
      'http/ is used by the slots and the wrappers, never the reverse'
    ),
    layer('users-permissions', ['controllers', 'routes', 'middlewares', 'policies'], 'the wrappers sit beside the slots, not above them'),
    {
      name: 'packages-keep-to-themselves',
      severity: 'error',
      comment: 'server, admin, client and the server entry share code only through contracts/ (the shared shapes and rules)',
      from: { path: '^(server|admin|client|server-entry)/src/' },
      to: { path: '^(server|admin|client|server-entry)/src/', pathNot: ['^$1/src/'] },
    },
    {
      name: 'contracts-stand-alone',
      severity: 'error',
      comment: 'contracts/ is pure and shared: it imports none of the packages that use it',
      from: { path: '^contracts/src/' },
      to: { path: '^(server|admin|client|server-entry)/src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|tests)/' },
    tsPreCompilationDeps: true,
  },
};
