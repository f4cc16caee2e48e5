import type { SetupEvent } from '@kantiv/shared/events';
import {
  STEP_IDS,
  STEP_NAMES,
  type StepError,
  type StepId,
  type StepStatus,
  type StepSummary,
} from '@kantiv/shared/steps';
import { attemptsOf, runStart, type TimelineAttempt } from './timeline-attempts.ts';

/** The step names the admin reads in the wizard (one name per step). */
export const STEP_LABELS: Record<StepId, string> = STEP_NAMES;

/** Microsoft's replication delay or throttling: the step is healthy, just not done yet. Not shown as a failure. */
export type TimelineWait = {
  at: string;
  retryAt?: string;
  message: string;
  attempt?: number;
  error?: StepError;
};
export type TimelineError = StepError & { at?: string; attempt?: number };

export type TimelineStep = {
  step: StepId;
  label: string;
  status: StepStatus;
  message?: string;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  /** Finished steps only; a running step shows its elapsed time instead. */
  durationMs?: number;
  /** Each attempt of the current run with its own duration (after a re-verify: from the re-verify on). */
  runs: TimelineAttempt[];
  waits: TimelineWait[];
  errors: TimelineError[];
  events: SetupEvent[];
};

/** Adds newly streamed events, dropping those already seen (a reconnect replays from `Last-Event-ID`). */
export function mergeEvents(current: readonly SetupEvent[], incoming: readonly SetupEvent[]): SetupEvent[] {
  const byId = new Map(current.map((e) => [e.id, e]));
  for (const event of incoming) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

const FINISHED: readonly StepStatus[] = ['succeeded', 'failed', 'skipped'];

/**
 * One row per step, in the order the wizard runs them: the server's summary of each step, brought up to date by
 * the live events (which arrive before the next summary is fetched).
 */
export function buildTimeline(steps: readonly StepSummary[], events: readonly SetupEvent[]): TimelineStep[] {
  return STEP_IDS.map((step) => {
    const summary = steps.find((s) => s.step === step);
    const own = events.filter((e) => e.type === 'step' && e.step === step);
    const row: TimelineStep = {
      step,
      label: STEP_LABELS[step],
      status: summary?.status ?? 'pending',
      attempts: summary?.attempts ?? 0,
      runs: attemptsOf(step, events),
      waits: [],
      errors: [],
      events: own,
      ...(summary?.message === undefined ? {} : { message: summary.message }),
      ...(summary?.startedAt === undefined ? {} : { startedAt: summary.startedAt }),
      ...(summary?.finishedAt === undefined ? {} : { finishedAt: summary.finishedAt }),
    };
    // A waiting step carries Microsoft's answer too (a replication delay): that is a wait, not an error.
    if (summary?.error && summary.status === 'failed') row.errors.push({ ...summary.error });
    // The summary may be fresher than the events received so far (it is refetched as events arrive): an event
    // older than the summary's last change adds its waits and errors but does not turn the step back.
    const summaryAt = Date.parse(summary?.finishedAt ?? summary?.startedAt ?? '');
    for (const event of own) {
      if (Date.parse(event.at) < summaryAt) {
        collectWaitAndError(row, event);
        continue;
      }
      if (event.status) row.status = event.status;
      row.message = event.message;
      if (event.attempt !== undefined) row.attempts = Math.max(row.attempts, event.attempt);
      if (event.status === 'running' && !row.startedAt) row.startedAt = event.at;
      if (event.status && FINISHED.includes(event.status)) row.finishedAt = event.at;
      else if (event.status) delete row.finishedAt;
      collectWaitAndError(row, event);
    }
    if (row.attempts === 0 && row.status !== 'pending' && row.status !== 'skipped') row.attempts = 1;
    dropEarlierRun(row, runStart(step, events));
    if (row.startedAt && row.finishedAt) {
      row.durationMs = Math.max(0, Date.parse(row.finishedAt) - Date.parse(row.startedAt));
    }
    return row;
  });
}

function collectWaitAndError(row: TimelineStep, event: SetupEvent): void {
  if (event.status === 'waiting') {
    row.waits.push({
      at: event.at,
      message: event.message,
      ...(event.retryAt === undefined ? {} : { retryAt: event.retryAt }),
      ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
      ...(event.error === undefined ? {} : { error: event.error }),
    });
    return;
  }
  if (event.error && !row.errors.some((e) => sameError(e, event.error, event.at))) {
    row.errors.push({
      ...event.error,
      at: event.at,
      ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
    });
  }
}

function sameError(a: TimelineError, b: StepError | undefined, at: string): boolean {
  if (!b) return false;
  return (
    a.code === b.code && a.message === b.message && a.requestId === b.requestId && (!a.at || a.at === at)
  );
}

/** A start or end from before the current run (a re-verify) is the last run's: the duration counts from the run. */
function dropEarlierRun(row: TimelineStep, from: string | undefined): void {
  if (from === undefined) return;
  const before = (iso: string | undefined) => iso !== undefined && Date.parse(iso) < Date.parse(from);
  if (before(row.finishedAt)) delete row.finishedAt;
  if (before(row.startedAt)) {
    const first = row.runs.find((r) => r.startedAt)?.startedAt;
    if (first) row.startedAt = first;
    else delete row.startedAt;
  }
}
