import { defineConfig } from '@playwright/test';

/**
 * Playwright runs the production build (`pnpm build`) served by the real server, with the real MSAL against the
 * Microsoft cloud emulator. The stack (emulator + server) is a worker fixture in playwright/fixtures.ts; one worker, so
 * one stack, generous timeouts for a loaded 2-core machine.
 */
export default defineConfig({
  testDir: 'playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 240_000,
  expect: { timeout: 30_000 },
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/results.json' }],
  ],
  use: {
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
  },
});
