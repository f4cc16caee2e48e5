import { test as base, expect } from '@playwright/test';
import { chromiumLaunchOptions } from '../src/browser.ts';
import { startStack, type Stack } from '../src/stack.ts';

export { expect };

/**
 * One stack (emulator + server + built SPA) per worker, and Chromium launched with the host mapping to the emulator:
 * the production build talks to "login.microsoftonline.com" and friends unchanged. Every test starts from a freshly
 * seeded Microsoft world with no scenario.
 */
export const test = base.extend<{ cleanWorld: void }, { stack: Stack }>({
  stack: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
    async ({}, use) => {
      const stack = await startStack({ port: 4310 });
      await use(stack);
      await stack.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  browser: [
    async ({ playwright, stack }, use) => {
      const browser = await playwright.chromium.launch(chromiumLaunchOptions(stack.chromiumArgs));
      await use(browser);
      await browser.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  cleanWorld: [
    async ({ stack }, use) => {
      stack.emulator.control.reset();
      await use();
    },
    { auto: true },
  ],
});
