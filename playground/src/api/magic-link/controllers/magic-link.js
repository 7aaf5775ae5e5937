'use strict';

/**
 * Magic-link sign-in, the example of docs/custom-login.md: `request` e-mails a one-time link,
 * `verify` trades its token for a session with `service('login').issue`, which answers exactly like
 * POST /api/auth/local (cookie or body per `delivery`, the origin/CSRF rules, blocked and
 * unconfirmed users refused, DPoP binding, the session cap, new-device alerts).
 * The pending links live in this process's memory: with several instances, keep them in a table.
 */
const { createHash, randomBytes } = require('node:crypto');

const LINK_LIFETIME_MS = 15 * 60 * 1000;
const pending = new Map(); // sha256(token) -> { userId, expiresAt }: the token itself is never kept
const digest = (token) => createHash('sha256').update(token).digest('base64url');

module.exports = {
  async request(ctx) {
    const email = typeof ctx.request.body?.email === 'string' ? ctx.request.body.email.toLowerCase() : '';
    const user = email && (await strapi.db.query('plugin::users-permissions.user').findOne({ where: { email } }));
    if (user) {
      const token = randomBytes(32).toString('base64url');
      pending.set(digest(token), { userId: user.id, expiresAt: Date.now() + LINK_LIFETIME_MS });
      const link = `${process.env.FRONTEND_URL || 'http://localhost:5173'}/magic-link?token=${token}`;
      try {
        await strapi
          .plugin('email')
          .service('email')
          .send({ to: user.email, subject: 'Your sign-in link', text: `Sign in: ${link}` });
      } catch (error) {
        strapi.log.warn(`magic link e-mail to user ${user.id} failed: ${error.message}`);
      }
    }
    ctx.body = { ok: true }; // the same answer whether the address is known or not
  },

  async verify(ctx) {
    const { token, rememberMe } = ctx.request.body ?? {};
    const entry = typeof token === 'string' ? pending.get(digest(token)) : undefined;
    if (!entry || entry.expiresAt < Date.now()) return ctx.badRequest('This sign-in link is invalid or has expired');
    pending.delete(digest(token)); // once
    const tokens = await strapi
      .plugin('refresh-token')
      .service('login')
      .issue(ctx, { id: entry.userId }, { rememberMe: rememberMe !== false });
    const user = await strapi.db
      .query('plugin::users-permissions.user')
      .findOne({ where: { id: entry.userId }, select: ['id', 'username', 'email'] });
    ctx.body = { ...tokens, user };
  },
};
