import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage, LANGUAGE_NAMES, LANGUAGES, type Language } from '../lib/i18n.ts';
import './language-switch.css';

/**
 * The page's language, changed at once (the catalog is fetched first when it is not loaded yet). A native select:
 * labelled, reachable with Tab and changed with the arrow keys; each language is named in itself, with its `lang`.
 */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const id = useId();
  const [busy, setBusy] = useState(false);
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('shell.language')}</label>
      <select
        id={id}
        value={currentLanguage()}
        disabled={busy}
        data-testid="language-switch"
        onChange={(e) => {
          setBusy(true);
          void chooseLanguage(e.target.value as Language).finally(() => setBusy(false));
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
