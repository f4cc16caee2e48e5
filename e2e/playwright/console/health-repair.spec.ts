import type { Browser, Page } from '@playwright/test';
import type { Drift } from '@kantiv/emulator';
import { ROLE_NAME } from '@kantiv/shared/naming';
import type { Stack } from '@kantiv/dev/stack';
import { expect } from './fixtures.ts';
import {
  environmentUrl,
  expectDriftNamed as driftNamed,
  expectNoDuplicates,
  expectRecovered as recovered,
  healthySetup,
  hooksOf as hooksOfReceiver,
  moveClockToNextCheck,
  runFollowUpLink,
  healthDriftTest,
  receiver,
} from './health-drift-support.ts';

/**
 * Issue 18, Done-when 1: every drift kind caused in the emulator after the wizard verified the connection; the next
 * scheduled health check (the server's clock moved by one check interval) names it with its fix; the receiver gets
 * `setup.degraded`; support issues the link the fix names; the customer's admin runs it in a browser of their own;
 * health is `healthy` again (`setup.recovered`) and the emulator holds nothing twice.
 *
 * The stack keeps the default hourly schedule: a check is moved forward (stack.nextHealthCheckNow) instead of
 * waited for. The sweep runs every half second so a verified setup gets its first check at once.
 */
const test = healthDriftTest();

const hooksOf = (setupId: string) => hooksOfReceiver(receiver, setupId);
const expectDriftNamed = (
  page: Page,
  stack: Stack,
  setupId: string,
  want: Parameters<typeof driftNamed>[4],
) => driftNamed(page, stack, receiver, setupId, want);
const expectRecovered = (page: Page, setupId: string, code: string) =>
  recovered(page, receiver, setupId, code);

async function repairs(
  browser: Browser,
  page: Page,
  stack: Stack,
  c: {
    customer: string;
    drift: (clientId: string, env: string) => Drift;
    health: 'broken' | 'degraded';
    code: string;
    cause: RegExp;
    fix: RegExp;
    link: 'repair' | 'renew';
  },
) {
  const environment = 'Contoso Production';
  const s = await healthySetup(browser, page, stack, c.customer, environment);
  const before = stack.emulator.control.state().applications.find((a) => a.appId === s.clientId)!;
  stack.emulator.control.drift(c.drift(s.clientId, environmentUrl(stack, environment)));
  await expectDriftNamed(page, stack, s.id, c);
  await runFollowUpLink(browser, page, stack, c.link, environment);
  await expectRecovered(page, s.id, c.code);
  const after = expectNoDuplicates(stack, s.clientId, environment);
  return { setupId: s.id, before, after };
}

test('a removed credential: broken, fixed by a renewal link that adds a new certificate to the same app', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Removed Credential Co',
    drift: (appId) => ({ kind: 'remove-credential', appId }),
    health: 'broken',
    code: 'credential_removed',
    cause: /removed from the app registration/,
    fix: /renewal link/,
    link: 'renew',
  });
  expect(r.after.app.keyCredentials).toHaveLength(1);
  expect((await stack.getSetup(r.setupId)).credentialKind).toBe('certificate');
});

test('an expired credential: broken, credential_expired, fixed by a renewal link', async ({
  browser,
  page,
  stack,
}) => {
  await repairs(browser, page, stack, {
    customer: 'Expired Credential Co',
    drift: (appId) => ({ kind: 'expire-credential', appId }),
    health: 'broken',
    code: 'credential_expired',
    cause: /expired/,
    fix: /renewal link/,
    link: 'renew',
  });
});

test('a deleted app registration: broken, app_deleted; the repair restores it from deleted items with its certificate', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Deleted App Co',
    drift: (appId) => ({ kind: 'delete-app', appId }),
    health: 'broken',
    code: 'app_deleted',
    cause: /deleted/,
    fix: /30 days/,
    link: 'repair',
  });
  // Restored, not recreated: the same object, the same certificate Kantiv holds, nothing left in deleted items.
  expect(r.after.app.id).toBe(r.before.id);
  expect(r.after.app.keyCredentials.map((k) => k.keyId)).toEqual(r.before.keyCredentials.map((k) => k.keyId));
  expect(stack.emulator.control.state().deletedItems.filter((d) => d.appId === r.after.app.appId)).toEqual(
    [],
  );
});

