import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, handedOffSetup, useTestApp } from './helpers/app.ts';
import { startTrickleReceiver } from './helpers/trickle.ts';

describeDialects('webhook delivery cannot starve verification (%s)', (dialect) => {
  // Receivers on 127.0.0.1 are this file's own: the tests-only loopback allowance, explicitly. The webhook deadline
  // is long on purpose: the slots, not the deadline, must keep verification moving.
  const ctx = useTestApp(dialect, {
    JOBS_ENABLED: 'true',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_TIMEOUT_MS: '30000',
    JOB_CONCURRENCY_WEBHOOK: '4',
    JOB_CONCURRENCY_VERIFICATION: '4',
  });
  let trickle: Awaited<ReturnType<typeof startTrickleReceiver>>;
  beforeAll(async () => {
    trickle = await startTrickleReceiver(200);
  });
  afterAll(() => trickle.close());

  it('slow receivers holding every webhook slot do not delay a verification job', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await ctx.call({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: bearer(ctx.staffManage),
        payload: { url: trickle.url, events: ['setup.failed'] },
      });
      expect(res.statusCode).toBe(201);
    }
    const { id } = await createSetup(ctx);
    await ctx.app.webhooks.emit('setup.failed', id);
    const db = ctx.app.store.db;
    for (let i = 0; i < 100 && trickle.state.requests < 4; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect(trickle.state.requests).toBe(4);

    const verifying = await handedOffSetup(ctx);
    const started = Date.now();
    let claimed = false;
    while (!claimed && Date.now() - started < 3_000) {
      const job = await db
        .selectFrom('jobs')
        .select('first_attempt_at')
        .where('kind', '=', 'verification')
        .where('setup_id', '=', verifying.id)
        .executeTakeFirst();
      claimed = Boolean(job?.first_attempt_at);
      if (!claimed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(claimed).toBe(true);
    // … while the slow deliveries still hold their slots.
    const running = await db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'webhook')
      .where('status', '=', 'running')
      .execute();
    expect(running).toHaveLength(4);
  });
});
