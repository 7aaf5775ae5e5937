/** Public routes under /api/token: they authenticate themselves (refresh token or Bearer). */
const route = (method: string, path: string, handler: string) => ({
  method,
  path,
  handler: `token.${handler}`,
  config: { auth: false as const, prefix: '', middlewares: ['plugin::refresh-token.rate-limit'] },
});

export default {
  type: 'content-api',
  routes: [
    route('POST', '/token/refresh', 'refresh'),
    route('POST', '/token/logout', 'logout'),
    route('POST', '/token/logout-all', 'logoutAll'),
    route('GET', '/token/sessions', 'listSessions'),
    route('DELETE', '/token/sessions/:id', 'revokeSession'),
  ],
};
