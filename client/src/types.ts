import type { OwnSessionView } from '../../contracts/src/sessions';
/** Public types of the client. */

/**
 * Where the server sends the refresh token (the plugin's `delivery` config; use the same value):
 * - `'cookie'` (browsers): a signed httpOnly cookie JavaScript never sees;
 * - `'body'` (native apps, Node): `refreshToken` in the JSON body, kept in {@link AuthClientOptions.storage};
 * - `'both'`: the server sends both; the client keeps the body copy and lets the cookie travel too.
 */
export type Delivery = 'cookie' | 'body' | 'both';

/**
 * Where the client keeps the refresh token with `delivery: 'body' | 'both'`. Sync or async, so a
 * native app can plug in its secure store (Keychain, Keystore, expo-secure-store…).
 * Never used for the access token, which lives in memory only.
 */
export interface TokenStorage {
  /** The stored refresh token, or `null` when there is none. */
  get(): string | null | undefined | Promise<string | null | undefined>;
  /** Stores a (rotated) refresh token, replacing the previous one. */
  set(token: string): void | Promise<void>;
  /** Forgets the refresh token (logout, refused refresh). */
  remove(): void | Promise<void>;
}

/** A users-permissions user as the API returns it (password and tokens are never included). */
export interface AuthUser {
  id: number;
  documentId?: string;
  username?: string;
  email?: string;
  confirmed?: boolean;
  blocked?: boolean;
  [field: string]: unknown;
}

/** One of the signed-in user's sessions, as listed by `GET /api/token/sessions`. */
export type SessionInfo = OwnSessionView;

/** Why the authentication state changed. */
export type AuthChangeReason =
  /** `login()` succeeded. */
  | 'login'
  /** `register()` succeeded and signed the user in. */
  | 'register'
  /** `exchangeLegacyToken()` turned a legacy JWT into a session. */
  | 'exchange'
  /** An existing session was picked up (cookie/stored token refreshed, or another tab shared its token). */
  | 'restore'
  /** `logout()`, `logoutAll()` or revoking the current session, in this tab or another. */
  | 'logout'
  /**
   * Strapi could not be reached (network, 429, 5xx, or no answer within `startTimeout`) while
   * restoring the session on a fresh page: signed out for now; the client keeps trying in the
   * background and signs the user in (`'restore'`) when Strapi answers.
   */
  | 'unavailable'
  /** The server refused to refresh: the session was revoked, expired, or the user was blocked. */
  | 'expired';

/** Payload of {@link AuthClient.onAuthChange}. */
export interface AuthChangeEvent {
  /** Whether a session is active after the change. */
  signedIn: boolean;
  /** The user, when known (it is after login/register; after a restore it is fetched lazily by `getUser()`). */
  user: AuthUser | null;
  reason: AuthChangeReason;
}

/** Payload of {@link AuthClient.onSessionExpired}. */
export interface SessionExpiredEvent {
  /** HTTP status of the refused refresh (401, or 400 when the token was missing). */
  status: number;
  /** The server's error message, when there was one. */
  message?: string;
  /** `true` when another tab saw the refusal and told this one. */
  fromOtherTab: boolean;
}

/** Payload of {@link AuthClient.onTokenRefresh}. */
export interface TokenRefreshEvent {
  /** Local time (ms) the new access token expires, or `null` if it has no `exp`. */
  expiresAt: number | null;
  /** `true` when another tab refreshed and shared the token. */
  fromOtherTab: boolean;
}

/** Body accepted by `POST /api/auth/local/register` (extra fields as the app allows). */
export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  [field: string]: unknown;
}

/** Result of {@link AuthClient.logout}. */
export interface LogoutResult {
  /** `true` when the server answered the logout: the session can no longer be refreshed. */
  revoked: boolean;
  /** Why the server-side logout did not happen (network error, or the server's error message). */
  error?: string;
}

/** Result of {@link AuthClient.login} and {@link AuthClient.register}. */
export interface AuthResult {
  user: AuthUser;
  /** `false` after a registration that waits for email confirmation (no session yet). */
  signedIn: boolean;
}

