import { expect as baseExpect } from '@playwright/test';
import { startStack, type Stack } from '@kantiv/dev/stack';
import { stackTest } from '../fixtures.ts';

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

/** One console stack per worker (the suite runs with one worker): the emulator and the server start once. */
export const test = stackTest(startConsoleStack);

/** Assertions wait longer than Playwright's 5 s default: the whole stack shares two cores with Chromium. */
export const expect = baseExpect.configure({ timeout: 20_000 });
