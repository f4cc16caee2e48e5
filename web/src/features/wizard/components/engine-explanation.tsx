import { useTranslation } from 'react-i18next';
import type { EngineText } from '@kantiv/shared/engine-texts';
import { engineWords } from '../lib/engine-words.ts';

/** What stopped the setup and how to fix it, in the page's language, with Microsoft's own words beside ours. */
export function EngineExplanation({
  error,
}: {
  error: { message: string; fix?: string | undefined; text?: EngineText | undefined };
}) {
  const { t, i18n } = useTranslation();
  const words = engineWords(error, t, i18n);
  return (
    <>
      {words.message && (
        <p lang={words.message.lang}>
          <strong>{words.message.text}</strong>
        </p>
      )}
      {words.microsoft && (
        <p>
          <span className="label">{t('common.microsoftSaid')} </span>
          <span lang="en">{words.microsoft}</span>
        </p>
      )}
      {words.fix && (
        <p>
          <span className="label">{t('common.howToFix')} </span>
          <span lang={words.fix.lang}>{words.fix.text}</span>
        </p>
      )}
    </>
  );
}
