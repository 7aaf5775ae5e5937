'use strict';

/**
 * A sensitive action guarded by the plugin's `fresh` route policy: changing the e-mail address
 * needs a login from the last 5 minutes (FRESH_MAX_AGE in the tests), not just a refreshed token.
 */
module.exports = {
  routes: [
    {
      method: 'PUT',
      path: '/account/email',
      handler: 'account.changeEmail',
      // The benchmark's built-in-mode baseline runs this app with the plugin off (no such policy then).
      config: {
        policies:
          process.env.REFRESH_TOKEN_DISABLED === 'true'
            ? []
            : [{ name: 'plugin::refresh-token.fresh', config: { maxAge: process.env.FRESH_MAX_AGE || '5m' } }],
      },
    },
  ],
};
