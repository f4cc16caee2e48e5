import { STEP_IDS } from '@kantiv/shared/steps';
import { expect, test } from './fixtures.ts';
import { STAFF, signInToConsole } from './staff.ts';
import { startWizardRun } from './customer-admin.ts';

declare global {
  interface Window {
    /** Set once on the support page: still there at the end means the page never reloaded. */
    consoleMarker?: string;
    /** `step:status` and `state:<state>` in the order the support page first showed them. */
    consoleSeen?: string[];
    /** What the page's status region said for screen readers, in order. */
    consoleAnnounced?: string[];
  }
}

test('support creates a setup, the customer admin runs the wizard, and the detail page shows each step arrive live until verified, with no reload', async ({
  browser,
  stack,
}) => {
  test.setTimeout(360_000);

  // Support, in their own browser context: create the setup and open its page.
  const supportContext = await browser.newContext({ baseURL: stack.baseUrl });
  const support = await supportContext.newPage();
  await signInToConsole(support, STAFF.support.upn, '/console/setups/new');
  await support.getByLabel('Customer name').fill('Contoso Live');
  await support.getByLabel('Expected tenant domain (optional)').fill('contoso.com');
  await support.getByRole('button', { name: 'Create setup' }).click();
  const inviteUrl = await support.getByTestId('invite-url').inputValue();
  expect(inviteUrl).toContain('#');
  // A ready-to-send e-mail names the customer, the roles the admin needs and the link.
  await expect(support.getByTestId('invite-email-subject')).toHaveValue(/Contoso Live/);
  const body = support.getByTestId('invite-email-body');
  await expect(body).toHaveValue(/Cloud Application Administrator[\s\S]*System Administrator/);
  expect(await body.inputValue()).toContain(inviteUrl);
  await expect(support.getByRole('link', { name: 'Open in mail program' })).toHaveAttribute(
    'href',
    /^mailto:\?subject=Connect%20Contoso%20Live/,
  );
  // The link was read, not copied: leaving asks first.
  await support.getByRole('link', { name: 'Follow this setup live' }).click();
  await expect(support.getByRole('alertdialog', { name: /Leave without the invite link/ })).toBeVisible();
  await support.getByRole('button', { name: 'Leave anyway' }).click();
  await expect(support.getByRole('heading', { level: 1, name: 'Contoso Live' })).toBeVisible();
  await expect(support.getByTestId('setup-state')).toHaveText('Invited');
  await expect(support.locator('[data-stream="live"]')).toBeVisible({ timeout: 30_000 });

  // Watch the page from inside: every status a step shows, in order, and a marker a reload would wipe.
  let supportNavigations = 0;
  support.on('framenavigated', (frame) => {
    if (frame === support.mainFrame()) supportNavigations += 1;
  });
  await support.evaluate(() => {
    window.consoleMarker = 'still the same document';
    const seen: string[] = [];
    window.consoleSeen = seen;
    const announced: string[] = [];
    window.consoleAnnounced = announced;
    const record = () => {
      const said = document.querySelector('[data-testid="step-announcer"]')?.textContent ?? '';
      if (said && said !== announced.at(-1)) announced.push(said);
      for (const li of Array.from(document.querySelectorAll<HTMLElement>('[data-testid^="step-"]'))) {
        const key = `${li.dataset.testid?.slice(5)}:${li.dataset.status}`;
        if (!seen.includes(key)) seen.push(key);
      }
      const state = document.querySelector<HTMLElement>('[data-testid="setup-state"] [data-state]')?.dataset
        .state;
      if (state && !seen.includes(`state:${state}`)) seen.push(`state:${state}`);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  for (const step of STEP_IDS)
    await expect(support.getByTestId(`step-${step}`)).toHaveAttribute('data-status', 'pending');

  // The customer admin, in another context: the invite link, Microsoft sign-in, environment, plan, connect.
  const customer = await startWizardRun(browser, stack, inviteUrl);

  // Support sees the run arrive, step by step, and the verification end in `verified` — without reloading.
  await expect(support.getByTestId('setup-state')).toHaveText('Verified', { timeout: 240_000 });
  for (const step of STEP_IDS) {
    await expect(support.getByTestId(`step-${step}`)).toHaveAttribute('data-status', /succeeded|skipped/);
  }
  await expect(support.getByTestId('step-verification')).toHaveAttribute('data-status', 'succeeded');

  expect(await support.evaluate(() => window.consoleMarker)).toBe('still the same document');
  expect(supportNavigations).toBe(0);
  const seen = (await support.evaluate(() => window.consoleSeen)) ?? [];
  for (const step of STEP_IDS) {
    // Each step was first shown pending, then changed on this same page: it arrived live.
    const first = seen.indexOf(`${step}:pending`);
    const last = Math.max(seen.indexOf(`${step}:succeeded`), seen.indexOf(`${step}:skipped`));
    expect(first, `${step} was shown pending first`).toBeGreaterThanOrEqual(0);
    expect(last, `${step} arrived after it was pending`).toBeGreaterThan(first);
  }
  // Steps were seen in between, not only at the end: running, and Microsoft's replication waits.
  expect(seen.filter((k) => k.endsWith(':running')).length).toBeGreaterThan(0);
  // Each state was shown (indexOf is -1 for one never shown, which would pass a bare ordering check), in order.
  const states = ['state:invited', 'state:in_progress', 'state:verified'].map((k) => seen.indexOf(k));
  expect(
    states.every((i) => i >= 0),
    `states shown: ${seen.filter((k) => k.startsWith('state:')).join(', ')}`,
  ).toBe(true);
  expect(states).toEqual([...states].sort((a, b) => a - b));

  // A screen reader hears each change once, in a few words, and never the retry texts: the timeline is not a live
  // region (it would read every wait's countdown), the announcer is.
  const announced = ((await support.evaluate(() => window.consoleAnnounced)) ?? []).join(' ');
  expect(announced).toContain('Security role: Succeeded');
  expect(announced).toContain('Kantiv verifies the connection: Succeeded');
  expect(announced).toContain('Setup is now Verified');
  expect(announced).not.toMatch(/attempt|Microsoft said|request id/i);
  await expect(support.locator('.c-timeline[aria-live], [aria-live] .c-timeline')).toHaveCount(0);
  await expect(support.getByRole('button', { name: 'Copy Setup id' })).toBeVisible();

  // The facts support needs, and never the secret.
  const facts = support.getByRole('region', { name: 'Connection' });
  await expect(facts).toContainText('contoso.com');
  await expect(facts).toContainText('https://contoso.crm.dynamics.com');
  // Certificate mode, the default (decision 011).
  await expect(facts).toContainText('Certificate (automatic)');
  // Its end is the one our server wrote into the certificate (decision 011), not a blank.
  await expect(facts).not.toContainText('Certificate expires—');
  const text = (await support.locator('body').innerText()).toLowerCase();
  expect(text).not.toContain('secrettext');
  expect(text).not.toMatch(/eyj[a-z0-9_-]{20,}/);

  await customer.close();
  await supportContext.close();
});
