import type { SetupState } from '@kantiv/shared/setup';
import type { Verification } from '@kantiv/shared/credentials';
import { HttpError } from '../../lib/http-error.ts';
import { parseJson, type SetupRow } from './repository.ts';

/** What the wizard writes with its setup token. */
export type WizardWrite = 'identity' | 'events' | 'handoff' | 'disconnect';

/**
 * The states in which the wizard runs, per write. `failed` re-opens the wizard after a hand-off (to repair a step or
 * send corrected values by hand); `awaiting_verification` and `verified` do not: the hand-off ended the wizard's run.
 */
export const WIZARD_WRITE_STATES: Record<WizardWrite, readonly SetupState[]> = {
  identity: ['invited', 'in_progress', 'failed'],
  events: ['invited', 'in_progress', 'failed'],
  handoff: ['in_progress', 'failed'],
  // Only through a disconnect link (below).
  disconnect: [],
};

/** Step-event data writes the setup's own columns only before the first hand-off; the hand-off's values win. */
export const EVENT_DATA_STATES: readonly SetupState[] = ['invited', 'in_progress'];

/**
 * How long the browser tab that just finished may still read its setup with the retired token (the done page shows
 * "Connected" and the details). Read only: every write is refused from the moment of verification.
 */
export const VERIFIED_READ_GRACE_MS = 15 * 60_000;

/**
 * A verified setup's token is retired, not deleted: the stored hash gets this prefix, so the link still finds its
 * setup (to answer `setup_completed` rather than "unknown link") but no longer matches a live token. A SHA-256 hex
 * digest never starts with it. A new invite link (support's repair and renewal path) stores a fresh, live hash.
 */
export const RETIRED_PREFIX = 'retired:';
const RETIRED = RETIRED_PREFIX;
export const retiredHash = (hash: string) => (hash.startsWith(RETIRED) ? hash : `${RETIRED}${hash}`);
export const isRetired = (row: Pick<SetupRow, 'token_hash'>) => row.token_hash?.startsWith(RETIRED) === true;

/** A renewal or repair link issued for this verified setup whose time is not over (its token is the live one). */
export function linkLive(row: SetupRow, now = new Date()): boolean {
  return (
    !isRetired(row) &&
    row.link_purpose != null &&
    row.link_expires_at != null &&
    Date.parse(row.link_expires_at) > now.getTime()
  );
}

/** An old invite or link opened after the disconnect: the wizard says so (`setup_disconnected`). */
export const disconnectedError = (status: 401 | 409 = 409) =>
  new HttpError(
    status,
    'setup_disconnected',
    'Kantiv disconnected this setup; its invite link no longer works. Ask Kantiv support for a disconnect link to remove what was created in your tenant.',
  );

const completed = () =>
  new HttpError(
    409,
    'setup_completed',
    'This setup is verified; its invite link no longer changes anything. Ask Kantiv support for a new invite.',
  );

/** May the holder of a retired token still read the setup (the grace after verification)? Throws when not. */
export function assertWizardMayRead(row: SetupRow, now = Date.now()): void {
  if (!isRetired(row)) return;
  const checkedAt = parseJson<Verification>(row.verification)?.checkedAt ?? row.updated_at;
  if (now - Date.parse(checkedAt) > VERIFIED_READ_GRACE_MS)
    throw new HttpError(
      401,
      'setup_completed',
      'This setup is complete; its invite link no longer works. Ask Kantiv support for a new invite.',
    );
}

/**
 * May the wizard make `write` on the setup as it is now (`current`, read inside the write's transaction), with the
 * token it presented (`presented`, the row the token was found on)? Throws the refusal in the shared error shape.
 */
export function assertWizardMayWrite(
  current: SetupRow,
  presented: SetupRow,
  write: WizardWrite,
  now = new Date(),
): void {
  if (current.token_hash !== presented.token_hash || isRetired(current)) {
    if (isRetired(current)) throw current.state === 'disconnected' ? disconnectedError() : completed();
    throw new HttpError(401, 'unauthorized', 'This invite link was replaced by a newer one.');
  }
  if (current.state === 'revoked')
    throw new HttpError(409, 'setup_revoked', 'Kantiv revoked this invite. Contact Kantiv support.');
  // A disconnect link (decision 018) removes, it never provisions: it takes the disconnect and nothing else, on a
  // live setup or one whose our side support disconnected already.
  if (current.link_purpose === 'disconnect' && linkLive(current, now)) {
    if (write === 'disconnect') return;
    throw new HttpError(409, 'conflict', 'This link disconnects the setup; it cannot change the connection.');
  }
  if (write === 'disconnect')
    throw new HttpError(
      409,
      'conflict',
      'Only a disconnect link from Kantiv support can disconnect this setup.',
    );
  if (current.state === 'disconnected') throw disconnectedError();
  if (WIZARD_WRITE_STATES[write].includes(current.state as SetupState)) return;
  // A renewal or repair link (decision 013) re-opens the wizard on the connection in use, until its end.
  if (current.state === 'verified' && linkLive(current, now)) return;
  if (current.state === 'verified') throw completed();
  throw new HttpError(
    409,
    'conflict',
    current.state === 'awaiting_verification'
      ? 'Kantiv is verifying the credential already handed off; the wizard cannot change this setup now.'
      : `This setup is ${current.state}; the wizard cannot change it now.`,
  );
}
