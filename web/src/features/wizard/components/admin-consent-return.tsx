import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../hooks/use-page-title.ts';
import type { AdminConsentAnswer } from '../lib/admin-consent-answer.ts';
import { ENTRA_ROLE_NAMES } from '../lib/naming.ts';
import { LanguageSwitch } from './language-switch.tsx';

/** The page a new tab opens on after the admin-consent link: what Microsoft answered, and where to go on. */
export function AdminConsentReturn({ answer }: { answer: AdminConsentAnswer }) {
  const { t } = useTranslation();
  const title = t(`adminConsentReturn.${answer.kind}Title`);
  usePageTitle(title);
  return (
    <div className="wizard">
      <header className="wizard__header">
        <p className="brand" translate="no">
          Kantiv Connect
        </p>
        <LanguageSwitch />
      </header>
      <main id="main" className="wizard__main" data-testid={`admin-consent-${answer.kind}`}>
        <h1>{title}</h1>
        {answer.kind === 'granted' && (
          <>
            <p>{t('adminConsentReturn.grantedBody', { tenant: answer.tenant })}</p>
            <p>{t('adminConsentReturn.grantedNext')}</p>
          </>
        )}
        {answer.kind === 'declined' && <p>{t('adminConsentReturn.declinedBody', ENTRA_ROLE_NAMES)}</p>}
        {answer.kind === 'failed' && (
          <>
            <p>{t('adminConsentReturn.failedBody')}</p>
            <blockquote lang="en">{answer.description}</blockquote>
          </>
        )}
        {answer.kind !== 'granted' && (
          <>
            <p>{t('adminConsentReturn.next')}</p>
            <p className="muted">{t('common.microsoftCode', { code: answer.code })}</p>
          </>
        )}
      </main>
    </div>
  );
}
