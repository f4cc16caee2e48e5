import { useId, type ReactNode } from 'react';
import { READ_ONLY_REASON } from '../lib/permissions.ts';
import { useConsole } from '../hooks/use-console.ts';

type Props = {
  onClick?: () => void;
  type?: 'button' | 'submit';
  busy?: boolean;
  danger?: boolean;
  children: ReactNode;
};

/**
 * A button that changes something. Read-only staff see it disabled with the reason beside it, so they know the
 * action exists and whom to ask; the server refuses it anyway.
 */
export function ActionButton({ onClick, type = 'button', busy = false, danger = false, children }: Props) {
  const { session } = useConsole();
  const reasonId = useId();
  const readOnly = !session.access.canManage;
  return (
    <span className="c-action">
      <button
        type={type}
        className={danger ? 'c-danger' : undefined}
        disabled={readOnly || busy}
        aria-describedby={readOnly ? reasonId : undefined}
        onClick={onClick}
      >
        {children}
      </button>
      {readOnly && (
        <span id={reasonId} className="c-hint">
          Read-only access: you cannot do this.
        </span>
      )}
    </span>
  );
}

export function ReadOnlyNotice() {
  const { session } = useConsole();
  if (session.access.canManage) return null;
  return (
    <p className="c-notice" role="note">
      {READ_ONLY_REASON}
    </p>
  );
}
