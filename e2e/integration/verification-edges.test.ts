import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep } from '@kantiv/emulator/test-support/eventually';
import { startVerifierApp, useVerifierStack } from './support/verification-harness.ts';

/**
 * The verifier's edges, against the emulator: an answer from Microsoft that lacks what the verifier needs, a missing
 * privilege once there is no grace left, a job row it cannot run, and a revoke that lands while Microsoft answers.
 * (Issue 16: each test kills mutants of `verifier.ts` that the other verification suites leave alive.)
 */
const stack = useVerifierStack();
afterEach(() => stack.emulator.control.clearScenarios());

/** The setup's credential openings in the audit log, oldest first: what was opened, by whom, for what. */
async function decryptionsOf(setupId: string) {
  const rows = await stack.v.app.store.db
    .selectFrom('audit_log')
    .select(['actor_kind', 'actor_id', 'action', 'details'])
    .where('setup_id', '=', setupId)
    .where('action', 'like', 'credential.decrypt%')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    action: r.action,
    actor: `${r.actor_kind}:${r.actor_id}`,
    purpose: (JSON.parse(r.details ?? '{}') as { purpose?: string }).purpose,
  }));
}

/** The verification failed on its first attempt with `error`, and never waited. */
async function failedAtOnce(setupId: string, error: { code: string; message: string }): Promise<void> {
  const done = await stack.v.settled(setupId);
  expect(done.state).toBe('failed');
  expect(done.verification).toMatchObject({ status: 'failed', attempts: 1, error });
  const events = await stack.v.eventsOf(setupId);
  expect(events.some((e) => e.status === 'waiting')).toBe(false);
}

const jobRow = (id: string) =>
  stack.v.app.store.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('verification of Microsoft’s answers', () => {
  it('fails with whoami_failed when WhoAmI answers without a UserId, without waiting', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    stack.emulator.control.setScenario({ name: 'whoami-without-user-id' });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, provisioned);
    await failedAtOnce(setup.id, { code: 'whoami_failed', message: 'WhoAmI returned no UserId.' });
  });

  it('a missing privilege (0x80040220) with no privilege grace is an answer at once: table_access_denied, no wait', async () => {
    // The harness: privilege grace 0, maximum wait 60 s. The grace is the smaller of the two, so nothing waits.
    stack.emulator.control.setScenario({ name: 'privilege-cache-lag', seconds: 3_600 });
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, provisioned);
    const done = await stack.v.settled(setup.id, 20_000);
    expect(done.state).toBe('failed');
    expect(done.verification).toMatchObject({
      attempts: 1,
      error: { code: 'table_access_denied', message: 'No read access to account, contact.' },
    });
    expect(done.verification?.tables?.map((t) => [t.table, t.ok, t.error?.code])).toEqual([
      ['account', false, '0x80040220'],
      ['contact', false, '0x80040220'],
    ]);
    const events = await stack.v.eventsOf(setup.id);
    expect(events.some((e) => e.status === 'waiting')).toBe(false);
  });
});

describe('verification of a table read that Microsoft does not answer', () => {
  it('a table read a gateway times out (504) is waited out and read again, not counted as unreadable', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    // The first read of `accounts` is carried out, then answered 504 by the gateway (emulator row I15-9).
    stack.emulator.control.setScenario({
      name: 'commit-then-gateway-timeout',
      service: 'dataverse',
      method: 'GET',
      path: '/accounts',
      times: 1,
    });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, provisioned);
    const done = await stack.v.settled(setup.id);
    expect(done.state).toBe('verified');
    expect(done.verification?.attempts).toBe(2);
    expect(done.steps.find((s) => s.step === 'verification')).toMatchObject({
      status: 'succeeded',
      message: 'Connection verified: WhoAmI and every table read succeeded',
    });
    const events = await stack.v.eventsOf(setup.id);
    const waits = events.filter((e) => e.status === 'waiting');
    expect(waits).toHaveLength(1);
    // The retry is due one backoff later: the harness's base 300 ms with ±20 % jitter after attempt 1, counted from
    // when the attempt failed — after its `running` event was written, before its `waiting` event was.
    const running = events.find((e) => e.status === 'running' && e.attempt === 1)!;
    const retryAt = Date.parse(waits[0]!.retry_at!);
    expect(retryAt - Date.parse(running.at)).toBeGreaterThanOrEqual(240);
    expect(retryAt - Date.parse(waits[0]!.at)).toBeLessThanOrEqual(360);
    // Each attempt opened the stored secret once, audited with what it was opened for.
    expect(await decryptionsOf(setup.id)).toEqual([
      { action: 'credential.decrypted', actor: 'system:verification', purpose: 'verification' },
      { action: 'credential.decrypted', actor: 'system:verification', purpose: 'verification' },
    ]);
  });
});

