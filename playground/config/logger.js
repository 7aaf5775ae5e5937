const { winston } = require('@strapi/logger');

/** LOG_LEVEL=error in tests; the default level prints every request. */
module.exports = {
  transports: [new winston.transports.Console({ level: process.env.LOG_LEVEL || 'http' })],
};
