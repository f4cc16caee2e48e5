import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepEventInput } from '@kantiv/shared/events';
import { expect, test } from '../fixtures.ts';
import { chooseEnvironment, expectAccessible, expectStatus, signInToEnvironments } from './helpers.ts';

const screenshot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../docs/images/wizard-run.png',
);

test('replication delay › Microsoft’s replication waits are shown as waiting, not failure, and the run completes', async ({
  page,
  stack,
}) => {
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });

  stack.emulator.control.setScenario({ name: 'replication-delay', seconds: 20 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const waiting = page.locator('[data-testid^="step-"][data-status="waiting"]').first();
  await expect(waiting).toBeVisible({ timeout: 90_000 });
  await expect(waiting).toContainText('Waiting for Microsoft');
  await expect(waiting).toContainText('This is normal, not an error.');
  await expect(page.getByTestId('run-failed')).toHaveCount(0);
  await page.screenshot({ path: screenshot, fullPage: true });
  await expectAccessible(page, 'run while waiting for Microsoft');

  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified', 180_000);
});

test('throttling › 429s with Retry-After are waited out and the run completes', async ({ page, stack }) => {
  const posted: StepEventInput[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/v1/wizard/events') && request.method() === 'POST') {
      posted.push(...(request.postDataJSON() as { events: StepEventInput[] }).events);
    }
  });
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });

  stack.emulator.control.setScenario({ name: 'throttle', service: 'graph', retryAfterSeconds: 3, times: 2 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expectStatus(stack, setupId, 'verified');
  const throttled = stack.emulator.control.requestLog().filter((e) => e.status === 429);
  expect(throttled.length).toBe(2);
  // The waits were reported, never silent: the wizard forwarded them to Kantiv for support to see.
  const waits = posted.filter((e) => e.status === 'waiting');
  expect(waits.length, JSON.stringify(posted.map((e) => [e.step, e.status, e.message]))).toBeGreaterThan(0);
});
