'use strict';

const { seed } = require('./seed');

module.exports = {
  register() {},
  async bootstrap({ strapi }) {
    if (process.env.SEED !== 'false') await seed(strapi);
  },
  destroy({ strapi }) {
    strapi.config.get('plugin::refresh-token.rateLimit.redis')?.disconnect?.();
  },
};
