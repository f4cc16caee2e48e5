import { describe, expect, it } from 'vitest';
import { SetupStateSchema, type SetupState } from '@kantiv/shared/setup';
import type { Actor } from '../src/services/audit.ts';
import {
  INITIAL_STATE,
  TERMINAL_STATES,
  TRANSITIONS,
  type Move,
  type Role,
} from '../src/services/setups/lifecycle.ts';
import { describeDialects } from './helpers/databases.ts';
import { createSetup, handedOffSetup, useTestApp } from './helpers/app.ts';

const VERIFIER: Actor = { kind: 'system', id: 'verification' };
const STAFF: Actor = { kind: 'staff', id: 'staff-1' };
const ACTORS: Record<Role, Actor> = {
  staff: STAFF,
  api: { kind: 'api_key', id: 'key-1' },
  wizard: { kind: 'setup_token', id: 'setup' },
  verifier: VERIFIER,
  system: { kind: 'system', id: 'expiry' },
};

describe('the transition table', () => {
  const states = SetupStateSchema.options;

  it('names every setup state, and only those', () => {
    const named = new Set(TRANSITIONS.flatMap((t) => [...t.from, t.to]));
    expect([...named].sort()).toEqual([...states].sort());
  });

  it('lets nothing leave a terminal state, and every other state has a way out', () => {
    for (const s of states) {
      const out = TRANSITIONS.filter((t) => t.from.includes(s));
      // The one way out of `revoked`: a disconnect shreds a credential handed off before the revoke (decision 018).
      if (s === 'revoked')
        expect(
          out.map((t) => `${t.on}→${t.to} by ${t.by.join(',')}`),
          s,
        ).toEqual(['disconnect→disconnected by staff,api']);
      else if (TERMINAL_STATES.includes(s)) expect(out, s).toEqual([]);
      else expect(out.length, s).toBeGreaterThan(0);
    }
  });

  it('reaches every state from the initial one, and lists no self-loop', () => {
    const reached = new Set<SetupState>([INITIAL_STATE]);
    for (let grew = true; grew;) {
      grew = false;
      for (const t of TRANSITIONS) {
        if (t.from.some((f) => reached.has(f)) && !reached.has(t.to)) {
          reached.add(t.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...states].sort());
    for (const t of TRANSITIONS) expect(t.from, `${t.on} → ${t.to}`).not.toContain(t.to);
  });
});

describeDialects('setup state changes (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  const stateOf = async (id: string) => (await ctx.app.setups.getRow(id)).state;

  it('of two concurrent transitions from one state, exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await handedOffSetup(ctx);
      const race = (move: Move, actor: Actor) =>
        ctx.app.setups.lifecycle.transition(id, 'awaiting_verification', move, actor);
      const results = await Promise.all([
        race({ to: 'verified', on: 'verified' }, VERIFIER),
        race({ to: 'failed', on: 'verification_failed' }, VERIFIER),
        race({ to: 'revoked', on: 'revoke' }, STAFF),
      ]);
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (!r.ok) expect(r.reason).toBe('lost_race');
      expect(await stateOf(id)).toBe((['verified', 'failed', 'revoked'] as const)[winners[0]!]);
    }
  });

  it('two concurrent revokes store one revocation: the loser re-reads and finds nothing to do', async () => {
    const { id } = await createSetup(ctx);
    await Promise.all([ctx.app.setups.revoke(id, STAFF), ctx.app.setups.revoke(id, STAFF)]);
    expect(await stateOf(id)).toBe('revoked');
    const revoked = (await ctx.app.setups.eventsSince(id, 0)).filter((e) => e.message === 'Setup revoked');
    expect(revoked).toHaveLength(1);
  });

  it('a move to the state a setup is already in is no transition: the write lands and the state stays', async () => {
    const { id } = await handedOffSetup(ctx);
    const before = await ctx.app.setups.getRow(id);
    expect(before.state).toBe('awaiting_verification');
    // A hand-off over an earlier one: the table lists no awaiting_verification → awaiting_verification, and needs not.
    const after = await ctx.app.setups.lifecycle.change(id, ACTORS.wizard, async () => ({
      move: { to: 'awaiting_verification', on: 'hand_off' },
      set: { customer_name: 'Contoso again' },
    }));
    expect(after.state).toBe('awaiting_verification');
    expect(await ctx.app.setups.getRow(id)).toMatchObject({
      state: 'awaiting_verification',
      customer_name: 'Contoso again',
      version: before.version + 1,
    });
  });

  it('a revoked setup stays revoked: every trigger, by every role, towards every state is refused but a disconnect by staff or API', async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.setups.revoke(id, STAFF);
    const version = (await ctx.app.setups.getRow(id)).version;
    for (const to of SetupStateSchema.options.filter((s) => s !== 'revoked')) {
      for (const on of new Set(TRANSITIONS.map((t) => t.on))) {
        for (const actor of Object.values(ACTORS)) {
          if (to === 'disconnected' && on === 'disconnect' && ['staff', 'api_key'].includes(actor.kind))
            continue;
          const result = await ctx.app.setups.lifecycle.transition(id, 'revoked', { to, on }, actor);
          expect(result, `${on} → ${to} by ${actor.kind}`).toEqual({ ok: false, reason: 'illegal' });
        }
      }
    }
    expect(await stateOf(id)).toBe('revoked');
    expect((await ctx.app.setups.getRow(id)).version).toBe(version);
  });

  it('a disconnected setup stays disconnected: every trigger, by every role, towards every state is refused', async () => {
    const { id } = await handedOffSetup(ctx);
    await ctx.app.disconnect(id, STAFF);
    const version = (await ctx.app.setups.getRow(id)).version;
    for (const to of SetupStateSchema.options.filter((s) => s !== 'disconnected')) {
      for (const on of new Set(TRANSITIONS.map((t) => t.on))) {
        for (const actor of Object.values(ACTORS)) {
          const result = await ctx.app.setups.lifecycle.transition(id, 'disconnected', { to, on }, actor);
          expect(result, `${on} → ${to} by ${actor.kind}`).toEqual({ ok: false, reason: 'illegal' });
        }
      }
    }
    expect(await stateOf(id)).toBe('disconnected');
    expect((await ctx.app.setups.getRow(id)).version).toBe(version);
  });

  it('disconnect is refused from invited and from disconnected, from revoked to all but staff and API, and to every role but staff, API and the wizard', async () => {
    const disconnect: Move = { to: 'disconnected', on: 'disconnect' };
    for (const from of SetupStateSchema.options.filter((s) => s !== 'disconnected')) {
      for (const [role, actor] of Object.entries(ACTORS)) {
        const { id } = await createSetup(ctx);
        await ctx.app.store.db.updateTable('setups').set({ state: from }).where('id', '=', id).execute();
        const result = await ctx.app.setups.lifecycle.transition(id, from, disconnect, actor);
        const allowed =
          from !== 'invited' &&
          (['staff', 'api'].includes(role) || (role === 'wizard' && from !== 'revoked'));
        expect(result, `${from} by ${role}`).toEqual(
          allowed ? { ok: true } : { ok: false, reason: 'illegal' },
        );
        expect(await stateOf(id), `${from} by ${role}`).toBe(allowed ? 'disconnected' : from);
      }
    }
  });

  it('a refused change says why: the code names a terminal state, the message the states', async () => {
    const verify = async () => ({ move: { to: 'verified', on: 'verified' } as Move });
    const invited = await createSetup(ctx);
    await expect(ctx.app.setups.lifecycle.change(invited.id, VERIFIER, verify)).rejects.toMatchObject({
      name: 'StateConflict',
      statusCode: 409,
      code: 'conflict',
      reason: 'illegal',
      from: 'invited',
      to: 'verified',
      message: 'A setup that is invited cannot become verified.',
    });
    const revoked = await handedOffSetup(ctx);
    await ctx.app.setups.revoke(revoked.id, STAFF);
    await expect(ctx.app.setups.lifecycle.change(revoked.id, VERIFIER, verify)).rejects.toMatchObject({
      statusCode: 409,
      code: 'setup_revoked',
      reason: 'illegal',
      message: 'This setup is revoked; nothing about it can change any more.',
    });
    const disconnected = await handedOffSetup(ctx);
    await ctx.app.disconnect(disconnected.id, STAFF);
    // A write that keeps the state is refused on a terminal setup too (here a column the disconnect does not own).
    await expect(
      ctx.app.setups.lifecycle.change(disconnected.id, STAFF, async () => ({ set: { customer_name: 'x' } })),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'setup_disconnected',
      reason: 'illegal',
      from: 'disconnected',
      to: 'disconnected',
      message: 'This setup is disconnected; nothing about it can change any more.',
    });
  });

  it('a change whose compare-and-set keeps losing is decided three times on fresh reads, then refused as a lost race', async () => {
    const { id } = await handedOffSetup(ctx);
    const seen: string[] = [];
    // Each decision is overtaken before it is written: another writer moves the state under it (the same transaction
    // stands in for the other writer, so the row's state is no longer the one the decision was made on).
    const refused = ctx.app.setups.lifecycle.change(id, STAFF, async (row, trx) => {
      seen.push(row.state);
      await trx.updateTable('setups').set({ state: 'failed' }).where('id', '=', id).execute();
      return { set: { customer_name: `decided on ${row.state}` } };
    });
    await expect(refused).rejects.toMatchObject({
      statusCode: 409,
      code: 'conflict',
      reason: 'lost_race',
      from: 'awaiting_verification',
      to: 'awaiting_verification',
      message: 'The setup changed while this request was handled; reload it and try again.',
    });
    // Every attempt rolled back (the state it read is the one the hand-off left), and there were exactly three.
    expect(seen).toEqual(['awaiting_verification', 'awaiting_verification', 'awaiting_verification']);
    expect(await ctx.app.setups.getRow(id)).toMatchObject({
      state: 'awaiting_verification',
      customer_name: 'Contoso Ltd',
    });
  });

  it('a change with nothing to write keeps the version; one with only events is a write', async () => {
    const { id } = await handedOffSetup(ctx);
    const before = await ctx.app.setups.getRow(id);
    const same = await ctx.app.setups.lifecycle.change(id, STAFF, async () => ({
      move: { to: 'awaiting_verification', on: 'hand_off' },
      events: [],
    }));
    expect(same.version).toBe(before.version);
    expect((await ctx.app.setups.getRow(id)).version).toBe(before.version);
    const noted = await ctx.app.setups.lifecycle.change(id, STAFF, async () => ({
      events: [{ type: 'action', source: 'staff', message: 'a note for support' }],
    }));
    expect(noted.version).toBe(before.version + 1);
    expect((await ctx.app.setups.getRow(id)).version).toBe(before.version + 1);
    expect((await ctx.app.setups.eventsSince(id, 0)).map((e) => e.message)).toContain('a note for support');
  });

  it('a transition the table lacks is refused, and its trigger only by the roles it names', async () => {
    const { id } = await createSetup(ctx);
    expect(
      await ctx.app.setups.lifecycle.transition(id, 'invited', { to: 'verified', on: 'verified' }, VERIFIER),
    ).toEqual({ ok: false, reason: 'illegal' });
    expect(
      await ctx.app.setups.lifecycle.transition(
        id,
        'invited',
        { to: 'revoked', on: 'revoke' },
        ACTORS.wizard,
      ),
    ).toEqual({ ok: false, reason: 'illegal' });
    expect(await stateOf(id)).toBe('invited');
  });

  it('every transition in the table moves a setup that is in its from-state, by each role it names', async () => {
    for (const t of TRANSITIONS) {
      for (const from of t.from) {
        for (const role of t.by) {
          const { id } = await createSetup(ctx);
          // Put the row in the from-state directly: this test is about the table, not the way there.
          await ctx.app.store.db.updateTable('setups').set({ state: from }).where('id', '=', id).execute();
          const result = await ctx.app.setups.lifecycle.transition(id, from, t, ACTORS[role]);
          expect(result, `${t.on}: ${from} → ${t.to} by ${role}`).toEqual({ ok: true });
          expect(await stateOf(id)).toBe(t.to);
        }
      }
    }
  });
});
