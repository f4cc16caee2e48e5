import { Link, useNavigate } from 'react-router';
import { externalLinks, paths } from '../../../config/paths.ts';
import { ApiClientError } from '../../../lib/api-client.ts';
import { bindIdentity } from '../api/bind-identity.ts';
import { useAdminSignIn, type AdminSignInProblem } from '../hooks/use-admin-sign-in.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { ADMIN_CONSENT_SCOPES, redirectUri, signOut } from '../lib/auth.ts';

/**
 * Kantiv refuses an identity of another tenant than the invite's, a token it cannot check (or one too old, or not
 * started from this invite), or an invite whose organisation Microsoft does not know: the admin signs in afresh.
 */
const REFUSED_SIGN_IN = ['tenant_mismatch', 'invalid_id_token', 'unknown_tenant_domain'];

function bindProblem(err: unknown): AdminSignInProblem {
  if (err instanceof ApiClientError && REFUSED_SIGN_IN.includes(err.code)) {
    return { kind: 'tenant', code: err.code, message: err.message };
  }
  return {
    kind: 'other',
    code: err instanceof ApiClientError ? err.code : 'unknown',
    message: err instanceof Error ? err.message : 'Kantiv Connect could not confirm your sign-in.',
  };
}

export function SignInPage() {
  const { setup, config, account } = useWizard();
  const navigate = useNavigate();
  const { busy, problem, clearProblem, signIn, continueAsSignedIn } = useAdminSignIn({
    config,
    nonce: setup.signInNonce,
    finishRedirect: true,
    onIdToken: async (idToken) => {
      try {
        await bindIdentity(idToken);
        await navigate(paths.setup.step(setup.id, 'environment'));
        return undefined;
      } catch (err) {
        return bindProblem(err);
      }
    },
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
    ADMIN_CONSENT_SCOPES,
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
            again and choose <em>Accept</em>, or, if your organisation lets only administrators grant
            permissions to apps, ask a Global Administrator or Privileged Role Administrator to grant consent
            for your organisation with this link, then sign in again:
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
              Sign in with an account of the organisation Kantiv invited
              {setup.expectedTenantDomain ? ` (${setup.expectedTenantDomain})` : ''}, or ask Kantiv to check
              the invite.
            </p>
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
