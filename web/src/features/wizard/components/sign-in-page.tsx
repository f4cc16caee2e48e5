import { Link, useLocation, useNavigate } from 'react-router';
import { externalLinks, paths } from '../../../config/paths.ts';
import { ForwardSetup } from './forward-setup.tsx';
import type { AdminSignInProblem } from '../hooks/use-admin-sign-in.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { useWizardSignIn } from '../hooks/use-wizard-sign-in.ts';
import { adminConsentScopes, redirectUri, signOut } from '../lib/auth.ts';

/** Where the welcome page's sign-in sends the admin when Microsoft or Kantiv said no: the problem, explained. */
export type SignInPageState = { problem?: AdminSignInProblem } | null;

export function SignInPage() {
  const { setup, config, account } = useWizard();
  const navigate = useNavigate();
  const sent = useLocation().state as SignInPageState;
  const { busy, problem, clearProblem, signIn, continueAsSignedIn } = useWizardSignIn({
    finishRedirect: true,
    initialProblem: sent?.problem,
  });

  async function onSwitchAccount() {
    await signOut();
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
      <h1 tabIndex={-1}>Sign in with Microsoft</h1>
      <p className="lead">
        Use the work account that holds the Entra and Dynamics 365 roles
        {setup.expectedTenantDomain ? (
          <>
            {' '}
            in <strong>{setup.expectedTenantDomain}</strong>
          </>
        ) : null}
        . Microsoft will ask you to allow Kantiv Connect to create app registrations and to read your Dynamics
        365 environments, on your behalf and only while this page is open.
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
          <h2 id="consent-title">Kantiv Connect did not get the permissions it needs</h2>
          <p>
            Without your consent, Kantiv Connect cannot create the app registration for you. Either sign in
            again and choose <em>Accept</em>, or, if your organization lets only administrators grant
            permissions to apps, ask someone who can grant them for the whole organization (a Cloud
            Application Administrator, Application Administrator, Privileged Role Administrator or Global
            Administrator) to open this link, then sign in again:
          </p>
          <p>
            <a href={consentLink} target="_blank" rel="noreferrer">
              Grant admin consent for Kantiv Connect (opens Microsoft in a new tab)
            </a>
          </p>
          <p>
            You can also <Link to={paths.setup.manual(setup.id)}>set up the connection by hand</Link> instead.
          </p>
          <p className="muted">Microsoft code: {problem.code}</p>
        </section>
      )}
      {problem && problem.kind !== 'consent' && (
        <div className="notice notice--error" role="alert" data-testid="sign-in-problem">
          <p>{problem.message}</p>
          {problem.kind === 'tenant' && problem.code === 'tenant_mismatch' && (
            <p>
              Sign in with an account of the organization Kantiv invited
              {setup.expectedTenantDomain ? ` (${setup.expectedTenantDomain})` : ''}, or ask Kantiv to check
              the invite.
            </p>
          )}
          {problem.kind === 'tenant' && (
            <>
              <p>Or forward this setup to a colleague in that organization:</p>
              <ForwardSetup setupId={setup.id} />
            </>
          )}
        </div>
      )}

      <div className="actions">
        {account && problem?.kind !== 'tenant' ? (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void continueAsSignedIn()}
          >
            Continue as {account.username}
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void signIn()}
          >
            {busy ? 'Waiting for Microsoft…' : 'Sign in with Microsoft'}
          </button>
        )}
        {account && (
          <button
            type="button"
            className="button button--secondary"
            disabled={busy}
            onClick={() => void onSwitchAccount()}
          >
            Use another account
          </button>
        )}
      </div>
      <p className="muted">
        A Microsoft window opens. If your browser blocks it, this page moves to Microsoft and comes back here.
      </p>
    </>
  );
}
