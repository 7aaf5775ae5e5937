/**
 * Issue 31: a lifespan saved in the admin wins over config/plugins without a word, so an edit to the
 * file seemed to do nothing: one start-up line names each overriding value; the settings view tells
 * built-in defaults ('default') from values the file sets ('config').
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startStrapi } from '../helpers/strapi';

const run = promisify(execFile);

describe('lifespans saved in the admin against the config file', () => {
  it("are named in one start-up line; a key the config sets reads 'config', one it leaves 'default'", async () => {
    const app = await startStrapi({ plugin: { accessTokenLifespan: '10m', refreshTokenIdleLifespan: '8d' } });
    const { database } = app;
    try {
      const settings = app.strapi.plugin('refresh-token').service('settings');
      await settings.save({ accessTokenLifespan: 120 });
      expect((await settings.view()).sources).toMatchObject({
        accessTokenLifespan: 'saved',
        refreshTokenIdleLifespan: 'config',
        reuseGracePeriod: 'default',
      });
    } finally {
      await app.stop({ keepDatabase: true });
    }
    try {
      // The next start on the same database, in a process of its own (its logger at level info).
      const { stdout } = await run(process.execPath, [path.resolve(__dirname, '../helpers/boot.cjs')], {
        env: {
          ...process.env,
          ...database.env,
          LOG_LEVEL: 'info',
          SEED: 'false',
          REFRESH_TOKEN_CONFIG: JSON.stringify({ accessTokenLifespan: '10m', refreshTokenIdleLifespan: '8d' }),
        },
        timeout: 120_000,
      });
      expect(stdout).toContain('BOOTED');
      const said = stdout.split('\n').filter((l) => l.includes('lifespans saved in the admin override config/plugins'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('accessTokenLifespan 120 s (config: 600 s)');
      expect(said[0]).not.toContain('refreshTokenIdleLifespan');
    } finally {
      await database.drop();
    }
  });
});
