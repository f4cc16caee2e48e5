import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STEP_NAMES } from '@kantiv/shared/steps';
import { LANGUAGES } from '../src/features/wizard/lib/i18n.ts';

/**
 * Every shipped language holds every sentence of the English catalog, with the same placeholders and the same
 * markup, and the plural forms its own grammar needs (`Intl.PluralRules`): a missing key would show English in the
 * middle of a German page, a lost `{{role}}` a sentence without its role.
 */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/features/wizard/locales');
type Tree = { [key: string]: string | Tree };
const load = (language: string): Tree =>
  JSON.parse(readFileSync(path.join(dir, `${language}.json`), 'utf8')) as Tree;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, '');
/** Placeholders by name (`{{until, datetime(…)}}` → `until`) and markup tags, sorted. */
const shape = (text: string) =>
  [
    ...[...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => `{{${m[1]}}}`),
    ...[...text.matchAll(/<\/?(\w+)\s*\/?>/g)].map((m) => `<${m[1]}>`),
  ].sort();

const english = flatten(load('en'));
const englishBases = new Map<string, string>();
for (const [key, text] of english) englishBases.set(base(key), text);
const pluralBases = new Set([...english.keys()].filter((k) => PLURAL.test(k)).map(base));

describe('wizard catalogs', () => {
  it('ship the five languages the issue asks for', () => {
    expect([...LANGUAGES]).toEqual(['en', 'de', 'fr', 'es', 'nl']);
  });

  it('name each step in English as the support console does (one name per step)', () => {
    const names = Object.fromEntries(
      [...english].filter(([k]) => k.startsWith('stepNames.')).map(([k, v]) => [k.slice(10), v]),
    );
    expect(names).toEqual(STEP_NAMES);
  });

  it('use no HTML void element as a tag (react-i18next would render it empty: `<link>` loses its words)', () => {
    const VOID = /<(area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)>/;
    const wrong = [...english].filter(([, text]) => VOID.test(text)).map(([key]) => key);
    expect(wrong).toEqual([]);
  });

  for (const language of LANGUAGES) {
    describe(language, () => {
      const catalog = flatten(load(language));
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;

      it('holds every English key, and no key English does not have', () => {
        const missing: string[] = [];
        for (const key of englishBases.keys()) {
          if (pluralBases.has(key)) {
            for (const c of categories) if (!catalog.has(`${key}_${c}`)) missing.push(`${key}_${c}`);
          } else if (!catalog.has(key)) missing.push(key);
        }
        const unknown = [...catalog.keys()].filter((k) => !englishBases.has(base(k)));
        expect(missing, `keys missing in ${language}.json`).toEqual([]);
        expect(unknown, `keys in ${language}.json that en.json does not have`).toEqual([]);
      });

      it('keeps every placeholder and tag of the English sentence, and leaves none empty', () => {
        const wrong: string[] = [];
        for (const [key, text] of catalog) {
          const source = english.get(key) ?? englishBases.get(base(key)) ?? '';
          if (text.trim() === '') wrong.push(`${key}: empty`);
          else if (shape(text).join() !== shape(source).join())
            wrong.push(`${key}: ${shape(text).join()} ≠ en ${shape(source).join()}`);
        }
        expect(wrong, `sentences of ${language}.json`).toEqual([]);
      });
    });
  }
});
