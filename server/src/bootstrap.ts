import type { Core } from '@strapi/strapi';
import type { SessionsService } from './services/sessions';
import { registerPermissions } from './permissions';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const sessions = (): SessionsService => strapi.plugin('refresh-token').service('sessions');

  // A deleted user's sessions die with it (refresh also refuses a missing user on its own).
  strapi.db.lifecycles.subscribe({
    models: ['plugin::users-permissions.user'],
    async afterDelete(event: { result?: { id?: number } }) {
      if (event.result?.id) await sessions().revokeUserSessions(event.result.id, 'user-deleted');
    },
  });

  return registerPermissions(strapi); // RBAC actions of the admin API (Strapi awaits this)
};
