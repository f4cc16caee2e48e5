import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { ENGINE_STEP_IDS, type SecretHolder } from '@kantiv/provisioning';
import { expectInvariants, expectNoSecretIn, newServer, run, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

describe('engine › interrupted runs converge', { timeout: 180_000 }, () => {
  it.each(ENGINE_STEP_IDS)('after a crash right after %s, a new run converges', async (step) => {
    // A little replication delay, so interruptions also land while Entra has not caught up.
    emu.control.setScenario({ name: 'replication-delay', seconds: 1 });
    const server = newServer();
    const first = run(emu, {
      server,
      onEvent: (e, self) => {
        if (e.step === step && (e.status === 'succeeded' || e.status === 'skipped')) self.controller.abort();
      },
    });
    const r1 = await first.engine.apply();
    expect(r1.status === 'cancelled' || (r1.status === 'succeeded' && step === 'handoff')).toBe(true);

    const second = run(emu, { server });
    const r2 = await second.engine.apply();
    expect(r2.error).toBeUndefined();
    expect(r2.status).toBe('succeeded');
    const { app } = expectInvariants(emu, server);
    // The secret our server holds is the one on the app; exactly one hand-off per secret.
    const handed = [...first.handoffs, ...second.handoffs];
    expect(new Set(handed.map((h) => h.secretKeyId)).size).toBe(handed.length);
    expect(handed.at(-1)?.clientId).toBe(app.appId);
    expectNoSecretIn(second, server.secrets);
    // A third run has nothing left to do.
    const third = run(emu, { server });
    expect((await third.engine.apply()).status).toBe('succeeded');
    expect(third.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('removes a secret whose addPassword answer was lost (created, never handed off)', async () => {
    const server = newServer();
    const first = run(emu, {
      server,
      onRequest: (q, self) => {
        if (q.url.endsWith('/addPassword')) self.controller.abort();
      },
    });
    expect((await first.engine.apply()).status).toBe('cancelled');
    const orphan = emu.control
      .state()
      .applications.find((a) => a.uniqueName === 'kantiv-dataverse-connector')!
      .passwordCredentials.filter((p) => p.displayName === 'Kantiv secret');
    expect(orphan).toHaveLength(1);
    expect(first.handoffs).toHaveLength(0);

    const second = run(emu, { server });
    const plan = await second.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')!.details.join(' ')).toMatch(/Remove 1/);
    expect((await second.engine.apply()).status).toBe('succeeded');
    const { app } = expectInvariants(emu, server);
    expect(app.passwordCredentials.map((p) => p.keyId)).not.toContain(orphan[0]!.keyId);
  });

  it('hands off the secret a cancelled run made when the next run shares its secret holder (Continue in the wizard)', async () => {
    const server = newServer();
    const secretHolder: SecretHolder = { pending: null, handedOff: new Set() };
    const first = run(emu, {
      server,
      secretHolder,
      onEvent: (e, self) => {
        if (e.step === 'credential' && e.status === 'succeeded') self.controller.abort();
      },
    });
    expect((await first.engine.apply()).status).toBe('cancelled');
    expect(first.handoffs).toHaveLength(0);
    const made = secretHolder.pending?.keyId;
    expect(made).toBeDefined();

    const second = run(emu, { server, secretHolder });
    expect((await second.engine.apply()).status).toBe('succeeded');
    expect(second.handoffs.map((h) => h.secretKeyId)).toEqual([made]);
    expect(second.requests.filter((q) => /\/(add|remove)Password$/.test(q.url))).toEqual([]);
    expectInvariants(emu, server);
  });

  it('keeps the secret when the hand-off reached our server but the tab closed before it heard back', async () => {
    const server = newServer();
    const first = run(emu, {
      server,
      handoff: async () => undefined,
      onEvent: (e, self) => {
        if (e.step === 'handoff' && e.status === 'running') {
          // Our server stores the credential; the browser dies before the answer arrives.
          queueMicrotask(() => self.controller.abort());
        }
      },
    });
    expect((await first.engine.apply()).status).toBe('cancelled');
    const held = server.handedOffSecretKeyId;
    expect(held).toBeDefined();
    const second = run(emu, { server });
    expect((await second.engine.apply()).status).toBe('succeeded');
    expect(second.handoffs).toHaveLength(0);
    expect(server.handedOffSecretKeyId).toBe(held);
    expectInvariants(emu, server);
  });

  it('retries a failed hand-off with the same secret and idempotency key on the same engine', async () => {
    const server = newServer();
    let fail = true;
    const r = run(emu, {
      server,
      handoff: async () => {
        if (fail) throw new Error('Kantiv Connect could not be reached.');
      },
    });
    const r1 = await r.engine.apply();
    expect(r1.status).toBe('failed');
    expect(r1.error?.step).toBe('handoff');
    const keyBefore = r1.outputs.secretKeyId;
    fail = false;
    const r2 = await r.engine.apply();
    expect(r2.status).toBe('succeeded');
    expect(r.handoffs).toHaveLength(1);
    expect(r.handoffs[0]!.secretKeyId).toBe(keyBefore);
    expect(r.handoffs[0]!.idempotencyKey).toBe(keyBefore);
    expectInvariants(emu, server);
  });

  it('replaces a handed-off secret that was deleted by hand', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const before = server.handedOffSecretKeyId;
    // An admin removes the secret in the Entra admin center.
    const token = await emu.control.issueToken({
      user: 'admin@contoso.com',
      scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
    });
    const app = emu.control.state().applications.find((a) => a.uniqueName === 'kantiv-dataverse-connector')!;
    const res = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${app.id}/removePassword`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ keyId: before }),
    });
    expect(res.status).toBe(204);
    const again = run(emu, { server });
    expect((await again.engine.apply()).status).toBe('succeeded');
    expect(again.handoffs).toHaveLength(1);
    expect(server.handedOffSecretKeyId).not.toBe(before);
    expectInvariants(emu, server);
  });
});
