import { expect, it } from 'vitest';
import { SetupSchema, SetupStateSchema, type SetupState } from '@kantiv/shared/setup';
import { allowedActions, SetupActionSchema, type SetupAction } from '@kantiv/shared/setup-actions';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, handedOffSetup, type TestContext, useTestApp } from './helpers/app.ts';

const CALLS: Record<SetupAction, { path: string; payload?: object }> = {
  reverify: { path: 'reverify' },
  extend: { path: 'extend', payload: { hours: 24 } },
  new_invite: { path: 'invite' },
  revoke: { path: 'revoke' },
  disconnect: { path: 'disconnect' },
  renewal_link: { path: 'links', payload: { purpose: 'renew' } },
  repair_link: { path: 'links', payload: { purpose: 'repair' } },
};

/** A setup put into `state` (with or without a handed-off credential), read back as the console reads it. */
async function setupIn(ctx: TestContext, state: SetupState, withCredential: boolean) {
  const { id } = withCredential ? await handedOffSetup(ctx) : await createSetup(ctx);
  // The row is set directly: the test is about what each state allows, not about reaching it.
  await ctx.app.store.db.updateTable('setups').set({ state }).where('id', '=', id).execute();
  const res = await ctx.call({ method: 'GET', url: `/api/v1/setups/${id}`, headers: bearer(ctx.staffRead) });
  return SetupSchema.parse(res.json());
}

describeDialects('actions follow state (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it(
    'for every state and every action, the console offers exactly what the server accepts',
    { timeout: 180_000 },
    async () => {
      const mismatches: string[] = [];
      for (const state of SetupStateSchema.options) {
        for (const withCredential of [false, true]) {
          for (const action of SetupActionSchema.options) {
            const setup = await setupIn(ctx, state, withCredential);
            const offered = allowedActions(setup)[action];
            const call = CALLS[action];
            const res = await ctx.call({
              method: 'POST',
              url: `/api/v1/setups/${setup.id}/${call.path}`,
              headers: bearer(ctx.staffManage),
              ...(call.payload ? { payload: call.payload } : {}),
            });
            const after = await ctx.call({
              method: 'GET',
              url: `/api/v1/setups/${setup.id}`,
              headers: bearer(ctx.staffRead),
            });
            // Revoking a revoked (or disconnecting a disconnected) setup answers 200 and changes nothing: idempotent, not an action to offer.
            const changed = SetupSchema.parse(after.json()).updatedAt !== setup.updatedAt;
            const accepted = res.statusCode < 300 && changed;
            if (res.statusCode >= 300) expect(res.statusCode, `${state} ${action}: ${res.body}`).toBe(409);
            if (accepted !== offered)
              mismatches.push(
                `${state}${withCredential ? ' with credential' : ''} × ${action}: console ${offered ? 'offers' : 'hides'}, server ${res.statusCode}`,
              );
          }
        }
      }
      expect(mismatches).toEqual([]);
    },
  );
});
