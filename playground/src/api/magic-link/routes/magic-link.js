'use strict';

/** A custom login flow (magic links), signed in through the refresh-token plugin's `login` service. */
module.exports = {
  routes: [
    { method: 'POST', path: '/magic-link/request', handler: 'magic-link.request', config: { auth: false } },
    { method: 'POST', path: '/magic-link/verify', handler: 'magic-link.verify', config: { auth: false } },
  ],
};
