import { CopyButton } from '../../../components/copy-button.tsx';
import { paths } from '../../../config/paths.ts';
import { getSetupToken } from '../lib/setup-token.ts';

/**
 * The invite link as Kantiv sent it, for a colleague who holds the roles (copy, or an e-mail ready to send); it
 * carries the invite, never a secret. Nothing is shown when this tab has no invite token to pass on.
 */
export function ForwardSetup({ setupId }: { setupId: string }) {
  const token = getSetupToken();
  if (!token) return null;
  const inviteLink = `${window.location.origin}${paths.setup.root(setupId)}#token=${token}`;
  const mailto = `mailto:?subject=${encodeURIComponent('Please connect our Dynamics 365 to Kantiv')}&body=${encodeURIComponent(
    `Hi,\n\nKantiv needs a connection to our Dynamics 365 environment. It takes a few minutes and needs the Entra roles Cloud Application Administrator (or Application Administrator) and System Administrator in the Dynamics environment.\n\nPlease open this link: ${inviteLink}\n`,
  )}`;
  return (
    <p className="actions" data-testid="forward-setup">
      <CopyButton value={inviteLink} label="invite link" />
      <a className="button button--secondary" href={mailto}>
        Email the link to a colleague
      </a>
    </p>
  );
}
