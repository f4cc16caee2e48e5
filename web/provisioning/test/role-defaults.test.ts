import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { expectInvariants, newServer, run, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

describe('our role: least privilege is the manifest plus Microsoft’s defaults', { timeout: 180_000 }, () => {
  it('says so in the plan and the result, keeps the defaults Dataverse adds, and then has nothing to do', async () => {
    const server = newServer();
    const first = run(emu, { server });
    const plan = await first.engine.plan();
    const role = plan.steps.find((s) => s.step === 'security_role')!;
    expect(role.action).toBe('create');
    expect(role.details.join(' ')).toMatch(/9 default privileges.*Kantiv's list plus Microsoft's defaults/);
    expect((await first.engine.apply()).status).toBe('succeeded');
    const done = first.events.find((e) => e.step === 'security_role' && e.status === 'succeeded')!;
    expect(done.message).toMatch(/plus the default privileges Dataverse gives every new role/);
    expectInvariants(emu, server);

    const again = run(emu, { server });
    const next = (await again.engine.plan()).steps.find((s) => s.step === 'security_role')!;
    expect(next.action).toBe('none');
    expect(next.summary).toMatch(/plus Microsoft's defaults/);
  });
});
