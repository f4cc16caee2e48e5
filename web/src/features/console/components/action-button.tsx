import { useId, type ReactNode } from 'react';
import { READ_ONLY_REASON } from '../lib/permissions.ts';
import { useConsole } from '../hooks/use-console.ts';

type Props = {
  onClick?: () => void;
  type?: 'button' | 'submit';
  busy?: boolean;
  danger?: boolean;
  /** Why the setup's state does not take this action now: disabled, with the reason beside it. */
  notNow?: string | undefined;
  children: ReactNode;
};

/**
 * A button that changes something. Read-only staff see it disabled with the reason beside it, so they know the
 * action exists and whom to ask; the server refuses it anyway.
 */
export function ActionButton({
  onClick,
  type = 'button',
  busy = false,
  danger = false,
  notNow,
  children,
}: Props) {
  const { session } = useConsole();
  const reasonId = useId();
  const readOnly = !session.access.canManage;
  const reason = readOnly ? 'Read-only access: you cannot do this.' : notNow;
  return (
    <span className="c-action">
      <button
        type={type}
        className={danger ? 'c-danger' : undefined}
        disabled={reason !== undefined || busy}
        aria-describedby={reason ? reasonId : undefined}
        onClick={onClick}
      >
        {children}
      </button>
      {reason && (
        <span id={reasonId} className="c-hint">
          {reason}
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
