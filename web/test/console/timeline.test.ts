import { describe, expect, it } from 'vitest';
import type { SetupEvent } from '@kantiv/shared/events';
import { STEP_IDS } from '@kantiv/shared/steps';
import { buildTimeline, mergeEvents } from '../../src/features/console/lib/timeline.ts';
import { manualTimeline } from '../../src/features/console/lib/manual-steps.ts';

const setupId = '3f6c1e7a-2f55-4c3c-9b1e-7b0f2d3c4a5b';
function ev(id: number, partial: Partial<SetupEvent>): SetupEvent {
  return {
    id,
    setupId,
    type: 'step',
    source: 'wizard',
    message: `event ${id}`,
    at: new Date(Date.UTC(2026, 10, 28, 4, 0, id)).toISOString(),
    ...partial,
  };
}

describe('buildTimeline', () => {
  it('lists every step in order, pending when nothing is known', () => {
    const rows = buildTimeline([], []);
    expect(rows.map((r) => r.step)).toEqual(STEP_IDS);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0)).toBe(true);
  });

  it('brings a step up to date from live events: waits, attempts, error with request id and fix, duration', () => {
    const events = [
      ev(1, { step: 'application_user', status: 'running', attempt: 1 }),
      ev(2, {
        step: 'application_user',
        status: 'waiting',
        attempt: 1,
        retryAt: '2026-11-28T04:01:00.000Z',
        message: 'Waiting for Entra to replicate the app',
        error: {
          code: '0x8004F510',
          message: 'The application was not found',
          requestId: 'req-42',
          fix: 'Nothing to do: Microsoft is catching up.',
        },
      }),
      ev(3, { step: 'application_user', status: 'running', attempt: 2 }),
      ev(6, {
        step: 'application_user',
        status: 'succeeded',
        attempt: 2,
        message: 'Application user created',
      }),
    ];
    const row = buildTimeline([], events).find((r) => r.step === 'application_user');
    expect(row).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      message: 'Application user created',
      durationMs: 5000,
    });
    // Replication waits are waits, not failures: Microsoft's answer rides along with the wait.
    expect(row?.waits).toHaveLength(1);
    expect(row?.waits[0]).toMatchObject({
      retryAt: '2026-11-28T04:01:00.000Z',
      attempt: 1,
      error: { code: '0x8004F510', requestId: 'req-42' },
    });
    expect(row?.errors).toEqual([]);
  });

  it("keeps a failure's code, message, request id and fix", () => {
    const row = buildTimeline(
      [],
      [
        ev(1, { step: 'credential', status: 'running', attempt: 1 }),
        ev(2, {
          step: 'credential',
          status: 'failed',
          attempt: 1,
          error: {
            code: 'CredentialTypeNotAllowedAsPerAppPolicy',
            message: 'Password credential type is not allowed',
            requestId: 'req-7',
            fix: 'Ask an Entra administrator to exempt the app.',
          },
        }),
      ],
    ).find((r) => r.step === 'credential');
    expect(row).toMatchObject({ status: 'failed', durationMs: 1000, waits: [] });
    expect(row?.errors).toEqual([
      expect.objectContaining({
        code: 'CredentialTypeNotAllowedAsPerAppPolicy',
        requestId: 'req-7',
        attempt: 1,
      }),
    ]);
  });

  it('starts from the server summary when no event has arrived yet', () => {
    const row = buildTimeline(
      [
        {
          step: 'preflight',
          status: 'succeeded',
          attempts: 1,
          startedAt: '2026-11-28T04:00:00.000Z',
          finishedAt: '2026-11-28T04:00:02.000Z',
        },
      ],
      [],
    )[0];
    expect(row).toMatchObject({ status: 'succeeded', attempts: 1, durationMs: 2000 });
  });
});

describe('buildTimeline with a summary fresher than the events', () => {
  it('does not turn a finished step back to running when its older running event arrives late', () => {
    const row = buildTimeline(
      [
        {
          step: 'handoff',
          status: 'succeeded',
          attempts: 1,
          startedAt: '2026-11-28T04:00:01.000Z',
          finishedAt: '2026-11-28T04:00:03.000Z',
        },
      ],
      [ev(1, { step: 'handoff', status: 'running', attempt: 1 })],
    ).find((r) => r.step === 'handoff');
    expect(row?.status).toBe('succeeded');
  });

  it('follows events newer than the summary, such as a re-verification', () => {
    const row = buildTimeline(
      [{ step: 'verification', status: 'succeeded', attempts: 1, finishedAt: '2026-11-28T04:00:00.000Z' }],
      [ev(30, { step: 'verification', status: 'running', attempt: 2 })],
    ).find((r) => r.step === 'verification');
    expect(row).toMatchObject({ status: 'running', attempts: 2 });
  });
});

