import type { Browser, Page } from '@playwright/test';
import type { Drift } from '@kantiv/emulator';
import type { Stack } from '@kantiv/dev/stack';
import { expect } from './fixtures.ts';
import {
  INTERVAL_MS,
  environmentUrl,
  expectDriftNamed,
  expectNoDuplicates,
  expectRecovered,
  healthySetup,
  hooksOf,
  runFollowUpLink,
  scheduled,
  healthDriftTest,
  receiver,
} from './health-drift-support.ts';

/**
 * Issue 18, Done-when 1, the drift kinds health-repair.spec.ts does not cover: the enterprise application deleted or
 * disabled, the environment disabled, the environment copied over. Each is caused in the emulator after the wizard
 * verified; the next scheduled check (moved forward, stack.nextHealthCheckNow) names it with its fix on the setup
 * page and at the webhook receiver; the link the fix names is run by the admin in a browser of their own, or — where
 * no link can fix it — the admin's own change is made through the emulator; then `healthy` and nothing twice.
 *
 * Runs in file order: the copy test copies Contoso Production, where the first two tests left Kantiv's application
 * user, over Contoso Sandbox.
 */
const test = healthDriftTest();

/** The drift, named with its repair link's fix, repaired in the admin's browser: healthy, nothing twice. */
async function repaired(
  browser: Browser,
  page: Page,
  stack: Stack,
  c: { customer: string; drift: (clientId: string) => Drift; code: string; cause: RegExp; fix: RegExp },
) {
  const environment = 'Contoso Production';
  const s = await healthySetup(browser, page, stack, c.customer, environment);
  const before = stack.emulator.control.state();
  stack.emulator.control.drift(c.drift(s.clientId));
  await expectDriftNamed(page, stack, receiver, s.id, { health: 'broken', ...c });
  await runFollowUpLink(browser, page, stack, 'repair', environment);
  await expectRecovered(page, receiver, s.id, c.code);
  const after = expectNoDuplicates(stack, s.clientId, environment);
  return { setupId: s.id, before, after };
}

test('a deleted enterprise application: broken, service_principal_deleted (AADSTS7000229); the repair link restores the same one from deleted items', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repaired(browser, page, stack, {
    customer: 'Deleted Enterprise App Co',
    drift: (appId) => ({ kind: 'delete-service-principal', appId }),
    code: 'service_principal_deleted',
    cause: /no enterprise application \(service principal\)/,
    fix: /restores the deleted enterprise application/,
  });
  // The same app registration with the same certificate; the same service principal, restored from deleted items.
  const app = r.before.applications.find((a) => a.appId === r.after.app.appId)!;
  expect(r.after.app.id).toBe(app.id);
  expect(r.after.app.keyCredentials.map((k) => k.keyId)).toEqual(app.keyCredentials.map((k) => k.keyId));
  const spBefore = r.before.servicePrincipals.find((s) => s.appId === app.appId)!;
  const sp = stack.emulator.control.state().servicePrincipals.find((s) => s.appId === app.appId)!;
  expect(sp.id).toBe(spBefore.id);
  expect(sp.accountEnabled).toBe(true);
});

test('a disabled enterprise application: broken, app_disabled (AADSTS7000112); the repair link enables the same one', async ({
  browser,
  page,
  stack,
}) => {
  const r = await repaired(browser, page, stack, {
    customer: 'Disabled Enterprise App Co',
    drift: (appId) => ({ kind: 'disable-app', appId }),
    code: 'app_disabled',
    cause: /disabled for sign-in/,
    fix: /enables the same enterprise application for sign-in again/,
  });
  const before = r.before.servicePrincipals.find((s) => s.appId === r.after.app.appId)!;
  const after = stack.emulator.control.state().servicePrincipals.find((s) => s.appId === r.after.app.appId)!;
  expect(after.id).toBe(before.id);
  expect(after.accountEnabled).toBe(true);
});

