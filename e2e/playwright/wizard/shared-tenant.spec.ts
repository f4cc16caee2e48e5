import type { Page } from '@playwright/test';
import type { Stack } from '@kantiv/dev/stack';
import { expect, test } from '../fixtures.ts';
import {
  CONTOSO_PRODUCTION,
  chooseEnvironment,
  connectAndFinish,
  expectEnvironmentPage,
  expectStatus,
  openInvite,
  signIn,
} from './helpers.ts';

const GRAPH = 'https://graph.microsoft.com/v1.0';

/** Graph as Contoso's administrator in the Entra admin center. */
async function graph(stack: Stack, method: string, path: string, body?: unknown) {
  const token = await stack.emulator.control.issueToken({
    user: 'admin@contoso.com',
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const res = await stack.emulator.fetch(`${GRAPH}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...(method === 'PATCH' ? { Prefer: 'create-if-missing' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, string> };
}

async function connect(page: Page, stack: Stack, environment: RegExp, expectInPlan?: RegExp) {
  const { setupId } = await openInvite(page, stack);
  // The same admin signs in again for the second setup: an ID token carries the nonce of the setup it was asked for,
  // so the first setup's sign-in cannot bind the second.
  await signIn(page, stack);
  await expectEnvironmentPage(page);
  await chooseEnvironment(page, environment);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
  if (expectInPlan) await expect(page.getByText(expectInPlan).first()).toBeVisible();
  await connectAndFinish(page);
  await expect(page.getByTestId('verification')).toHaveAttribute('data-state', 'verified', {
    timeout: 120_000,
  });
  await expectStatus(stack, setupId, 'verified');
  return setupId;
}

test('real tenants › a tenant holding a soft-deleted Kantiv app: the plan restores it and the wizard reaches verified', async ({
  page,
  stack,
}) => {
  // An admin deleted "Kantiv Dataverse Connector" to start over: it waits in deleted items with its unique name.
  const created = await graph(stack, 'PATCH', "/applications(uniqueName='kantiv-dataverse-connector')", {
    displayName: 'Kantiv Dataverse Connector',
    signInAudience: 'AzureADMyOrg',
  });
  expect(created.status).toBe(201);
  expect((await graph(stack, 'DELETE', `/applications/${created.json.id}`)).status).toBe(204);

  await connect(
    page,
    stack,
    /Contoso Production/,
    /Restore the app registration "Kantiv Dataverse Connector"/,
  );
  const apps = stack.emulator.control
    .state()
    .applications.filter((a) => a.uniqueName === 'kantiv-dataverse-connector');
  expect(apps.map((a) => a.id)).toEqual([created.json.id]);
});

test('real tenants › two environments in one tenant: both setups verified, each with its own certificate on the one app', async ({
  page,
  stack,
}) => {
  const production = await connect(page, stack, /Contoso Production/);
  const sandbox = await connect(page, stack, /Contoso Sandbox/);
  await expectStatus(stack, production, 'verified');
  const apps = stack.emulator.control
    .state()
    .applications.filter((a) => a.tenantId === stack.emulator.tenants.contoso);
  expect(apps).toHaveLength(1);
  const short = (id: string) => id.replace(/-/g, '').slice(0, 8);
  expect(apps[0]!.keyCredentials.map((k) => k.displayName).sort()).toEqual(
    [
      `Kantiv certificate (setup ${short(production)})`,
      `Kantiv certificate (setup ${short(sandbox)})`,
    ].sort(),
  );
  expect(apps[0]!.passwordCredentials).toEqual([]);
  const env = (url: string) => stack.emulator.control.state().environments.find((e) => e.url === url)!;
  for (const url of [CONTOSO_PRODUCTION, 'https://contoso-sandbox.crm.dynamics.com']) {
    expect(env(url).systemUsers.filter((u) => u.applicationid === apps[0]!.appId)).toHaveLength(1);
  }
});