test('a deleted application user: broken, application_user_missing; the repair makes it again with its role', async ({
  browser,
  page,
  stack,
}) => {
  await repairs(browser, page, stack, {
    customer: 'Deleted User Co',
    drift: (appId, environmentUrl) => ({ kind: 'delete-app-user', appId, environmentUrl }),
    health: 'broken',
    code: 'application_user_missing',
    cause: /no application user/,
    fix: /repair link/,
    link: 'repair',
  });
});

test('a disabled application user: broken, application_user_disabled; the repair activates the same user', async ({
  browser,
  page,
  stack,
}) => {
  const env = environmentUrl(stack, 'Contoso Production');
  let userId = '';
  const r = await repairs(browser, page, stack, {
    customer: 'Disabled User Co',
    drift: (appId, environmentUrl) => {
      userId = stack.emulator.control
        .state()
        .environments.find((e) => e.url === env)!
        .systemUsers.find((u) => u.applicationid === appId)!.systemuserid;
      return { kind: 'disable-app-user', appId, environmentUrl };
    },
    health: 'broken',
    code: 'application_user_disabled',
    cause: /disabled/,
    fix: /repair link/,
    link: 'repair',
  });
  expect(r.after.user.systemuserid).toBe(userId);
});

test('a role taken from the user, then a privilege taken from the role: each named, each repaired', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repairs(browser, page, stack, {
    customer: 'Role Removed Co',
    drift: (appId, environmentUrl) => ({ kind: 'remove-role', appId, environmentUrl, roleName: ROLE_NAME }),
    health: 'broken',
    code: 'role_removed',
    cause: new RegExp(`"${ROLE_NAME}" is no longer assigned`),
    fix: /repair link/,
    link: 'repair',
  });

  // The same setup, healthy again, loses one privilege of its role: degraded, named by table and access level.
  // (The default manifest does not read roles, so the check finds a missing privilege by its table probe: a read.)
  stack.emulator.control.drift({
    kind: 'remove-privilege',
    environmentUrl: environmentUrl(stack, 'Contoso Production'),
    roleName: ROLE_NAME,
    privilege: 'prvReadAccount',
  });
  moveClockToNextCheck(stack, r.setupId);
  await expect(page.getByTestId('health-value')).toHaveText('degraded', { timeout: 30_000 });
  await expect(page.getByTestId('health-cause')).toContainText('Read on Accounts (Organization)');
  await expect(page.getByTestId('health-fix')).toContainText(/repair link/);
  await expect
    .poll(() => hooksOf(r.setupId), { timeout: 30_000 })
    .toEqual(['setup.degraded:role_removed', 'setup.recovered', 'setup.degraded:privileges_removed']);
  await runFollowUpLink(browser, page, stack, 'repair', 'Contoso Production');
  await expect(page.getByTestId('health-value')).toHaveText('healthy', { timeout: 60_000 });
  await expect
    .poll(() => hooksOf(r.setupId), { timeout: 30_000 })
    .toEqual([
      'setup.degraded:role_removed',
      'setup.recovered',
      'setup.degraded:privileges_removed',
      'setup.recovered',
    ]);
  expectNoDuplicates(stack, r.after.app.appId, 'Contoso Production');
});

// Last: the environment is deleted for good (Contoso Sandbox, which no other test here uses).
test('a deleted environment: broken, environment_gone; no repair link is offered, the fix says why', async ({
  browser,
  page,
  stack,
}) => {
  const s = await healthySetup(browser, page, stack, 'Gone Environment Co', 'Contoso Sandbox');
  stack.emulator.control.drift({
    kind: 'delete-environment',
    environmentUrl: environmentUrl(stack, 'Contoso Sandbox'),
  });
  await expectDriftNamed(page, stack, s.id, {
    health: 'broken',
    code: 'environment_gone',
    cause: /no Dataverse environment/,
    fix: /nothing a repair link can/,
  });
  const repair = page.getByTestId('link-repair').getByRole('button', { name: 'Repair link' });
  await expect(repair).toBeDisabled();
});
