import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '@kantiv/dev/stack';
import { credentialAadOf } from '@kantiv/server/services/credentials';
import { sealedOf } from '@kantiv/server/services/sealed-columns';
import { open, VaultError } from '@kantiv/server/vault/vault';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { expect, stackTest } from '../fixtures.ts';
import { signInToConsole, STAFF } from '../console/staff.ts';
import {
  autoSignIn,
  chooseEnvironment,
  connectAndFinish,
  expectAccessible,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

/**
 * Issue 18 item 4, the Done-when line: a disconnect link's whole run. Its own stack (its key-encryption key is known
 * here, to try to open the shredded credential) and its own tenant and environment (Fabrikam), so nothing another
 * spec relies on is removed.
 */
const KEK = randomBytes(32);
const dataDir = mkdtempSync(path.join(tmpdir(), 'kc-pw-disconnect-'));
const test = stackTest(() => startStack({ keys: `pw:${KEK.toString('base64')}`, dataDir }));
test.afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const serverPackage = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../server/package.json',
);
const ADMIN = 'admin@fabrikam.com';
const FABRIKAM = 'https://fabrikam.crm.dynamics.com';

/** The server's credential rows, read straight from its database (its own driver, as `expireInvite` does). */
function credentialRows(setupId: string) {
  const require = createRequire(serverPackage);
  const Database = require('better-sqlite3') as new (
    file: string,
    o: { readonly: boolean },
  ) => { prepare(sql: string): { all(...args: unknown[]): unknown[] }; close(): void };
  const db = new Database(path.join(dataDir, 'kantiv-connect.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM credentials WHERE setup_id = ?').all(setupId) as (Parameters<
      typeof sealedOf
    >[0] &
      Parameters<typeof credentialAadOf>[0])[];
  } finally {
    db.close();
  }
}

test('a disconnect link removes what Kantiv created, shreds the credential, stops token vending and audits who', async ({
  page,
  browser,
  stack,
}) => {
  test.setTimeout(360_000);
  const { setupId } = await openInvite(page, stack, { customerName: 'Leaving Co' });
  await signIn(page, stack, ADMIN);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, /Fabrikam Production/);
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified', 180_000);
  const { clientId } = await stack.getSetup(setupId);
  const keyring = { activeKid: 'pw', keys: new Map([['pw', KEK]]) };
  const before = credentialRows(setupId);
  expect(before.length).toBeGreaterThan(0);
  for (const r of before) expect(() => open(keyring, sealedOf(r), credentialAadOf(r))).not.toThrow();

  // Support issues a disconnect link; the admin opens it and signs in.
  const issued = await stack.api(`/api/v1/setups/${setupId}/links`, {
    method: 'POST',
    body: { purpose: 'disconnect' },
  });
  expect(issued.status).toBe(201);
  const { url } = (await issued.json()) as { url: string };
  await page.goto(url);
  await expect(page).toHaveURL(/\/disconnect$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Disconnect Kantiv' })).toBeVisible();
  autoSignIn(stack, ADMIN);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();

  // The plan: what will be removed, and that the app stays restorable for 30 days.
  await expect(page.getByTestId('plan-application-user')).toContainText('deactivated, then removed', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('plan-security-role')).toContainText(DEFAULT_MANIFEST.roleName);
  await expect(page.getByTestId('plan-app-registration')).toContainText('restorable for 30 days');
  await expectAccessible(page, 'the disconnect plan');
  await page.getByRole('button', { name: 'Disconnect and remove' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Disconnected' })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('disconnect-done')).toContainText(ADMIN);

  // The emulator: no application user, no Kantiv role, and a soft-deleted app.
  const state = stack.emulator.control.state();
  const env = state.environments.find((e) => e.url === FABRIKAM)!;
  expect(env.systemUsers.filter((u) => u.applicationid === clientId)).toEqual([]);
  expect(env.roles.filter((r) => r.name === DEFAULT_MANIFEST.roleName)).toEqual([]);
  expect(state.applications.filter((a) => a.appId === clientId)).toEqual([]);
  expect(state.deletedItems.filter((d) => d.kind === 'application' && d.appId === clientId)).toHaveLength(1);

  // Our database: no data key for the credential; the sealed value can no longer be opened, under any key.
  const after = credentialRows(setupId);
  expect(after.map((r) => r.wrapped_key)).toEqual(after.map(() => ''));
  for (const r of after) {
    expect(() => open(keyring, sealedOf(r), credentialAadOf(r))).toThrow(VaultError);
    expect(() => open(keyring, { ...sealedOf(r), kid: 'pw' }, credentialAadOf(r))).toThrow();
  }

  // Token vending: gone for good.
  const vend = await stack.api(`/api/v1/connections/${setupId}/token`, { method: 'POST' });
  expect(vend.status).toBe(410);
  expect(((await vend.json()) as { error: { code: string } }).error.code).toBe('setup_disconnected');

  // The old invite link says the setup is disconnected.
  await page.goto(url);
  await expect(page.getByTestId('invite-disconnected')).toBeVisible();

  // The audit log names the admin who did it.
  stack.emulator.control.clearScenarios();
  const staff = await browser.newPage();
  await signInToConsole(
    staff,
    STAFF.support.upn,
    `/console/audit?setupId=${setupId}&action=setup.disconnected`,
  );
  const row = staff.getByTestId('audit-row').filter({ hasText: 'setup.disconnected' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(ADMIN);
  await staff.close();
});
