import { useEffect, useState } from 'react';
import { useBlocker } from 'react-router';
import type { Setup } from '@kantiv/shared/setup';
import { inviteEmail, mailtoOf } from '../lib/invite-email.ts';

/**
 * A ready-to-send e-mail for the one-time invite link. Until it (or the link) has been copied or opened in the mail
 * program, leaving the page asks first: the link is shown once.
 */
export function InviteEmailPanel({
  setup,
  inviteUrl,
  sent,
  onSent,
}: {
  setup: Setup;
  inviteUrl: string;
  /** The link (or this e-mail) was copied or handed to the mail program. */
  sent: boolean;
  onSent: () => void;
}) {
  const email = inviteEmail(setup, inviteUrl);
  const [status, setStatus] = useState('');
  // Leaving inside the console (a link, Back) asks too; closing or reloading the tab is beforeunload's.
  const blocker = useBlocker(!sent);

  useEffect(() => {
    if (sent) return undefined;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    // Copying by hand (select and Ctrl+C) counts as keeping it too.
    const copied = () => onSent();
    document.addEventListener('copy', copied);
    return () => {
      window.removeEventListener('beforeunload', warn);
      document.removeEventListener('copy', copied);
    };
  }, [sent, onSent]);

  async function copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      onSent();
      setStatus(`${what} copied`);
    } catch {
      setStatus(`${what} could not be copied; select it and copy it by hand.`);
    }
  }

  return (
    <section aria-labelledby="invite-email-heading" className="c-panel">
      <h2 id="invite-email-heading">E-mail to send</h2>
      {blocker.state === 'blocked' && (
        <div role="alertdialog" aria-labelledby="leave-heading" className="c-confirm">
          <p id="leave-heading">
            <strong>Leave without the invite link?</strong> It has not been copied and cannot be shown again
            (a new link can be made from the setup&apos;s page; this one then stops working).
          </p>
          <button type="button" onClick={() => blocker.proceed()}>
            Leave anyway
          </button>{' '}
          <button type="button" className="c-primary" autoFocus onClick={() => blocker.reset()}>
            Stay and copy it
          </button>
        </div>
      )}
      {!sent && (
        <p className="c-hint" data-testid="invite-not-kept">
          The link is not copied yet: it cannot be shown again after you leave this page.
        </p>
      )}
      <label className="c-block">
        Subject
        <input readOnly value={email.subject} data-testid="invite-email-subject" />
      </label>
      <label className="c-block">
        Message
        <textarea readOnly rows={14} value={email.body} data-testid="invite-email-body" />
      </label>
      <div className="c-actions">
        <button type="button" onClick={() => void copy(`${email.subject}\n\n${email.body}`, 'E-mail')}>
          Copy e-mail
        </button>
        <a className="c-button" href={mailtoOf(email)} onClick={() => onSent()}>
          Open in mail program
        </a>
      </div>
      <p className="visually-hidden" role="status">
        {status}
      </p>
    </section>
  );
}
