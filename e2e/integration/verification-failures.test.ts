import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MANIFEST,
  startVerifierApp,
  useVerifierStack,
  type VerifierApp,
} from './support/verification-harness.ts';
import { withUnknownTable } from './support/manifests.ts';

/**
 * The verifier's refusals, against the emulator: each is what makes "verified, least privilege" true, so each must
 * end in `failed` with its own code rather than in `verified` or an endless wait.
 */
const stack = useVerifierStack();

describe('verification refuses what it cannot prove', () => {
  it('fails when WhoAmI answers with a user other than the setup’s application user', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    const claimed = randomUUID();
    await stack.v.handOff(setup, { ...provisioned, applicationUserId: claimed });
    const done = await stack.v.settled(setup.id);
    expect(done.state).toBe('failed');
    expect(done.verification?.error).toMatchObject({ code: 'application_user_mismatch' });
    expect(done.verification?.error?.message).toContain(claimed);
    expect(done.verification?.error?.fix).toMatch(/application-user step/);
    // The verification step as the console shows it: the verifier's words, the attempt, Microsoft's code and the fix.
    const step = done.steps.find((s) => s.step === 'verification');
    expect(step).toMatchObject({
      status: 'failed',
      message: `Verification failed: ${done.verification?.error?.message}`,
      attempts: done.verification?.attempts,
      error: {
        code: 'application_user_mismatch',
        message: done.verification?.error?.message,
        fix: done.verification?.error?.fix,
      },
    });
  });

  it('fails with table_access_denied when a manifest table cannot be read, naming that table only', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const manifest = withUnknownTable(MANIFEST);
    const setup = await stack.v.startSetup(manifest);
    await stack.v.handOff(setup, provisioned);
    const done = await stack.v.settled(setup.id);
    expect(done.state).toBe('failed');
    expect(done.verification?.error).toMatchObject({
      code: 'table_access_denied',
      message: 'No read access to kantiv_invoice.',
    });
    expect(done.verification?.tables?.map((t) => [t.table, t.ok])).toEqual([
      ['account', true],
      ['contact', true],
      ['kantiv_invoice', false],
    ]);
  });
});

describe('verification gives up after VERIFICATION_MAX_WAIT_SECONDS', () => {
  let short: VerifierApp;
  beforeAll(async () => {
    short = await startVerifierApp(stack.emulator, {
      VERIFICATION_MAX_WAIT_SECONDS: '2',
      VERIFICATION_RETRY_BASE_MS: '200',
      VERIFICATION_RETRY_MAX_MS: '300',
    });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('an application user that never appears ends in failed with the replication error, not an endless wait', async () => {
    const provisioned = await short.provision({ withApplicationUser: false });
    const setup = await short.startSetup();
    await short.handOff(setup, provisioned);
    const done = await short.settled(setup.id, 30_000);
    expect(done.state).toBe('failed');
    // The last answer was still "not a member yet": it gave up on time, not on a different error.
    expect(done.verification?.error?.code).toBe('0x80072560');
    // Dataverse's request id goes with the step's error, so support can quote it to Microsoft.
    const step = done.steps.find((s) => s.step === 'verification');
    expect(step?.error).toMatchObject({
      code: '0x80072560',
      requestId: expect.stringMatching(/\S/) as string,
    });
    const events = await short.eventsOf(setup.id);
    expect(events.some((e) => e.status === 'waiting')).toBe(true);
    const first = Date.parse(events.find((e) => e.status === 'running')!.at);
    const failed = Date.parse(events.find((e) => e.status === 'failed')!.at);
    expect(failed - first).toBeGreaterThanOrEqual(2000);
    // Nothing is left queued to try again.
    const queued = await short.app.store.db
      .selectFrom('jobs')
      .select('status')
      .where('setup_id', '=', setup.id)
      .where('status', 'in', ['queued', 'running'])
      .execute();
    expect(queued).toEqual([]);
  });
});
