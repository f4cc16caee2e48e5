import { z } from 'zod';
import type { Setup, SetupState } from './setup.ts';
import type { SetupLinkPurpose } from './setup-links.ts';

/** What staff and API clients can do to a setup. */
export const SetupActionSchema = z.enum([
  'reverify',
  'extend',
  'new_invite',
  'revoke',
  'disconnect',
  'renewal_link',
  'repair_link',
]);
export type SetupAction = z.infer<typeof SetupActionSchema>;

/** An invite can be extended while the wizard can still use it, or once it ran out. */
const EXTENDABLE: readonly SetupState[] = ['invited', 'in_progress', 'expired'];
/** Nothing leaves these (lifecycle.ts TERMINAL_STATES). */
const ENDED: readonly SetupState[] = ['revoked', 'disconnected'];

/**
 * May a follow-up link with this purpose be issued? Only for a connection in use (`verified`): a renewal at any
 * health (a credential expiring or removed), a repair only once a health check found drift (degraded or broken).
 * A disconnect link from the admin's sign-in on, also on a `disconnected` setup (a revoked one: disconnect it first).
 */
export function linkAllowed(
  setup: Pick<Setup, 'state' | 'credentialKind' | 'health'>,
  purpose: SetupLinkPurpose,
): boolean {
  // The customer's side of a disconnect: whatever the admin's sign-in may have created, also once our side is done.
  if (purpose === 'disconnect') return !['invited', 'revoked'].includes(setup.state);
  if (setup.state !== 'verified' || setup.credentialKind === undefined) return false;
  if (purpose === 'renew') return true;
  // A drift whose fix is no link (an environment deleted, Microsoft unavailable) has nothing for a repair run to redo.
  return (
    setup.health !== undefined && setup.health.health !== 'healthy' && setup.health.cause?.link !== 'none'
  );
}

/**
 * The actions a setup takes in its state: the server refuses the others and the console offers only these, so the
 * two cannot drift apart (a test walks every state and every action against the server).
 */
export function allowedActions(
  setup: Pick<Setup, 'state' | 'credentialKind'> & Partial<Pick<Setup, 'health'>>,
): Record<SetupAction, boolean> {
  const live = !ENDED.includes(setup.state);
  return {
    // A stored credential is what gets verified (again: a verification under way starts over).
    reverify: live && setup.credentialKind !== undefined,
    extend: EXTENDABLE.includes(setup.state),
    // Also after verification: a new link is support's way to let the admin repair or renew the connection.
    new_invite: live,
    revoke: live,
    // Once the admin signed in something may exist in the tenant or in our vault; before that, revoke is the end.
    // A revoked setup may still hold a credential handed off before the revoke: disconnecting it shreds that.
    disconnect: (live && setup.state !== 'invited') || setup.state === 'revoked',
    renewal_link: linkAllowed(setup, 'renew'),
    repair_link: linkAllowed(setup, 'repair'),
  };
}
