import { useTranslation } from 'react-i18next';
import type { StepError, StepStatus } from '@kantiv/shared/steps';
import { engineWords } from '../lib/engine-words.ts';
import type { StepRow } from '../stores/run-store.ts';

const STATUS_ICON: Record<StepStatus, string> = {
  pending: '○',
  running: '◐',
  waiting: '…',
  succeeded: '✓',
  failed: '✕',
  skipped: '–',
};

/** A step's time in minutes and seconds, in the page's language (`1 min, 5 sec`, `1 Min., 5 Sek.`), through Intl. */
export function formatElapsed(ms: number, language: string): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (name: 'minute' | 'second', value: number) =>
    new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  if (s < 60) return unit('second', s);
  return new Intl.ListFormat(language, { style: 'narrow', type: 'unit' }).format([
    unit('minute', Math.floor(s / 60)),
    unit('second', s % 60),
  ]);
}

/**
 * Every step with its state and elapsed time; waits are shown as waiting, with when the next try is due. The engine
 * reports each step in English with its particulars (names, ids); in another language the row says the same in the
 * catalog's words (`runMessages.<step>.<status>`), and the engine's line stays one click away, marked English.
 */
export function StepList({ rows, now }: { rows: StepRow[]; now: number }) {
  const { t, i18n } = useTranslation();
  const english = i18n.language === 'en';
  const seconds = new Intl.NumberFormat(i18n.language, {
    style: 'unit',
    unit: 'second',
    unitDisplay: 'short',
  });
  return (
    <ol className="steps" data-testid="run-steps">
      {rows.map((row) => {
        const elapsed =
          row.startedAt !== undefined
            ? formatElapsed((row.finishedAt ?? now) - row.startedAt, i18n.language)
            : undefined;
        const nextTry =
          row.status === 'waiting' && row.retryAt
            ? Math.max(0, Math.round((row.retryAt - now) / 1000))
            : undefined;
        const ownKey = `runMessages.${row.step}.${row.status}`;
        // A stopped step's line is ours (STEP_STOPPED_MESSAGE), worded in every language.
        const showMessage = row.message && row.status !== 'pending';
        return (
          <li
            key={row.step}
            className={`step step--${row.status}`}
            data-testid={`step-${row.step}`}
            data-status={row.status}
          >
            <span className="step__icon" aria-hidden="true">
              {STATUS_ICON[row.status]}
            </span>
            <span className="step__name">{t(`stepNames.${row.step}`)}</span>
            <span className="step__status">
              {row.stopped ? t('status.stopped') : t(`status.${row.status}`)}
              {elapsed && <span className="muted"> · {elapsed}</span>}
            </span>
            {row.stopped && <span className="step__message">{t('runMessages.stopped')}</span>}
            {showMessage && english && <span className="step__message">{row.message}</span>}
            {showMessage && !english && i18n.exists(ownKey) && (
              <span className="step__message">{t(ownKey)}</span>
            )}
            {showMessage && !english && !i18n.exists(ownKey) && row.status !== 'running' && (
              <details className="step__message">
                <summary>{t('run.engineDetails')}</summary>
                <span lang="en">{row.message}</span>
              </details>
            )}
            {row.status === 'waiting' && (
              <span className="step__message muted">
                {t('stepRow.normal')}
                {nextTry !== undefined
                  ? ` ${t('stepRow.nextTry', { seconds: seconds.format(nextTry) })}`
                  : ''}
                {row.attempt ? ` ${t('stepRow.attempt', { attempt: row.attempt })}` : ''}
              </span>
            )}
            {row.status === 'failed' && row.error && (
              <span className="step__message">
                <StepErrorWords error={row.error} />
                {row.error.requestId && (
                  <span className="muted"> {t('common.requestId', { id: row.error.requestId })}</span>
                )}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** A failed step's fix (or, without one, its message) in the page's language. */
function StepErrorWords({ error }: { error: StepError }) {
  const { t, i18n } = useTranslation();
  const words = engineWords(error, t, i18n);
  const shown = words.fix ?? words.message;
  return <span lang={shown?.lang}>{shown?.text}</span>;
}
