import type { SetupEvent } from '@kantiv/shared/events';
import type { Setup } from '@kantiv/shared/setup';
import { buildTimeline, STEP_LABELS } from '../lib/timeline.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { isMoment } from '../lib/moments.ts';
import { StepStatusBadge } from './state-badge.tsx';

/** Each step with its attempts, waits, durations and errors (Microsoft's code, message, request id, the fix). */
export function SetupTimeline({ setup, events }: { setup: Setup; events: SetupEvent[] }) {
  const rows = buildTimeline(setup.steps, events);
  // The admin's moments have their own section (admin-moments.tsx).
  const other = events.filter((e) => e.type !== 'step' && !isMoment(e));
  return (
    <section aria-labelledby="timeline-heading" className="c-panel">
      <h2 id="timeline-heading">Timeline</h2>
      <ol className="c-timeline" aria-live="polite" aria-relevant="additions text">
        {rows.map((row) => (
          <li
            key={row.step}
            className={`c-step c-step-${row.status}`}
            data-testid={`step-${row.step}`}
            data-status={row.status}
          >
            <div className="c-step-head">
              <h3>{row.label}</h3>
              <StepStatusBadge status={row.status} />
            </div>
            <p className="c-step-meta">
              {row.attempts > 0 && <span>Attempts: {row.attempts}</span>}
              {row.startedAt && <span>Started {formatDateTime(row.startedAt)}</span>}
              {row.durationMs !== undefined && <span>Took {formatDuration(row.durationMs)}</span>}
            </p>
            {row.message && row.status !== 'pending' && <p>{row.message}</p>}
            {row.waits.length > 0 && (
              <details>
                <summary>
                  Waited for Microsoft {row.waits.length === 1 ? 'once' : `${row.waits.length} times`}
                </summary>
                <ul>
                  {row.waits.map((w) => (
                    <li key={`${w.at}-${w.attempt ?? 0}`}>
                      {formatDateTime(w.at)}: {w.message}
                      {w.retryAt && ` (next attempt ${formatDateTime(w.retryAt)})`}
                      {w.error && (
                        <>
                          {' '}
                          — Microsoft said <code>{w.error.code}</code>: {w.error.message}
                          {w.error.requestId && (
                            <>
                              {' '}
                              (request id <code>{w.error.requestId}</code>)
                            </>
                          )}
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </details>
            )}
            {row.errors.map((err, i) => (
              <div key={`${err.code}-${i}`} className="c-step-error">
                <p>
                  <strong>Error {err.code}</strong>
                  {err.attempt !== undefined && ` (attempt ${err.attempt})`}: {err.message}
                </p>
                {err.requestId && (
                  <p>
                    Microsoft request id: <code>{err.requestId}</code>
                  </p>
                )}
                {err.fix && <p>Fix shown to the admin: {err.fix}</p>}
              </div>
            ))}
          </li>
        ))}
      </ol>
      {other.length > 0 && (
        <>
          <h3>Other events</h3>
          <ul className="c-events">
            {other.map((e) => (
              <li key={e.id}>
                {formatDateTime(e.at)} · {e.source}
                {e.step ? ` · ${STEP_LABELS[e.step]}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
