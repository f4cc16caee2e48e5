import { describe, expect, it } from 'vitest';
import { useVerifierStack } from './support/verification-harness.ts';

/**
 * What token vending answers when it must not hand out a token: a connection that is not verified yet, and Microsoft
 * refusing the client-credentials request (the emulator's token endpoint answering 503). Neither may leave anything
 * in the cache, so the first call after Microsoft recovers mints afresh.
 */
const stack = useVerifierStack();

const vend = (setupId: string) =>
  stack.v.app.inject({ method: 'POST', url: `/api/v1/connections/${setupId}/token`, headers: stack.v.auth });

async function issued(setupId: string): Promise<boolean[]> {
  const rows = await stack.v.app.store.db
    .selectFrom('audit_log')
    .select('details')
    .where('setup_id', '=', setupId)
    .where('action', '=', 'connection.token_issued')
    .orderBy('id')
    .execute();
  return rows.map((r) => (JSON.parse(r.details ?? '{}') as { cached: boolean }).cached);
}

describe('token vending refuses', () => {
  it('a connection that is not verified yet: 409 conflict naming its state, and nothing is minted', async () => {
    const setup = await stack.v.startSetup();
    const res = await vend(setup.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: { code: 'conflict', message: 'This connection is in_progress, not verified.' },
    });
    expect(await issued(setup.id)).toEqual([]);
  });

  it('a connection marked verified that holds no active credential: 409 conflict, and nothing is minted', async () => {
    const setup = await stack.v.startSetup();
    // Only a damaged or hand-edited row gets here (a hand-off stores the credential before verification starts).
    await stack.v.app.store.db
      .updateTable('setups')
      .set({ state: 'verified' })
      .where('id', '=', setup.id)
      .execute();
    const res = await vend(setup.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: { code: 'conflict', message: 'This connection has no credential.' },
    });
    expect(await issued(setup.id)).toEqual([]);
  });

  it('when Microsoft refuses the token: 503 service_unavailable, then a fresh token once it recovers', async () => {
    const provisioned = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    await stack.v.handOff(setup, provisioned);
    expect((await stack.v.settled(setup.id)).state).toBe('verified');
    const down = stack.emulator.control.setScenario({ name: 'service-unavailable', service: 'entra' });
    let refused;
    try {
      refused = await vend(setup.id);
    } finally {
      stack.emulator.control.clearScenario(down);
    }
    expect(refused.statusCode).toBe(503);
    const { error } = refused.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe('service_unavailable');
    expect(error.message).toMatch(/^Microsoft refused the token request \(.+\)\.$/);
    const res = await vend(setup.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokenType: 'Bearer', resource: stack.v.org().url });
    expect(await issued(setup.id)).toEqual([false]);
  });
});
