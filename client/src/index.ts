/**
 * `strapi-plugin-refresh-token/client`: the browser / Node client of strapi-plugin-refresh-token.
 *
 * Access token in memory only, refresh token in an httpOnly cookie (or your storage with
 * `delivery: 'body'`), proactive + on-401 refresh shared by concurrent calls and by tabs.
 * Zero runtime dependencies; needs `fetch` (browsers, Node 20+).
 *
 * @packageDocumentation
 */
export { createAuthClient } from './client';
export { AuthError } from './errors';
export { memoryStorage } from './storage';
export { decodeJwt, accessTokenExpiry, defaultRefreshMargin, needsRefresh } from '../../contracts/src/jwt';
export type { AccessTokenClaims } from '../../contracts/src/jwt';
export type {
  AuthChangeEvent,
  AuthChangeReason,
  AuthClient,
  AuthClientOptions,
  AuthResult,
  AuthUser,
  Delivery,
  LogoutResult,
  RegisterInput,
  SessionExpiredEvent,
  SessionInfo,
  TokenRefreshEvent,
  TokenStorage,
} from './types';
