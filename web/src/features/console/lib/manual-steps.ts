import type { Setup } from '@kantiv/shared/setup';
import type { StepId } from '@kantiv/shared/steps';
import type { TimelineStep } from './timeline.ts';

/** What the admin does by hand on the manual path (the wizard's manual page), in its order. */
export const MANUAL_STEPS = [
  'Register an app in Microsoft Entra',
  'Create a client secret for it',
  'Add it as an application user in the Power Platform admin center, with the security role',
] as const;

/** The steps Kantiv sees on the manual path: the hand-off and the verification. */
const OBSERVED: readonly StepId[] = ['handoff', 'verification'];

/**
 * A manual setup's timeline: the automatic steps the wizard never ran are left out (they would sit on Pending for
 * ever); the ones it did run before the admin switched stay. The manual steps themselves are not seen by Kantiv,
 * only reported done by the hand-off.
 */
export function manualTimeline(
  setup: Pick<Setup, 'credentialSource'>,
  rows: readonly TimelineStep[],
): { manual: boolean; rows: TimelineStep[]; manualDone: boolean } {
  if (setup.credentialSource !== 'manual') return { manual: false, rows: [...rows], manualDone: false };
  const kept = rows.filter((r) => OBSERVED.includes(r.step) || r.status !== 'pending');
  const handoff = rows.find((r) => r.step === 'handoff');
  return { manual: true, rows: kept, manualDone: handoff?.status === 'succeeded' };
}
