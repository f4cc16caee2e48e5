import type { Page } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { expect, test } from '../fixtures.ts';
import { expectProvisionedOnce, expectStatus, startSlowRun } from './helpers.ts';

/** Writes (not reads, not CORS preflights) the emulator logged. */
function writeLog(stack: Stack) {
  return stack.emulator.control.requestLog().filter((e) => e.method !== 'GET' && e.method !== 'OPTIONS');
}

/** Writes to paths matching `path` that Microsoft answered with `status`. */
function writes(stack: Stack, path: RegExp, status: number): number {
  return writeLog(stack).filter((e) => e.status === status && path.test(e.path)).length;
}

/** Steps that claim to be working or waiting. */
const busySteps = (page: Page) =>
  page.locator('[data-testid^="step-"]:is([data-status="waiting"], [data-status="running"])');

/** However often the run stopped and resumed, each object was created once: later runs found it. */
function expectEachCreatedOnce(stack: Stack): void {
  const log = writeLog(stack)
    .map((e) => `${e.time} ${e.method} ${e.path} ${e.status}`)
    .join('\n');
  expect(writes(stack, /\/applications\(uniqueName=/, 201), `app registrations created\n${log}`).toBe(1);
  expect(writes(stack, /\/servicePrincipals\(appId=/, 201), `service principals created\n${log}`).toBe(1);
  // Certificate mode (the default): no secret is ever created; the one certificate is checked below.
  expect(writes(stack, /\/addPassword$/, 200), `secrets created\n${log}`).toBe(0);
  expect(writes(stack, /\/removePassword$/, 204), `secrets removed\n${log}`).toBe(0);
  expect(writes(stack, /\/roles(\?|$)/, 201), `security roles created\n${log}`).toBe(1);
  expect(writes(stack, /\/systemusers(\?|$)/, 201), `application users created\n${log}`).toBe(1);
  expectProvisionedOnce(stack);
}

test('cancel › a run stopped while it waits for Microsoft says so, keeps its work and continues to verified', async ({
  page,
  stack,
}) => {
  const { setupId } = await startSlowRun(page, stack);
  await expect(page.locator('[data-testid^="step-"][data-status="waiting"]').first()).toBeVisible({
    timeout: 90_000,
  });

  // Which steps are busy when the admin cancels depends on timing (with a certificate, the credential step can be
  // waiting for the new app as well as the application user): the ones that stop must be among them.
  const busyBefore = await busySteps(page).evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-testid')),
  );
  await page.getByRole('button', { name: 'Cancel' }).click();
  const stopped = page.getByRole('status').filter({ hasText: 'Stopped.' });
  await expect(stopped).toHaveText(
    'Stopped. What was already created stays; continue whenever you are ready.',
  );
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Continue' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Change the plan' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Set it up by hand instead' })).toBeVisible();
  // Stopped is not failed, and nothing on the page claims to be still working or waiting.
  await expect(page.getByTestId('run-failed')).toHaveCount(0);
  await expect(busySteps(page)).toHaveCount(0);
  await expect(page.locator('[data-testid^="step-"][data-status="failed"]')).toHaveCount(0);
  // The steps that were busy say they stopped and will run again; no other step does.
  const stoppedSteps = page
    .locator('[data-testid^="step-"]')
    .filter({ hasText: 'Stopped before it finished' });
  await expect(stoppedSteps.first()).toBeVisible();
  const stoppedIds = await stoppedSteps.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  expect(busyBefore, `busy before: ${busyBefore.join(', ')}; stopped: ${stoppedIds.join(', ')}`).toEqual(
    expect.arrayContaining(stoppedIds),
  );
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  expect(
    stack.emulator.control.state().applications.filter((a) => a.tenantId === stack.emulator.tenants.contoso),
  ).toHaveLength(1);
  expect((await stack.getStatus(setupId)).state).not.toBe('verified');

  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified', 180_000);

  expectEachCreatedOnce(stack);
});

test('failure › a Dataverse outage stops the run at the application user; Try again completes it', async ({
  page,
  stack,
}) => {
  const { setupId } = await startSlowRun(page, stack);
  // Dataverse goes down (503 with Retry-After) while the application user waits for Microsoft's replication.
  const outage = stack.emulator.control.setScenario({
    name: 'service-unavailable',
    service: 'dataverse',
    retryAfterSeconds: 1,
  });
  const failed = page.getByTestId('run-failed');
  await expect(failed).toBeVisible({ timeout: 120_000 });
  await expect(failed).toContainText('The setup stopped');
  await expect(failed).toContainText(
    'How to fix it: Microsoft is busy or unavailable right now. Retry in a few minutes',
  );
  await expect(failed).toContainText('Nothing is lost: trying again continues where it stopped.');
  await expect(page.getByTestId('step-application_user')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('step-app_registration')).toHaveAttribute('data-status', 'succeeded');
  await expect(busySteps(page)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  expect((await stack.getStatus(setupId)).state).not.toBe('verified');

  // Dataverse is back; the admin tries again.
  stack.emulator.control.clearScenario(outage);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified', 180_000);
  expectEachCreatedOnce(stack);
});
