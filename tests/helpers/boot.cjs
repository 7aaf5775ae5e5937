// Boots the playground in this child process and reports: used by tests that expect start-up to
// fail, by the multi-instance race test and the packaging test (PORT set: keeps serving until
// killed). APP_DIR picks another app than the playground.
const path = require('path');

const appDir = process.env.APP_DIR || path.resolve(__dirname, '../../playground');
// The app's own Strapi (a compatibility-matrix app has another version than the repository's).
const { createStrapi } = require(require.resolve('@strapi/strapi', { paths: [appDir] }));
// DIST_DIR: a TypeScript app's compiled output.
createStrapi({ appDir, distDir: process.env.DIST_DIR || appDir, serveAdminPanel: false })
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
