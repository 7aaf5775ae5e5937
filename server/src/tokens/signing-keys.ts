/**
 * Asymmetric access-token signing keys (`signing.keys`): private JWKs, each with a `kid` and an
 * `alg` of ES256 (EC P-256), EdDSA (OKP Ed25519) or RS256 (RSA). The first signs, all verify, and
 * their public parts are the JWKS other services verify with. Pure: node:crypto and jose only.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader, type JWK, type JWTPayload } from 'jose';

export type AsymmetricAlg = 'ES256' | 'EdDSA' | 'RS256';

/** What each algorithm's key must be. */
const SHAPES: Record<AsymmetricAlg, { kty: string; crv?: string; private: string[] }> = {
  ES256: { kty: 'EC', crv: 'P-256', private: ['d'] },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', private: ['d'] },
  RS256: { kty: 'RSA', private: ['d', 'p', 'q', 'dp', 'dq', 'qi'] },
};
/** Members a public JWK keeps (RFC 7517/7518/8037); every other member stays private. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'];

export interface SigningKey {
  kid: string;
  alg: AsymmetricAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as published: public members, `kid`, `alg`, `use: 'sig'`. */
  publicJwk: JWK;
}

/** Every problem with `signing.keys`, each naming the key (index and kid) and never a private member. */
export function signingKeyProblems(keys: unknown): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) return ['signing.keys must be a list of private JWKs'];
  const problems: string[] = [];
  const kids = new Set<string>();
  keys.forEach((key, index) => {
    const name = `signing.keys[${index}]${key && typeof key === 'object' && typeof (key as JWK).kid === 'string' ? ` (kid '${(key as JWK).kid}')` : ''}`;
    if (!key || typeof key !== 'object' || Array.isArray(key)) return void problems.push(`${name} must be a private JWK object`);
    const jwk = key as JWK;
    if (jwk.kty === 'oct')
      return void problems.push(
        `${name} is a symmetric (HS) secret: HS256 tokens are signed with users-permissions' jwtSecret; earlier secrets go in signing.previousSecrets`
      );
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) problems.push(`${name} needs a kid (a non-empty string)`);
    else if (kids.has(jwk.kid)) problems.push(`${name}: the kid '${jwk.kid}' is used by another key`);
    else kids.add(jwk.kid);
    const shape = SHAPES[jwk.alg as AsymmetricAlg];
    if (!shape) return void problems.push(`${name}: alg must be ES256, EdDSA or RS256, got ${JSON.stringify(jwk.alg ?? null)}`);
    if (jwk.kty !== shape.kty || (shape.crv && jwk.crv !== shape.crv)) {
      return void problems.push(
        `${name}: alg ${jwk.alg} needs kty ${shape.kty}${shape.crv ? ` and crv ${shape.crv}` : ''}, got kty ${String(jwk.kty)}${jwk.crv ? ` crv ${String(jwk.crv)}` : ''}`
      );
    }
    const missing = shape.private.filter((member) => typeof (jwk as unknown as Record<string, unknown>)[member] !== 'string');
    if (missing.length > 0) return void problems.push(`${name}: the private part is missing (${missing.join(', ')}): give the private JWK`);
    try {
      createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      problems.push(`${name}: not a valid ${jwk.alg} private key`);
    }
  });
  return problems;
}

/** Imports validated keys once (start-up). */
export function importSigningKeys(keys: JWK[] = []): SigningKey[] {
  return keys.map((jwk) => {
    const privateKey = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const publicKey = createPublicKey(privateKey);
    const exported = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const publicJwk = Object.fromEntries(
      PUBLIC_MEMBERS.filter((m) => exported[m] !== undefined).map((m) => [m, exported[m]])
    ) as unknown as JWK;
    return {
      kid: jwk.kid!,
      alg: jwk.alg as AsymmetricAlg,
      privateKey,
      publicKey,
      publicJwk: { ...publicJwk, kid: jwk.kid, alg: jwk.alg, use: 'sig' },
    };
  });
}

/** Signs claims (which carry their own iat/exp/jti) with a key: header `alg`, `kid`, `typ: JWT`. */
export const signWith = (key: SigningKey, claims: JWTPayload): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);

/**
 * The claims of a token signed by one of `keys`, found by its `kid`, with the algorithm pinned to
 * that key's; null for an unknown `kid`, another `alg`, a bad signature or an expired token.
 */
export async function verifyWith(keys: SigningKey[], token: string): Promise<JWTPayload | null> {
  let header: { alg?: string; kid?: string };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return null;
  }
  const key = keys.find((k) => k.kid === header.kid);
  if (!key || header.alg !== key.alg) return null;
  try {
    return (await jwtVerify(token, key.publicKey, { algorithms: [key.alg] })).payload;
  } catch {
    return null;
  }
}

/** The header's `alg` of a compact JWS, or null when it has none readable. */
export function headerAlg(token: string): string | null {
  try {
    return decodeProtectedHeader(token).alg ?? null;
  } catch {
    return null;
  }
}
