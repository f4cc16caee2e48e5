import type { SetupEvent } from '@kantiv/shared/events';
import type { StepId, StepStatus } from '@kantiv/shared/steps';

/** One attempt of a step: when it started, how it ended and how long it took (unknown while it runs). */
export type TimelineAttempt = {
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  outcome: StepStatus;
  durationMs?: number;
};

const ENDS: readonly StepStatus[] = ['waiting', 'succeeded', 'failed', 'skipped'];

/**
 * When the step's current run began: for the verification, the last time the setup went to
 * `awaiting_verification` (the hand-off, or a re-verify). Earlier events belong to a finished run, so the durations
 * and attempts shown count from here.
 */
export function runStart(step: StepId, events: readonly SetupEvent[]): string | undefined {
  if (step !== 'verification') return undefined;
  const moves = events.filter((e) => e.type === 'state' && e.data?.['state'] === 'awaiting_verification');
  return moves.at(-1)?.at;
}

/** A step's events of the current run, from the wizard (`step`) or the server's verifier (`verification`). */
export function runEvents(step: StepId, events: readonly SetupEvent[]): SetupEvent[] {
  const from = runStart(step, events);
  return events.filter(
    (e) =>
      e.step === step &&
      (e.type === 'step' || e.type === 'verification') &&
      (from === undefined || Date.parse(e.at) >= Date.parse(from)),
  );
}

/**
 * Each attempt from its events: `running` opens it, a wait or an end closes it (a wait for Microsoft ends the
 * attempt; the retry is the next one). An attempt whose start was not seen has no duration.
 */
export function attemptsOf(step: StepId, events: readonly SetupEvent[]): TimelineAttempt[] {
  const byNumber = new Map<number, TimelineAttempt>();
  let current = 0;
  for (const e of runEvents(step, events)) {
    if (!e.status) continue;
    if (e.attempt !== undefined) current = e.attempt;
    else if (e.status === 'running') current += 1;
    else if (current === 0) current = 1;
    const entry = byNumber.get(current) ?? { attempt: current, outcome: e.status };
    if (e.status === 'running') {
      entry.startedAt ??= e.at;
      entry.outcome = 'running';
    } else if (ENDS.includes(e.status)) {
      entry.endedAt = e.at;
      entry.outcome = e.status;
      if (entry.startedAt) entry.durationMs = Math.max(0, Date.parse(e.at) - Date.parse(entry.startedAt));
    } else {
      entry.outcome = e.status;
    }
    byNumber.set(current, entry);
  }
  return [...byNumber.values()].sort((a, b) => a.attempt - b.attempt);
}
