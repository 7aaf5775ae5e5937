/**
 * When each user's password last changed (epoch ms). A session whose login began before it is
 * refused at creation and at every refresh: a login that checked the old password just before a
 * change, and committed its session just after, does not survive it.
 */
import { internal } from '../internal';

export default {
  kind: 'collectionType',
  collectionName: 'refresh_token_password_changes',
  info: {
    singularName: 'password-change',
    pluralName: 'password-changes',
    displayName: 'Refresh-token password change',
    description: "When a users-permissions user's password last changed",
  },
  ...internal,
  attributes: {
    userId: { type: 'integer', required: true },
    changedAt: { type: 'biginteger', required: true },
  },
  indexes: [{ name: 'refresh_token_password_changes_user_uq', columns: ['user_id'], type: 'unique' }],
};
