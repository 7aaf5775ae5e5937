/**
 * Sessions follow the users-permissions user: any change of a password, or blocking the user, by
 * whatever path (auth endpoints, Content Manager, PUT /api/users/:id, the user or document
 * service, db.query), ends all of that user's sessions, so that unblocking never revives a thief's
 * session; a deleted user's sessions die with it. Database lifecycles are the one place every one
 * of those paths goes through. (A raw knex update does not.)
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../services/registry';

const USER_UID = 'plugin::users-permissions.user';

interface Event {
  params: { where?: Record<string, unknown>; data?: Record<string, unknown> };
  result?: { id?: number } | null;
  state: { userIds?: number[] };
}

const setsPassword = (event: Event) => event.params.data?.password !== undefined && event.params.data?.password !== null;
const blocks = (event: Event) => event.params.data?.blocked === true;
/** Why this update ends the user's sessions, if it does. */
const endsSessions = (event: Event): 'password-change' | 'blocked' | null =>
  setsPassword(event) ? 'password-change' : blocks(event) ? 'blocked' : null;

export function subscribeUserLifecycles(strapi: Core.Strapi): void {
  const sessions = () => getService(strapi, 'sessions');
  const revokeAll = async (ids: number[], reason: 'password-change' | 'blocked' | 'user-deleted') => {
    for (const id of ids) {
      if (reason === 'password-change') await sessions().recordPasswordChange(id);
      await sessions().revokeUserSessions(id, reason);
    }
  };

  strapi.db.lifecycles.subscribe({
    models: [USER_UID],
    async afterUpdate(event: Event) {
      const reason = endsSessions(event);
      if (reason && event.result?.id) await revokeAll([event.result.id], reason);
    },
    async beforeUpdateMany(event: Event) {
      if (!endsSessions(event)) return;
      const users = await strapi.db.query(USER_UID).findMany({ where: event.params.where, select: ['id'] });
      event.state.userIds = users.map((u: { id: number }) => u.id);
    },
    async afterUpdateMany(event: Event) {
      const reason = endsSessions(event);
      if (reason) await revokeAll(event.state.userIds ?? [], reason);
    },
    async afterDelete(event: Event) {
      if (event.result?.id) await revokeAll([event.result.id], 'user-deleted');
    },
  } as never);
}
