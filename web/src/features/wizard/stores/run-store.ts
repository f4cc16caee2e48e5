import type { EngineText } from '@kantiv/shared/engine-texts';
import {
  STEP_STOPPED_MESSAGE,
  type StepError,
  type StepId,
  type StepStatus,
  type StepSummary,
} from '@kantiv/shared/steps';
import type { PlanChoices, RunEvent, RunResult, WizardEngine } from '@kantiv/provisioning';
import type { EventForwarder } from '../lib/event-forwarder.ts';
import { RUN_STEP_IDS } from '../lib/run-steps.ts';
import { postMoment } from '../api/post-moment.ts';

export type StepRow = {
  step: StepId;
  status: StepStatus;
  message?: string;
  startedAt?: number;
  finishedAt?: number;
  attempt?: number;
  retryAt?: number;
  error?: StepError;
  /** Cancelled while in progress: open again, and it runs again when the admin continues. */
  stopped?: boolean;
};

export type RunStatus = 'idle' | 'running' | 'failed' | 'cancelled' | 'succeeded';

export type RunState = {
  status: RunStatus;
  rows: StepRow[];
  /** Why the run stopped, when it failed outside a step (network, sign-in). */
  error?: { message: string; code?: string; fix?: string; text?: EngineText };
  result?: RunResult;
  /** The run resumed work found in Microsoft or on the server from an earlier attempt. */
  resumed: boolean;
  /**
   * The page was opened again on a run that had ended stopped (Cancel) or failed, in this tab or another: it waits
   * for the admin's "Run it again" instead of running by itself.
   */
  reopened?: boolean;
};

function toMs(iso: string | undefined): number | undefined {
  return iso ? Date.parse(iso) : undefined;
}

function rowsFromServer(steps: StepSummary[]): StepRow[] {
  return RUN_STEP_IDS.map((step) => {
    const s = steps.find((x) => x.step === step);
    if (!s) return { step, status: 'pending' };
    // A step the server last saw running belongs to an earlier, interrupted run: it will run again.
    const status: StepStatus = s.status === 'running' || s.status === 'waiting' ? 'pending' : s.status;
    return {
      step,
      status,
      ...(s.status === 'pending' && s.message === STEP_STOPPED_MESSAGE ? { stopped: true } : {}),
      ...(s.message ? { message: s.message } : {}),
      ...(s.startedAt ? { startedAt: toMs(s.startedAt) } : {}),
      ...(s.finishedAt ? { finishedAt: toMs(s.finishedAt) } : {}),
      ...(s.error ? { error: s.error } : {}),
    };
  });
}

/**
 * The live state of one run, outside React (components subscribe with useSyncExternalStore). It is a view of the
 * engine's events; the truth stays with the server (step history) and Microsoft (what exists), so a reload simply
 * starts a new run that converges.
 */
export class RunSession {
  private state: RunState;
  private listeners = new Set<() => void>();
  private controller: AbortController | undefined;

