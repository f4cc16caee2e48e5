import { expect, test } from '../fixtures.ts';
import { browserStorage, PRIVATE_KEY_PATTERNS, recordNetwork } from './cdp-recorder.ts';
import { chooseEnvironment, connectAndFinish, expectStatus, signInToEnvironments } from './helpers.ts';

const OUR_CERTIFICATE = /^Kantiv certificate \(setup [0-9a-f]{8}\)$/;

function contosoApp(stack: Parameters<Parameters<typeof test>[2]>[0]['stack']) {
  const apps = stack.emulator.control
    .state()
    .applications.filter((a) => a.tenantId === stack.emulator.tenants.contoso);
  expect(apps).toHaveLength(1);
  return apps[0]!;
}

test('certificate › verified with a server-made certificate; no private key and no secret in any body the browser saw or in its storage', async ({
  page,
  stack,
}) => {
  test.setTimeout(240_000);
  const recorder = recordNetwork(page.context());
  await recorder.ready();

  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  const choice = page.getByTestId('credential-choice');
  await expect(choice.getByLabel('Certificate (recommended)')).toBeChecked({ timeout: 60_000 });
  await expect(choice.getByLabel('Client secret')).not.toBeChecked();
  await expect(choice).toContainText(/Valid 73[01] days/);
  await expect(page.getByTestId('plan-items')).toContainText('Kantiv certificate (setup');
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');

  const app = contosoApp(stack);
  expect(app.passwordCredentials).toEqual([]);
  const ours = app.keyCredentials.filter((k) => OUR_CERTIFICATE.test(k.displayName ?? ''));
  expect(ours).toHaveLength(1);
  expect(ours[0]).toMatchObject({ type: 'AsymmetricX509Cert', usage: 'Verify' });

  const seen = await recorder.settle();
  // The recorder saw what matters (else the checks below would pass on nothing): the certificate our server sent,
  // the PATCH that added it, and the hand-off that named it.
  const certificateResponse = seen.find((r) => r.url.endsWith('/api/v1/wizard/certificate'));
  expect(certificateResponse?.responseBody).toContain(ours[0]!.key);
  expect(
    seen.some((r) => r.method === 'PATCH' && r.requestBody.includes(`"keyId":"${ours[0]!.keyId}"`)),
  ).toBe(true);
  const handoff = seen.find((r) => r.url.endsWith('/api/v1/wizard/credentials'));
  expect(JSON.parse(handoff?.requestBody ?? '{}')).toMatchObject({
    credentialKind: 'certificate',
    keyId: ours[0]!.keyId,
  });
  expect(handoff?.requestBody).not.toContain('clientSecret');
  expect(seen.filter((r) => r.url.includes('/addPassword'))).toEqual([]);

  for (const r of seen) {
    const bodies = `${r.requestBody}\n${r.responseBody ?? ''}`;
    for (const pattern of PRIVATE_KEY_PATTERNS) {
      expect(pattern.test(bodies), `${pattern} in ${r.method} ${r.url}`).toBe(false);
    }
    expect(bodies, `${r.method} ${r.url}`).not.toMatch(
      // As JSON fields with a value (the words alone are in the wizard's own code).
      /"(secretText|clientSecret)"\s*:\s*"|"passwordCredential"\s*:\s*\{/,
    );
  }

  const storage = await browserStorage(page);
  for (const pattern of PRIVATE_KEY_PATTERNS) expect(storage).not.toMatch(pattern);
  expect(storage).not.toMatch(/secretText|clientSecret/i);
});

test('certificate › a tenant whose policy refuses certificates gets a client secret, and the run says why', async ({
  page,
  stack,
}) => {
  test.setTimeout(240_000);
  stack.emulator.control.setScenario({ name: 'certificate-credentials-blocked', tenant: 'contoso.com' });
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('credential-choice').getByLabel('Certificate (recommended)')).toBeChecked({
    timeout: 60_000,
  });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // The run page moves on when the run ends (sometimes before a poll sees the step succeed): the done page keeps
  // what the credential step said, which is where the admin reads it.
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('done-credential')).toHaveText('Client secret');
  await expect(page.getByTestId('done-credential-note')).toContainText(
    'A client secret instead of a certificate: your tenant’s app management policy does not allow certificates on this app (',
  );
  await expect(page.getByRole('term').filter({ hasText: 'Secret expires' })).toBeVisible();
  await expectStatus(stack, setupId, 'verified');
  const app = contosoApp(stack);
  expect(app.keyCredentials).toEqual([]);
  expect(app.passwordCredentials).toHaveLength(1);
});

test('certificate › a tenant that caps certificate lifetimes gets the capped lifetime, and the run says so', async ({
  page,
  stack,
}) => {
  test.setTimeout(240_000);
  stack.emulator.control.setScenario({
    name: 'certificate-lifetime-capped',
    maxDays: 200,
    tenant: 'contoso.com',
  });
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('credential-choice')).toContainText(/Valid 73[01] days/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page).toHaveURL(/\/done$/, { timeout: 180_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Connected' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('done-credential')).toHaveText('Certificate (Kantiv renews it by itself)');
  await expect(page.getByTestId('done-credential-note')).toContainText(
    /shortened to 180 days \(expires \d{4}-\d{2}-\d{2}\) because your tenant’s app management policy does not allow 73[01] days/,
  );
  await expect(page.getByRole('term').filter({ hasText: 'Certificate expires' })).toBeVisible();
  await expect(page.getByText('The certificate’s private key was made on Kantiv’s server')).toBeVisible();
  await expectStatus(stack, setupId, 'verified');
  const ours = contosoApp(stack).keyCredentials.filter((k) => OUR_CERTIFICATE.test(k.displayName ?? ''));
  expect(ours).toHaveLength(1);
  const days = (Date.parse(ours[0]!.endDateTime) - Date.parse(ours[0]!.startDateTime)) / 86_400_000;
  expect(Math.round(days)).toBe(180);
});

test('certificate › the admin may choose a client secret on the plan', async ({ page, stack }) => {
  test.setTimeout(240_000);
  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  const choice = page.getByTestId('credential-choice');
  // A controlled choice: the plan is prepared again, then shows it.
  await choice.getByLabel('Client secret').click({ timeout: 60_000 });
  await expect(choice.getByLabel('Client secret')).toBeChecked();
  await expect(page.getByTestId('plan-items')).toContainText('A client secret, as you chose');
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');
  const app = contosoApp(stack);
  expect(app.keyCredentials).toEqual([]);
  expect(app.passwordCredentials).toHaveLength(1);
});
