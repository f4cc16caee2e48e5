import { Trans, useTranslation } from 'react-i18next';
import { useWizard } from '../hooks/use-wizard.ts';
import { ForwardSetup } from './forward-setup.tsx';

/**
 * While Microsoft's sign-in window is open at the invited organization's authority. An admin of another organization
 * is refused there with AADSTS50020 on Microsoft's own page, which never comes back to the wizard (FIDELITY F7-1,
 * F7-2): the wizard cannot see that page, so it says beforehand what that message means and what to do. MSAL does
 * not notice a closed window either (it waits up to `POPUP_ANSWER_TIMEOUT_MS` for an answer), so the admin says so
 * here (`onWindowClosed`), and is back to signing in at once.
 */
export function SignInWaiting({ onWindowClosed }: { onWindowClosed: () => void }) {
  const { t } = useTranslation();
  const { setup } = useWizard();
  const organization = setup.expectedTenantDomain ?? setup.tenantId;
  return (
    <section
      className="notice"
      role="status"
      aria-labelledby="sign-in-waiting-title"
      data-testid="sign-in-waiting"
    >
      <h2 id="sign-in-waiting-title">{t('signInWaiting.title')}</h2>
      {organization && (
        <>
          <p>
            <Trans
              i18nKey="signInWaiting.wrongTenant"
              values={{ organization }}
              components={{ name: <strong translate="no" />, code: <code translate="no" /> }}
            />
          </p>
          <p>{t('signInWaiting.whatToDo', { organization })}</p>
          <ForwardSetup setupId={setup.id} />
        </>
      )}
      <p>{t('signInWaiting.closedLead')}</p>
      <p className="actions">
        <button type="button" className="button button--secondary" onClick={onWindowClosed}>
          {t('signInWaiting.closed')}
        </button>
      </p>
    </section>
  );
}
