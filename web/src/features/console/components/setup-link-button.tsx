import { useState } from 'react';
import type { Setup } from '@kantiv/shared/setup';
import { linkAllowed } from '@kantiv/shared/setup-actions';
import type { CreateSetupLinkResponse, SetupLinkPurpose } from '@kantiv/shared/setup-links';
import { createSetupLink } from '../api/create-setup-link.ts';
import { useConsole } from '../hooks/use-console.ts';
import { errorMessage } from '../lib/loaded.ts';
import { formatDateTime } from '../lib/format.ts';
import { ActionButton } from './action-button.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValuePanel } from './one-time-value.tsx';

const WORDS: Record<SetupLinkPurpose, { button: string; what: string; notNow: string }> = {
  renew: {
    button: 'Renewal link',
    what: 'renewal link: the wizard adds a new certificate to the same app, Kantiv switches to it, then the old credential is removed',
    notNow: 'Only a verified connection can be renewed.',
  },
  repair: {
    button: 'Repair link',
    what: 'repair link: the wizard recreates only what the health check found missing',
    notNow: 'A repair link is offered once a health check found drift.',
  },
  disconnect: {
    button: 'Disconnect link',
    what: "disconnect link: the customer's admin removes the application user, Kantiv's role and the app registration (restorable for 30 days), and Kantiv destroys its credential",
    notNow: 'A disconnect link is for a setup the admin signed in to (a revoked one: disconnect it first).',
  },
};

/** Issues a renewal or repair link (offered only when the server takes it: setup-actions.ts) and shows it once. */
export function SetupLinkButton({
  setup,
  purpose,
  onChanged,
}: {
  setup: Setup;
  purpose: SetupLinkPurpose;
  onChanged?: () => void;
}) {
  const { auth } = useConsole();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<CreateSetupLinkResponse | null>(null);
  const words = WORDS[purpose];

  async function issue() {
    setBusy(true);
    setError(null);
    try {
      setLink(await createSetupLink(auth, setup.id, purpose));
      onChanged?.();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="c-action-group" data-testid={`link-${purpose}`}>
      <ActionButton
        busy={busy}
        notNow={linkAllowed(setup, purpose) ? undefined : words.notNow}
        onClick={() => void issue()}
      >
        {words.button}
      </ActionButton>
      {error && <ErrorMessage message={error} />}
      {link && (
        <OneTimeValuePanel
          label={words.button}
          copyLabel={words.button.toLowerCase()}
          value={link.url}
          testId={`link-url-${purpose}`}
          onDone={() => setLink(null)}
        >
          Send the customer&apos;s admin this {words.what}. It is shown <strong>only once</strong>, works
          until {formatDateTime(link.expiresAt)}, and any earlier link no longer works.
        </OneTimeValuePanel>
      )}
    </span>
  );
}
