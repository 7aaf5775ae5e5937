/**
 * Route policy `plugin::refresh-token.fresh`: the request's access token must come from a login
 * (its session's `auth_time`) no older than `maxAge` — for changing an e-mail address, deleting an
 * account, payment details. Refreshing does not make a login fresh; logging in again does.
 *
 *   config: { policies: [{ name: 'plugin::refresh-token.fresh', config: { maxAge: '5m' } }] }
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { formatDuration, parseDuration } from '../config/duration';
import { accessClaims } from '../http/transport';

import { getService } from '../services/registry';

export default async (
  policyContext: { request: Context['request'] & { ctx?: Context } },
  config: { maxAge?: unknown } = {},
  { strapi }: { strapi: Core.Strapi }
) => {
  const maxAge = parseDuration(config.maxAge ?? '5m');
  if (maxAge === null)
    throw new Error(`plugin::refresh-token.fresh: maxAge must be a duration like '5m', got ${JSON.stringify(config.maxAge)}`);
  const sessions = getService(strapi, 'sessions');
  // Read as every other route reads it: `Authorization: Bearer`, or `DPoP` with its proof. Strapi's
  // policy context is a copy of the Koa context's own fields; the request keeps the context itself.
  const ctx = policyContext.request.ctx ?? (policyContext as unknown as Context);
  const claims = await accessClaims(ctx, strapi);
  // A login is fresh only while its session lives, whatever `strict` says.
  const live = typeof claims?.sid === 'string' && (await sessions.isLive(claims.sid, 0));
  if (!claims || typeof claims.auth_time !== 'number' || !live) {
    throw new errors.PolicyError('This action needs a recent login: log in again', { reason: 'login-required', maxAge });
  }
  const age = Math.floor(Date.now() / 1000) - claims.auth_time;
  if (age > maxAge) {
    throw new errors.PolicyError(`This action needs a login within the last ${formatDuration(maxAge)}: log in again`, {
      reason: 'login-too-old',
      maxAge,
      loginAge: age,
    });
  }
  return true;
};
