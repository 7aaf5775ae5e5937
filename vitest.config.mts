import { defineConfig } from 'vitest/config';

/** A project whose files run one at a time in forked workers (each boots Strapi, a browser or processes). */
const serial = (name: string, testTimeout: number, hookTimeout: number, dir = name) => ({
  test: {
    name,
    include: [`tests/${dir}/**/*.test.ts`],
    environment: 'node' as const,
    pool: 'forks' as const,
    maxWorkers: 1,
    testTimeout,
    hookTimeout,
  },
});

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // One boot makes the database every test's database is copied from (tests/helpers/template.ts).
          globalSetup: ['tests/helpers/template.ts'],
          pool: 'forks',
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      serial('package', 60_000, 240_000),
      serial('multi-instance', 120_000, 180_000),
      serial('faults', 120_000, 180_000),
      serial('compat', 600_000, 900_000),
      serial('soak', 300_000, 60_000),
      serial('e2e', 180_000, 180_000),
    ],
  },
});
