import { PERMISSIONS } from '../permissions';

/** Admin API under /refresh-token/…: admin JWT required, each route guarded by one RBAC action. */
const route = (method: string, path: string, handler: string, action: string) => ({
  method,
  path,
  handler: `admin.${handler}`,
  config: { policies: [{ name: 'admin::hasPermissions', config: { actions: [action] } }] },
});

export default {
  type: 'admin',
  routes: [
    route('GET', '/settings', 'getSettings', PERMISSIONS.settingsRead),
    route('PUT', '/settings', 'updateSettings', PERMISSIONS.settingsUpdate),
    route('POST', '/settings/reset', 'resetSettings', PERMISSIONS.settingsUpdate),
    route('GET', '/sessions', 'listSessions', PERMISSIONS.sessionsRead),
    route('DELETE', '/sessions/:id', 'revokeSession', PERMISSIONS.sessionsRevoke),
    route('DELETE', '/users/:userId/sessions', 'revokeUserSessions', PERMISSIONS.sessionsRevoke),
    route('GET', '/activity', 'getActivity', PERMISSIONS.activityRead),
  ],
};
