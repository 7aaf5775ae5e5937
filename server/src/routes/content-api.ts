/**
 * Public routes under /api/token: they authenticate themselves (refresh token or Bearer). Each
 * action counts against its per-IP limit in the token endpoint wrapper (http/token-endpoint.ts).
 */
const route = (method: string, path: string, handler: string) => ({
  method,
  path,
  handler: `token.${handler}`,
  config: { auth: false as const, prefix: '' },
});

export default {
  type: 'content-api',
  routes: [
    route('POST', '/token/refresh', 'refresh'),
    route('POST', '/token/logout', 'logout'),
    route('POST', '/token/logout-all', 'logoutAll'),
    route('POST', '/token/logout-others', 'logoutOthers'),
    route('GET', '/token/sessions', 'listSessions'),
    route('DELETE', '/token/sessions/:id', 'revokeSession'),
    route('POST', '/token/exchange', 'exchange'),
    route('GET', '/token/jwks', 'jwks'),
  ],
};
