/**
 * Sender-constrained sessions (DPoP, RFC 9449) at the HTTP edge: the request's proof, verified
 * against the request itself (method, the URL the client addressed, freshness, one use), reduced
 * to the key thumbprint the session service binds to or compares with.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { pluginConfig } from '../config';
import { parseDuration } from '../config/duration';
import { getService } from '../services/registry';
import type { SenderKey } from '../services/sessions';
import { ProofError, verifyProof } from '../tokens/dpop';
import { Refusal } from './refusal';

/**
 * The URL the client addressed: `server.url` (when absolute: a proxy may strip a path prefix)
 * followed by the path; else as the request reached Strapi (X-Forwarded-Proto and -Host behind a
 * trusted proxy).
 */
function addressedUrl(ctx: Context, strapi: Core.Strapi): string {
  const serverUrl = strapi.config.get('server.url') as string | undefined;
  const base = typeof serverUrl === 'string' && /^https?:\/\//.test(serverUrl) ? serverUrl.replace(/\/+$/, '') : ctx.origin;
  return `${base}${ctx.path}`;
}

/** 401 for a proof that does not hold, saying why, as RFC 9449 answers it. */
export function refuseProof(ctx: Context, message: string): never {
  ctx.set('WWW-Authenticate', `DPoP error="invalid_dpop_proof", error_description="${message.replace(/"/g, "'")}"`);
  throw new Refusal(401, message);
}

/**
 * The thumbprint of the key that signed this request's `DPoP` proof; null without one; 401 for a
 * proof that does not hold. `accessToken`: the request presents it as `Authorization: DPoP`, so
 * the proof must hash it.
 */
export async function senderKey(ctx: Context, strapi: Core.Strapi, accessToken?: string): Promise<string | null> {
  const proof = ctx.get('dpop');
  if (!proof) return null;
  // Node joins repeated headers with ', ': a JWS holds neither.
  if (/[\s,]/.test(proof)) refuseProof(ctx, 'Invalid DPoP proof: exactly one DPoP header is allowed');
  const windowSeconds = parseDuration(pluginConfig(strapi).dpop.proofWindow) as number;
  try {
    const verified = await verifyProof(proof, { method: ctx.method, url: addressedUrl(ctx, strapi), windowSeconds, accessToken });
    if (!(await getService(strapi, 'limiter').firstUse(verified.jkt, verified.jti, 2 * windowSeconds))) {
      refuseProof(ctx, 'Invalid DPoP proof: this proof was used before (jti)');
    }
    return verified.jkt;
  } catch (error) {
    if (error instanceof ProofError) refuseProof(ctx, error.message);
    throw error;
  }
}

/** A login: the key to bind the new session to; 401 under `senderConstraint: 'required'` without a proof. */
export async function loginKey(ctx: Context, strapi: Core.Strapi): Promise<string | null> {
  const mode = pluginConfig(strapi).senderConstraint;
  if (mode === 'off') return null; // as before DPoP: a proof binds nothing, and is not judged
  const jkt = await senderKey(ctx, strapi);
  if (jkt === null && mode === 'required') refuseProof(ctx, 'A DPoP proof is required to log in (senderConstraint: required)');
  return jkt;
}

/**
 * A refresh or logout: the key that signed it, whether it may bind an unbound session, and whether
 * one is required. Under 'off' a proof that does not hold counts as none, so unbound sessions work
 * exactly as before DPoP, and a session bound earlier still refuses the request.
 */
export async function refreshKey(ctx: Context, strapi: Core.Strapi): Promise<SenderKey> {
  const mode = pluginConfig(strapi).senderConstraint;
  let presented: string | null;
  try {
    presented = await senderKey(ctx, strapi);
  } catch (error) {
    if (mode !== 'off' || !(error instanceof Refusal)) throw error;
    ctx.remove('WWW-Authenticate');
    presented = null;
  }
  return { presented, bind: mode === 'off' ? null : presented, required: mode === 'required' };
}
