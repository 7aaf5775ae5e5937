/// <reference lib="dom" />
/**
 * The front end's DPoP key (RFC 9449): every session this server makes is bound to it, so a
 * refresh cookie taken from a browser is useless anywhere but here. All instances of the front
 * end share it: a private key as a JWK (JSON) or a PKCS#8 PEM, from REFRESH_TOKEN_DPOP_KEY or the
 * `dpopKey` option. ECDSA P-256 (ES256) or Ed25519 (EdDSA).
 */
import { proofSigner, type ProofSigner } from '../../contracts/src/dpop-proof';

const signers = new Map<string, Promise<ProofSigner>>();

type Params = EcKeyImportParams | Algorithm;
const CANDIDATES: Params[] = [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'Ed25519' }];

function paramsOfJwk(jwk: JsonWebKey): Params {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return CANDIDATES[0];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return CANDIDATES[1];
  throw new TypeError('dpopKey: an EC P-256 or OKP Ed25519 private JWK is needed');
}

async function fromJwk(jwk: JsonWebKey): Promise<CryptoKeyPair> {
  if (typeof jwk.d !== 'string') throw new TypeError('dpopKey: the JWK has no private part ("d")');
  const params = paramsOfJwk(jwk);
  const { kty, crv, x, y } = jwk;
  const publicJwk: JsonWebKey = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  return {
    privateKey: await crypto.subtle.importKey('jwk', jwk, params, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', publicJwk, params, true, ['verify']),
  };
}

async function fromPem(pem: string): Promise<CryptoKeyPair> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  for (const params of CANDIDATES) {
    try {
      // Extractable only for the moment it takes to read its public half.
      const key = await crypto.subtle.importKey('pkcs8', der, params, true, ['sign']);
      return fromJwk(await crypto.subtle.exportKey('jwk', key));
    } catch {
      /* the next algorithm */
    }
  }
  throw new TypeError('dpopKey: the PEM is not a PKCS#8 ECDSA P-256 or Ed25519 private key');
}

/** The signer of a configured key; built once per key and process. */
export function dpopSigner(key: string | JsonWebKey | CryptoKeyPair): Promise<ProofSigner> {
  if (typeof key === 'object' && 'privateKey' in key) return proofSigner(key as CryptoKeyPair);
  const id = typeof key === 'string' ? key : JSON.stringify(key);
  let signer = signers.get(id);
  if (!signer) {
    const text = typeof key === 'string' ? key.trim() : null;
    const pair = text?.startsWith('-----BEGIN')
      ? fromPem(text)
      : fromJwk(text === null ? (key as JsonWebKey) : (JSON.parse(text) as JsonWebKey));
    signer = pair.then(proofSigner);
    signers.set(id, signer);
    signer.catch(() => signers.delete(id));
  }
  return signer;
}
