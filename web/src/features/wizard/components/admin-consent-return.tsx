import { useTranslation } from 'react-i18next';
import type { AdminConsentAnswer } from '../lib/admin-consent-answer.ts';
import { ENTRA_ROLE_NAMES } from '../lib/naming.ts';
import { StandalonePage } from './standalone-page.tsx';

/** The page a new tab opens on after the admin-consent link: what Microsoft answered, and where to go on. */
export function AdminConsentReturn({ answer }: { answer: AdminConsentAnswer }) {
  const { t } = useTranslation();
  const title = t(`adminConsentReturn.${answer.kind}Title`);
  return (
    <StandalonePage title={title} testId={`admin-consent-${answer.kind}`}>
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
    </StandalonePage>
  );
}
