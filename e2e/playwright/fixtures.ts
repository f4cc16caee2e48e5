import { test as base, expect } from '@playwright/test';
import { chromiumLaunchOptions } from '@kantiv/emulator/browser';
import { startStack, type Stack } from '@kantiv/dev/stack';

export { expect };

/**
 * Playwright fixtures for one stack (emulator + server + built SPA) per worker, started by `start`, and Chromium
 * launched with the host mapping to the emulator: the production build talks to "login.microsoftonline.com" and
 * friends unchanged. The stack listens on a free port (several checkouts may run their suites at once), so pages go
 * there.
 */
export function stackTest<S extends Stack>(start: () => Promise<S>) {
  return base.extend<object, { stack: S }>({
    baseURL: async ({ stack }, use) => {
      await use(stack.baseUrl);
    },
    stack: [
      // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
      async ({}, use) => {
        const stack = await start();
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
  });
}

/** The wizard's stack; every test starts from a freshly seeded Microsoft world with no scenario. */
export const test = stackTest(() => startStack()).extend<{ cleanWorld: void }>({
  cleanWorld: [
    async ({ stack }, use) => {
      stack.emulator.control.reset();
      await use();
    },
    { auto: true },
  ],
});
