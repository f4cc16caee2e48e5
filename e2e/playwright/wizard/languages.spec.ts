import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures.ts';
import { USERS, autoSignIn, expectAccessible, expectStatus, grantTenantConsent } from './helpers.ts';

/**
 * The wizard in each shipped language, as an admin whose browser asks for it would meet it: the whole way from the
 * invite link to "Connected", every page axe-clean, in the page's language (its `lang`, its title), with no English
 * left but names (`translate="no"`), Microsoft's and the engine's own words (marked `lang="en"`) and product names.
 */
type Tree = { [key: string]: string | Tree };
const locales = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../web/src/features/wizard/locales',
);
const catalog = (language: string) =>
  JSON.parse(readFileSync(path.join(locales, `${language}.json`), 'utf8')) as Tree;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const ENGLISH = flatten(catalog('en'));
/** Words of English that none of the other shipped languages uses (checked against their catalogs once). */
const ENGLISH_WORDS =
  /\b(the|and|your|with|you|this|which|from|would|should|could|please|will|been|have|not|are|to|for|it|be|or|at|on|by|what|who|here|there|then|when|only|can)\b/i;

/** Visible text of the page outside names, English-marked words and the language switch's own names. */
function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('[translate="no"], [lang="en"], script, style, option')) continue;
      if (!parent.checkVisibility()) continue;
      parts.push(node.textContent ?? '');
    }
    return parts.join(' ').replace(/\s+/g, ' ');
  });
}

/** The longest fixed piece of an English sentence (between placeholders and tags). */
const fixedPiece = (text: string) =>
  text
    .split(/\{\{[^}]*\}\}|<[^>]*>/)
    .map((s) => s.trim())
    .sort((a, b) => b.length - a.length)[0] ?? '';

async function expectNoEnglish(page: Page, language: string, label: string): Promise<void> {
  const text = await visibleText(page);
  const own = flatten(catalog(language));
  const sentences = [...ENGLISH]
    .filter(([key, english]) => own.get(key) !== english)
    .map(([, english]) => fixedPiece(english))
    .filter((piece) => piece.length >= 12 && piece.includes(' ') && text.includes(piece));
  expect(sentences, `English sentences on the ${label} page in ${language}`).toEqual([]);
  expect(
    ENGLISH_WORDS.exec(text)?.[0],
    `an English word on the ${label} page in ${language}: ${text}`,
  ).toBeUndefined();
}

async function expectPage(page: Page, language: string, title: string, label: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', language);
  await expect(page).toHaveTitle(`${title} – Kantiv Connect`);
  await expectNoEnglish(page, language, label);
  await expectAccessible(page, `${label} (${language})`);
}

for (const [language, locale] of [
  ['de', 'de-DE'],
  ['fr', 'fr-FR'],
  ['es', 'es-ES'],
  ['nl', 'nl-NL'],
] as const) {
  test.describe(`in ${language}`, () => {
    test.use({ locale });

    test(`languages › ${language}: the whole wizard from the invite link to Connected`, async ({
      page,
      stack,
    }) => {
      const words = flatten(catalog(language));
      const say = (key: string, values: Record<string, string> = {}) =>
        (words.get(key) ?? '').replace(/\{\{(\w+)\}\}/g, (_m, name: string) => values[name] ?? '');
      const created = await stack.createSetup({ customerName: 'Contoso Ltd' });
      await page.goto(created.inviteUrl);

      await expect(
        page.getByRole('heading', { level: 1, name: say('welcome.title', { customer: 'Contoso Ltd' }) }),
      ).toBeVisible({ timeout: 60_000 });
      await expectPage(page, language, say('steps.welcome'), 'welcome');

      autoSignIn(stack, USERS.admin);
      await page.getByRole('button', { name: say('common.signInWithMicrosoft') }).click();
      await expect(page.getByRole('heading', { level: 1, name: say('environment.title') })).toBeVisible({
        timeout: 60_000,
      });
      await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
      await expectPage(page, language, say('steps.environment'), 'environment');

      await page
        .getByTestId('environments')
        .getByRole('button', { name: /Contoso Production/ })
        .click();
      await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
      await expectPage(page, language, say('steps.plan'), 'plan');

      await page.getByRole('button', { name: say('plan.connect'), exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: say('done.connected') })).toBeVisible({
        timeout: 180_000,
      });
      await expectPage(page, language, say('steps.done'), 'done');
      await expectStatus(stack, created.setup.id, 'verified');
    });
  });
}

