'use strict';

const DEMO_USER = { username: 'demo', email: 'demo@example.com', password: 'Demo-Passw0rd!' };
const DEMO_ADMIN = { firstname: 'Demo', lastname: 'Admin', email: 'admin@example.com', password: 'Admin-Passw0rd!' };

/** Creates the demo user, the first admin and the example route's permission when missing. Idempotent. */
async function seed(strapi) {
  const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  const permissions = strapi.db.query('plugin::users-permissions.permission');
  const action = 'api::account.account.changeEmail';
  if (!(await permissions.findOne({ where: { action, role: authenticated.id } })))
    await permissions.create({ data: { action, role: authenticated.id } });

  const users = strapi.db.query('plugin::users-permissions.user');
  if (!(await users.findOne({ where: { email: DEMO_USER.email } }))) {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    await strapi
      .plugin('users-permissions')
      .service('user')
      .add({ ...DEMO_USER, provider: 'local', confirmed: true, blocked: false, role: role.id });
  }
  if (!(await strapi.admin.services.user.exists())) {
    const superAdmin = await strapi.admin.services.role.getSuperAdmin();
    await strapi.admin.services.user.create({
      ...DEMO_ADMIN,
      registrationToken: null,
      isActive: true,
      roles: superAdmin ? [superAdmin.id] : [],
    });
  }
}

module.exports = { seed, DEMO_USER, DEMO_ADMIN };