  constructor(serverSteps: StepSummary[]) {
    const rows = rowsFromServer(serverSteps);
    const failed = rows.find((r) => r.status === 'failed');
    // The last run ended stopped or failed: the admin decides when it runs again. A run that was cut off (a reload,
    // a closed tab) left steps running or waiting on the server, maybe beside one its unload failed, and continues.
    const cutOff = serverSteps.some(
      (s) => RUN_STEP_IDS.includes(s.step) && (s.status === 'running' || s.status === 'waiting'),
    );
    const status: RunStatus = cutOff
      ? 'idle'
      : rows.some((r) => r.stopped)
        ? 'cancelled'
        : failed
          ? 'failed'
          : 'idle';
    this.state = {
      status,
      rows,
      resumed: rows.some((r) => r.status !== 'pending'),
      ...(status === 'idle' ? {} : { reopened: true }),
      ...(status === 'failed' && failed?.error
        ? {
            error: {
              message: failed.error.message,
              code: failed.error.code,
              ...(failed.error.fix ? { fix: failed.error.fix } : {}),
              ...(failed.error.text ? { text: failed.error.text } : {}),
            },
          }
        : {}),
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RunState => this.state;

  private set(patch: Partial<RunState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private apply(event: RunEvent): void {
    const at = Date.parse(event.at);
    const rows = this.state.rows.map((row): StepRow => {
      if (row.step !== event.step) return row;
      if (event.status === 'pending') {
        return { step: row.step, status: 'pending', message: event.message, stopped: true };
      }
      const next: StepRow = { ...row, status: event.status, message: event.message };
      delete next.stopped;
      if (event.status === 'running' && (row.status === 'pending' || row.finishedAt !== undefined)) {
        next.startedAt = at;
        delete next.finishedAt;
        delete next.error;
      }
      if (event.status === 'running' || event.status === 'waiting') next.startedAt ??= at;
      if (event.attempt !== undefined) next.attempt = event.attempt;
      if (event.retryAt) next.retryAt = Date.parse(event.retryAt);
      else delete next.retryAt;
      if (event.status === 'succeeded' || event.status === 'failed' || event.status === 'skipped') {
        next.finishedAt = at;
        next.startedAt ??= at;
      }
      if (event.error) next.error = event.error;
      return next;
    });
    if (!rows.some((r) => r.step === event.step)) {
      rows.push({ step: event.step, status: event.status, message: event.message, startedAt: at });
    }
    this.set({ rows });
  }

  get running(): boolean {
    return this.state.status === 'running';
  }

  /**
   * Prepares (engine + plan, rediscovering what exists) and applies. A second call while running does nothing; after
   * a failure or a cancel it runs again, and the engine skips what is already done.
   */
  async start(
    prepare: () => Promise<{ engine: WizardEngine; choices: PlanChoices }>,
    forwarder: EventForwarder,
  ): Promise<void> {
    if (this.running) return;
    const controller = new AbortController();
    this.controller = controller;
    const { error: _previous, reopened: _reopened, ...rest } = this.state;
    this.state = rest;
    this.set({ status: 'running' });
    try {
      const { engine, choices } = await prepare();
      const result = await engine.apply(choices, {
        signal: controller.signal,
        onEvent: (event) => {
          this.apply(event);
          forwarder.push(event);
        },
      });
      await forwarder.flush();
      this.set({ status: 'succeeded', result });
    } catch (err) {
      await forwarder.flush();
      if (controller.signal.aborted) {
        postMoment({ moment: 'stopped' });
        this.set({ status: 'cancelled' });
        return;
      }
      const failed = this.state.rows.find((r) => r.status === 'failed');
      const stepError =
        err instanceof Error && 'stepError' in err ? (err.stepError as StepError) : failed?.error;
      this.set({
        status: 'failed',
        error: stepError
          ? {
              message: stepError.message,
              code: stepError.code,
              ...(stepError.fix ? { fix: stepError.fix } : {}),
              ...(stepError.text ? { text: stepError.text } : {}),
            }
          : failed?.error
            ? {
                message: failed.error.message,
                code: failed.error.code,
                ...(failed.error.fix ? { fix: failed.error.fix } : {}),
                ...(failed.error.text ? { text: failed.error.text } : {}),
              }
            : { message: err instanceof Error ? err.message : 'The setup stopped unexpectedly.' },
      });
    } finally {
      this.controller = undefined;
    }
  }

  cancel(): void {
    this.controller?.abort();
  }
}

const sessions = new Map<string, RunSession>();

/** The server's step history a run continues: none for a follow-up link's run, whose steps start afresh. */
export function runHistory(setup: { steps: StepSummary[]; link?: unknown }): StepSummary[] {
  return setup.link ? [] : setup.steps;
}

export function getRunSession(setupId: string, serverSteps: StepSummary[]): RunSession {
  let session = sessions.get(setupId);
  if (!session) {
    session = new RunSession(serverSteps);
    sessions.set(setupId, session);
  }
  return session;
}
