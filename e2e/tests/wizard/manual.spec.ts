import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import { createEngine, type TokenResource } from '../../../web/src/provisioning/engine.ts';
import type { Stack } from '../../src/stack.ts';
import { expect, test } from '../fixtures.ts';
import {
  CONTOSO_PRODUCTION,
  USERS,
  autoSignIn,
  expectAccessible,
  expectStatus,
  openInvite,
} from './helpers.ts';

/**
 * What an admin following the manual guide ends up with: an app registration, its secret, the permission, a role
 * and an application user. Made here by running the provisioning engine in Node with the admin's (emulated) tokens,
 * keeping the secret instead of handing it to Kantiv.
 */
async function provisionByHand(stack: Stack): Promise<CredentialHandoffRequest> {
  const control = stack.emulator.control;
  const scope = (resource: TokenResource) =>
    resource === 'graph'
      ? 'https://graph.microsoft.com/Application.ReadWrite.All'
      : resource === 'discovery'
        ? 'https://globaldisco.crm.dynamics.com/user_impersonation'
        : `${new URL(resource.environmentUrl).origin}/user_impersonation`;
  let handedOff: CredentialHandoffRequest | undefined;
  const engine = createEngine({
    tokens: { getToken: (resource) => control.issueToken({ user: USERS.admin, scope: scope(resource) }) },
    fetch: (input, init) => stack.emulator.fetch(input, init),
    config: {
      environmentUrl: CONTOSO_PRODUCTION,
      tenantId: stack.emulator.tenants.contoso,
    },
    handoff: async (request) => {
      handedOff = request;
    },
  });
  const result = await engine.apply();
  if (result.status !== 'succeeded' || !handedOff) {
    throw new Error(`Manual provisioning failed: ${JSON.stringify(result.error)}`);
  }
  return handedOff;
}

test('manual path › five steps with exact values, validated as typed, a wrong secret then the right one', async ({
  page,
  stack,
}) => {
  const credential = await provisionByHand(stack);
  const { setupId } = await openInvite(page, stack);
  await page.getByRole('link', { name: 'I prefer to set it up by hand' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Set up the connection by hand' })).toBeVisible();

  const steps = page.locator('.manual-steps > li');
  await expect(steps).toHaveCount(5);
  await expect(page.getByText('Kantiv Dataverse Connector', { exact: true })).toBeVisible();
  await expect(page.getByText('Kantiv secret', { exact: true })).toBeVisible();
  await expect(page.getByText('user_impersonation', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: /Copy\s+Name/ })).toBeVisible();
  await expectAccessible(page, 'manual path');

  // Kantiv accepts a credential only for a tenant proven by a Microsoft sign-in.
  autoSignIn(stack, USERS.admin);
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await expect(page.getByRole('heading', { name: 'First, sign in with Microsoft' })).toHaveCount(0, {
    timeout: 60_000,
  });

  const tenant = page.getByLabel('Directory (tenant) ID');
  await expect(tenant).toHaveValue(credential.tenantId);
  const client = page.getByLabel('Application (client) ID');
  await client.fill('not-a-guid');
  await expect(client).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter the client ID: 32 hexadecimal characters')).toBeVisible();
  await client.fill(credential.clientId);
  await expect(client).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Environment URL').fill(credential.environmentUrl);

  const secret = page.getByLabel('Client secret value');
  await secret.fill(`${credential.clientSecret}-wrong`);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'Kantiv could not sign in with these details' });
  await expect(failure).toBeVisible({ timeout: 120_000 });
  await expect(secret).toHaveValue('');

  await secret.fill(credential.clientSecret);
  await page.getByRole('button', { name: 'Send to Kantiv and verify' }).click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 120_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible();
  await expectStatus(stack, setupId, 'verified');

  expect(page.url()).not.toContain(credential.clientSecret);
  const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  expect(storage).not.toContain(credential.clientSecret);
});
