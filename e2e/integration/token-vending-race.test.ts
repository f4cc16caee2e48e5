import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { eventually, sleep } from '@kantiv/emulator/test-support/eventually';
import { startVerifierApp, type VerifierApp } from './support/verification-harness.ts';
import { certificateSetup, keysOf } from './support/credential-harness.ts';

/**
 * Token vending while the connection's credential changes under a token request: Entra's token endpoint is held
 * (the emulator's latency fault, taken when the request arrives) while the change commits. A token minted with a
 * credential a new hand-off replaced is refused; one minted with a key a certificate rotation switched away from is
 * still good (the old key stays on the application until after the switch) and is handed out, but not cached.
 */
let emulator: Emulator;
let v: VerifierApp;
/** How long Entra holds the token request: the change must commit within it, and it stays under the server's 15 s
 * deadline for an outgoing request. */
const HOLD_MS = 12_000;

beforeAll(async () => {
  // New keys take half a second to reach the token endpoint, which leaves a rotation between addKey and its switch
  // long enough for the test to block the removal of the old key.
  emulator = await startEmulator({ replicationDelayMs: 500 });
  v = await startVerifierApp(emulator, {
    VERIFICATION_SECRET_GRACE_SECONDS: '10',
    CERTIFICATE_ROTATION_SWEEP_MS: '100',
    CERTIFICATE_ROTATION_RETRY_BASE_MS: '200',
    CERTIFICATE_ROTATION_RETRY_MAX_MS: '400',
  });
}, 60_000);
afterEach(() => emulator.control.clearScenarios());
afterAll(async () => {
  await v?.close();
  await emulator?.close();
});

/** Starts a token request and returns once Entra holds it; `answered` turns true when the server replies. */
async function heldTokenRequest(setupId: string) {
  const hold = emulator.control.setScenario({ name: 'latency', service: 'entra', ms: HOLD_MS });
  const state = { answered: false };
  const reply = v.app
    .inject({ method: 'POST', url: `/api/v1/connections/${setupId}/token`, headers: v.auth })
    .finally(() => {
      state.answered = true;
    });
  // The request's first call to Entra is on hold by now; what the test sends from here on is not held.
  await sleep(500);
  emulator.control.clearScenario(hold);
  return { reply, state };
}

const rotationOf = (setupId: string) =>
  v.app.store.db
    .selectFrom('credential_rotations')
    .selectAll()
    .where('setup_id', '=', setupId)
    .executeTakeFirst();

async function tokenAudit(setupId: string) {
  const rows = await v.app.store.db
    .selectFrom('audit_log')
    .select(['action', 'details'])
    .where('setup_id', '=', setupId)
    .where('action', 'in', ['connection.token_issued', 'credential.decrypted'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ action: r.action, details: JSON.parse(r.details ?? '{}') as unknown }));
}

describe('token vending across a credential change', () => {
  it('refuses a token minted with a credential that a new hand-off replaced meanwhile: 409, ask again', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    await v.handOff(setup, provisioned);
    expect((await v.settled(setup.id)).state).toBe('verified');

    const replacement = await v.provision({ withApplicationUser: true });

    const held = await heldTokenRequest(setup.id);
    // A repair replaces the app and secret (the path to `failed` is covered by the verification suites).
    await v.app.store.db.updateTable('setups').set({ state: 'failed' }).where('id', '=', setup.id).execute();
    await v.handOff({ token: await v.newInvite(setup.id) }, replacement);
    expect((await v.settled(setup.id)).state).toBe('verified');
    // The replacement committed while the first request was still waiting for Entra.
    expect(held.state.answered).toBe(false);

    const res = await held.reply;
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: { code: 'conflict', message: 'The connection changed; ask again.' },
    });
    // Nothing of the old credential was cached or reported as issued: the next token is the replacement's.
    const next = await v.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: v.auth,
    });
    expect(next.statusCode).toBe(200);
    const issued = (await tokenAudit(setup.id)).filter((r) => r.action === 'connection.token_issued');
    expect(issued.map((r) => r.details)).toEqual([{ cached: false }]);
  }, 90_000);

  it('hands out a token minted with the key a certificate rotation switched away from meanwhile', async () => {
    const s = await certificateSetup(emulator, v);
    const held = await heldTokenRequest(s.id);

    const rotate = await v.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/credential/rotate`,
      headers: v.auth,
    });
    expect(rotate.statusCode).toBe(202);
    // Once the new key is on the application, Graph goes down: the rotation switches but cannot remove the old key.
    await eventually(
      () => rotationOf(s.id),
      (r) => r?.status === 'added',
      30_000,
      20,
    );
    const graphDown = emulator.control.setScenario({ name: 'service-unavailable', service: 'graph' });
    const switched = await eventually(
      () => rotationOf(s.id),
      (r) => r?.status === 'switched',
      30_000,
      50,
    );
    expect(held.state.answered).toBe(false);

    const res = await held.reply;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokenType: 'Bearer', resource: v.org().url });
    expect((await rotationOf(s.id))?.status).toBe('switched');
    // Minted with the old credential, and not kept: the next request mints with the new one.
    const next = await v.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${s.id}/token`,
      headers: v.auth,
    });
    expect(next.statusCode).toBe(200);
    const audit = await tokenAudit(s.id);
    expect(audit.filter((r) => r.action === 'connection.token_issued').map((r) => r.details)).toEqual([
      { cached: false },
      { cached: false },
    ]);

    emulator.control.clearScenario(graphDown);
    await eventually(
      () => rotationOf(s.id),
      (r) => r?.status === 'completed',
      30_000,
      100,
    );
    expect((await keysOf(emulator, s.appId)).keys.map((k) => k.keyId)).toEqual([switched!.to_key_id]);
  }, 90_000);
});
