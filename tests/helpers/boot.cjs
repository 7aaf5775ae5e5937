// Boots the playground in this child process and reports: used by tests that expect start-up to
// fail, and by the multi-instance race test (PORT set: keeps serving until killed).
const path = require('path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '../../playground');
createStrapi({ appDir, distDir: appDir, serveAdminPanel: false })
  .load()
  .then(async (strapi) => {
    if (!process.env.PORT) {
      process.stdout.write('BOOTED\n');
      await strapi.destroy();
      process.exit(0);
    }
    strapi.server.mount();
    strapi.server.httpServer.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('LISTENING\n'));
  })
  .catch((error) => {
    process.stdout.write(`BOOT FAILED: ${error.message}\n`);
    process.exit(1);
  });
