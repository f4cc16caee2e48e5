import { useId, type ReactNode } from 'react';
import { DEFAULT_ACCESS_CONTACT, READ_ONLY_ACTION, readOnlyReason } from '../lib/permissions.ts';
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
 * A button that changes something. Read-only staff see it disabled (the one banner at the top says why and whom to
 * ask; screen readers hear the short reason as the button's description); the server refuses it anyway. A
 * `notNow` reason (the setup's state) shows beside the button.
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
  const reason = readOnly ? READ_ONLY_ACTION : notNow;
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
        <span id={reasonId} className={readOnly ? 'visually-hidden' : 'c-hint'}>
          {reason}
        </span>
      )}
    </span>
  );
}

/** The console's one read-only banner (in the layout, above every page). */
export function ReadOnlyNotice() {
  const { session, config } = useConsole();
  if (session.access.canManage) return null;
  return (
    <p className="c-notice" role="note" data-testid="read-only-banner">
      {readOnlyReason(config.console?.accessContact ?? DEFAULT_ACCESS_CONTACT)}
    </p>
  );
}

/** A form's fields: disabled as a whole for read-only staff (the banner says why), so nothing invites typing. */
export function ManageFields({ children }: { children: ReactNode }) {
  const { session } = useConsole();
  return (
    <fieldset className="c-bare c-stack" disabled={!session.access.canManage}>
      {children}
    </fieldset>
  );
}
