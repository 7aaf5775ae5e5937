/**
 * `verifyAccessToken(token, { jwksUrl })`: checks an access token where Strapi is not asked per
 * request — a Next.js middleware at the edge, a worker, another Node service — against the public
 * keys Strapi publishes (`GET /api/token/jwks`, with `signing.keys` configured). Web Crypto only (jose).
 *
 * The JWKS is cached as long as its `Cache-Control: max-age` says (jose's `createRemoteJWKSet`
 * keeps its own fixed age instead, hence a local set refetched here), and fetched again once when a
 * token names a `kid` the cached set does not have (a key just rotated in).
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import type { AccessTokenClaims } from '../../contracts/src/jwt';
import { StrapiUnavailableError } from './errors';

export interface VerifyOptions {
  /** The JWKS URL, e.g. `https://api.example.com/api/token/jwks`. */
  jwksUrl: string;
  /** Algorithms accepted (default ES256, EdDSA, RS256: never HS, never none). */
  algorithms?: string[];
  fetch?: typeof fetch;
}

interface CachedSet {
  keys: ReturnType<typeof createLocalJWKSet>;
  expiresAt: number;
}
const sets = new Map<string, Promise<CachedSet>>();
const DEFAULT_MAX_AGE_S = 300;

async function loadSet(url: string, doFetch: typeof fetch): Promise<CachedSet> {
  let response: Response;
  try {
    response = await doFetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new StrapiUnavailableError(`The JWKS at ${url} could not be fetched: ${(error as Error).message}`, 0);
  }
  if (!response.ok) throw new StrapiUnavailableError(`The JWKS at ${url} answered ${response.status}`, response.status);
  const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1] ?? DEFAULT_MAX_AGE_S);
  return { keys: createLocalJWKSet((await response.json()) as JSONWebKeySet), expiresAt: Date.now() + maxAge * 1000 };
}

function currentSet(url: string, doFetch: typeof fetch, refetch = false): Promise<CachedSet> {
  const cached = sets.get(url);
  if (cached && !refetch) {
    return cached.then((set) => (set.expiresAt > Date.now() ? set : currentSet(url, doFetch, true)));
  }
  const loading = loadSet(url, doFetch);
  sets.set(url, loading);
  loading.catch(() => sets.delete(url)); // an outage is not cached
  return loading;
}

/**
 * The claims of a valid access token (signature by a published key, algorithm pinned to that key's,
 * not expired), or null. Throws StrapiUnavailableError when the JWKS cannot be fetched at all, so
 * "cannot tell" is never mistaken for "signed out". It does not ask whether the session still
 * lives: a revoked session's token passes until it expires (minutes), as any JWT does.
 */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessTokenClaims | null> {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const algorithms = options.algorithms ?? ['ES256', 'EdDSA', 'RS256'];
  const attempt = async (refetch: boolean) => jwtVerify(token, (await currentSet(options.jwksUrl, doFetch, refetch)).keys, { algorithms });
  try {
    return (await attempt(false)).payload as AccessTokenClaims;
  } catch (error) {
    if (error instanceof StrapiUnavailableError) throw error;
    if (!(error instanceof errors.JWKSNoMatchingKey)) return null;
  }
  try {
    return (await attempt(true)).payload as AccessTokenClaims; // once more, with a freshly fetched set
  } catch (error) {
    if (error instanceof StrapiUnavailableError) throw error;
    return null;
  }
}
