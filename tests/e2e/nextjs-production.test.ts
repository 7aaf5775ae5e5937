/**
 * examples/nextjs in Chromium against a production Strapi (NODE_ENV=production, so the plugin's
 * cookie would be Secure) reached over plain HTTP with the plugin's default config and no proxy
 * settings, as docs/ssr.md describes (`http://strapi:1337` inside the network): log in, stay
 * signed in across expiry, log out.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNextStack } from '../helpers/nextjs';
import { DEMO_USER } from '../helpers/strapi';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let next: { base: string; stop(): void };
let browser: Browser;
let previous: string | undefined;

let stack: Awaited<ReturnType<typeof startNextStack>> | undefined;
beforeAll(async () => {
  previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  stack = await startNextStack();
  ({ next, browser } = stack);
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  process.env.NODE_ENV = previous;
});

describe('examples/nextjs against a production Strapi over plain HTTP', () => {
  it('logs in, stays signed in across expiry, logs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${next.base}/auth/login`);
    await page.locator('input[name="identifier"]').fill(DEMO_USER.email);
    await page.locator('input[name="password"]').fill(DEMO_USER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${next.base}/dashboard`);
    expect(await page.getByTestId('email').textContent()).toBe(DEMO_USER.email);
    await sleep(5500);
    await page.reload();
    expect(await page.getByTestId('email').textContent()).toBe(DEMO_USER.email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${next.base}/auth/login`);
    expect((await page.goto(`${next.base}/dashboard`))!.url()).toBe(`${next.base}/auth/login`);
    await context.close();
  });
});
