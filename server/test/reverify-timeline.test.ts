import { expect, it } from 'vitest';
import { SetupSchema } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import { bearer, handedOffSetup, useTestApp } from './helpers/app.ts';

describeDialects('a re-verify starts the verification step afresh (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('its start, end and attempts count from the re-verify, not from the first verification', async () => {
    const { id } = await handedOffSetup(ctx);
    // A first verification that took three attempts and finished a day ago (set directly: the test is about
    // what the re-verify keeps, not about reaching that state).
    const dayAgo = Date.now() - 86_400_000;
    await ctx.app.store.db
      .updateTable('setup_steps')
      .set({
        status: 'succeeded',
        attempts: 3,
        started_at: new Date(dayAgo).toISOString(),
        finished_at: new Date(dayAgo + 60_000).toISOString(),
      })
      .where('setup_id', '=', id)
      .where('step', '=', 'verification')
      .execute();
    await ctx.app.store.db.updateTable('setups').set({ state: 'verified' }).where('id', '=', id).execute();

    const res = await ctx.call({
      method: 'POST',
      url: `/api/v1/setups/${id}/reverify`,
      headers: bearer(ctx.staffManage),
    });
    expect(res.statusCode, res.body).toBe(202);

    const setup = SetupSchema.parse(
      (await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) })).json(),
    );
    const step = setup.steps.find((s) => s.step === 'verification');
    expect(step).toMatchObject({ status: 'pending', attempts: 0, message: 'Re-verification requested' });
    expect(step?.startedAt).toBeUndefined();
    expect(step?.finishedAt).toBeUndefined();
    // The other steps keep their history.
    expect(setup.steps.find((s) => s.step === 'handoff')?.status).toBe('succeeded');
  });
});
