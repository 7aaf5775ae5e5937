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
import { metrics, type DpopFailure } from '../services/metrics';

/** `server.url` when it is absolute (scheme and host), without a trailing slash; else null. */
export function absoluteServerUrl(strapi: Core.Strapi): string | null {
  const serverUrl = strapi.config.get('server.url') as string | undefined;
  return typeof serverUrl === 'string' && /^https?:\/\/[^/]/.test(serverUrl) ? serverUrl.replace(/\/+$/, '') : null;
}

/** Names of this machine a development Strapi answers on. */
const OWN_HOST = /^(localhost|[\w-]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * The URL a proof's `htu` must name: `server.url` followed by the path (a proxy may strip a path
 * prefix). Never one built from the request's Host, which the client chooses: a proof made for
 * another API would pass. Without an absolute `server.url` (refused at start-up in production),
 * only this machine's own hosts are addressed.
 */
function addressedUrl(ctx: Context, strapi: Core.Strapi): string {
  const base = absoluteServerUrl(strapi);
  if (base) return `${base}${ctx.path}`;
  if (!OWN_HOST.test(ctx.hostname))
    refuseProof(ctx, `Invalid DPoP proof: set server.url to the API's public URL (without it, only this machine's own hosts are accepted)`);
  return `${ctx.protocol}://${ctx.host}${ctx.path}`;
}

/** Start-up: DPoP compares proofs with `server.url`, so production needs it absolute. Null when fine. */
export function senderConstraintProblem(strapi: Core.Strapi, nodeEnv = process.env.NODE_ENV): string | null {
  if (pluginConfig(strapi).senderConstraint === 'off' || nodeEnv !== 'production' || absoluteServerUrl(strapi)) return null;
  return "refresh-token: senderConstraint is on, so DPoP proofs are checked against the API's URL, but server.url is not absolute: set server.url in config/server (e.g. url: env('PUBLIC_URL', 'https://api.example.com'))";
}

/** 401 for a proof that does not hold, saying why, as RFC 9449 answers it. */
export function refuseProof(ctx: Context, message: string, reason: DpopFailure = 'invalid'): never {
  metrics.dpopFailure(reason);
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
    if (!(await getService(strapi, 'limiter').firstUse('dpop-jti', `${verified.jkt}:${verified.jti}`, 2 * windowSeconds))) {
      refuseProof(ctx, 'Invalid DPoP proof: this proof was used before (jti)', 'replayed');
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
  if (jkt === null && mode === 'required') refuseProof(ctx, 'A DPoP proof is required to log in (senderConstraint: required)', 'missing');
  return jkt;
}

/**
 * A refresh or logout: the key that signed it (binding nothing: only a login binds) and the mode.
 * Under 'off' a proof that does not hold counts as none, so unbound sessions work exactly as before
 * DPoP, and a session bound earlier still refuses the request.
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
  return { presented, mode };
}
