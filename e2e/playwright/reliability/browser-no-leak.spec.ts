import { expect, test } from '../fixtures.ts';
import { browserStorage } from '../wizard/cdp-recorder.ts';
import {
  chooseEnvironment,
  connectAndFinish,
  expectStatus,
  signInToEnvironments,
} from '../wizard/helpers.ts';

/**
 * The secret exists in the browser only in memory between `addPassword` and the hand-off. After a full run it must be
 * in no storage the browser keeps: local and session storage, every IndexedDB database, cookies of every origin, the
 * address bar.
 */
test('no leak › after a full wizard run the secret is in no browser storage', async ({ page, stack }) => {
  const secrets: string[] = [];
  page.context().on('response', (response) => {
    if (!/\/addPassword$/.test(new URL(response.url()).pathname) || response.status() !== 200) return;
    void response
      .json()
      .then((body: unknown) => {
        const text = (body as { secretText?: unknown }).secretText;
        if (typeof text === 'string') secrets.push(text);
      })
      .catch(() => undefined);
  });

  const { setupId } = await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  // A secret exists only when the admin chooses one (certificates are the default; see wizard/certificate.spec.ts).
  const secretChoice = page.getByTestId('credential-choice').getByLabel('Client secret');
  await secretChoice.click({ timeout: 60_000 });
  await expect(secretChoice).toBeChecked();
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');
  await expect.poll(() => secrets.length, { timeout: 10_000 }).toBeGreaterThan(0);

  // Web storage, every IndexedDB store, Cache Storage, cookies and the address bar.
  const storage = await browserStorage(page);

  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(10);
    expect(
      storage.includes(secret),
      'secret found in the page URL, web storage, IndexedDB, Cache Storage or a cookie',
    ).toBe(false);
  }
});
