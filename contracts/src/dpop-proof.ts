/// <reference lib="dom" />
/**
 * DPoP proofs (RFC 9449) as a client signs them, with WebCrypto only (browsers, Node 20+, edge
 * runtimes): the browser client and the server entry share this. The server verifies them with
 * jose (server/src/tokens/dpop.ts).
 */

/** Signs proofs with one key pair. The private key never leaves WebCrypto. */
export interface ProofSigner {
  /** The public key as it rides in each proof's header. */
  readonly jwk: JsonWebKey;
  /** A fresh proof for one request; `accessToken` adds its hash (`ath`) for `Authorization: DPoP`. */
  sign(method: string, url: string, accessToken?: string): Promise<string>;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const encodeJson = (value: object) => base64url(encoder.encode(JSON.stringify(value)));

/** RFC 9449: `htu` without query and fragment. */
const htuOf = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

/** The JWS algorithm and WebCrypto parameters of a key: ECDSA P-256 (ES256) or Ed25519 (EdDSA). */
function algorithmOf(key: CryptoKey): { alg: string; params: AlgorithmIdentifier | EcdsaParams } {
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') return { alg: 'ES256', params: { name: 'ECDSA', hash: 'SHA-256' } };
  if (algorithm.name === 'Ed25519') return { alg: 'EdDSA', params: { name: 'Ed25519' } };
  throw new TypeError(
    `DPoP: unsupported key algorithm ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''} (use ECDSA P-256 or Ed25519)`
  );
}

/** A new key pair for proofs: ECDSA P-256, its private key not extractable by any script. */
export const generateProofKey = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;

export async function proofSigner(keys: CryptoKeyPair): Promise<ProofSigner> {
  const { alg, params } = algorithmOf(keys.privateKey);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const jwk: JsonWebKey = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  const header = encodeJson({ typ: 'dpop+jwt', alg, jwk });
  return {
    jwk,
    async sign(method, url, accessToken) {
      const claims: Record<string, unknown> = {
        htm: method.toUpperCase(),
        htu: htuOf(url),
        iat: Math.floor(Date.now() / 1000),
        jti: randomId(),
      };
      if (accessToken) claims.ath = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken))));
      const input = `${header}.${encodeJson(claims)}`;
      // WebCrypto's ECDSA signature is r || s, exactly the JWS encoding (no DER to undo).
      const signature = new Uint8Array(await crypto.subtle.sign(params, keys.privateKey, encoder.encode(input)));
      return `${input}.${base64url(signature)}`;
    },
  };
}
