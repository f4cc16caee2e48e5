import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInstance, type i18n as I18n } from 'i18next';
import { describe, expect, it } from 'vitest';
import { ENGINE_BLOCKER_CODES, ENGINE_FAILURE_CODES, ENGINE_TEXT_CODES } from '@kantiv/shared/engine-texts';
import { LANGUAGES } from '../src/features/wizard/lib/i18n.ts';
import { engineWords } from '../src/features/wizard/lib/engine-words.ts';
import { formatElapsed } from '../src/features/wizard/components/step-list.tsx';

/**
 * Every code the engine words its blockers and failures by has its lines in every shipped language, so no admin
 * meets an English explanation the catalogs were meant to hold; and the page shows our words in the admin's
 * language with Microsoft's own message untouched beside them.
 */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/features/wizard/locales');
type Tree = { [key: string]: string | Tree };
const load = (language: string): Tree =>
  JSON.parse(readFileSync(path.join(dir, `${language}.json`), 'utf8')) as Tree;
const line = (tree: Tree, ...keys: string[]): unknown =>
  keys.reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);

describe('engine codes in the catalogs', () => {
  for (const language of LANGUAGES) {
    const catalog = load(language);
    it(`${language}: every blocker has its message and fix, every failure its fix`, () => {
      const missing = [
        ...ENGINE_TEXT_CODES.filter((code) => !line(catalog, 'engine', code, 'fix')).map((c) => `${c}.fix`),
        ...ENGINE_BLOCKER_CODES.filter((code) => !line(catalog, 'engine', code, 'message')).map(
          (c) => `${c}.message`,
        ),
      ];
      expect(missing, `engine codes without a ${language} catalog line`).toEqual([]);
    });
    it(`${language}: no line for a code the engine does not have, no message for a failure`, () => {
      const known = new Set<string>(ENGINE_TEXT_CODES);
      const engine = (catalog.engine ?? {}) as Tree;
      expect(Object.keys(engine).filter((code) => !known.has(code))).toEqual([]);
      // A failure's message is Microsoft's: a catalog line would hide it behind our words.
      expect(ENGINE_FAILURE_CODES.filter((code) => line(catalog, 'engine', code, 'message'))).toEqual([]);
    });
  }
});

async function i18nIn(language: string): Promise<I18n> {
  const i18n = createInstance();
  await i18n.init({
    lng: language,
    fallbackLng: 'en',
    resources: { en: { translation: load('en') }, [language]: { translation: load(language) } },
    interpolation: { escapeValue: false },
  });
  return i18n;
}

describe('engineWords', () => {
  const blocker = {
    code: 'not_system_administrator',
    message: 'ada@contoso.com does not hold the security role System Administrator in the environment Sales.',
    fix: 'Ask an administrator of Sales to assign you the System Administrator role.',
    text: {
      key: 'not_system_administrator',
      params: { who: 'ada@contoso.com', environment: 'Sales', url: 'https://sales.crm4.dynamics.com' },
    },
  };
  const failure = {
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
    fix: 'Your account is not allowed to manage app registrations.',
    text: { key: 'graph_denied' },
  };

  it('words a blocker from the catalog with its names, in the page’s language', async () => {
    const i18n = await i18nIn('de');
    const words = engineWords(blocker, i18n.t, i18n);
    expect(words.message).toEqual({
      text: 'ada@contoso.com hat in der Umgebung Sales (https://sales.crm4.dynamics.com) nicht die Sicherheitsrolle Systemadministrator; ohne sie lassen sich die Sicherheitsrolle und der Anwendungsbenutzer nicht anlegen.',
      lang: undefined,
    });
    expect(words.fix?.text).toContain('Power Platform Admin Center → Umgebungen → Sales → Benutzer');
    expect(words.fix?.lang).toBeUndefined();
    expect(words.microsoft).toBeUndefined();
  });

  it('keeps Microsoft’s own message verbatim beside the translated fix', async () => {
    const i18n = await i18nIn('fr');
    const words = engineWords(failure, i18n.t, i18n);
    expect(words.microsoft).toBe('Insufficient privileges to complete the operation.');
    expect(words.message).toBeUndefined();
    expect(words.fix?.text).toMatch(
      /^Votre compte n’a pas le droit de gérer les inscriptions d’applications\./,
    );
  });

  it('shows the engine’s own English in English, and for a code the catalogs lack', async () => {
    const en = await i18nIn('en');
    expect(engineWords(blocker, en.t, en)).toEqual({
      message: { text: blocker.message, lang: 'en' },
      fix: { text: blocker.fix, lang: 'en' },
    });
    const nl = await i18nIn('nl');
    const newer = { ...failure, text: { key: 'from_a_newer_engine' } };
    expect(engineWords(newer, nl.t, nl)).toEqual({
      message: { text: failure.message, lang: 'en' },
      fix: { text: failure.fix, lang: 'en' },
    });
  });
});

describe('dates and durations through Intl', () => {
  const connected = {
    code: 'environment_already_connected',
    message: 'Sales is already connected to Kantiv.',
    text: {
      key: 'environment_already_connected',
      params: {
        name: 'Sales',
        by: 'ada@contoso.com',
        date: '2026-03-05T10:00:00.000Z',
        support: 'S',
        email: 'e',
      },
    },
  };

  it('writes the date a blocker names in the page’s language, not as the ISO string it travels as', async () => {
    const expected = { de: '5. März 2026', fr: '5 mars 2026', es: '5 de marzo de 2026', nl: '5 maart 2026' };
    for (const [language, date] of Object.entries(expected)) {
      const i18n = await i18nIn(language);
      const text = engineWords(connected, i18n.t, i18n).message?.text ?? '';
      expect(text.replace(/\s/g, ' '), language).toContain(date);
      expect(text, language).not.toContain('2026-03-05');
    }
  });

  it('writes a step’s time in minutes and seconds in the page’s language', () => {
    // Intl separates with (narrow) no-break spaces.
    const elapsed = (ms: number, language: string) => formatElapsed(ms, language).replace(/\s/g, ' ');
    expect(elapsed(4_200, 'en')).toBe('4 sec');
    expect(elapsed(65_000, 'en')).toBe('1 min 5 sec');
    expect(elapsed(65_000, 'de')).toBe('1 Min., 5 Sek.');
    expect(elapsed(125_000, 'fr')).toBe('2 min 5 s');
  });
});
