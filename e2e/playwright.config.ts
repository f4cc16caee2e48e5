import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './src/browser.ts';

// E2E_PORT: several worktrees on one machine can run the suite side by side.
const port = Number(process.env.E2E_PORT ?? 4310);
// The server refuses to start without a key-encryption key: a throwaway one and a fresh SQLite folder per run.
const dataDir = mkdtempSync(path.join(tmpdir(), 'kc-e2e-'));
const testKey = `e2e:${randomBytes(32).toString('base64')}`;

export default defineConfig({
  testDir: 'tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/results.json' }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'tsx ../server/src/server.ts',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_DIST_DIR: '../web/dist',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      KANTIV_KEYS: testKey,
    },
  },
});
