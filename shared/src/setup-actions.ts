import { z } from 'zod';
import type { Setup, SetupState } from './setup.ts';

/** What staff and API clients can do to a setup. */
export const SetupActionSchema = z.enum(['reverify', 'extend', 'new_invite', 'revoke']);
export type SetupAction = z.infer<typeof SetupActionSchema>;

/** An invite can be extended while the wizard can still use it, or once it ran out. */
const EXTENDABLE: readonly SetupState[] = ['invited', 'in_progress', 'expired'];

/**
 * The actions a setup takes in its state: the server refuses the others and the console offers only these, so the
 * two cannot drift apart (a test walks every state and every action against the server).
 */
export function allowedActions(setup: Pick<Setup, 'state' | 'credentialKind'>): Record<SetupAction, boolean> {
  const live = setup.state !== 'revoked';
  return {
    // A stored credential is what gets verified (again: a verification under way starts over).
    reverify: live && setup.credentialKind !== undefined,
    extend: EXTENDABLE.includes(setup.state),
    // Also after verification: a new link is support's way to let the admin repair or renew the connection.
    new_invite: live,
    revoke: live,
  };
}
