export type RevokeReason =
  'logout' | 'logout-all' | 'logout-others' | 'session-limit' | 'password-change' | 'blocked' | 'admin' | 'user-deleted' | 'reuse';
/** 'unbound': the session is bound to a key (DPoP) and the request carries no proof by it. */
export type RefusalReason = 'unknown' | 'revoked' | 'expired' | 'user' | 'reused' | 'unbound';

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
  /** The device id the client named at login (the built-in session mode's `deviceId`). */
  deviceId?: string;
  /** The session's absolute expiry is at most this (epoch ms): a session made from a credential dies with it. */
  notAfter?: number;
  /** Bind the session to this key thumbprint (DPoP): every refresh and logout must then be signed by it. */
  jkt?: string | null;
}

/**
 * The DPoP key of a refresh or logout request: the thumbprint of the key that signed its proof,
 * and `senderConstraint` (under 'required' an unbound session issues nothing more). It binds
 * nothing: a session is bound only when it is created.
 */
export interface SenderKey {
  presented: string | null;
  mode?: 'off' | 'optional' | 'required';
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

export type RotateResult =
  | ({ ok: true; /** the previous token within the grace period: the same successor again */ grace?: true } & IssuedTokens)
  | { ok: false; reason: RefusalReason; sessionId?: string; userId?: number };

/** A login whose password check predates a password change of the same user: it makes no session. */
export class PasswordChangedError extends Error {
  constructor() {
    super('The password changed while this login was in progress: log in again');
    this.name = 'PasswordChangedError';
  }
}