describe('verification of a credential that is not the one to verify', () => {
  it('a job for a credential a newer hand-off replaced ends without verifying anything', async () => {
    const first = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, first);
    expect((await stack.v.settled(setup.id)).state).toBe('verified');
    const { jobs, store } = stack.v.app;
    const activeId = () =>
      store.db
        .selectFrom('credentials')
        .select('id')
        .where('setup_id', '=', setup.id)
        .where('active', '=', 1)
        .executeTakeFirstOrThrow()
        .then((r) => r.id);
    const replaced = await activeId();
    // The connection gets a new app and secret: a failed re-verification reopens the hand-off (set directly here;
    // the path to `failed` is covered by the verification suites), and support's new invite link hands it off.
    await store.db.updateTable('setups').set({ state: 'failed' }).where('id', '=', setup.id).execute();
    const token = await stack.v.newInvite(setup.id);
    await stack.v.handOff({ token }, await stack.v.provision({ withApplicationUser: true }));
    expect((await stack.v.settled(setup.id)).state).toBe('verified');
    expect(await activeId()).not.toBe(replaced);
    const before = await stack.v.eventsOf(setup.id);
    const decrypted = (await decryptionsOf(setup.id)).length;
    // A verification job for the replaced credential runs late (queued before the repair, say).
    const stale = await jobs.enqueue(store.db, { kind: 'verification', setupId: setup.id, refId: replaced });
    jobs.kick();
    const row = await eventually(
      () => jobRow(stale),
      (r) => r.status !== 'queued' && r.status !== 'running',
    );
    expect(row).toMatchObject({ status: 'done', attempts: 1 });
    expect(await stack.v.eventsOf(setup.id)).toEqual(before);
    expect(await decryptionsOf(setup.id)).toHaveLength(decrypted);
  });

  it('a stored secret no key opens fails at once as credential_unreadable, audited, nothing sent to Microsoft', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    const { jobs, store } = stack.v.app;
    // The job runner waits while the stored secret is damaged (one byte of its GCM tag), as a row tampered with
    // or sealed under a key since removed from KANTIV_KEYS would be.
    await jobs.stop();
    let logged = 0;
    try {
      await stack.v.handOff(setup, provisioned);
      const stored = await store.db
        .selectFrom('credentials')
        .select(['id', 'tag'])
        .where('setup_id', '=', setup.id)
        .where('active', '=', 1)
        .executeTakeFirstOrThrow();
      const tag = Buffer.from(stored.tag, 'base64');
      tag[0] = tag[0]! ^ 0xff;
      await store.db
        .updateTable('credentials')
        .set({ tag: tag.toString('base64') })
        .where('id', '=', stored.id)
        .execute();
    } finally {
      logged = stack.emulator.control.requestLog().length;
      jobs.start();
    }
    await failedAtOnce(setup.id, {
      code: 'credential_unreadable',
      message: 'The stored credential could not be opened.',
    });
    expect(await decryptionsOf(setup.id)).toEqual([
      { action: 'credential.decrypt_failed', actor: 'system:verification', purpose: 'verification' },
    ]);
    // Nothing reached Entra ID or Dataverse: no token was asked for with a secret the vault could not vouch for.
    expect(stack.emulator.control.requestLog().slice(logged)).toEqual([]);
  });
});

describe('verification jobs it cannot run', () => {
  it('a verification job row without a setup id or a credential id fails as such', async () => {
    const setup = await stack.v.startSetup();
    const { jobs, store } = stack.v.app;
    const withoutSetup = await jobs.enqueue(store.db, { kind: 'verification', refId: randomUUID() });
    const withoutCredential = await jobs.enqueue(store.db, { kind: 'verification', setupId: setup.id });
    jobs.kick();
    for (const id of [withoutSetup, withoutCredential]) {
      const row = await eventually(
        () => jobRow(id),
        (r) => r.status !== 'queued' && r.status !== 'running',
      );
      expect(row).toMatchObject({ status: 'failed', last_error: 'job without setup' });
    }
  });

  it('a verification job whose setup is gone is an unexpected error: retried later, not marked done', async () => {
    const { jobs, store } = stack.v.app;
    const id = await jobs.enqueue(store.db, {
      kind: 'verification',
      setupId: randomUUID(),
      refId: randomUUID(),
    });
    jobs.kick();
    const row = await eventually(
      () => jobRow(id),
      (r) => r.attempts > 0 && r.status !== 'running',
    );
    expect(row).toMatchObject({ status: 'queued', last_error: 'internal error' });
  });
});

describe('a revoke while Microsoft answers the verification', () => {
  it('ends the verification quietly: nothing it found lands on the revoked setup, no job failure is logged', async () => {
    const lines: { msg?: string; level?: number }[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as { msg?: string });
        done();
      },
    });
    const raced = await startVerifierApp(stack.emulator, { LOG_LEVEL: 'warn' }, { logStream });
    try {
      const provisioned = await raced.provision({ withApplicationUser: true });
      const setup = await raced.startSetup();
      // Entra holds the verification's first call (taken when the call arrives, 10 s: under the server's 15 s
      // deadline for an outgoing request); cleared once the verification runs, so nothing else waits.
      const hold = stack.emulator.control.setScenario({ name: 'latency', service: 'entra', ms: 10_000 });
      await raced.handOff(setup, provisioned);
      await eventually(
        () => raced.eventsOf(setup.id),
        (events) => events.some((e) => e.type === 'verification' && e.status === 'running'),
        30_000,
        20,
      );
      await sleep(500);
      stack.emulator.control.clearScenario(hold);
      const revoked = await raced.app.inject({
        method: 'POST',
        url: `/api/v1/setups/${setup.id}/revoke`,
        headers: raced.auth,
      });
      expect(revoked.statusCode).toBe(200);
      // The revoke landed before the verification had a result: the lifecycle refuses whatever it records now.
      const before = await raced.eventsOf(setup.id);
      expect(before.filter((e) => e.type === 'verification').map((e) => e.status)).toEqual(['running']);
      // Stopping the job runner waits for the jobs in flight: the verification has ended when it returns.
      await raced.app.jobs.stop();
      const after = await raced.eventsOf(setup.id);
      expect(after.filter((e) => e.type === 'verification').map((e) => e.status)).toEqual(['running']);
      const row = await raced.app.store.db
        .selectFrom('setups')
        .select('state')
        .where('id', '=', setup.id)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe('revoked');
      expect(lines.filter((l) => l.msg === 'job failed unexpectedly')).toEqual([]);
    } finally {
      await raced.close();
    }
  }, 90_000);
});
