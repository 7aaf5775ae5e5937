import type { Core } from '@strapi/strapi';
import { wrapUsersPermissionsAuth, wrapUsersPermissionsJwt } from './auth/users-permissions';
import { unsupportedStrapi } from './compatibility';
import { registerGraphQL } from './graphql';
import { guardBcrypt } from './http/well-formed';
import { outageAwareAuthentication } from './store-faults';

export const BUILT_IN_REFRESH_MESSAGE =
  "refresh-token cannot run while users-permissions is in jwtManagement: 'refresh' mode: both would issue refresh tokens. " +
  "Remove `jwtManagement: 'refresh'` (and `sessions`) from the users-permissions entry in config/plugins, " +
  'keep its jwtSecret, and see "Migrating from the built-in refresh mode" in the strapi-plugin-refresh-token README.';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const unsupported = unsupportedStrapi(strapi.config.get('info.strapi'));
  if (unsupported) throw new Error(unsupported);
  if (!strapi.plugin('users-permissions')) {
    throw new Error('refresh-token needs the @strapi/plugin-users-permissions plugin to be installed and enabled');
  }
  if (strapi.config.get('plugin::users-permissions.jwtManagement') === 'refresh') {
    throw new Error(BUILT_IN_REFRESH_MESSAGE);
  }
  guardBcrypt(strapi); // before anything can hash a password
  wrapUsersPermissionsAuth(strapi);
  wrapUsersPermissionsJwt(strapi);
  registerGraphQL(strapi);
  strapi.server.use(outageAwareAuthentication(strapi));
};
