import { Link, useNavigate } from 'react-router';
import { paths } from '../../../config/paths.ts';
import { APP_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DATAVERSE_ROLE } from '../lib/naming.ts';
import { getSetupToken } from '../lib/setup-token.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { useWizardSignIn } from '../hooks/use-wizard-sign-in.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { ForwardSetup } from './forward-setup.tsx';
import type { SignInPageState } from './sign-in-page.tsx';

function prefetchAuth() {
  void import('../lib/auth.ts').catch(() => undefined);
}

export function WelcomePage() {
  const { setup } = useWizard();
  const navigate = useNavigate();
  // A full-page sign-in (popup blocked) comes back to the sign-in page, which finishes it; this page never has to.
  const { busy, signIn } = useWizardSignIn({ finishRedirect: false });

  async function onSignIn() {
    saveChoices(setup.id, { welcomed: true });
    const signInPage = paths.setup.step(setup.id, 'sign-in');
    const problem = await signIn(`${window.location.origin}${signInPage}`);
    if (problem) await navigate(signInPage, { state: { problem } satisfies SignInPageState });
  }

  return (
    <>
      <h1 tabIndex={-1}>Connect {setup.customerName}&rsquo;s Dynamics 365 to Kantiv</h1>
      <p className="lead">
        You sign in with Microsoft, choose your Dynamics 365 environment, check the plan and click{' '}
        <em>Connect</em>. Kantiv Connect then does the setup for you, in your browser, with your own sign-in.
        It usually takes about two minutes; sometimes up to ten while Microsoft copies new objects across its
        data centres.
      </p>

      <section aria-labelledby="what-heading">
        <h2 id="what-heading">What will be created in your tenant</h2>
        <ul>
          <li>
            An app registration named <strong>{APP_DISPLAY_NAME}</strong>, for your organization only (single
            tenant).
          </li>
          <li>
            A client secret named <strong>{SECRET_DISPLAY_NAME}</strong>, valid for{' '}
            {setup.secretLifetimeMonths} months (or less if your tenant&rsquo;s policy says so). It goes
            straight to Kantiv&rsquo;s encrypted vault: you never see, copy or email it.
          </li>
          <li>The Dynamics CRM permission the connection needs (user_impersonation).</li>
          <li>
            A security role <strong>{setup.manifest.roleName}</strong> holding only the table access Kantiv
            needs (you can pick an existing role instead).
          </li>
          <li>An application user for the app in your Dynamics 365 environment, with that role.</li>
        </ul>
        <p>Nothing else is changed, and you see the exact plan before anything is created.</p>
      </section>

      <section aria-labelledby="who-heading">
        <h2 id="who-heading">Who can do this</h2>
        <p>The person who signs in needs both of these roles:</p>
        <div className="table-scroll" role="region" aria-label="Roles needed" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Roles needed</caption>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Microsoft Entra ID</th>
                <td>
                  Cloud Application Administrator or Application Administrator (Global Administrator also
                  works)
                </td>
              </tr>
              <tr>
                <th scope="row">Your Dynamics 365 environment</th>
                <td>{DATAVERSE_ROLE}</td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>

      {getSetupToken() && (
        <section aria-labelledby="forward-heading">
          <h2 id="forward-heading">Not you? Forward this setup</h2>
          <p>If a colleague holds these roles, send them this invite. It works until the invite expires.</p>
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
          {busy ? 'Waiting for Microsoft…' : 'Sign in with Microsoft'}
        </button>
        <Link to={paths.setup.manual(setup.id)}>I prefer to set it up by hand</Link>
      </p>
      <p className="muted">
        A Microsoft window opens. If your browser blocks it, this page moves to Microsoft and comes back here.
      </p>
    </>
  );
}
