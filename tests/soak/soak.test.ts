/**
 * The short version of `npm run soak` (issue 12): 4,000 refreshes with logouts and logins on one
 * playground Strapi; no errors, the session table kept small by the cleanup job, the event loop
 * within its bound, memory within reason. The long run's figures are in docs/reliability.md.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const { soak } = createRequire(import.meta.url)('../../scripts/soak.js') as {
  soak(options: { refreshes: number; concurrency: number; log?: (line: string) => void }): Promise<any>;
};

describe('soak (short)', () => {
  it('4,000 refreshes over 8 chains: no errors, bounded table, event loop and memory in bounds', async () => {
    const summary = await soak({ refreshes: 4000, concurrency: 8, log: () => undefined });
    const { samples, ...figures } = summary;
    console.log(`soak (short): ${JSON.stringify(figures)}`);
    expect(summary.errors).toBe(0);
    expect(summary.refreshes).toBeGreaterThanOrEqual(4000);
    expect(summary.logouts).toBeGreaterThan(0);
    // Live sessions: one per chain plus the ones the last purge has not reached yet.
    expect(summary.sessionsInTable.end).toBeLessThanOrEqual(8 * 3);
    expect(summary.loopP99Ms.max).toBeLessThanOrEqual(summary.loopP99Ms.bound);
    expect(summary.rssMb.max).toBeLessThan(800);
    expect(samples.length).toBeGreaterThanOrEqual(2);
  });
});
