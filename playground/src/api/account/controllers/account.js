'use strict';

module.exports = {
  async changeEmail(ctx) {
    const { email } = ctx.request.body ?? {};
    if (typeof email !== 'string' || !email.includes('@')) return ctx.badRequest('email is required');
    const user = await strapi.plugin('users-permissions').service('user').edit(ctx.state.user.id, { email });
    ctx.body = { ok: true, email: user.email };
  },
};
