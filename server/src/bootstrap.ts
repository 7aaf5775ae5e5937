import type { Core } from '@strapi/strapi';
import { secondsOrZero, pluginConfig } from './config';
import { SESSION_EVENTS } from './services/events';
import { markSwitchingFromBuiltIn, pendingBuiltInSessions } from './services/built-in-sessions';
import { purgeExchangedTokens, recordFirstStart } from './services/legacy-exchange';
import { wellFormedCredentials } from './http/well-formed';
import { registerPermissions } from './permissions';
import { subscribeUserLifecycles } from './users-permissions/user-lifecycles';

import { getService } from './services/registry';
import { metrics } from './services/metrics';

/**
 * Koa believes every X-Forwarded-For entry when proxy trust is on and maxIpsCount is 0 (Strapi's
 * default): any client then picks its own IP, past every per-IP limit and into session IPs and
 * new-device e-mails.
 */
function warnOfUnboundedProxyTrust(strapi: Core.Strapi): void {
  if (!strapi.config.get('server.proxy.koa') || Number(strapi.config.get('server.proxy.maxIpsCount')) > 0) return;
  strapi.log.warn(
    '[refresh-token] server.proxy.koa is on without server.proxy.maxIpsCount: any client can choose its own IP with X-Forwarded-For, bypassing per-IP rate limits and writing its text into session IPs and alerts. Set maxIpsCount to the number of proxies in front of Strapi.'
  );
}

/** The migration window from the built-in refresh mode, in one boot line: how many, and until when. */
async function reportBuiltInSessions(strapi: Core.Strapi): Promise<void> {
  const { count, until } = await pendingBuiltInSessions(strapi).catch(() => ({ count: 0, until: null }));
  if (count === 0) return;
  markSwitchingFromBuiltIn(strapi);
  strapi.log.info(
    `[refresh-token] ${count} session(s) of users-permissions' built-in refresh mode can still be exchanged for plugin sessions at their next refresh (until ${until?.toISOString() ?? 'they expire'}); nobody has to log in again`
  );
}

/** Which keys sign access tokens, and how many earlier jwtSecrets still verify (never a key itself). */
function reportSigning(strapi: Core.Strapi): void {
  const { keys, previousSecrets } = pluginConfig(strapi).signing;
  const described = getService(strapi, 'accessTokens').describeKeys();
  if (described.length > 0) {
    strapi.log.info(
      `[refresh-token] access tokens are signed with ${described[0].alg} key '${described[0].kid}'; ${keys.length} key(s) verify and are published at /api/token/jwks`
    );
  }
  if (previousSecrets.length > 0) {
    strapi.log.info(
      `[refresh-token] ${previousSecrets.length} previous jwtSecret(s) are still accepted for HS access tokens (signing.previousSecrets): remove them once an access lifespan has passed since the rotation`
    );
  }
}

/** Lifespans saved in the admin win over config/plugins: say so at start-up, or an edit to the file seems to do nothing. */
async function reportSavedLifespans(strapi: Core.Strapi): Promise<void> {
  const { values, configured, sources } = await getService(strapi, 'settings').view();
  const overrides = (Object.keys(sources) as Array<keyof typeof sources>)
    .filter((key) => sources[key] === 'saved' && values[key] !== configured[key])
    .map((key) => `${key} ${values[key]} s (config: ${configured[key]} s)`);
  if (overrides.length === 0) return;
  strapi.log.info(
    `[refresh-token] lifespans saved in the admin override config/plugins: ${overrides.join(', ')}. Settings → Refresh tokens → Lifespans → Reset goes back to the config.`
  );
}

/** Stored sessions keep no more of their client's IP than `clientAddress` allows, from the first start on. */
async function applyClientAddress(strapi: Core.Strapi): Promise<void> {
  const mode = pluginConfig(strapi).clientAddress;
  const applied = strapi.store({ type: 'plugin', name: 'refresh-token', key: 'clientAddressApplied' });
  if ((await applied.get()) === mode) return;
  const reduced = await getService(strapi, 'sessions').reduceStoredAddresses(mode);
  if (reduced > 0) strapi.log.info(`[refresh-token] clientAddress '${mode}': ${reduced} stored session address(es) reduced`);
  await applied.set({ value: mode });
}

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  const sessions = () => getService(strapi, 'sessions');
  const config = pluginConfig(strapi);

  // Added here, not in register(): it needs the parsed body, and the router is mounted after bootstrap.
  strapi.server.use(wellFormedCredentials());
  subscribeUserLifecycles(strapi);
  warnOfUnboundedProxyTrust(strapi);

  const webhookStore = strapi.get('webhookStore') as { addAllowedEvent(key: string, value: string): void } | undefined;
  for (const name of SESSION_EVENTS) {
    webhookStore?.addAllowedEvent(`REFRESH_TOKEN_SESSION_${name.toUpperCase().replace('-', '_')}`, `refresh-token.session.${name}`);
  }

  if (config.cleanup.enabled) {
    strapi.cron.add({
      'refresh-token-cleanup': {
        options: { rule: config.cleanup.cron },
        task: async () => {
          await purgeExchangedTokens(strapi);
          await getService(strapi, 'activity').purge();
          const { deleted, batches } = await sessions().purge({
            retainRevokedMs: secondsOrZero(config.cleanup.retainRevokedFor) * 1000,
            batchSize: config.cleanup.batchSize,
          });
          if (deleted > 0) strapi.log.info(`[refresh-token] cleanup removed ${deleted} sessions in ${batches} batches`);
        },
      },
    });
  }

  getService(strapi, 'activity').start(); // the admin's security activity: counts written once a minute
  // OpenTelemetry: the live-session gauge reads the table at most once a minute per instance.
  metrics.watchActiveSessions(() => sessions().countActive());
  await registerPermissions(strapi); // RBAC actions of the admin API
  await reportBuiltInSessions(strapi);
  await recordFirstStart(strapi); // the default cut-off of the legacy JWT exchange
  await applyClientAddress(strapi);
  await reportSavedLifespans(strapi);
  reportSigning(strapi);
};
