import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { Actor } from '../src/services/audit.ts';
import { createJobRunner, type Job, type JobOutcome } from '../src/services/jobs.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, useTestApp } from './helpers/app.ts';

const VERIFIER: Actor = { kind: 'system', id: 'verification' };
const STAFF: Actor = { kind: 'staff', id: 'staff-1' };
const log = { warn: () => undefined, error: () => undefined } as unknown as FastifyBaseLogger;

describeDialects('a revoke that sticks (%s)', (dialect) => {
  const ctx = useTestApp(dialect);
  const jobsOf = (setupId: string) =>
    ctx.app.store.db.selectFrom('jobs').selectAll().where('setup_id', '=', setupId).execute();

  it('a verification result decided before the revoke writes nothing after it, not even a state-keeping update', async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.setups.revoke(id, STAFF);
    const before = await ctx.app.setups.getRow(id);
    const events = (await ctx.app.setups.eventsSince(id, 0)).length;
    // What the verifier writes while it waits for Microsoft (no state change) and when it is done (a state change).
    await expect(
      ctx.app.setups.change(id, VERIFIER, async () => ({
        set: { verification: JSON.stringify({ status: 'waiting', attempts: 2 }) },
        events: [{ type: 'verification', source: 'server', message: 'Waiting for Microsoft' }],
      })),
    ).rejects.toMatchObject({ statusCode: 409, code: 'setup_revoked' });
    await expect(
      ctx.app.setups.change(id, VERIFIER, async () => ({ move: { to: 'verified', on: 'verified' } })),
    ).rejects.toMatchObject({ statusCode: 409 });
    const after = await ctx.app.setups.getRow(id);
    expect(after).toEqual(before);
    expect((await ctx.app.setups.eventsSince(id, 0)).length).toBe(events);
  });

  it('revoking cancels the setup’s queued jobs, and only that setup’s', async () => {
    const a = await handedOffSetup(ctx);
    const b = await handedOffSetup(ctx);
    expect((await jobsOf(a.id)).map((j) => j.status)).toEqual(['queued']);
    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${a.id}/revoke`,
      headers: bearer(ctx.apiKey),
    });
    expect(res.statusCode).toBe(200);
    expect((await jobsOf(a.id)).map((j) => j.status)).toEqual(['cancelled']);
    expect((await jobsOf(b.id)).map((j) => j.status)).toEqual(['queued']);
  });

  it('a job running during the revoke is fenced: its result (done or retry) is discarded, it is never run again', async () => {
    const { id } = await handedOffSetup(ctx);
    let release!: (o: JobOutcome) => void;
    let startedWith!: (job: Job) => void;
    const started = new Promise<Job>((r) => (startedWith = r));
    const runs: string[] = [];
    const runner = createJobRunner({
      store: ctx.app.store,
      instanceId: `fence-${randomUUID().slice(0, 8)}`,
      leaseMs: 600,
      pollMs: 20,
      log,
      handlers: {
        verification: async (job) => {
          // Earlier tests left queued jobs of other setups behind.
          if (job.setup_id !== id) return { outcome: 'done' };
          runs.push(job.id);
          startedWith(job);
          return await new Promise<JobOutcome>((r) => (release = r));
        },
      },
    });
    runner.start();
    try {
      const job = await started;
      expect(job.setup_id).toBe(id);
      await ctx.app.setups.revoke(id, STAFF);
      // The handler asks for a retry, as the verifier does while Microsoft replicates.
      release({ outcome: 'retry', at: new Date(), error: 'AADSTS700016' });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await runner.stop();
    }
    expect((await jobsOf(id)).map((j) => j.status)).toEqual(['cancelled']);
    expect(runs).toHaveLength(1);
    expect((await ctx.app.setups.getRow(id)).state).toBe('revoked');
  });

  it('after a revoke, token vending refuses and the invite link stays dead, also after every other action', async () => {
    const { id, token } = await handedOffSetup(ctx);
    // Verified, as the verifier would leave it.
    await ctx.app.setups.change(id, VERIFIER, async () => ({ move: { to: 'verified', on: 'verified' } }));
    await ctx.app.setups.revoke(id, STAFF);
    for (const action of ['extend', 'reverify', 'invite']) {
      const r = await ctx.call({
        method: 'POST',
        url: `/api/v1/setups/${id}/${action}`,
        headers: bearer(ctx.apiKey),
        ...(action === 'extend' ? { payload: { hours: 24 } } : {}),
      });
      expect(r.statusCode, action).toBe(409);
    }
    const vend = await ctx.call({
      method: 'POST',
      url: `/api/v1/connections/${id}/token`,
      headers: bearer(ctx.apiKey),
    });
    expect(vend.statusCode).toBe(409);
    expect(vend.json()).toMatchObject({
      error: { code: 'setup_revoked', message: 'This connection was revoked.' },
    });
    const wizard = await ctx.call({ method: 'GET', url: '/api/v1/wizard/setup', headers: bearer(token) });
    expect(wizard.statusCode).toBe(401);
    expect((await ctx.app.setups.getRow(id)).state).toBe('revoked');
  });
});
