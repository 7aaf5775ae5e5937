/**
 * The access JWTs: the keys that sign them and their verification with the algorithm pinned.
 * Unset `signing.keys`: HS256 (or the HS algorithm users-permissions is configured with) with
 * users-permissions' jwtSecret, as users-permissions signs. With keys: the first signs (jose: header
 * `alg` and `kid`), every listed key verifies, and their public parts are the JWKS. HS tokens of the
 * current jwtSecret and of `signing.previousSecrets` verify either way, so no switch or rotation
 * signs anyone out. No table: a session's liveness is the sessions service's question.
 */
import type { Core } from '@strapi/strapi';
import type { JWK } from 'jose';
import { pluginConfig } from '../config';
import { accessClaims, createSigningKeys, signAccessToken, verifyAccessToken, type AccessClaims, type SigningKeys } from '../tokens';
import { headerAlg, importSigningKeys, signWith, verifyWith, type SigningKey } from '../tokens/signing-keys';

/** What a verified access token says: the plugin's claims, or only `id` for a users-permissions token. */
export type VerifiedClaims = Partial<AccessClaims> & { id: number; [claim: string]: unknown };

const accessTokens = ({ strapi }: { strapi: Core.Strapi }) => {
  let keys: SigningKeys | undefined;
  let asymmetric: { from: unknown; keys: SigningKey[] } | undefined;

  /** Built on first use: users-permissions may only generate its jwtSecret during its bootstrap. */
  function signingKeys(): SigningKeys {
    if (!keys) {
      const secret = strapi.config.get('plugin::users-permissions.jwtSecret') as string | undefined;
      if (typeof secret !== 'string' || secret.length === 0) throw new Error('users-permissions jwtSecret is not set');
      const jwtOptions = (strapi.config.get('plugin::users-permissions.jwt') ?? {}) as { algorithm?: string };
      keys = createSigningKeys(secret, jwtOptions.algorithm ?? 'HS256', pluginConfig(strapi).signing.previousSecrets ?? []);
    }
    return keys;
  }

  /** `signing.keys`, imported once (again only if a test replaces the config). */
  function keyPairs(): SigningKey[] {
    const configured = pluginConfig(strapi).signing.keys ?? [];
    if (asymmetric?.from !== configured) asymmetric = { from: configured, keys: importSigningKeys(configured as JWK[]) };
    return asymmetric.keys;
  }

  const asClaims = (claims: Record<string, unknown> | null): VerifiedClaims | null =>
    claims && (typeof claims.id === 'number' || typeof claims.id === 'string') ? (claims as VerifiedClaims) : null;

  return {
    signingKeys,

    /** An access token for the session; `loginAt` becomes its `auth_time`, `jkt` its `cnf.jkt`. */
    issue(userId: number, sessionId: string, lifespanSeconds: number, loginAt: number, jkt?: string | null): Promise<string> {
      const claims = accessClaims(userId, sessionId, lifespanSeconds, loginAt, jkt);
      const [signer] = keyPairs();
      return signer ? signWith(signer, { ...claims }) : Promise.resolve(signAccessToken(signingKeys(), claims));
    },

    /** The claims of a valid access token, signed by a listed key or an (earlier) jwtSecret; else null. */
    async verify(token: unknown): Promise<VerifiedClaims | null> {
      if (typeof token !== 'string') return null;
      const alg = headerAlg(token);
      if (alg === null || alg === 'none') return null;
      if (alg.startsWith('HS')) {
        try {
          return asClaims(verifyAccessToken(signingKeys(), token));
        } catch {
          return null;
        }
      }
      return asClaims((await verifyWith(keyPairs(), token)) as Record<string, unknown> | null);
    },

    /** The public JWKS (`GET /api/token/jwks`): every listed key, public members only; empty when only secrets sign. */
    jwks(): { keys: JWK[] } {
      return { keys: keyPairs().map((k) => k.publicJwk) };
    },

    /** The admin's view of the keys: never a private member. */
    describeKeys(): Array<{ kid: string; alg: string; use: 'signing' | 'verify-only' }> {
      return keyPairs().map((k, i) => ({ kid: k.kid, alg: k.alg, use: i === 0 ? 'signing' : 'verify-only' }));
    },
  };
};

export default accessTokens;
export type AccessTokensService = ReturnType<typeof accessTokens>;

declare module './registry' {
  interface Services {
    accessTokens: AccessTokensService;
  }
}
