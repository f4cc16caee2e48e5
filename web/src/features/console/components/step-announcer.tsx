import { useState } from 'react';
import type { Setup } from '@kantiv/shared/setup';
import { STEP_LABELS } from '../lib/timeline.ts';
import { STATE_LABELS } from '../lib/format.ts';
import { STEP_STATUS_LABELS } from './state-badge.tsx';

type Seen = { id: string; statuses: string; state: string };
const seenOf = (setup: Setup): Seen => ({
  id: setup.id,
  statuses: setup.steps.map((s) => `${s.step}:${s.status}`).join(','),
  state: setup.state,
});

/**
 * What a screen reader hears while support watches a setup live: each change of a step's status and of the setup's
 * state, once, in a few words ("Security role: Succeeded"). The timeline itself is not a live region: its retry
 * texts and durations change every few seconds and would be read out each time.
 */
export function StepAnnouncer({ setup }: { setup: Setup }) {
  const [seen, setSeen] = useState(() => seenOf(setup));
  const [said, setSaid] = useState('');
  const now = seenOf(setup);
  if (now.id !== seen.id || now.statuses !== seen.statuses || now.state !== seen.state) {
    // React's "adjust state while rendering" pattern: compared with what this page showed last.
    setSeen(now);
    if (now.id === seen.id) {
      const before = new Map(seen.statuses.split(',').map((pair) => pair.split(':') as [string, string]));
      const changes = setup.steps
        .filter((s) => before.get(s.step) !== s.status)
        .map((s) => `${STEP_LABELS[s.step]}: ${STEP_STATUS_LABELS[s.status]}`);
      if (now.state !== seen.state) changes.push(`Setup is now ${STATE_LABELS[setup.state]}`);
      setSaid(`${changes.join('. ')}.`);
    } else setSaid('');
  }
  return (
    <p className="visually-hidden" role="status" data-testid="step-announcer">
      {said}
    </p>
  );
}
