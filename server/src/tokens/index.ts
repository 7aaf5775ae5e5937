/**
 * Token crypto, and nothing else. Pure functions: no Strapi, no database.
 *
 * A refresh token is `<sessionId>.<secret>`: the session id finds the row, the 256-bit secret
 * proves possession. The database keeps only SHA-256(secret).
 *
 * The successor of a secret is HMAC-SHA256(rotationKey, sessionId "." secret). It is a pure
 * function of the presented token and a server key, so the loser of a refresh race can be handed
 * the very token the winner got without that token ever being stored, and a copy of the database
 * (hashes only) still yields nothing usable.
 */
import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

const SECRET_BYTES = 32;
const SESSION_ID_BYTES = 16;
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedRefreshToken {
  sessionId: string;
  secret: string;
}

export const newSessionId = (): string => randomBytes(SESSION_ID_BYTES).toString('base64url');
export const newSecret = (): string => randomBytes(SECRET_BYTES).toString('base64url');

export const formatRefreshToken = ({ sessionId, secret }: ParsedRefreshToken): string => `${sessionId}.${secret}`;

/** Splits a presented token; null when it cannot be one of ours (wrong shape, length, alphabet). */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  if (token.length !== 22 + 1 + 43) return null;
  const sessionId = token.slice(0, 22);
  const secret = token.slice(23);
  if (token[22] !== '.' || !SESSION_ID.test(sessionId) || !SECRET.test(secret)) return null;
  return { sessionId, secret };
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export const successorSecret = (rotationKey: KeyObject, sessionId: string, secret: string): string =>
  createHmac('sha256', rotationKey).update(`${sessionId}.${secret}`).digest('base64url');

/**
 * How many generations back a presented secret is from the live one (1 = the immediately
 * previous token), or null when it is not on the chain within `maxSteps`. Only a secret that was
 * really issued for the session reaches the live hash: a forged secret never does.
 */
export function generationsBehind(
  rotationKey: KeyObject,
  sessionId: string,
  secret: string,
  liveHash: string,
  maxSteps: number
): number | null {
  let current = secret;
  for (let step = 1; step <= maxSteps; step++) {
    current = successorSecret(rotationKey, sessionId, current);
    if (digestsEqual(hashSecret(current), liveHash)) return step;
  }
  return null;
}

/** Constant-time comparison of two base64url digests. */
export function digestsEqual(a: string | null | undefined, b: string | null | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface SigningKeys {
  /** The users-permissions jwtSecret as a KeyObject: signs and verifies access tokens. */
  jwtKey: KeyObject;
  /** Earlier jwtSecrets (`signing.previousSecrets`): their HS tokens still verify until they expire. */
  previousKeys: KeyObject[];
  /** A key derived from the jwtSecret that only derives successor secrets. */
  rotationKey: KeyObject;
  algorithm: jwt.Algorithm;
}

/**
 * Built once at start-up. jsonwebtoken given a string secret first tries to parse it as a PEM key
 * and pays an exception on every call; a KeyObject skips that.
 */
export function createSigningKeys(jwtSecret: string, algorithm: string = 'HS256', previousSecrets: string[] = []): SigningKeys {
  if (!/^HS(256|384|512)$/.test(algorithm)) {
    throw new Error(`refresh-token needs an HMAC algorithm (HS256/384/512) for users-permissions JWTs, got ${algorithm}`);
  }
  const rotation = createHmac('sha256', jwtSecret).update('strapi-plugin-refresh-token/rotation/v1').digest();
  return {
    jwtKey: createSecretKey(Buffer.from(jwtSecret, 'utf8')),
    previousKeys: previousSecrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8'))),
    rotationKey: createSecretKey(rotation),
    algorithm: algorithm as jwt.Algorithm,
  };
}

export interface AccessClaims {
  id: number | string;
  sid: string;
  iat: number;
  exp: number;
  jti: string;
  /** When the session logged in (seconds): what the `fresh` route policy checks. */
  auth_time: number;
  /** Sender-constrained sessions: the thumbprint of the key a DPoP proof must be signed by. */
  cnf?: { jkt: string };
}

/**
 * The claims of a users-permissions compatible access JWT (`id`) that also names its session
 * (`sid`) and its login time. A random `jti` makes every token unique, even two in the same second.
 */
export function accessClaims(
  userId: number | string,
  sessionId: string,
  lifespanSeconds: number,
  loginAtMs: number,
  /** A sender-constrained session's key thumbprint (RFC 9449 `cnf.jkt`). */
  jkt?: string | null,
  nowMs = Date.now()
): AccessClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    id: userId,
    sid: sessionId,
    auth_time: Math.floor(loginAtMs / 1000),
    ...(jkt ? { cnf: { jkt } } : {}),
    iat,
    exp: iat + lifespanSeconds,
    jti: randomBytes(12).toString('base64url'),
  };
}

/** Signs access claims with the users-permissions secret (HS). */
export const signAccessToken = (keys: SigningKeys, claims: AccessClaims): string =>
  jwt.sign(claims, keys.jwtKey, { algorithm: keys.algorithm });

/**
 * Verifies an HS token with the algorithm pinned: the current secret, then each previous one.
 * Throws on anything invalid, as jsonwebtoken does.
 */
export function verifyAccessToken(keys: SigningKeys, token: string): jwt.JwtPayload {
  try {
    return jwt.verify(token, keys.jwtKey, { algorithms: [keys.algorithm] }) as jwt.JwtPayload;
  } catch (error) {
    for (const key of keys.previousKeys) {
      try {
        return jwt.verify(token, key, { algorithms: [keys.algorithm] }) as jwt.JwtPayload;
      } catch {
        // the next one
      }
    }
    throw error;
  }
}
