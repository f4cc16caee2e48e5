import type { SetupEvent } from '@kantiv/shared/events';
import type { Setup } from '@kantiv/shared/setup';
import { buildTimeline, STEP_LABELS, type TimelineError } from '../lib/timeline.ts';
import { manualTimeline } from '../lib/manual-steps.ts';
import { AttemptDurations, ManualSteps } from './timeline-parts.tsx';
import { formatDateTime, formatDateTimeSeconds, formatDuration } from '../lib/format.ts';
import { isMoment } from '../lib/moments.ts';
import { StepStatusBadge } from './state-badge.tsx';

/** Each step with its attempts, waits, durations and errors (Microsoft's code, message, request id, the fix). */
export function SetupTimeline({ setup, events }: { setup: Setup; events: SetupEvent[] }) {
  const { rows, manual, manualDone } = manualTimeline(setup, buildTimeline(setup.steps, events));
  // The admin's moments have their own section (admin-moments.tsx).
  const other = events.filter((e) => e.type !== 'step' && !isMoment(e));
  return (
    <section aria-labelledby="timeline-heading" className="c-panel">
      <h2 id="timeline-heading">Timeline</h2>
      {manual && (
        <p data-testid="manual-timeline">
          The admin chose the manual path: they did the Microsoft steps by hand, so Kantiv sees only the
          hand-off and the verification.
        </p>
      )}
      <ol className="c-timeline">
        {manual && <ManualSteps done={manualDone} />}
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
            <AttemptDurations runs={row.runs} />
            {row.message && row.status !== 'pending' && <p>{row.message}</p>}
            {row.status === 'waiting' && <CurrentWait retryAt={row.waits.at(-1)?.retryAt} />}
            {row.waits.length > 0 && (
              <details>
                <summary>
                  Waited for Microsoft {row.waits.length === 1 ? 'once' : `${row.waits.length} times`}
                </summary>
                <ul>
                  {row.waits.map((w) => (
                    <li key={`${w.at}-${w.attempt ?? 0}`}>
                      {formatDateTime(w.at)}: {w.message}
                      {w.retryAt && ` (next attempt ${formatDateTimeSeconds(w.retryAt)})`}
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
              <StepErrorView key={`${err.code}-${i}`} error={err} />
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

/** A replication wait as the admin sees it: normal, with the next try to the second. No error styling. */
function CurrentWait({ retryAt }: { retryAt: string | undefined }) {
  return (
    <p className="c-step-wait" data-testid="step-wait">
      Waiting for Microsoft — this is normal while Microsoft copies new objects between its servers.
      {retryAt ? ` Next try at ${formatDateTimeSeconds(retryAt)}.` : ''}
    </p>
  );
}

/** Microsoft's texts can run to pages: the code and request id come first, a long message folds. */
const LONG_MESSAGE = 200;

function StepErrorView({ error }: { error: TimelineError }) {
  const long = error.message.length > LONG_MESSAGE;
  return (
    <div className="c-step-error" data-testid="step-error">
      <p>
        <strong>Error {error.code}</strong>
        {error.attempt !== undefined && ` (attempt ${error.attempt})`}
        {error.requestId && (
          <>
            {' '}
            · Microsoft request id: <code>{error.requestId}</code>
          </>
        )}
        {!long && `: ${error.message}`}
      </p>
      {long && (
        <details>
          <summary>Microsoft's full message ({error.message.length} characters)</summary>
          <p>{error.message}</p>
        </details>
      )}
      {error.fix && <p>Fix shown to the admin: {error.fix}</p>}
    </div>
  );
}
