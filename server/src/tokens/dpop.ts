/**
 * DPoP proofs (RFC 9449), verified with jose: a JWS of type `dpop+jwt`, signed with an asymmetric
 * key whose public JWK rides in its header, over the request's method and URL, when, and a unique
 * id. Pure: the replay cache of `jti` and the binding to a session live elsewhere.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWSHeaderParameters, type KeyLike } from 'jose';

/** Asymmetric algorithms only: `none` and the HMAC family (a public key as the secret) are refused. */
const PROOF_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'];

export interface ProofExpectation {
  /** The request's method, as the server received it. */
  method: string;
  /** The request's URL as the client addressed it (scheme, host, path; query and fragment are ignored). */
  url: string;
  /** Seconds a proof's `iat` may lie from the server's clock, either way. */
  windowSeconds: number;
  /** With an access token (`Authorization: DPoP`): the proof must carry its hash as `ath`. */
  accessToken?: string;
  now?: number;
}

export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key: what a session is bound to. */
  jkt: string;
  jti: string;
  iat: number;
}

export class ProofError extends Error {
  constructor(message: string) {
    super(`Invalid DPoP proof: ${message}`);
    this.name = 'ProofError';
  }
}

/** RFC 9449 §4.3: `htu` is compared without query and fragment, after syntax-based normalisation. */
export function normalizedHtu(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

const accessTokenHash = (accessToken: string): string => createHash('sha256').update(accessToken).digest('base64url');

/**
 * A session signs every refresh with the same key: its import and thumbprint are kept (by the
 * header's JWK, a bounded map), so a refresh pays for one signature check. Like jose's
 * EmbeddedJWK, it takes only a public, asymmetric key from the header.
 */
const headerKeys = new Map<string, Promise<{ key: KeyLike; jkt: string }>>();
function headerKey(header: JWSHeaderParameters): Promise<{ key: KeyLike; jkt: string }> {
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new ProofError('the header carries no jwk');
  if ('d' in jwk || jwk.kty === 'oct') throw new ProofError('jwk must be a public key');
  const id = `${String(header.alg)} ${JSON.stringify(jwk)}`;
  let entry = headerKeys.get(id);
  if (!entry) {
    entry = (async () => {
      const key = await importJWK({ ...jwk, ext: true }, String(header.alg));
      if (key instanceof Uint8Array || key.type !== 'public') throw new ProofError('jwk must be a public key');
      return { key, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    })();
    if (headerKeys.size >= 10_000) headerKeys.clear();
    headerKeys.set(id, entry);
    entry.catch(() => headerKeys.delete(id));
  }
  return entry;
}

export async function verifyProof(proof: string, expected: ProofExpectation): Promise<VerifiedProof> {
  if (typeof proof !== 'string' || proof.length === 0 || proof.length > 4096) throw new ProofError('not a compact JWS');
  let jkt: string;
  let payload: Record<string, unknown>;
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== 'dpop+jwt') throw new ProofError('typ must be dpop+jwt');
    if (!PROOF_ALGORITHMS.includes(String(header.alg))) throw new ProofError(`alg ${String(header.alg)} is not an asymmetric algorithm`);
    const signer = await headerKey(header);
    jkt = signer.jkt;
    // Verified with the header's own key, the algorithm list pinned again.
    payload = (await jwtVerify(proof, signer.key, { typ: 'dpop+jwt', algorithms: PROOF_ALGORITHMS })).payload as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ProofError) throw error;
    throw new ProofError((error as Error).message);
  }
  const now = (expected.now ?? Date.now()) / 1000;
  if (payload.htm !== expected.method.toUpperCase()) throw new ProofError('htm does not match the request method');
  const htu = typeof payload.htu === 'string' ? normalizedHtu(payload.htu) : null;
  if (htu === null || htu !== normalizedHtu(expected.url)) throw new ProofError('htu does not match the request URL');
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > expected.windowSeconds) {
    throw new ProofError(`iat is more than ${expected.windowSeconds} s from the server's clock`);
  }
  if (typeof payload.jti !== 'string' || payload.jti.length < 8 || payload.jti.length > 256) throw new ProofError('jti is missing');
  if (expected.accessToken !== undefined && payload.ath !== accessTokenHash(expected.accessToken)) {
    throw new ProofError('ath does not match the access token');
  }
  return { jkt, jti: payload.jti, iat: payload.iat };
}
