import { describe, expect, it } from 'vitest';
import { call } from '@kantiv/emulator/test-support/helpers';
import { useVerifierStack } from './support/verification-harness.ts';

/**
 * Token vending's cache, against the emulator's token endpoint: a cached token is handed out only while it belongs
 * to the connection's current credential and has more than 5 minutes left.
 */
const stack = useVerifierStack();

async function verifiedConnection() {
  const provisioned = await stack.v.provision({ withApplicationUser: true });
  const setup = await stack.v.startSetup();
  await stack.v.handOff(setup, provisioned);
  expect((await stack.v.settled(setup.id)).state).toBe('verified');
  return { setup, provisioned };
}

async function vend(setupId: string) {
  const res = await stack.v.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${setupId}/token`,
    headers: stack.v.auth,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ accessToken: string }>().accessToken;
}

/** `cached` of every token issued for the setup, oldest first, from the audit log. */
async function cachedFlags(setupId: string): Promise<boolean[]> {
  const rows = await stack.v.app.store.db
    .selectFrom('audit_log')
    .select('details')
    .where('setup_id', '=', setupId)
    .where('action', '=', 'connection.token_issued')
    .orderBy('id')
    .execute();
  return rows.map((r) => (JSON.parse(r.details ?? '{}') as { cached: boolean }).cached);
}

const whoAmI = async (token: string) =>
  String((await call(stack.emulator, `${stack.v.org().apiUrl}/api/data/v9.2/WhoAmI`, { token })).json.UserId);

describe('token vending cache', () => {
  it('hands out the cached token while it has time left (the baseline the other tests depart from)', async () => {
    const { setup } = await verifiedConnection();
    const first = await vend(setup.id);
    expect(await vend(setup.id)).toBe(first);
    expect(await cachedFlags(setup.id)).toEqual([false, true]);
    // The one mint opened the sealed credential, and the audit says what for.
    const opened = await stack.v.app.store.db
      .selectFrom('audit_log')
      .select('details')
      .where('setup_id', '=', setup.id)
      .where('action', '=', 'credential.decrypted')
      .execute();
    expect(opened.map((r) => (JSON.parse(r.details ?? '{}') as { purpose: string }).purpose)).toContain(
      'token',
    );
    expect(opened.filter((r) => r.details?.includes('"purpose":"token"'))).toHaveLength(1);
  });

  it('does not hand out a cached token with under 5 minutes left: it mints a new one', async () => {
    const { setup } = await verifiedConnection();
    const short = stack.emulator.control.setScenario({ name: 'app-token-lifetime', seconds: 240 });
    try {
      await vend(setup.id);
      await vend(setup.id);
    } finally {
      stack.emulator.control.clearScenario(short);
    }
    expect(await cachedFlags(setup.id)).toEqual([false, false]);
  });

  it('does not hand out a cached token of a replaced credential', async () => {
    const { setup, provisioned } = await verifiedConnection();
    const before = await vend(setup.id);
    expect(await whoAmI(before)).toBe(provisioned.applicationUserId);
    // The connection gets a new app and secret: a failed re-verification reopens the hand-off (set directly here;
    // the path to `failed` is covered by the verification suites).
    await stack.v.app.store.db
      .updateTable('setups')
      .set({ state: 'failed' })
      .where('id', '=', setup.id)
      .execute();
    const replacement = await stack.v.provision({ withApplicationUser: true });
    // The first invite link retired when the setup was verified; support's new link hands off the replacement.
    await stack.v.handOff({ token: await stack.v.newInvite(setup.id) }, replacement);
    expect((await stack.v.settled(setup.id)).state).toBe('verified');
    const after = await vend(setup.id);
    expect(after).not.toBe(before);
    expect(await whoAmI(after)).toBe(replacement.applicationUserId);
    expect(await cachedFlags(setup.id)).toEqual([false, false]);
  });
});
