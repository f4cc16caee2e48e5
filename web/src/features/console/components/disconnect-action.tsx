import { useState } from 'react';
import type { Setup } from '@kantiv/shared/setup';
import { ActionButton } from './action-button.tsx';

/**
 * Disconnect, with what it does and what it leaves behind said before the confirmation. The customer's side (a
 * link whose wizard run removes the app user, the role and the app registration with the admin's sign-in) is not
 * built yet, so the console says what the admin removes by hand instead of offering a link.
 */
export function DisconnectAction({
  setup,
  allowed,
  busy,
  onConfirm,
}: {
  setup: Pick<Setup, 'state' | 'roleName'>;
  allowed: boolean;
  busy: boolean;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const notNow = allowed
    ? undefined
    : setup.state === 'invited'
      ? 'Nothing to disconnect yet: the admin has not signed in. Revoke the invite instead.'
      : 'This setup has ended: nothing more can be done with it.';
  if (!confirming || !allowed)
    return (
      <ActionButton danger busy={busy} notNow={notNow} onClick={() => setConfirming(true)}>
        Disconnect
      </ActionButton>
    );
  return (
    <span className="c-action-group" role="group" aria-label="Confirm disconnect">
      <span data-testid="disconnect-explained">
        Disconnect this setup? On our side, at once and for good: the stored credential is destroyed (its key
        is erased, so it can never be decrypted again, also from backups taken from now on), verification,
        health checks and rotation stop, token requests are refused with 410 Gone and the invite link stops
        working. Nothing is removed from the customer&apos;s tenant: the app registration and its credential,
        the application user and the security role{setup.roleName ? ` "${setup.roleName}"` : ''} stay until
        their administrator deletes them (a deleted app registration can be restored from Deleted applications
        for 30 days). This cannot be undone.
      </span>
      <ActionButton
        danger
        busy={busy}
        onClick={() => {
          setConfirming(false);
          onConfirm();
        }}
      >
        Yes, disconnect
      </ActionButton>
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  );
}