test('languages › the switch changes the page’s language, fetching that language only when asked', async ({
  page,
  stack,
}) => {
  const scripts: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  const created = await stack.createSetup({ customerName: 'Contoso Ltd' });
  await page.goto(created.inviteUrl);
  await expect(
    page.getByRole('heading', { level: 1, name: 'Connect Contoso Ltd’s Dynamics 365 to Kantiv' }),
  ).toBeVisible();
  await expect(page).toHaveTitle('Welcome – Kantiv Connect');
  // English is in the first bundle; no other language was fetched for it.
  expect(scripts.filter((s) => /\/(de|fr|es|nl)-[\w-]+\.js$/.test(s))).toEqual([]);

  // A native select found by its label: keyboard users reach and change it as any other select.
  const languageSwitch = page.getByRole('combobox', { name: 'Language' });
  await languageSwitch.selectOption('de');
  await expect(
    page.getByRole('heading', { level: 1, name: 'Dynamics 365 von Contoso Ltd mit Kantiv verbinden' }),
  ).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page).toHaveTitle('Willkommen – Kantiv Connect');
  expect(scripts.filter((s) => /\/de-[\w-]+\.js$/.test(s))).toHaveLength(1);
  expect(scripts.filter((s) => /\/(fr|es|nl)-[\w-]+\.js$/.test(s))).toEqual([]);

  // The choice is remembered in this browser: a reload stays German.
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Sprache' })).toHaveValue('de');
  await expectAccessible(page, 'welcome after switching');
});

test.describe('a blocker in German', () => {
  test.use({ locale: 'de-DE' });

  test('languages › de: a missing Entra role is explained and its way out walked in German, on to Verbunden', async ({
    page,
    stack,
  }) => {
    const words = flatten(catalog('de'));
    const say = (key: string) => {
      const text = words.get(key);
      if (!text) throw new Error(`no German text for ${key}`);
      return text;
    };
    // Consented for the organization earlier; this admin lacks the directory role for now.
    grantTenantConsent(stack);
    const noRole = stack.emulator.control.setScenario({ name: 'admin-without-entra-role' });
    const created = await stack.createSetup({ customerName: 'Contoso Ltd' });
    await page.goto(created.inviteUrl);
    autoSignIn(stack, USERS.admin);
    await page.getByRole('button', { name: say('common.signInWithMicrosoft') }).click();

    const blocker = page.getByRole('alert').filter({ hasText: say('environment.blockersTitle') });
    await expect(blocker).toBeVisible({ timeout: 60_000 });
    await expect(blocker.getByRole('heading', { name: say('environment.blockersTitle') })).toBeVisible();
    await expect(blocker.getByTestId('blocker-missing_directory_role')).toBeVisible();
    const wayOut = page.getByTestId('blocker-way-out');
    await expect(wayOut.getByRole('link', { name: say('forward.email') })).toBeVisible();
    await expect(wayOut.getByRole('button', { name: say('wayOut.anotherAccount') })).toBeVisible();
    await expectPage(page, 'de', say('steps.environment'), 'environment blocker');

    // The role arrives; "Erneut prüfen" clears the blocker, and the rest of the way is German too.
    stack.emulator.control.clearScenario(noRole);
    await wayOut.getByRole('button', { name: say('wayOut.checkAgain') }).click();
    await expect(page.getByTestId('preflight-ok')).toBeVisible({ timeout: 60_000 });
    await expect(blocker).toHaveCount(0);
    await page
      .getByTestId('environments')
      .getByRole('button', { name: /Contoso Production/ })
      .click();
    await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });
    await page.getByRole('button', { name: say('plan.connect'), exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: say('done.connected') })).toBeVisible({
      timeout: 180_000,
    });
    await expectPage(page, 'de', say('steps.done'), 'done');
    await expectStatus(stack, created.setup.id, 'verified');
  });
});
