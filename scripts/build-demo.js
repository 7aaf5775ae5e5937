#!/usr/bin/env node
/**
 * Builds the demo front end: playground/demo-src/main.ts (+ the client from client/src) into
 * playground/public/demo/app.js, which Strapi serves at /demo/. esbuild comes with Strapi's
 * toolchain. `node scripts/build-demo.js [--watch]`; also callable as require(...).buildDemo().
 */
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const options = {
  entryPoints: [path.join(root, 'playground/demo-src/main.ts')],
  outfile: path.join(root, 'playground/public/demo/app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2020'],
  sourcemap: true,
  minify: false,
  logLevel: 'warning',
};

async function buildDemo() {
  await esbuild.build(options);
  return options.outfile;
}

if (require.main === module) {
  (async () => {
    if (process.argv.includes('--watch')) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
      console.log('demo: watching playground/demo-src');
    } else {
      const out = await buildDemo();
      console.log(`demo: built ${path.relative(root, out)}`);
    }
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { buildDemo };
