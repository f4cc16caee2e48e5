import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MANIFEST,
  startVerifierApp,
  useVerifierStack,
  type VerifierApp,
} from './support/verification-harness.ts';
import { withUnknownTable } from './support/manifests.ts';

/**
 * Issue 15 item 10: the verifier must tell an answer from a wait. A wrong environment URL (AADSTS500011) is an
 * answer at once; a missing privilege right after the role assignment (0x80040220) is Dataverse's privilege cache
 * catching up, so it is retried for a short grace before it counts.
 */
const stack = useVerifierStack();
/** The manifest with a table the environment does not have (Dataverse answers the read 404, not 0x80040220). */
const manifestWithUnknownTable = withUnknownTable(MANIFEST);

describe('verification classifies Microsoft’s answers', () => {
  it('fails at once on AADSTS500011 (no such environment in the tenant), with a fix naming the URL, without waiting', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, provisioned, 'https://contoso-typo.crm.dynamics.com');
    const done = await stack.v.settled(setup.id, 20_000);
    expect(done.state).toBe('failed');
    expect(done.verification?.error?.code).toBe('AADSTS500011');
    expect(done.verification?.error?.fix).toMatch(/environment URL/);
    const events = await stack.v.eventsOf(setup.id);
    expect(events.some((e) => e.status === 'waiting')).toBe(false);
  });

  describe('with a privilege grace', () => {
    let graced: VerifierApp;
    beforeAll(async () => {
      graced = await startVerifierApp(stack.emulator, {
        VERIFICATION_PRIVILEGE_GRACE_SECONDS: '30',
        VERIFICATION_RETRY_BASE_MS: '300',
        VERIFICATION_RETRY_MAX_MS: '500',
      });
    });
    afterAll(async () => {
      await graced?.close();
    });

    it('retries 0x80040220 while the privilege cache lags the role assignment, then verifies', async () => {
      const lag = stack.emulator.control.setScenario({ name: 'privilege-cache-lag', seconds: 3 });
      try {
        const provisioned = await graced.provision({ withApplicationUser: true });
        const setup = await graced.startSetup();
        await graced.handOff(setup, provisioned);
        const done = await graced.settled(setup.id, 30_000);
        expect(done.state).toBe('verified');
        const events = await graced.eventsOf(setup.id);
        const waits = events.filter((e) => e.status === 'waiting');
        expect(waits.length).toBeGreaterThan(0);
        expect(waits.some((e) => (e.message ?? '').includes('0x80040220'))).toBe(true);
      } finally {
        stack.emulator.control.clearScenario(lag);
      }
    });

    it('waits only on a missing privilege: a table Dataverse does not have is an answer at once, table_access_denied', async () => {
      const provisioned = await graced.provision({ withApplicationUser: true });
      const setup = await graced.startSetup(manifestWithUnknownTable);
      await graced.handOff(setup, provisioned);
      const done = await graced.settled(setup.id, 20_000);
      expect(done.state).toBe('failed');
      expect(done.verification).toMatchObject({
        attempts: 1,
        error: { code: 'table_access_denied', message: 'No read access to kantiv_invoice.' },
      });
      const events = await graced.eventsOf(setup.id);
      expect(events.some((e) => e.status === 'waiting')).toBe(false);
    });
  });
});
