/** One session as the sessions API (`GET /api/token/sessions`) and the admin list show it. */
export interface SessionView {
  /** Session id; equals the `sid` claim of access tokens issued for it. */
  id: string;
  /** ISO date of the login that created the session. */
  createdAt: string;
  /** ISO date of the last refresh. */
  lastUsedAt: string;
  /** ISO date the session dies if it is not refreshed before (idle lifespan). */
  expiresAt: string;
  /** ISO date the session dies whatever happens (max lifespan). */
  absoluteExpiresAt: string;
  /** User agent of the last login/refresh, when known. */
  userAgent: string | null;
  /** A short label for the device, read from the user agent ("Chrome on macOS"). */
  device: string;
  /** What the session keeps of the client's IP (`clientAddress`: its network by default, the full address, or nothing). */
  ip: string | null;
  /** The device id the client named at login (`deviceId`, as in Strapi's built-in session mode). */
  deviceId: string | null;
  /** Sender-constrained: bound to a key (DPoP) that must sign every refresh and logout. */
  bound: boolean;
}

/** In the user's own list: whether this is the session asking. */
export interface OwnSessionView extends SessionView {
  /** `true` for the session this client is using. */
  current: boolean;
}

/** In the admin list: whose session it is. username and email are absent for an admin who may not read users. */
export interface AdminSessionView extends SessionView {
  user: { id: number; username?: string | null; email?: string | null };
}
