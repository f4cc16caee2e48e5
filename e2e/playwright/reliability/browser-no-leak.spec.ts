import { expect, test } from '../fixtures.ts';
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
  const secret = page.getByTestId('credential-choice').getByLabel('Client secret');
  await secret.click({ timeout: 60_000 });
  await expect(secret).toBeChecked();
  await connectAndFinish(page);
  await expectStatus(stack, setupId, 'verified');
  await expect.poll(() => secrets.length, { timeout: 10_000 }).toBeGreaterThan(0);

  const dump = await page.evaluate(async () => {
    const idb: Record<string, unknown> = {};
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name as string);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error('open failed'));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        idb[`${info.name}/${store}`] = await new Promise<unknown>((resolve, reject) => {
          const req = db.transaction(store, 'readonly').objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error ?? new Error('read failed'));
        });
      }
      db.close();
    }
    return JSON.stringify({
      url: location.href,
      localStorage: { ...localStorage },
      sessionStorage: { ...sessionStorage },
      indexedDB: idb,
    });
  });
  const cookies = JSON.stringify(await page.context().cookies());

  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(10);
    expect(dump.includes(secret), 'secret found in the page URL, web storage or IndexedDB').toBe(false);
    expect(cookies.includes(secret), 'secret found in a cookie').toBe(false);
  }
});
