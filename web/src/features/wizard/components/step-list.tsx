import type { StepId, StepStatus } from '@kantiv/shared/steps';
import type { StepRow } from '../stores/run-store.ts';

export const STEP_NAMES: Record<StepId, string> = {
  preflight: 'Check your roles',
  environment: 'Check the environment',
  app_registration: 'App registration',
  api_permission: 'Dynamics CRM permission',
  credential: 'Certificate or client secret',
  security_role: 'Security role',
  application_user: 'Application user',
  handoff: 'Hand the credential to Kantiv',
  verification: 'Kantiv verifies the connection',
};

const STATUS_WORDS: Record<StepStatus, string> = {
  pending: 'Not started',
  running: 'In progress',
  waiting: 'Waiting for Microsoft',
  succeeded: 'Done',
  failed: 'Failed',
  skipped: 'Not needed',
};

const STATUS_ICON: Record<StepStatus, string> = {
  pending: '○',
  running: '◐',
  waiting: '…',
  succeeded: '✓',
  failed: '✕',
  skipped: '–',
};

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Every step with its state and elapsed time; waits are shown as waiting, with when the next try is due. */
export function StepList({ rows, now }: { rows: StepRow[]; now: number }) {
  return (
    <ol className="steps" data-testid="run-steps">
      {rows.map((row) => {
        const elapsed =
          row.startedAt !== undefined ? formatElapsed((row.finishedAt ?? now) - row.startedAt) : undefined;
        const nextTry =
          row.status === 'waiting' && row.retryAt
            ? Math.max(0, Math.round((row.retryAt - now) / 1000))
            : undefined;
        return (
          <li
            key={row.step}
            className={`step step--${row.status}`}
            data-testid={`step-${row.step}`}
            data-status={row.status}
          >
            <span className="step__icon" aria-hidden="true">
              {STATUS_ICON[row.status]}
            </span>
            <span className="step__name">{STEP_NAMES[row.step]}</span>
            <span className="step__status">
              {row.stopped ? 'Stopped' : STATUS_WORDS[row.status]}
              {elapsed && <span className="muted"> · {elapsed}</span>}
            </span>
            {row.message && (row.status !== 'pending' || row.stopped) && (
              <span className="step__message">{row.message}</span>
            )}
            {row.status === 'waiting' && (
              <span className="step__message muted">
                This is normal, not an error.
                {nextTry !== undefined ? ` Next try in ${nextTry} s.` : ''}
                {row.attempt ? ` Attempt ${row.attempt}.` : ''}
              </span>
            )}
            {row.status === 'failed' && row.error && (
              <span className="step__message">
                {row.error.fix ?? row.error.message}
                {row.error.requestId && (
                  <span className="muted"> (Microsoft request id {row.error.requestId})</span>
                )}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
