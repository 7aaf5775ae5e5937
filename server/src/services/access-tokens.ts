/**
 * The access JWTs: the keys that sign them (derived from users-permissions' jwtSecret), minting,
 * and verification with the algorithm pinned. No table: a session's liveness is the sessions
 * service's question.
 */
import type { Core } from '@strapi/strapi';
import { createSigningKeys, signAccessToken, verifyAccessToken, type AccessClaims, type SigningKeys } from '../tokens';

/** What a verified access token says: the plugin's claims, or only `id` for a users-permissions token. */
export type VerifiedClaims = Partial<AccessClaims> & { id: number; [claim: string]: unknown };

const accessTokens = ({ strapi }: { strapi: Core.Strapi }) => {
  let keys: SigningKeys | undefined;

  /** Built on first use: users-permissions may only generate its jwtSecret during its bootstrap. */
  function signingKeys(): SigningKeys {
    if (!keys) {
      const secret = strapi.config.get('plugin::users-permissions.jwtSecret') as string | undefined;
      if (typeof secret !== 'string' || secret.length === 0) throw new Error('users-permissions jwtSecret is not set');
      const jwtOptions = (strapi.config.get('plugin::users-permissions.jwt') ?? {}) as { algorithm?: string };
      keys = createSigningKeys(secret, jwtOptions.algorithm ?? 'HS256');
    }
    return keys;
  }

  return {
    signingKeys,

    /** An access token for the session; `loginAt` becomes its `auth_time`, `jkt` its `cnf.jkt`. */
    issue(userId: number, sessionId: string, lifespanSeconds: number, loginAt: number, jkt?: string | null): string {
      return signAccessToken(signingKeys(), userId, sessionId, lifespanSeconds, loginAt, jkt);
    },

    /** The claims of a valid access token (algorithm pinned), or null. */
    verify(token: unknown): VerifiedClaims | null {
      if (typeof token !== 'string') return null;
      try {
        const claims = verifyAccessToken(signingKeys(), token);
        return claims && (typeof claims.id === 'number' || typeof claims.id === 'string') ? (claims as VerifiedClaims) : null;
      } catch {
        return null;
      }
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
