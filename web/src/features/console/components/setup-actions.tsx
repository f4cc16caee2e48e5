import { useState } from 'react';
import type { Setup } from '@kantiv/shared/setup';
import { allowedActions } from '@kantiv/shared/setup-actions';
import { createInviteLink } from '../api/create-invite-link.ts';
import { disconnectSetup } from '../api/disconnect-setup.ts';
import { extendSetup } from '../api/extend-setup.ts';
import { reverifySetup } from '../api/reverify-setup.ts';
import { revokeSetup } from '../api/revoke-setup.ts';
import { useConsole } from '../hooks/use-console.ts';
import { errorMessage } from '../lib/loaded.ts';
import { ActionButton } from './action-button.tsx';
import { CopyButton } from '../../../components/copy-button.tsx';
import { DisconnectAction } from './disconnect-action.tsx';
import { ErrorMessage } from './error-message.tsx';
import { SetupLinkButton } from './setup-link-button.tsx';

type Busy = null | 'revoke' | 'extend' | 'reverify' | 'invite' | 'disconnect';

/** Revoke, extend, re-verify, a fresh invite link, a renewal or repair link. `onChanged(undefined)` asks the page to fetch the setup again. */
export function SetupActions({ setup, onChanged }: { setup: Setup; onChanged: (next?: Setup) => void }) {
  const { auth } = useConsole();
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [extendDays, setExtendDays] = useState('7');
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const revoked = setup.state === 'revoked' || setup.state === 'disconnected';
  const REVOKED = `${setup.state === 'revoked' ? 'Revoked' : 'Disconnected'}: nothing more can be done with this setup.`;
  // Only what the server accepts in this state (shared with the server; see setup-actions.ts in shared).
  const may = allowedActions(setup);

  async function run(kind: Exclude<Busy, null>, action: () => Promise<Setup | string>, message: string) {
    setBusy(kind);
    setError(null);
    setDone(null);
    try {
      const result = await action();
      if (typeof result === 'string') {
        setInviteUrl(result);
        onChanged();
      } else {
        onChanged(result);
      }
      setDone(message);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="actions-heading" className="c-panel">
      <h2 id="actions-heading">Actions</h2>
      {revoked && <p>This setup is {setup.state}: nothing more can be done with it.</p>}
      <div className="c-actions">
        <ActionButton
          busy={busy !== null}
          notNow={may.reverify ? undefined : revoked ? REVOKED : 'No credential has been handed off yet.'}
          onClick={() =>
            void run('reverify', () => reverifySetup(auth, setup.id), 'Verification started again.')
          }
        >
          Re-verify
        </ActionButton>
        <span className="c-action-group">
          <label>
            Extend the invite by
            <select value={extendDays} onChange={(e) => setExtendDays(e.target.value)}>
              {['1', '7', '14', '30'].map((d) => (
                <option key={d} value={d}>
                  {d === '1' ? '1 day' : `${d} days`}
                </option>
              ))}
            </select>
          </label>
          <ActionButton
            busy={busy !== null}
            notNow={may.extend ? undefined : revoked ? REVOKED : 'The wizard has finished with this invite.'}
            onClick={() =>
              void run(
                'extend',
                () => extendSetup(auth, setup.id, Number(extendDays) * 24),
                'The invite was extended.',
              )
            }
          >
            Extend
          </ActionButton>
        </span>
        <ActionButton
          busy={busy !== null}
          notNow={may.new_invite ? undefined : REVOKED}
          onClick={() =>
            void run('invite', () => createInviteLink(auth, setup.id), 'A new invite link was created.')
          }
        >
          New invite link
        </ActionButton>
        <SetupLinkButton setup={setup} purpose="renew" onChanged={() => onChanged()} />
        <SetupLinkButton setup={setup} purpose="repair" onChanged={() => onChanged()} />
        {confirmRevoke && may.revoke ? (
          <span className="c-action-group" role="group" aria-label="Confirm revoke">
            <span data-testid="revoke-explained">
              Revoke this setup? Kantiv stops using the connection at once: the invite link stops working, the
              stored credential is no longer used and pending verifications stop. What the admin created stays
              in the customer&apos;s tenant (the app registration, its secret, the application user and the
              security role) until their administrator removes it. This cannot be undone.
            </span>
            <ActionButton
              danger
              busy={busy !== null}
              onClick={() => {
                setConfirmRevoke(false);
                void run('revoke', () => revokeSetup(auth, setup.id), 'The setup was revoked.');
              }}
            >
              Yes, revoke
            </ActionButton>
            <button type="button" onClick={() => setConfirmRevoke(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <ActionButton
            danger
            busy={busy !== null}
            notNow={may.revoke ? undefined : REVOKED}
            onClick={() => setConfirmRevoke(true)}
          >
            Revoke
          </ActionButton>
        )}
        <DisconnectAction
          setup={setup}
          allowed={may.disconnect}
          busy={busy !== null}
          onConfirm={() =>
            void run(
              'disconnect',
              () => disconnectSetup(auth, setup.id),
              'The setup was disconnected: its credential is destroyed.',
            )
          }
        />
        {/* The customer's side of a disconnect, before or after ours (decision 018). */}
        <SetupLinkButton setup={setup} purpose="disconnect" onChanged={() => onChanged()} />
      </div>
      <div aria-live="polite">{done && <p className="c-success">{done}</p>}</div>
      {error && <ErrorMessage message={error} />}
      {inviteUrl && (
        <div className="c-panel-inner">
          <p>
            The new invite link is shown <strong>only once</strong>; the previous link no longer works.
          </p>
          <label className="c-block">
            New invite link
            <input
              readOnly
              value={inviteUrl}
              data-testid="new-invite-url"
              onFocus={(e) => e.target.select()}
            />
          </label>
          <CopyButton value={inviteUrl} label="invite link" />
        </div>
      )}
    </section>
  );
}
