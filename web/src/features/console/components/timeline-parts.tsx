import { formatDuration } from '../lib/format.ts';
import { MANUAL_STEPS } from '../lib/manual-steps.ts';
import type { TimelineAttempt } from '../lib/timeline-attempts.ts';

const OUTCOME: Record<TimelineAttempt['outcome'], string> = {
  pending: 'pending',
  running: 'running',
  waiting: 'then waited for Microsoft',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
};

/** How long each attempt took, so support sees which try was slow (only when there is a duration to show). */
export function AttemptDurations({ runs }: { runs: readonly TimelineAttempt[] }) {
  if (!runs.some((r) => r.durationMs !== undefined)) return null;
  return (
    <ul className="c-attempts" aria-label="Attempts" data-testid="attempt-durations">
      {runs.map((r) => (
        <li key={r.attempt}>
          Attempt {r.attempt}: {r.durationMs === undefined ? '' : `${formatDuration(r.durationMs)}, `}
          {OUTCOME[r.outcome]}
        </li>
      ))}
    </ul>
  );
}

/** The manual path's own steps: done by the admin in Microsoft's portals, reported done by the hand-off. */
export function ManualSteps({ done }: { done: boolean }) {
  return MANUAL_STEPS.map((label, i) => (
    <li
      key={label}
      className={`c-step c-step-${done ? 'succeeded' : 'pending'}`}
      data-testid={`manual-step-${i + 1}`}
    >
      <div className="c-step-head">
        <h3>{label}</h3>
        <span className={`c-badge c-badge-step-${done ? 'succeeded' : 'pending'}`}>
          {done ? 'Done by the admin' : 'By the admin, not reported yet'}
        </span>
      </div>
      <p className="c-step-meta">
        <span>By hand{done ? ': reported done by the hand-off' : ''}</span>
      </p>
    </li>
  ));
}
