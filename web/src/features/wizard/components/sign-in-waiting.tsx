import { Trans, useTranslation } from 'react-i18next';
import { useWizard } from '../hooks/use-wizard.ts';
import { ForwardSetup } from './forward-setup.tsx';

/**
 * While Microsoft's sign-in window is open at the invited organization's authority. An admin of another organization
 * is refused there with AADSTS50020 on Microsoft's own page, which never comes back to the wizard (FIDELITY F7-1,
 * F7-2): the wizard cannot see that page, so it says beforehand what that message means and what to do.
 */
export function SignInWaiting() {
  const { t } = useTranslation();
  const { setup } = useWizard();
  const organization = setup.expectedTenantDomain ?? setup.tenantId;
  if (!organization) return null;
  return (
    <section
      className="notice"
      role="status"
      aria-labelledby="sign-in-waiting-title"
      data-testid="sign-in-waiting"
    >
      <h2 id="sign-in-waiting-title">{t('signInWaiting.title')}</h2>
      <p>
        <Trans
          i18nKey="signInWaiting.wrongTenant"
          values={{ organization }}
          components={{ name: <strong translate="no" />, code: <code translate="no" /> }}
        />
      </p>
      <p>{t('signInWaiting.whatToDo', { organization })}</p>
      <ForwardSetup setupId={setup.id} />
    </section>
  );
}
