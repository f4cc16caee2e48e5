import { Trans, useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { APP_DISPLAY_NAME, CERTIFICATE_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DATAVERSE_ROLE, ENTRA_ROLE_NAMES } from '../lib/naming.ts';
import { getSetupToken } from '../lib/setup-token.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { useWizardSignIn } from '../hooks/use-wizard-sign-in.ts';
import { SignInWaiting } from './sign-in-waiting.tsx';
import { saveChoices } from '../lib/wizard-memory.ts';
import { FollowUpNotice } from './follow-up-notice.tsx';
import { ForwardSetup } from './forward-setup.tsx';
import type { SignInPageState } from './sign-in-page.tsx';

function prefetchAuth() {
  void import('../lib/auth.ts').catch(() => undefined);
}

/** Names of what is created, and Microsoft's own names: shown as they are, whatever the page's language. */
const name = <strong translate="no" />;

export function WelcomePage() {
  const { t } = useTranslation();
  const { setup } = useWizard();
  const navigate = useNavigate();
  // A full-page sign-in (popup blocked) comes back to the sign-in page, which finishes it; this page never has to.
  const { busy, signIn, abandon } = useWizardSignIn({ finishRedirect: false });

  async function onSignIn() {
    saveChoices(setup.id, { welcomed: true });
    const signInPage = paths.setup.step(setup.id, 'sign-in');
    const problem = await signIn(`${window.location.origin}${signInPage}`);
    if (problem) await navigate(signInPage, { state: { problem } satisfies SignInPageState });
  }

  return (
    <>
      <h1 tabIndex={-1}>
        {setup.link?.purpose === 'renew'
          ? t('followUp.renewTitle')
          : setup.link?.purpose === 'repair'
            ? t('followUp.repairTitle')
            : t('welcome.title', { customer: setup.customerName })}
      </h1>
      <FollowUpNotice setup={setup} />
      <p className="lead">
        <Trans i18nKey="welcome.lead" components={{ em: <em /> }} />
      </p>

      <section aria-labelledby="what-heading">
        <h2 id="what-heading">{t('welcome.whatHeading')}</h2>
        <ul>
          <li>
            <Trans i18nKey="welcome.whatApp" values={{ app: APP_DISPLAY_NAME }} components={{ name }} />
          </li>
          <li>
            <Trans
              i18nKey="welcome.whatCredential"
              count={setup.secretLifetimeMonths}
              values={{ certificate: CERTIFICATE_DISPLAY_NAME, secret: SECRET_DISPLAY_NAME }}
              components={{ name }}
            />
          </li>
          <li>{t('welcome.whatPermission')}</li>
          <li>
            <Trans
              i18nKey="welcome.whatRole"
              values={{ role: setup.manifest.roleName }}
              components={{ name }}
            />
          </li>
          <li>{t('welcome.whatUser')}</li>
        </ul>
        <p>{t('welcome.nothingElse')}</p>
      </section>

      <section aria-labelledby="who-heading">
        <h2 id="who-heading">{t('welcome.whoHeading')}</h2>
        <p>{t('welcome.whoLead')}</p>
        <div className="table-scroll" role="region" aria-label={t('welcome.rolesNeeded')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('welcome.rolesNeeded')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('welcome.where')}</th>
                <th scope="col">{t('welcome.role')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row" translate="no">
                  Microsoft Entra ID
                </th>
                <td>{t('welcome.entraRoles', ENTRA_ROLE_NAMES)}</td>
              </tr>
              <tr>
                <th scope="row">{t('welcome.yourEnvironment')}</th>
                <td translate="no">{DATAVERSE_ROLE}</td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>

      {getSetupToken() && (
        <section aria-labelledby="forward-heading">
          <h2 id="forward-heading">{t('welcome.forwardHeading')}</h2>
          <p>{t('welcome.forwardLead')}</p>
          <ForwardSetup setupId={setup.id} />
        </section>
      )}

      <p className="actions">
        <button
          type="button"
          className="button button--primary"
          disabled={busy}
          // MSAL is fetched as the admin heads for the button (not with the page, which stays small), so the click
          // opens Microsoft's window at once, within the click's user activation that popup blockers require.
          onPointerEnter={prefetchAuth}
          onFocus={prefetchAuth}
          onClick={() => void onSignIn()}
        >
          {busy ? t('common.waitingForMicrosoft') : t('common.signInWithMicrosoft')}
        </button>
        <Link to={paths.setup.manual(setup.id)}>{t('welcome.byHand')}</Link>
      </p>
      {/* A closed window ends the sign-in as a problem: the sign-in page explains it and signs in again. */}
      {busy && <SignInWaiting onWindowClosed={abandon} />}
      <p className="muted">{t('common.popupNote')}</p>
    </>
  );
}
