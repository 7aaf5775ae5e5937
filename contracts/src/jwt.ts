/**
 * Pure helpers around the access JWT: read its claims (never verify them: that is the server's
 * job) and turn `iat`/`exp` into a moment on the local clock.
 */

/** The claims of an access token issued by the plugin. Extra claims are kept as they are. */
export interface AccessTokenClaims {
  /** The users-permissions user id. */
  id?: number | string;
  /** The session id (the `id` of an entry in {@link AuthClient.sessions}). */
  sid?: string;
  /** Issued at, in seconds since the epoch (server clock). */
  iat?: number;
  /** Expires at, in seconds since the epoch (server clock). */
  exp?: number;
  [claim: string]: unknown;
}

function base64UrlDecode(segment: string): string {
  let base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  while (base64.length % 4 !== 0) base64 += '=';
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/**
 * The payload of a JWT, or `null` when the string is not a JWT with a JSON object payload.
 * The signature is NOT checked.
 *
 * @param token - a compact JWS (`header.payload.signature`).
 */
export function decodeJwt(token: string): AccessTokenClaims | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1])) as unknown;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
    return payload as AccessTokenClaims;
  } catch {
    return null;
  }
}

/**
 * When an access token stops being accepted, in milliseconds on the LOCAL clock, or `null` when
 * it has no usable `exp`.
 *
 * The server signs `iat = floor(serverNow / 1000)` and `exp = iat + lifespan`, so the token dies
 * at `exp * 1000` on the server clock, which lies between `T + lifespan - 1 s` and `T + lifespan`
 * for the issue moment `T`, and `T` lies between `sentAt` and `receivedAt` on the local clock.
 * The answer is `exp * 1000` (exact when the clocks agree) clamped into that window, so a client
 * whose clock is minutes off still refreshes on time.
 *
 * @param claims - the decoded token.
 * @param sentAt - local time the request that returned the token was sent.
 * @param receivedAt - local time its response arrived.
 */
export function accessTokenExpiry(claims: AccessTokenClaims | null, sentAt: number, receivedAt: number = sentAt): number | null {
  if (!claims || typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return null;
  const byClock = claims.exp * 1000;
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat) || claims.exp < claims.iat) return byClock;
  const lifespan = (claims.exp - claims.iat) * 1000;
  const earliest = sentAt + lifespan - 1000;
  const latest = receivedAt + lifespan;
  return Math.min(Math.max(byClock, earliest), latest);
}

/**
 * The default refresh margin: how long before expiry a request refreshes first instead of
 * sending a token about to die. A quarter of the token's lifespan, capped at 30 s
 * (15 min tokens refresh 30 s early; 3 s tokens 750 ms early).
 *
 * @param lifespanMs - the access token lifespan in milliseconds (`(exp - iat) * 1000`).
 */
export function defaultRefreshMargin(lifespanMs: number): number {
  if (!Number.isFinite(lifespanMs) || lifespanMs <= 0) return 0;
  return Math.min(30_000, lifespanMs / 4);
}

/**
 * Whether a token expiring at `expiresAt` should be refreshed before use at `now`.
 *
 * @param expiresAt - from {@link accessTokenExpiry}; `null` means "unknown: use it until a 401".
 * @param marginMs - see {@link defaultRefreshMargin}.
 * @param now - local time in milliseconds.
 */
export function needsRefresh(expiresAt: number | null, marginMs: number, now: number): boolean {
  if (expiresAt === null) return false;
  return now >= expiresAt - marginMs;
}
