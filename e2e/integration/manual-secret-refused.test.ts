import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { startVerifierApp, type VerifierApp } from './support/verification-harness.ts';

/**
 * Entra refuses a wrong client secret with AADSTS7000215, and also a brand-new one for a moment until it replicates,
 * so the server waits a grace period before it calls a refused secret final. A secret typed on the manual path is
 * not brand-new (the admin copied it, then walked the manual steps): a refusal there is a wrong value and is said at
 * once, not retried as replication.
 */
let emulator: Emulator;
let v: VerifierApp;

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: 0 });
  // A grace long enough that waiting through it would outlast each test.
  v = await startVerifierApp(emulator, { VERIFICATION_SECRET_GRACE_SECONDS: '600' });
}, 60_000);

afterAll(async () => {
  await v?.close();
  await emulator?.close();
});

describe('a refused secret', () => {
  it('typed on the manual path fails at the first answer, without a wait for replication', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    // No application user id: the hand-off is the manual path's.
    await v.handOff(setup, {
      appId: provisioned.appId,
      secretText: `${provisioned.secretText}-wrong`,
    });
    const done = await v.settled(setup.id, 20_000);
    expect(done.state).toBe('failed');
    expect(done.verification?.error?.code).toBe('AADSTS7000215');
    expect((await v.eventsOf(setup.id)).some((e) => e.status === 'waiting')).toBe(false);
  });

  it('from the automatic path is still waited on while it may be replicating', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    await v.handOff(setup, { ...provisioned, secretText: `${provisioned.secretText}-wrong` });
    const waiting = await eventually(
      async () => (await v.eventsOf(setup.id)).find((e) => e.status === 'waiting'),
      (e) => e !== undefined,
      20_000,
    );
    expect(JSON.parse(waiting?.error ?? '{}')).toMatchObject({ code: 'AADSTS7000215' });
  });
});
