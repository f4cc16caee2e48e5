import type { SetupState } from '@kantiv/shared/setup';
import type { StepStatus } from '@kantiv/shared/steps';
import { STATE_LABELS } from '../lib/format.ts';

export function StateBadge({ state }: { state: SetupState }) {
  return (
    <span className={`c-badge c-badge-${state}`} data-state={state}>
      {STATE_LABELS[state]}
    </span>
  );
}

export const STEP_STATUS_LABELS: Record<StepStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  waiting: 'Waiting for Microsoft',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
};

export function StepStatusBadge({ status }: { status: StepStatus }) {
  return (
    <span className={`c-badge c-badge-step-${status}`} data-status={status}>
      {STEP_STATUS_LABELS[status]}
    </span>
  );
}
