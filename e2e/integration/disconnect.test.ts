import { describe, expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { SetupSchema } from '@kantiv/shared/setup';
import { credentialAadOf } from '@kantiv/server/services/credentials';
import { sealedOf } from '@kantiv/server/services/sealed-columns';
import { open, VaultError } from '@kantiv/server/vault/vault';
import { useVerifierStack } from './support/verification-harness.ts';

/**
 * Issue 18 item 4, our side (decision 018): a disconnect crypto-shreds the credential, stops the setup's jobs,
 * makes token vending answer 410, records who did it and sends `setup.disconnected`.
 */
const stack = useVerifierStack({ WEBHOOK_ALLOW_LOOPBACK: 'true' });

async function verifiedConnection() {
  const provisioned = await stack.v.provision({ withApplicationUser: true });
  const setup = await stack.v.startSetup();
  await stack.v.handOff(setup, provisioned);
  expect((await stack.v.settled(setup.id)).state).toBe('verified');
  return setup;
}

const post = (url: string, payload?: object) =>
  stack.v.app.inject({ method: 'POST', url, headers: stack.v.auth, ...(payload ? { payload } : {}) });

const credentialRows = (setupId: string) =>
  stack.v.app.store.db.selectFrom('credentials').selectAll().where('setup_id', '=', setupId).execute();

const deliveries = async (setupId: string) =>
  (
    await stack.v.app.store.db
      .selectFrom('webhook_deliveries')
      .select(['event_type', 'payload'])
      .where('setup_id', '=', setupId)
      .execute()
  ).map((r) => ({
    type: r.event_type,
    data: (JSON.parse(r.payload) as { data: Record<string, unknown> }).data,
  }));

describe('disconnect, our side', () => {
  it('shreds the credential, stops the jobs, answers 410 to token vending, audits the caller and notifies', async () => {
    const sub = await post('/api/v1/webhooks', {
      url: 'https://127.0.0.1:9/hook',
      events: ['setup.disconnected'],
    });
    expect(sub.statusCode).toBe(201);
    const setup = await verifiedConnection();
    expect((await post(`/api/v1/connections/${setup.id}/token`)).statusCode).toBe(200);
    // A backup taken now (before the shred) and a health check waiting to run.
    const before = await credentialRows(setup.id);
    expect(before.length).toBeGreaterThan(0);
    const keyring = stack.v.app.config.keyring;
    for (const r of before) expect(() => open(keyring, sealedOf(r), credentialAadOf(r))).not.toThrow();
    const db = stack.v.app.store.db;
    await stack.v.app.jobs.enqueue(db, {
      kind: 'health',
      setupId: setup.id,
      runAt: new Date(Date.now() + 3_600_000),
    });

    const res = await post(`/api/v1/setups/${setup.id}/disconnect`);
    expect(res.statusCode, res.body).toBe(200);
    expect(SetupSchema.parse(res.json()).state).toBe('disconnected');

    // Shredded: no data key left; the ciphertext stays and can never be opened again, by the store or directly.
    const after = await credentialRows(setup.id);
    expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
    for (const r of after) {
      expect(r.wrapped_key).toBe('');
      expect(r.active).toBe(0);
      expect(() => open(keyring, sealedOf(r), credentialAadOf(r))).toThrow(VaultError);
      // Even with the data key slot of the old row: the AAD still binds, but no KEK unwraps a key that is gone.
      expect(() => open(keyring, { ...sealedOf(r), kid: keyring.activeKid }, credentialAadOf(r))).toThrow(
        VaultError,
      );
      await expect(
        stack.v.app.credentialStore.reveal(r.id, 'test', { kind: 'system', id: 'test' }),
      ).rejects.toThrow(VaultError);
    }

    // Token vending: gone for good, in the shared error shape.
    const token = await post(`/api/v1/connections/${setup.id}/token`);
    expect(token.statusCode).toBe(410);
    expect(ApiErrorSchema.parse(token.json()).error.code).toBe('setup_disconnected');

    // Jobs: the queued health check is fenced, and the sweep gives a disconnected setup no new one.
    await stack.v.app.healthChecks.sweep();
    const jobs = await db
      .selectFrom('jobs')
      .select(['kind', 'status'])
      .where('setup_id', '=', setup.id)
      .where('kind', 'in', ['health', 'verification', 'rotation'])
      .execute();
    expect(jobs.filter((j) => j.status === 'queued' || j.status === 'running')).toEqual([]);
    expect(jobs).toContainEqual({ kind: 'health', status: 'cancelled' });

    // The audit log names who did it.
    const audit = await db
      .selectFrom('audit_log')
      .select(['actor_kind', 'actor_id', 'details'])
      .where('setup_id', '=', setup.id)
      .where('action', '=', 'setup.disconnected')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_kind).toBe('api_key');
    expect(audit[0]!.actor_id).toMatch(/\S/);
    expect(JSON.parse(audit[0]!.details ?? '{}')).toMatchObject({
      credentialsShredded: before.length,
      from: 'verified',
    });

    // The webhook, once: a second disconnect changes nothing and sends nothing.
    expect((await post(`/api/v1/setups/${setup.id}/disconnect`)).statusCode).toBe(200);
    const sent = (await deliveries(setup.id)).filter((d) => d.type === 'setup.disconnected');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toMatchObject({ setupId: setup.id, state: 'disconnected' });
  });

  it('is terminal: nothing else is accepted afterwards, and an invited setup is revoked rather than disconnected', async () => {
    const setup = await verifiedConnection();
    expect((await post(`/api/v1/setups/${setup.id}/disconnect`)).statusCode).toBe(200);
    for (const action of ['invite', 'revoke']) {
      const res = await post(`/api/v1/setups/${setup.id}/${action}`);
      expect(res.statusCode, action).toBe(409);
      expect(ApiErrorSchema.parse(res.json()).error.code, action).toBe('setup_disconnected');
    }
    // No credential is left to verify (it was shredded).
    expect((await post(`/api/v1/setups/${setup.id}/reverify`)).statusCode).toBe(409);
    const invited = await post('/api/v1/setups', { customerName: 'Fabrikam' });
    const id = invited.json<{ setup: { id: string } }>().setup.id;
    const refused = await post(`/api/v1/setups/${id}/disconnect`);
    expect(refused.statusCode).toBe(409);
    expect(ApiErrorSchema.parse(refused.json()).error.code).toBe('conflict');
  });
});
