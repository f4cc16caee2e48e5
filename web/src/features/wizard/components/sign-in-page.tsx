import { useEffect, useRef } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { externalLinks, paths } from '../../../config/paths.ts';
import { ForwardSetup } from './forward-setup.tsx';
import { SignInWaiting } from './sign-in-waiting.tsx';
import type { AdminSignInProblem } from '../hooks/use-admin-sign-in.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { useWizardSignIn } from '../hooks/use-wizard-sign-in.ts';
import { adminConsentScopes, redirectUri } from '../lib/sign-in-scopes.ts';
import { ENTRA_ROLE_NAMES } from '../lib/naming.ts';
import { signInProblemWords } from '../lib/problem-words.ts';

/** Where the welcome page's sign-in sends the admin when Microsoft or Kantiv said no: the problem, explained. */
export type SignInPageState = { problem?: AdminSignInProblem } | null;

/** MSAL is fetched as the admin heads for the button, so the click opens Microsoft's window within its activation. */
function prefetchAuth() {
  void import('../lib/auth.ts').catch(() => undefined);
}

export function SignInPage() {
  const { t } = useTranslation();
  const { setup, config, account: signedIn } = useWizard();
  // Only a sign-in made for this setup can be continued; any other cached account signs in afresh (account picker).
  const account = signedIn?.signedInForSetup ? signedIn : undefined;
  const navigate = useNavigate();
  const sent = useLocation().state as SignInPageState;
  const { busy, problem, clearProblem, signIn, continueAsSignedIn, abandon } = useWizardSignIn({
    finishRedirect: true,
    initialProblem: sent?.problem,
  });
  // After "I closed Microsoft's window" the control is gone with the waiting panel: focus goes to the sign-in button.
  const signInButton = useRef<HTMLButtonElement>(null);
  const focusSignIn = useRef(false);
  useEffect(() => {
    if (!focusSignIn.current || busy) return;
    focusSignIn.current = false;
    signInButton.current?.focus();
  }, [busy]);

  async function onSwitchAccount() {
    await (await import('../lib/auth.ts')).signOut();
    clearProblem();
    await navigate(paths.setup.step(setup.id, 'sign-in'), { replace: true });
  }

  const consentLink = externalLinks.adminConsent(
    config.microsoft.authorityHost,
    setup.expectedTenantDomain ?? setup.tenantId ?? 'organizations',
    config.microsoft.wizardClientId,
    adminConsentScopes(config),
    redirectUri(),
  );

  return (
    <>
      <h1 tabIndex={-1}>{t('signIn.title')}</h1>
      <p className="lead">
        {setup.expectedTenantDomain ? (
          <Trans
            i18nKey="signIn.leadIn"
            values={{ domain: setup.expectedTenantDomain }}
            components={{ name: <strong translate="no" /> }}
          />
        ) : (
          t('signIn.lead')
        )}
      </p>

      {/* Who can consent for the whole organization to delegated permissions: Microsoft's "Grant tenant-wide admin
          consent" prerequisites list Cloud Application Administrator and Application Administrator besides
          Privileged Role Administrator (and Global Administrator); only Graph application permissions need more. */}
      {problem?.kind === 'consent' && (
        <section
          className="notice notice--error"
          role="alert"
          aria-labelledby="consent-title"
          data-testid="consent-declined"
        >
          <h2 id="consent-title">{t('signIn.consentTitle')}</h2>
          <p>
            <Trans i18nKey="signIn.consentBody" values={ENTRA_ROLE_NAMES} components={{ em: <em /> }} />
          </p>
          <p>
            <a href={consentLink} target="_blank" rel="noreferrer">
              {t('signIn.consentLink')}
            </a>
          </p>
          <p>
            <Trans
              i18nKey="signIn.consentByHand"
              components={{ manual: <Link to={paths.setup.manual(setup.id)} /> }}
            />
          </p>
          <p className="muted">{t('common.microsoftCode', { code: problem.code })}</p>
        </section>
      )}
      {problem && problem.kind !== 'consent' && (
        <div className="notice notice--error" role="alert" data-testid="sign-in-problem">
          <p lang={signInProblemWords(problem, t).lang}>{signInProblemWords(problem, t).text}</p>
          {problem.kind === 'tenant' && problem.code === 'tenant_mismatch' && (
            <p>
              {setup.expectedTenantDomain
                ? t('signIn.tenantMismatchIn', { domain: setup.expectedTenantDomain })
                : t('signIn.tenantMismatch')}
            </p>
          )}
          {problem.kind === 'tenant' && (
            <>
              <p>{t('signIn.forwardToColleague')}</p>
              <ForwardSetup setupId={setup.id} />
            </>
          )}
        </div>
      )}

      <div className="actions">
        {account && problem?.kind !== 'tenant' ? (
          <button
            ref={signInButton}
            type="button"
            className="button button--primary"
            disabled={busy}
            onPointerEnter={prefetchAuth}
            onFocus={prefetchAuth}
            onClick={() => void continueAsSignedIn()}
          >
            {t('signIn.continueAs', { username: account.username })}
          </button>
        ) : (
          <button
            ref={signInButton}
            type="button"
            className="button button--primary"
            disabled={busy}
            onPointerEnter={prefetchAuth}
            onFocus={prefetchAuth}
            onClick={() => void signIn()}
          >
            {busy ? t('common.waitingForMicrosoft') : t('common.signInWithMicrosoft')}
          </button>
        )}
        {account && (
          <button
            type="button"
            className="button button--secondary"
            disabled={busy}
            onClick={() => void onSwitchAccount()}
          >
            {t('signIn.anotherAccount')}
          </button>
        )}
      </div>
      {busy && (
        <SignInWaiting
          onWindowClosed={() => {
            abandon();
            focusSignIn.current = true;
          }}
        />
      )}
      <p className="muted">{t('common.popupNote')}</p>
    </>
  );
}
