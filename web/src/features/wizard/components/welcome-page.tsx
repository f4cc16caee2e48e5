import { Link, useNavigate } from 'react-router';
import { CopyButton } from '../../../components/copy-button.tsx';
import { paths } from '../../../config/paths.ts';
import { APP_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';
import { DATAVERSE_ROLE } from '../lib/naming.ts';
import { getSetupToken } from '../lib/setup-token.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { saveChoices } from '../lib/wizard-memory.ts';

export function WelcomePage() {
  const { setup } = useWizard();
  const navigate = useNavigate();
  const token = getSetupToken();
  // The invite link as Kantiv sent it, for a colleague who holds the roles; it carries the invite, never a secret.
  const inviteLink = token
    ? `${window.location.origin}${paths.setup.root(setup.id)}#token=${token}`
    : undefined;
  const mailto = inviteLink
    ? `mailto:?subject=${encodeURIComponent('Please connect our Dynamics 365 to Kantiv')}&body=${encodeURIComponent(
        `Hi,\n\nKantiv needs a connection to our Dynamics 365 environment. It takes a few minutes and needs the Entra roles Cloud Application Administrator (or Application Administrator) and System Administrator in the Dynamics environment.\n\nPlease open this link: ${inviteLink}\n`,
      )}`
    : undefined;

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
            An app registration named <strong>{APP_DISPLAY_NAME}</strong>, for your organisation only (single
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

      {inviteLink && (
        <section aria-labelledby="forward-heading">
          <h2 id="forward-heading">Not you? Forward this setup</h2>
          <p>If a colleague holds these roles, send them this invite. It works until the invite expires.</p>
          <p className="actions">
            <CopyButton value={inviteLink} label="invite link" />
            {mailto && (
              <a className="button button--secondary" href={mailto}>
                Email the link to a colleague
              </a>
            )}
          </p>
        </section>
      )}

      <p className="actions">
        <button
          type="button"
          className="button button--primary"
          onClick={() => {
            saveChoices(setup.id, { welcomed: true });
            void navigate(paths.setup.step(setup.id, 'sign-in'));
          }}
        >
          Continue to sign in
        </button>
        <Link to={paths.setup.manual(setup.id)}>I prefer to set it up by hand</Link>
      </p>
    </>
  );
}