/** Options of {@link createAuthClient}. */
export interface AuthClientOptions {
  /**
   * Origin of the Strapi server, e.g. `'https://api.example.com'`. Relative paths given to
   * `client.fetch` are resolved against it; `''` means "the page's own origin" (browsers only).
   */
  baseURL: string;
  /** The content-API prefix. Default `'/api'`. */
  apiPrefix?: string;
  /** Must match the plugin's `delivery` config. Default `'cookie'`. */
  delivery?: Delivery;
  /**
   * Refresh-token storage for `delivery: 'body' | 'both'`. Default: in memory (lost on reload).
   * Ignored with `'cookie'`, where JavaScript never sees the refresh token.
   */
  storage?: TokenStorage;
  /**
   * The fetch implementation. Default `globalThis.fetch`. Outside a browser (Node, Deno, Bun,
   * edge runtimes) fetch keeps no cookies, so `delivery: 'cookie'` there needs a fetch with a
   * cookie jar; without one, `createAuthClient` refuses and names `delivery: 'body'`.
   */
  fetch?: typeof fetch;
  /**
   * How many ms before the access token's expiry a request refreshes first. A number, or a
   * function of the token's lifespan in ms. Default {@link defaultRefreshMargin}
   * (a quarter of the lifespan, at most 30 s).
   */
  refreshMargin?: number | ((lifespanMs: number) => number);
  /**
   * How long restoring the session on a fresh page may take before the client settles to signed
   * out with reason `'unavailable'` (and keeps retrying in the background, every few seconds up to
   * 30 s apart). Default 5000 ms.
   */
  startTimeout?: number;
  /**
   * Share refreshed access tokens and logouts with the other tabs of this origin, and serialise
   * refreshes across tabs (Web Locks API, else BroadcastChannel). Default: `true` in browsers
   * (when `window` exists), `false` elsewhere (two Node clients in one process are two users).
   */
  crossTab?: boolean;
  /** Name of the Web Lock and BroadcastChannel. Default `'strapi-refresh-token:' + baseURL`. */
  channelName?: string;
  /**
   * Sender-constrained sessions (DPoP, RFC 9449; the plugin's `senderConstraint` must not be
   * 'off'). Each login makes a key pair and binds the session to it; every refresh and logout is
   * signed by it, so a stolen refresh token is worthless without the key. In browsers the key is
   * a non-extractable ECDSA P-256 key in IndexedDB (shared by reloads and tabs); elsewhere
   * `dpopKey`, or one made in memory. `'optional'`: where no key can be kept, the session stays
   * unbound. `'required'`: there, login throws. Default: off.
   */
  dpop?: 'optional' | 'required';
  /** Outside browsers: the key pair to sign DPoP proofs with (ECDSA P-256 or Ed25519). Default: one made in memory. */
  dpopKey?: CryptoKeyPair;
  /** `credentials` of every request to the server. Default `'include'`. */
  credentials?: RequestCredentials;
  /**
   * Attach the access token to `client.fetch` requests for other origins too. Default `false`:
   * only requests to `baseURL`'s origin get `Authorization`, so a token never leaks to a third party.
   */
  attachToAllOrigins?: boolean;
}

