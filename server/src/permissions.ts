/**
 * The RBAC actions of the admin API, registered in bootstrap. The Super Admin gets every
 * registered action; other roles get them from Settings → Roles → Plugins → Refresh tokens.
 */
export const PERMISSIONS = {
  settingsRead: 'plugin::refresh-token.settings.read',
  settingsUpdate: 'plugin::refresh-token.settings.update',
  sessionsRead: 'plugin::refresh-token.sessions.read',
  sessionsRevoke: 'plugin::refresh-token.sessions.revoke',
  activityRead: 'plugin::refresh-token.activity.read',
} as const;

export const actions = [
  { section: 'plugins', displayName: 'Read', uid: 'settings.read', subCategory: 'settings', pluginName: 'refresh-token' },
  { section: 'plugins', displayName: 'Edit', uid: 'settings.update', subCategory: 'settings', pluginName: 'refresh-token' },
  { section: 'plugins', displayName: 'Read', uid: 'sessions.read', subCategory: 'sessions', pluginName: 'refresh-token' },
  { section: 'plugins', displayName: 'Revoke', uid: 'sessions.revoke', subCategory: 'sessions', pluginName: 'refresh-token' },
  { section: 'plugins', displayName: 'Read', uid: 'activity.read', subCategory: 'security activity', pluginName: 'refresh-token' },
];

export async function registerPermissions(strapi: any): Promise<void> {
  await strapi.admin.services.permission.actionProvider.registerMany(actions);
}
