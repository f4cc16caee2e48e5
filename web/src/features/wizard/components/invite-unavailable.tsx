import type { ClientConfig } from '@kantiv/shared/client-config';
import type { UnavailableReason } from '../lib/load-wizard.ts';

const COPY: Record<UnavailableReason, { title: string; body: string }> = {
  no_token: {
    title: 'Open your invite link',
    body: 'This page only works from the invite link Kantiv sent you. Open that link again, in this browser.',
  },
  unknown: {
    title: 'This invite link is not valid',
    body: 'The link may be incomplete or was replaced by a newer invite. Check that you copied the whole link, or ask for a new one.',
  },
  expired: {
    title: 'This invite has expired',
    body: 'For your security, invite links work for a limited time. Ask Kantiv to extend it or send a new one. If a setup had started, what it created stays in your tenant, and the next run reuses it rather than creating it twice.',
  },
  revoked: {
    title: 'This invite was withdrawn',
    body: 'Kantiv cancelled this invite. If you still want to connect, ask Kantiv for a new invite.',
  },
  completed: {
    title: 'This setup is already complete',
    body: 'The connection was set up with this invite already. To change it, ask Kantiv for a new invite.',
  },
};

/** Shown instead of the wizard when the invite cannot be used, always saying whom to contact. */
export function InviteUnavailable({
  reason,
  support,
}: {
  reason: UnavailableReason;
  support: ClientConfig['support'];
}) {
  const copy = COPY[reason];
  return (
    <div className="wizard">
      <header className="wizard__header">
        <p className="brand">Kantiv Connect</p>
      </header>
      <main id="main" className="wizard__main" data-testid={`invite-${reason}`}>
        <h1>{copy.title}</h1>
        <p>{copy.body}</p>
        <p>
          Contact {support.name} at{' '}
          <a href={`mailto:${support.email}?subject=${encodeURIComponent('Kantiv Connect invite')}`}>
            {support.email}
          </a>
          .
        </p>
      </main>
    </div>
  );
}
