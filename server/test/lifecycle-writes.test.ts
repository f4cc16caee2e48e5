import { expect, it } from 'vitest';
import type { Actor } from '../src/services/audit.ts';
import type { ColumnUpdate } from '../src/services/setups/lifecycle.ts';
import { describeDialects } from './helpers/databases.ts';
import { handedOffSetup, useTestApp } from './helpers/app.ts';
import { hashToken } from '../src/services/setups/invites.ts';
import { RETIRED_PREFIX } from '../src/services/setups/wizard-gate.ts';

const STAFF: Actor = { kind: 'staff', id: 'staff-1' };
const WIZARD: Actor = { kind: 'setup_token', id: 'setup' };
const VERIFIER: Actor = { kind: 'system', id: 'verification' };

/*
 * What the lifecycle writes besides the state (lifecycle.ts `write`, `changeOnce`): the exceptions a terminal setup
 * still takes, and what every committed write leaves on the row.
 */
describeDialects('lifecycle writes (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  const disconnectedSetup = async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.disconnect(id, STAFF);
    return id;
  };

  it('a disconnected setup takes its disconnect link, column by column, and no other write (decision 018)', async () => {
    const id = await disconnectedSetup();
    const writable: ColumnUpdate[] = [
      { token_hash: 'a'.repeat(64) },
      { link_purpose: 'disconnect' },
      { link_expires_at: '2030-01-01T00:00:00.000Z' },
    ];
    for (const set of writable) {
      const before = await ctx.app.setups.getRow(id);
      const after = await ctx.app.setups.lifecycle.change(id, WIZARD, async () => ({ set }));
      expect(after, JSON.stringify(set)).toMatchObject({
        ...set,
        state: 'disconnected',
        version: before.version + 1,
      });
      expect(await ctx.app.setups.getRow(id), JSON.stringify(set)).toMatchObject({
        ...set,
        state: 'disconnected',
        version: before.version + 1,
      });
    }
    // The same, decided as a move to the state it is in (a disconnect link spent on a disconnected setup): no move.
    const spent = await ctx.app.setups.lifecycle.change(id, WIZARD, async () => ({
      move: { to: 'disconnected', on: 'disconnect' },
      set: { link_purpose: null, link_expires_at: null },
    }));
    expect(spent).toMatchObject({ state: 'disconnected', link_purpose: null, link_expires_at: null });
    const version = (await ctx.app.setups.getRow(id)).version;
    await expect(
      ctx.app.setups.lifecycle.change(id, WIZARD, async () => ({
        move: { to: 'disconnected', on: 'disconnect' },
        set: { customer_name: 'Renamed' },
      })),
    ).rejects.toMatchObject({ reason: 'illegal', code: 'setup_disconnected' });
    // Anything else, alone or beside a writable column, is refused as the terminal state's conflict.
    for (const set of [
      { customer_name: 'Renamed' },
      { last_error: null },
      { link_purpose: 'disconnect', customer_name: 'Renamed' },
    ] as ColumnUpdate[]) {
      await expect(
        ctx.app.setups.lifecycle.change(id, STAFF, async () => ({ set })),
        JSON.stringify(set),
      ).rejects.toMatchObject({
        reason: 'illegal',
        statusCode: 409,
        code: 'setup_disconnected',
        message: 'This setup is disconnected; nothing about it can change any more.',
      });
    }
    expect(await ctx.app.setups.getRow(id)).toMatchObject({ customer_name: 'Contoso Ltd', version });
  });

  it('a revoked setup takes no write that keeps it revoked, not even its link columns', async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.setups.revoke(id, STAFF);
    const version = (await ctx.app.setups.getRow(id)).version;
    for (const set of [{ link_purpose: 'disconnect' }, { customer_name: 'Renamed' }] as ColumnUpdate[]) {
      await expect(
        ctx.app.setups.lifecycle.change(id, STAFF, async () => ({ set })),
        JSON.stringify(set),
      ).rejects.toMatchObject({ reason: 'illegal', code: 'setup_revoked' });
    }
    expect((await ctx.app.setups.getRow(id)).version).toBe(version);
  });
  it('verified retires the invite link once: a second verification keeps the one retired hash', async () => {
    const { id, token } = await handedOffSetup(ctx);
    const retired = `${RETIRED_PREFIX}${hashToken(token)}`;
    expect((await ctx.app.setups.getRow(id)).token_hash).toBe(hashToken(token));
    const verify = () =>
      ctx.app.setups.lifecycle.transition(
        id,
        'awaiting_verification',
        { to: 'verified', on: 'verified' },
        VERIFIER,
      );
    expect(await verify()).toEqual({ ok: true });
    expect((await ctx.app.setups.getRow(id)).token_hash).toBe(retired);
    // Kantiv asks for a new verification; it passes again. The link stays retired, not retired twice (which would
    // turn the retired link's answer into "not valid").
    expect(
      await ctx.app.setups.lifecycle.transition(
        id,
        'verified',
        { to: 'awaiting_verification', on: 'reverify' },
        STAFF,
      ),
    ).toEqual({ ok: true });
    expect((await ctx.app.setups.getRow(id)).token_hash).toBe(retired);
    expect(await verify()).toEqual({ ok: true });
    expect((await ctx.app.setups.getRow(id)).token_hash).toBe(retired);
  });
  const auditOf = (setupId: string, action: string) =>
    ctx.app.store.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'actor_id', 'action', 'setup_id', 'details'])
      .where('setup_id', '=', setupId)
      .where('action', '=', action)
      .execute();

  it('a change with an audit action records it for the setup, by the actor, with its details, in the same write', async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.setups.lifecycle.change(id, STAFF, async () => ({
      set: { customer_name: 'Contoso Renamed' },
      audit: 'test.renamed',
      details: { from: 'Contoso Ltd' },
    }));
    expect(await auditOf(id, 'test.renamed')).toEqual([
      {
        actor_kind: 'staff',
        actor_id: 'staff-1',
        action: 'test.renamed',
        setup_id: id,
        details: JSON.stringify({ from: 'Contoso Ltd' }),
      },
    ]);
  });

  it('a new setup is stored with its audit entry under its own id', async () => {
    const { id } = await handedOffSetup(ctx);
    const created = await auditOf(id, 'setup.created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      action: 'setup.created',
      setup_id: id,
      details: JSON.stringify({ customerName: 'Contoso Ltd' }),
    });
  });

  it('a refused transition is decided once, not retried like a lost race', async () => {
    const { id } = await handedOffSetup(ctx);
    let decided = 0;
    await expect(
      ctx.app.setups.lifecycle.change(id, WIZARD, async () => {
        decided += 1;
        return { move: { to: 'verified', on: 'verified' } };
      }),
    ).rejects.toMatchObject({ reason: 'illegal', code: 'conflict' });
    expect(decided).toBe(1);
  });
});
