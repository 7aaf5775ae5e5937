import type { Core } from '@strapi/strapi';
import { wrapUsersPermissionsAuth, wrapUsersPermissionsJwt } from './users-permissions/auth';
import { unsupportedStrapi } from './config/compatibility';
import { type PluginConfig, pluginConfig } from './config';
import { registerGraphQL } from './users-permissions/graphql';
import { serveSessionApi } from './users-permissions/session-api';
import { PROXY_SECRET_ENV, trustedFrontEnd } from './http/trusted-front-end';
import { guardBcrypt } from './http/well-formed';
import { outageAwareAuthentication } from './http/store-faults';
import { markSwitchingFromBuiltIn } from './services/built-in-sessions';
import { senderConstraintProblem } from './http/sender-proof';

const BUILT_IN_REFRESH_MESSAGE =
  "refresh-token is configured with builtInRefreshMode: 'refuse' and users-permissions is in jwtManagement: 'refresh' mode: both would issue refresh tokens. " +
  "Remove `jwtManagement: 'refresh'` (and `sessions`) from the users-permissions entry in config/plugins, " +
  'or let the plugin take over (builtInRefreshMode: \'take-over\', the default); see "Migrating from the built-in refresh mode" in the strapi-plugin-refresh-token README.';

const TAKE_OVER_MESSAGE =
  "[refresh-token] users-permissions is configured with jwtManagement: 'refresh' (create-strapi's default): this plugin issues the refresh tokens now, " +
  "so users-permissions runs in 'legacy-support' mode in this process (set builtInRefreshMode: 'refuse' to refuse to start instead).";

/**
 * A fresh `create-strapi` app configures users-permissions' built-in refresh mode: both would
 * issue refresh tokens. users-permissions reads the mode per request, so switching it here, before
 * any request, hands token issuing to this plugin without an edit to the app's config.
 */
function takeOverBuiltInRefresh(strapi: Core.Strapi, config: PluginConfig): void {
  if (strapi.config.get('plugin::users-permissions.jwtManagement') !== 'refresh') return;
  if (config.builtInRefreshMode === 'refuse') throw new Error(BUILT_IN_REFRESH_MESSAGE);
  strapi.config.set('plugin::users-permissions.jwtManagement', 'legacy-support');
  markSwitchingFromBuiltIn(strapi);
  strapi.log.info(TAKE_OVER_MESSAGE);
}

/** The config key, else the environment variable; a short environment secret stops start-up like a short key. */
function proxySecret(strapi: Core.Strapi): string | undefined {
  const configured = pluginConfig(strapi).proxySecret;
  const secret = configured ?? (process.env[PROXY_SECRET_ENV] || undefined);
  if (secret !== undefined && secret.length < 16)
    throw new Error(`${PROXY_SECRET_ENV} must be at least 16 characters (a random secret shared with the front end)`);
  return secret;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const unsupported = unsupportedStrapi(strapi.config.get('info.strapi'));
  if (unsupported) throw new Error(unsupported);
  if (!strapi.plugin('users-permissions')) {
    throw new Error('refresh-token needs the @strapi/plugin-users-permissions plugin to be installed and enabled');
  }
  const dpopProblem = senderConstraintProblem(strapi);
  if (dpopProblem) throw new Error(dpopProblem);
  takeOverBuiltInRefresh(strapi, pluginConfig(strapi));
  guardBcrypt(strapi); // before anything can hash a password
  wrapUsersPermissionsAuth(strapi);
  wrapUsersPermissionsJwt(strapi);
  serveSessionApi(strapi);
  registerGraphQL(strapi);
  strapi.server.use(trustedFrontEnd(strapi, proxySecret(strapi)));
  strapi.server.use(outageAwareAuthentication(strapi));
};
