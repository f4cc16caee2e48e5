import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, chromium, expect as baseExpect, type Browser } from '@playwright/test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@kantiv/server/app';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { CreateSetupResponseSchema, type CreateSetupRequest } from '@kantiv/shared/setup';
import { chromiumLaunchOptions } from '../../src/browser.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';

const webDist = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Everything a console test talks to: the emulator, the real server serving the production build, an API key. */
export type ConsoleStack = {
  baseURL: string;
  emulator: Emulator;
  /** An API key with every scope (the server's bootstrap key), to arrange data through the public API. */
  apiKey: string;
  /** Kantiv's API scope that carries the staff roles. */
  apiScope: string;
  /** A staff access token for our API straight from the emulator, as MSAL would get it for this user. */
  staffToken: (upn: string) => Promise<string>;
  createSetup: (body: CreateSetupRequest) => Promise<{ id: string; inviteUrl: string }>;
};

async function startConsoleStack(): Promise<ConsoleStack & { close: () => Promise<void> }> {
  // A little replication delay, so live timelines show real waits.
  const emulator = await startEmulator({ replicationDelayMs: 1500 });
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-console-e2e-'));
  writeFileSync(path.join(dir, 'emulator-ca.pem'), emulator.certificate);
  const target = `127.0.0.1:${emulator.port}`;
  const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
  const api = emulator.seed.apps.api;
  const apiScope = `${api.identifierUri}/access_as_user`;
  // Production Microsoft URLs throughout: the server reaches the emulator through a host map and trusts its CA, the
  // browser through Chromium's host-resolver rules (see the `browser` fixture below).
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    // Invite links point at this server, which serves the production build.
    PUBLIC_URL: baseURL,
    LOG_LEVEL: 'warn',
    KANTIV_KEYS: generateKeySpec('e2e'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    DATA_DIR: dir,
    WEB_DIST_DIR: webDist,
    MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
    MICROSOFT_HOST_MAP: `login.microsoftonline.com=${target},*.dynamics.com=${target},graph.microsoft.com=${target}`,
    MICROSOFT_CA_FILE: path.join(dir, 'emulator-ca.pem'),
    WIZARD_CLIENT_ID: emulator.seed.apps.wizard.appId,
    STAFF_TENANT_ID: emulator.tenants.kantiv,
    STAFF_CLIENT_ID: emulator.seed.apps.wizard.appId,
    STAFF_API_AUDIENCE: `${api.appId},${api.identifierUri}`,
    STAFF_API_SCOPE: apiScope,
    // The emulator's Kantiv tenant seeds the staff app roles with the contract's names (shared/src/auth.ts).
    STAFF_MANAGE_ROLES: 'Connect.Manage',
    STAFF_READ_ROLES: 'Connect.Read',
    JOB_POLL_MS: '100',
    VERIFICATION_RETRY_BASE_MS: '500',
    VERIFICATION_RETRY_MAX_MS: '2000',
    VERIFICATION_MAX_WAIT_SECONDS: '120',
    VERIFICATION_SECRET_GRACE_SECONDS: '30',
    RATE_LIMIT_MAX: '100000',
  });
  const app: FastifyInstance = await buildApp({ config, logger: false });
  await app.listen({ host: '127.0.0.1', port });
  for (const uri of [`${baseURL}/`, `${baseURL}/redirect.html`]) emulator.control.addSpaRedirectUri(uri);

  return {
    baseURL,
    emulator,
    apiKey,
    apiScope,
    staffToken: (upn) => emulator.control.issueToken({ user: upn, scope: apiScope }),
    async createSetup(body) {
      const res = await fetch(`${baseURL}/api/v1/setups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      baseExpect(res.status).toBe(201);
      const created = CreateSetupResponseSchema.parse(await res.json());
      return { id: created.setup.id, inviteUrl: created.inviteUrl };
    },
    async close() {
      await app.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
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
    async ({ stack }, use) => {
      const browser = await chromium.launch(chromiumLaunchOptions(stack.emulator.chromiumArgs));
      await use(browser);
      await browser.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  baseURL: async ({ stack }, use) => use(stack.baseURL),
});

/** Assertions wait longer than Playwright's 5 s default: the whole stack shares two cores with Chromium. */
export const expect = baseExpect.configure({ timeout: 20_000 });