/** The object returned by {@link createAuthClient}. */
export interface AuthClient {
  /**
   * Signs in with users-permissions' local provider (`POST /api/auth/local`). With
   * `{ rememberMe: false }` the session ends with the browser session (its cookie has no
   * Max-Age) and after the server's shorter `sessionOnlyIdleLifespan` of inactivity.
   * @throws {@link AuthError} with the server's status and message (e.g. 400 "Invalid identifier or password").
   */
  login(identifier: string, password: string, options?: { rememberMe?: boolean }): Promise<AuthResult>;
  /**
   * Creates an account (`POST /api/auth/local/register`). Signs in unless the server requires
   * email confirmation first (`signedIn: false`).
   * @throws {@link AuthError}
   */
  register(input: RegisterInput): Promise<AuthResult>;
  /**
   * Turns a legacy users-permissions JWT (the tutorial's token in `localStorage`, no refresh token)
   * into a session (`POST /api/token/exchange`, which the app must enable with
   * `legacyTokenExchange.enabled`): signed in as after `login()`, without asking for a password.
   * Each legacy JWT works once; delete it from your storage afterwards.
   * @throws {@link AuthError} (401 when the token cannot be exchanged: sign the user in instead)
   */
  exchangeLegacyToken(legacyJwt: string): Promise<AuthResult>;
  /**
   * Ends this session on the server (`POST /api/token/logout`, needs no access token) and
   * forgets it locally, in every tab. Never throws: the local sign-out happens even offline,
   * and the result tells whether the server revoked the session (`revoked: false` with the
   * reason when it could not be reached or refused).
   */
  logout(): Promise<LogoutResult>;
  /**
   * Ends every session of the user (`POST /api/token/logout-all`), then signs out locally.
   * @throws {@link AuthError} when the server refuses (the local state is cleared anyway).
   */
  logoutAll(): Promise<void>;
  /**
   * Ends every other session of the user (`POST /api/token/logout-others`): "sign out other
   * devices". This client stays signed in. Resolves to how many sessions were ended.
   * @throws {@link AuthError}
   */
  logoutOthers(): Promise<number>;
  /**
   * Rotates the refresh token now and gets a new access token. Concurrent calls (and, with
   * `crossTab`, other tabs) share one request.
   * @returns `true` when a fresh access token is now held, `false` when the server refused
   * (the session is over: `onSessionExpired` fired if a session was active).
   * @throws {@link AuthError} on a network error or a 429/5xx (the session is kept).
   */
  refresh(): Promise<boolean>;
  /** The signed-in user's live sessions (`GET /api/token/sessions`). @throws {@link AuthError} */
  sessions(): Promise<SessionInfo[]>;
  /**
   * Revokes one of the user's sessions (`DELETE /api/token/sessions/:id`). Revoking the
   * current session signs this client out (reason `'logout'`).
   * @throws {@link AuthError} (404 for an unknown session).
   */
  revokeSession(id: string): Promise<void>;
  /**
   * The signed-in user: the cached one, else `GET /api/users/me`. On a fresh page this restores
   * the session from the refresh cookie (or stored token). `null` when not signed in.
   * @param options.force - fetch `/users/me` even when a user is cached.
   */
  getUser(options?: { force?: boolean }): Promise<AuthUser | null>;
  /**
   * A valid access token (refreshing or restoring first when needed), or `null` when not signed
   * in. For libraries that need the raw token (GraphQL clients, WebSockets); prefer `fetch`.
   */
  getAccessToken(): Promise<string | null>;
  /**
   * `fetch` with the session: resolves relative URLs against `baseURL` + nothing (pass
   * `'/api/articles'`), adds `Authorization: Bearer <access token>`, refreshes first when the
   * token is about to expire, and on a 401 refreshes once and retries once. Same signature and
   * result as the global `fetch`; a request made while signed out goes without `Authorization`.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /**
   * Subscribes to sign-in / sign-out transitions.
   * @returns a function that unsubscribes.
   */
  onAuthChange(listener: (event: AuthChangeEvent) => void): () => void;
  /**
   * Subscribes to "the server refused to refresh a session that was active": show the login.
   * Fires before the matching `onAuthChange({ signedIn: false, reason: 'expired' })`.
   * @returns a function that unsubscribes.
   */
  onSessionExpired(listener: (event: SessionExpiredEvent) => void): () => void;
  /**
   * Subscribes to every new access token (refresh here or in another tab; not login).
   * @returns a function that unsubscribes.
   */
  onTokenRefresh(listener: (event: TokenRefreshEvent) => void): () => void;
  /** Whether an access token is held right now (it may be about to be refreshed). */
  readonly isSignedIn: boolean;
  /** Local time (ms) the held access token expires, or `null`. For countdowns; never the token itself. */
  readonly accessTokenExpiresAt: number | null;
  /** The current session id (`sid` of the access token), or `null`. */
  readonly sessionId: string | null;
  /** Closes the cross-tab channel and drops listeners. The client is unusable afterwards. */
  destroy(): void;
}
