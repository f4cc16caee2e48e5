import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en.json';

/** The languages the wizard ships; English is in the first bundle, the others are fetched when chosen. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language by its own name, so an admin finds theirs whatever the page is in. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  nl: 'Nederlands',
};

export type Catalog = typeof en;

const loaders: Record<Exclude<Language, 'en'>, () => Promise<{ default: Catalog }>> = {
  de: () => import('../locales/de.json'),
  fr: () => import('../locales/fr.json'),
  es: () => import('../locales/es.json'),
  nl: () => import('../locales/nl.json'),
};

const STORAGE_KEY = 'kantiv.language';

function isLanguage(value: string | null | undefined): value is Language {
  return LANGUAGES.includes(value as Language);
}

/**
 * The admin's explicit choice (kept in this browser) wins; then the browser's languages in order of preference, by
 * their primary subtag (`de-AT` → `de`); then English.
 */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

function storedLanguage(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the browser's language still applies
  }
}

void i18next.use(initReactI18next).init({
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  resources: { en: { translation: en } },
  // Synchronous: the catalog is bundled, so the first render already has its words.
  initAsync: false,
  // React escapes what it renders; escaping here too would show `&amp;` in names.
  interpolation: { escapeValue: false },
  returnNull: false,
});

async function activate(language: Language): Promise<void> {
  if (language !== 'en' && !i18next.hasResourceBundle(language, 'translation')) {
    const catalog = await loaders[language]();
    i18next.addResourceBundle(language, 'translation', catalog.default);
  }
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

let first: Promise<void> | undefined;

/** The language this browser asks for, loaded before the first wizard page renders (once). */
export function ensureLanguage(): Promise<void> {
  first ??= activate(pickLanguage(storedLanguage(), navigator.languages)).catch(() => undefined);
  return first;
}

/** The language switch: loads the catalog if needed, switches every page, and remembers it in this browser. */
export async function chooseLanguage(language: Language): Promise<void> {
  await activate(language);
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts for this page
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

export { i18next as i18n };