test('a disabled environment: environment_unavailable once its 503s last an interval; no link, the fix names the admin’s Enable; enabled, healthy', async ({
  browser,
  page,
  stack,
}) => {
  const environment = 'Contoso Sandbox';
  const s = await healthySetup(browser, page, stack, 'Disabled Environment Co', environment);
  stack.emulator.control.drift({
    kind: 'disable-environment',
    environmentUrl: environmentUrl(stack, environment),
  });
  // The next check meets a 503 and records nothing yet (one 503 is not news), only when the failures began.
  await expect.poll(() => scheduled(stack, s.id), { timeout: 30_000 }).toBe(true);
  // The failures have lasted a whole interval (as if an hour had passed): the next check names them.
  await expect.poll(() => stack.healthFailingFor(s.id, INTERVAL_MS), { timeout: 30_000 }).toBe(true);
  await expect.poll(() => scheduled(stack, s.id), { timeout: 30_000 }).toBe(true);
  await expectDriftNamed(
    page,
    stack,
    receiver,
    s.id,
    {
      health: 'broken',
      code: 'environment_unavailable',
      cause: /answered 503 Service Unavailable .* disabled or put in administration mode/,
      fix: /if its state is Disabled, select Enable; .*No link can do this for them/,
    },
    false,
  );
  // No link is offered: no wizard run can enable an environment.
  await expect(page.getByTestId('link-repair').getByRole('button', { name: 'Repair link' })).toBeDisabled();

  // The admin enables it in the Power Platform admin center; the next check finds it healthy.
  stack.emulator.control.drift({
    kind: 'enable-environment',
    environmentUrl: environmentUrl(stack, environment),
  });
  await expect.poll(() => scheduled(stack, s.id), { timeout: 30_000 }).toBe(true);
  await expectRecovered(page, receiver, s.id, 'environment_unavailable');
});

test('an environment copied over: broken, environment_replaced; the repair link brings it back, nothing twice', async ({
  browser,
  page,
  stack,
}) => {
  const target = 'Contoso Sandbox';
  const s = await healthySetup(browser, page, stack, 'Copied Environment Co', target);
  const sourceUrl = environmentUrl(stack, 'Contoso Production');
  const world = () => stack.emulator.control.state().environments;
  // Production holds Kantiv's application user from the tests before; the copy brings it, not Sandbox's own.
  const sourceUser = world()
    .find((e) => e.url === sourceUrl)!
    .systemUsers.find((u) => u.applicationid === s.clientId);
  expect(sourceUser, 'run with the tests above: they leave an application user in Production').toBeDefined();
  const ownUser = (await stack.getSetup(s.id)).applicationUserId;
  stack.emulator.control.drift({
    kind: 'copy-environment',
    sourceUrl,
    targetUrl: environmentUrl(stack, target),
  });
  await expectDriftNamed(page, stack, receiver, s.id, {
    health: 'broken',
    code: 'environment_replaced',
    cause: /another database than before .* copied or restored over/,
    fix: /send a repair link/,
  });
  await runFollowUpLink(browser, page, stack, 'repair', target);
  await expectRecovered(page, receiver, s.id, 'environment_replaced');
  const after = expectNoDuplicates(stack, s.clientId, target);
  // The connection now uses the application user the copy brought, and the next check still finds it healthy
  // (the copy's OrganizationId became the baseline).
  expect(after.user.systemuserid).toBe(sourceUser!.systemuserid);
  expect(after.user.systemuserid).not.toBe(ownUser);
  expect((await stack.getSetup(s.id)).applicationUserId).toBe(sourceUser!.systemuserid);
  const checkedAt = (await stack.getSetup(s.id)).health?.lastCheckedAt;
  await expect.poll(() => scheduled(stack, s.id), { timeout: 30_000 }).toBe(true);
  await expect
    .poll(async () => (await stack.getSetup(s.id)).health?.lastCheckedAt, { timeout: 30_000 })
    .not.toBe(checkedAt);
  expect((await stack.getSetup(s.id)).health?.health).toBe('healthy');
  expect(hooksOf(receiver, s.id)).toEqual(['setup.degraded:environment_replaced', 'setup.recovered']);
});
