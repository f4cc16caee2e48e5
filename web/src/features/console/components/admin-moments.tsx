import type { SetupEvent } from '@kantiv/shared/events';
import type { Setup } from '@kantiv/shared/setup';
import { formatDateTime } from '../lib/format.ts';
import { ATTENTION_LABELS, MOMENT_LABELS, momentsOf, STUCK } from '../lib/moments.ts';

/** Why support should look now: shown above everything else while the admin is stuck. */
export function AttentionNotice({ setup }: { setup: Setup }) {
  const a = setup.attention;
  if (!a) return null;
  return (
    <p className="c-attention" data-testid="setup-attention" data-kind={a.kind}>
      <strong>Needs attention: {ATTENTION_LABELS[a.kind]}</strong> (since {formatDateTime(a.since)}).{' '}
      {a.message}
    </p>
  );
}

/** What the admin lived through, in order: opened, signed in, blocked (with the fix shown), stopped, idle, resumed. */
export function AdminMoments({ events }: { events: SetupEvent[] }) {
  const moments = momentsOf(events);
  return (
    <section aria-labelledby="moments-heading" className="c-panel">
      <h2 id="moments-heading">The admin’s journey</h2>
      {moments.length === 0 ? (
        <p className="c-hint">The admin has not opened the invite link yet.</p>
      ) : (
        <ol className="c-moments">
          {moments.map((m) => (
            <li
              key={m.id}
              data-testid={`moment-${m.moment}`}
              className={STUCK.includes(m.moment) ? 'c-moment c-moment-stuck' : 'c-moment'}
            >
              <span className="c-moment-when">{formatDateTime(m.at)}</span>{' '}
              <strong>{MOMENT_LABELS[m.moment]}</strong>: {m.message}
              {m.blockers.length > 0 && (
                <ul>
                  {m.blockers.map((b) => (
                    <li key={b.code}>
                      <code>{b.code}</code>: {b.message}
                      {b.fix && <p>Fix shown to the admin: {b.fix}</p>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
