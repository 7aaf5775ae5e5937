/** RBAC actions the server registers (server/src/permissions.ts); the admin hides what they forbid. */
const action = (name: string) => [{ action: `plugin::refresh-token.${name}`, subject: null }];

export const PERMISSIONS = {
  settingsRead: action('settings.read'),
  settingsUpdate: action('settings.update'),
  sessionsRead: action('sessions.read'),
  sessionsRevoke: action('sessions.revoke'),
  activityRead: action('activity.read'),
};
