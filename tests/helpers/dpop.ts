/** DPoP proofs (RFC 9449) as a client makes them, with jose, for the tests. */
import { randomUUID, createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

export interface ProofKey {
  privateKey: KeyLike;
  jwk: JWK;
  jkt: string;
  alg: 'ES256' | 'EdDSA';
}

export async function newProofKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : undefined);
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256'), alg };
}

export interface ProofClaims {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string;
}

/** A proof for `method url`, signed by `key`; `override` changes any claim. */
export function proof(key: ProofKey, method: string, url: string, override: ProofClaims & { accessToken?: string } = {}): Promise<string> {
  const { accessToken, ...claims } = override;
  return new SignJWT({
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    ...claims,
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })
    .sign(key.privateKey);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned proof (`alg: none`) naming `key`'s public JWK. */
export function unsignedProof(key: ProofKey, method: string, url: string): string {
  const claims = { htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
  return `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk })}.${b64(claims)}.`;
}

/** HS256 "signed" with the public JWK's JSON as the secret: the algorithm-confusion attack. */
export async function hmacConfusedProof(key: ProofKey, method: string, url: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const header = b64({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk });
  const payload = b64({ htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID() });
  const signature = createHmac('sha256', JSON.stringify(key.jwk)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
