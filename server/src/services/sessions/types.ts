export type RevokeReason =
  'logout' | 'logout-all' | 'logout-others' | 'session-limit' | 'password-change' | 'blocked' | 'admin' | 'user-deleted' | 'reuse';
export type RefusalReason = 'unknown' | 'revoked' | 'expired' | 'user' | 'reused';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
}

export interface CreateOptions {
  /** false: "remember me: no" (a browser-session cookie, the shorter idle lifespan). */
  persistent?: boolean;
  /** When the login began, before its password check (a password change after it ends the session). */
  authStartedAt?: number;
  /** What a session exchanged from users-permissions' built-in mode keeps of it. */
  carriedOver?: { loginAt: number; absoluteExpiresAt: number; deviceId?: string; migratedFrom: string };
}

/** What a login or a refresh hands to the client. */
export interface IssuedTokens {
  sessionId: string;
  userId: number;
  accessToken: string;
  refreshToken: string;
  /** When the refresh token stops working unless used: idle expiry, capped by the absolute one. */
  expiresAt: number;
  /** false: a "remember me: no" session, whose cookie lives only as long as the browser session. */
  persistent?: boolean;
}

export type RotateResult = ({ ok: true } & IssuedTokens) | { ok: false; reason: RefusalReason; sessionId?: string; userId?: number };

/** A login whose password check predates a password change of the same user: it makes no session. */
export class PasswordChangedError extends Error {
  constructor() {
    super('The password changed while this login was in progress: log in again');
    this.name = 'PasswordChangedError';
  }
}
