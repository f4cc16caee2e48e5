import type { ReactNode } from 'react';
import { ActionButton } from './action-button.tsx';

/** What an action does, said before it runs: a labelled group with the explanation, confirm and Cancel. */
export function ConfirmGroup({
  label,
  confirm,
  busy,
  danger = false,
  onConfirm,
  onCancel,
  children,
}: {
  label: string;
  confirm: string;
  busy: boolean;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <span className="c-action-group" role="group" aria-label={label}>
      <span data-testid="confirm-explained">{children}</span>
      <ActionButton danger={danger} busy={busy} onClick={onConfirm}>
        {confirm}
      </ActionButton>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </span>
  );
}
