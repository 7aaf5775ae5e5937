import type { Bucket } from '../services/limiter';

/** Public routes under /api/token: they authenticate themselves (refresh token or Bearer). */
const route = (method: string, path: string, handler: string, bucket: Bucket) => ({
  method,
  path,
  handler: `token.${handler}`,
  config: { auth: false as const, prefix: '', middlewares: [{ name: 'plugin::refresh-token.rate-limit', config: { bucket } }] },
});

export default {
  type: 'content-api',
  routes: [
    route('POST', '/token/refresh', 'refresh', 'refresh'),
    route('POST', '/token/logout', 'logout', 'logout'),
    route('POST', '/token/logout-all', 'logoutAll', 'logout-all'),
    route('POST', '/token/logout-others', 'logoutOthers', 'logout-others'),
    route('GET', '/token/sessions', 'listSessions', 'sessions'),
    route('DELETE', '/token/sessions/:id', 'revokeSession', 'sessions'),
    route('POST', '/token/exchange', 'exchange', 'exchange'),
  ],
};
