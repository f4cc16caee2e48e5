import { test as base, expect as baseExpect, type Browser } from '@playwright/test';
import { chromiumLaunchOptions } from '../../src/browser.ts';
import { startStack, type Stack } from '../../src/stack.ts';

/** The e2e stack (emulator, the real server serving the production build, an API key) plus staff access. */
export type ConsoleStack = Stack & {
  /** Kantiv's API scope that carries the staff roles. */
  apiScope: string;
  /** A staff access token for our API straight from the emulator, as MSAL would get it for this user. */
  staffToken: (upn: string) => Promise<string>;
};

async function startConsoleStack(): Promise<ConsoleStack> {
  const stack = await startStack({
    // A little replication delay, so live timelines show real waits.
    replicationDelayMs: 1500,
    serverEnv: {
      JOB_POLL_MS: '100',
      VERIFICATION_RETRY_MAX_MS: '2000',
      VERIFICATION_MAX_WAIT_SECONDS: '120',
      VERIFICATION_SECRET_GRACE_SECONDS: '30',
    },
  });
  // The server's STAFF_API_SCOPE (see stack.ts).
  const apiScope = `${stack.emulator.seed.apps.api.identifierUri}/access_as_user`;
  return {
    ...stack,
    apiScope,
    staffToken: (upn) => stack.emulator.control.issueToken({ user: upn, scope: apiScope }),
  };
}

/**
 * One stack per worker (the suite runs with one worker): the emulator and the server start once, and every test
 * gets a Chromium whose Microsoft host names resolve to the emulator — the production build runs unchanged.
 */
export const test = base.extend<object, { stack: ConsoleStack; browser: Browser }>({
  stack: [
    // Playwright reads a fixture's dependencies from its first parameter's pattern: none here.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stack = await startConsoleStack();
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
  baseURL: async ({ stack }, use) => use(stack.baseUrl),
});

/** Assertions wait longer than Playwright's 5 s default: the whole stack shares two cores with Chromium. */
export const expect = baseExpect.configure({ timeout: 20_000 });