describe('mergeEvents', () => {
  it('drops events replayed after a reconnect and keeps the server order', () => {
    const a = ev(1, { step: 'preflight', status: 'running' });
    const b = ev(2, { step: 'preflight', status: 'succeeded' });
    const c = ev(3, { step: 'environment', status: 'running' });
    expect(mergeEvents([a, b], [b, c]).map((e) => e.id)).toEqual([1, 2, 3]);
    expect(mergeEvents([c], [a]).map((e) => e.id)).toEqual([1, 3]);
  });
});

describe('waits are waits', () => {
  it('a step waiting for Microsoft keeps its answer as a wait, not an error; a final failure is an error', () => {
    const answer = {
      code: '0x8004F510',
      message: 'The application was not found',
      requestId: 'req-9',
      fix: 'Retry',
    };
    const waiting = buildTimeline(
      [{ step: 'application_user', status: 'waiting', attempts: 2, error: answer }],
      [],
    ).find((r) => r.step === 'application_user');
    expect(waiting?.status).toBe('waiting');
    expect(waiting?.errors).toEqual([]);
    const failed = buildTimeline(
      [{ step: 'application_user', status: 'failed', attempts: 3, error: answer }],
      [],
    ).find((r) => r.step === 'application_user');
    expect(failed?.errors).toEqual([expect.objectContaining({ code: '0x8004F510', requestId: 'req-9' })]);
  });
});

describe('durations per attempt', () => {
  it('gives each attempt its own duration; a wait for Microsoft ends an attempt', () => {
    const events = [
      ev(1, { step: 'application_user', status: 'running', attempt: 1 }),
      ev(3, { step: 'application_user', status: 'waiting', attempt: 1 }),
      ev(10, { step: 'application_user', status: 'running', attempt: 2 }),
      ev(11, { step: 'application_user', status: 'succeeded', attempt: 2 }),
    ];
    const row = buildTimeline([], events).find((r) => r.step === 'application_user');
    expect(row?.runs).toEqual([
      expect.objectContaining({ attempt: 1, durationMs: 2000, outcome: 'waiting' }),
      expect.objectContaining({ attempt: 2, durationMs: 1000, outcome: 'succeeded' }),
    ]);
  });

  it('after a re-verify, the verification counts from the re-verify: earlier attempts and start are dropped', () => {
    const awaiting = (id: number) =>
      ev(id, {
        type: 'state',
        source: 'server',
        message: 'Awaiting verification',
        data: { state: 'awaiting_verification' },
      });
    const verification = (id: number, status: SetupEvent['status'], attempt: number) =>
      ev(id, { type: 'verification', source: 'server', step: 'verification', status, attempt });
    const events = [
      awaiting(1),
      verification(2, 'running', 1),
      verification(4, 'waiting', 1),
      verification(8, 'running', 2),
      verification(9, 'succeeded', 2),
      // Re-verify at second 30: the new run takes attempt 1 again and 3 s.
      awaiting(30),
      verification(31, 'running', 1),
      verification(34, 'succeeded', 1),
    ];
    // The summary as an older server kept it: started at the first run.
    const row = buildTimeline(
      [
        {
          step: 'verification',
          status: 'succeeded',
          attempts: 2,
          startedAt: '2026-11-28T04:00:02.000Z',
          finishedAt: '2026-11-28T04:00:34.000Z',
        },
      ],
      events,
    ).find((r) => r.step === 'verification');
    expect(row?.runs).toEqual([
      expect.objectContaining({ attempt: 1, durationMs: 3000, outcome: 'succeeded' }),
    ]);
    expect(row?.startedAt).toBe('2026-11-28T04:00:31.000Z');
    expect(row?.durationMs).toBe(3000);
  });
});

describe('a manual setup', () => {
  it('shows the hand-off and the verification, not the automatic steps it never ran', () => {
    const rows = buildTimeline(
      [{ step: 'handoff', status: 'succeeded', attempts: 1 }],
      [ev(1, { step: 'preflight', status: 'succeeded' })],
    );
    const manual = manualTimeline({ credentialSource: 'manual' }, rows);
    expect(manual.manual).toBe(true);
    expect(manual.manualDone).toBe(true);
    // The preflight ran before the admin switched to the manual path: it stays.
    expect(manual.rows.map((r) => r.step)).toEqual(['preflight', 'handoff', 'verification']);
    const automatic = manualTimeline({ credentialSource: 'automatic' }, rows);
    expect(automatic.rows).toHaveLength(STEP_IDS.length);
  });
});
