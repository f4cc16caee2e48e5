import type { i18n as I18n, TFunction } from 'i18next';
import type { EngineText } from '@kantiv/shared/engine-texts';

export type Worded = { text: string; lang: string | undefined };

/** A blocker or failure as the page shows it: our explanation and fix, and Microsoft's own message untouched. */
export type EngineWords = { message?: Worded; fix?: Worded; microsoft?: string };

type Explained = { message: string; fix?: string | undefined; text?: EngineText | undefined };

/**
 * In English the engine's own sentences are shown (support reads the same words, with their particulars). In another
 * language the catalog words the code with its parameters (`engine.<code>.message` for our blockers,
 * `engine.<code>.fix` for every code); a failure Microsoft answered keeps Microsoft's message verbatim, marked
 * English, beside our explanation. A code the catalogs lack (a newer engine) falls back to the English text.
 */
/** Parameters named `date` come as ISO strings; the catalogs format them with Intl (`{{date, datetime(…)}}`). */
function withDates(params: Record<string, string>): Record<string, string | Date> {
  const date = params.date === undefined ? Number.NaN : Date.parse(params.date);
  return Number.isNaN(date) ? params : { ...params, date: new Date(date) };
}

export function engineWords(error: Explained, t: TFunction, i18n: I18n): EngineWords {
  const english = { lang: 'en' };
  const key = error.text?.key;
  const fixKey = `engine.${key}.fix`;
  if (i18n.language === 'en' || !key || !i18n.exists(fixKey)) {
    return {
      message: { text: error.message, ...english },
      ...(error.fix ? { fix: { text: error.fix, ...english } } : {}),
    };
  }
  const raw = error.text?.params ?? {};
  const params = withDates(raw);
  const messageKey = `engine.${key}.message`;
  const fix = { text: t(fixKey, params), lang: undefined };
  if (i18n.exists(messageKey)) {
    return {
      message: { text: t(messageKey, params), lang: undefined },
      fix,
      ...(raw.microsoft ? { microsoft: raw.microsoft } : {}),
    };
  }
  return { fix, microsoft: error.message };
}
