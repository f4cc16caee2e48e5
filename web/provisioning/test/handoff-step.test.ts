import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { certificateServer } from './certificates.ts';
import {
  ADMIN,
  CONTOSO_PRODUCTION,
  fixed,
  handoffEnd,
  newServer,
  ourApp,
  run,
  TOOK,
  useEmulator,
} from './harness.ts';

/**
 * The hand-off step word for word: exactly what reaches our server (ids, the secret, its end — once), what the admin
 * is told, and which of the app's credentials it removes afterwards (only this setup's, never another's).
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const DAY_MS = 86_400_000;
/** The engine appends how long a step took; on a fixed clock, no time passes. */

function addMonths(now: number, months: number): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** A secret added to our app the way the Entra admin center does (Graph `addPassword`). */
async function addSecret(displayName: string): Promise<string> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const res = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${ourApp(emu).id}/addPassword`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ passwordCredential: { displayName } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { keyId: string }).keyId;
}

describe('engine › the hand-off step', { timeout: 180_000 }, () => {
  it('sends the ids, the secret and its end once, says so, and a re-run sends nothing', async () => {
    const now = Date.now();
    const until = addMonths(now, 12).toISOString();
    const server = newServer();
    const r = run(emu, { server, clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'handoff')).toEqual({
      step: 'handoff',
      action: 'send',
      summary: 'Send the tenant id, client id, secret and its expiry to Kantiv over an encrypted connection.',
      details: ['The secret is never shown to you and never stored in your browser.'],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const keyId = server.handedOffSecretKeyId!;
    const { clientId, applicationUserId } = result.outputs;
    expect(r.handoffs).toEqual([
      {
        idempotencyKey: keyId,
        source: 'automatic',
        tenantId: emu.tenants.contoso,
        clientId,
        clientSecret: server.secrets[0],
        secretKeyId: keyId,
        secretExpiresAt: until,
        environmentUrl: CONTOSO_PRODUCTION,
        applicationUserId,
        roleName: 'Kantiv Integration',
      },
    ]);
    const data = {
      tenantId: emu.tenants.contoso,
      clientId,
      secretKeyId: keyId,
      secretExpiresAt: until,
      applicationUserId,
    };
    const sent = handoffEnd(r.events);
    expect(sent.status).toBe('succeeded');
    expect(sent.message).toBe(`Kantiv received the credential.${TOOK}`);
    expect(sent.data).toEqual(data);

    const again = run(emu, { server, clock: fixed(now) });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'handoff')).toEqual({
      step: 'handoff',
      action: 'none',
      summary: 'Kantiv already holds the current secret; nothing to send.',
      details: [],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    expect(again.handoffs).toEqual([]);
    const skipped = handoffEnd(again.events);
    expect(skipped.status).toBe('skipped');
    expect(skipped.message).toBe(`Kantiv already held the current secret.${TOOK}`);
    expect(skipped.data).toEqual(data);
  });

  it('removes this setup’s secrets Kantiv does not hold, after the hand-off, and no other secret', async () => {
    const created = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(created) }).engine.apply()).error).toBeUndefined();
    const held = server.handedOffSecretKeyId!;
    const foreign = await addSecret('Contoso reporting');
    // An orphan of an interrupted run: this setup's name, a secret Kantiv never received.
    const orphan = await addSecret('Kantiv secret');

    // A run that sends nothing still cleans up.
    const tidy = run(emu, { server, clock: fixed(created) });
    expect((await tidy.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(tidy.events).message).toBe(
      `Kantiv already held the current secret. Removed 1 unused older secret(s).${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([held, foreign]);
    expect(orphan).not.toBe(held);

    // 29 days before the held secret's end: a new one, and the replaced one goes once Kantiv has the new one.
    const late = addMonths(created, 12).getTime() - 29 * DAY_MS;
    const r = run(emu, { server, clock: fixed(late) });
    expect((await r.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(r.events).message).toBe(
      `Kantiv received the credential. Removed 1 unused older secret(s).${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([
      foreign,
      server.handedOffSecretKeyId,
    ]);
  });

  it('certificate mode: sends the key id only, says so, removes this setup’s orphaned certificate', async () => {
    const now = Date.now();
    const certs = certificateServer();
    const server = newServer();
    const r = run(emu, { server, certificate: certs.certificate, clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'handoff')).toEqual({
      step: 'handoff',
      action: 'send',
      summary: 'Tell Kantiv which certificate was added: the tenant id, client id and certificate key id.',
      details: ['No secret exists in this mode: the private key never left Kantiv’s server.'],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const made = certs.made[0]!;
    const sent = handoffEnd(r.events);
    expect(sent.message).toBe(`Kantiv confirmed the certificate; no secret was sent.${TOOK}`);
    expect(sent.data).toEqual({
      tenantId: emu.tenants.contoso,
      clientId: result.outputs.clientId,
      secretKeyId: made.keyId,
      secretExpiresAt: made.notAfter,
      applicationUserId: result.outputs.applicationUserId,
    });

    const again = run(emu, { server, certificate: certs.certificate, clock: fixed(now) });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'handoff')).toEqual({
      step: 'handoff',
      action: 'none',
      summary: 'Kantiv already holds the current certificate; nothing to send.',
      details: [],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(again.events).message).toBe(`Kantiv already held the current certificate.${TOOK}`);
    expect(again.handoffs).toEqual([]);

    // Our server lost that certificate (a new server memory): a new one is added and the orphan removed.
    const lost = run(emu, { server: newServer(), certificate: certs.certificate, clock: fixed(now) });
    expect((await lost.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(lost.events).message).toBe(
      `Kantiv confirmed the certificate; no secret was sent. Removed 1 unused older certificate(s).${TOOK}`,
    );
    expect(ourApp(emu).keyCredentials.map((k) => k.keyId)).toEqual([certs.made[1]!.keyId]);
  });

  it('a renewal: waits for Kantiv’s switch, then removes the old secret, and says what it did', async () => {
    const server = newServer();
    expect(
      (await run(emu, { server, config: { credentialKind: 'client_secret' } }).engine.apply()).error,
    ).toBeUndefined();
    const certs = certificateServer();
    const waiting: string[] = [];
    const r = run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      config: { purpose: 'renew' },
      switched: async () => {
        waiting.push(...r.events.filter((e) => e.step === 'handoff').map((e) => e.message));
      },
    });
    expect((await r.engine.apply()).error).toBeUndefined();
    expect(waiting.at(-1)).toBe('Waiting for Kantiv to verify the new certificate and switch to it…');
    expect(handoffEnd(r.events).message).toBe(
      `Kantiv switched to the new certificate; the old client secret was removed from the app.${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials).toEqual([]);

    // The next renewal has no secret left to remove.
    const next = run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      config: { purpose: 'renew' },
      switched: async () => undefined,
    });
    expect((await next.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(next.events).message).toBe(`Kantiv switched to the new certificate.${TOOK}`);

    // Without a way to hear of the switch, nothing is removed and the admin is told so.
    const secretKept = newServer();
    expect((await run(emu, { server: secretKept }).engine.apply()).error).toBeUndefined();
    const oldSecret = secretKept.handedOffSecretKeyId!;
    const unconfirmed = run(emu, {
      server: secretKept,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      config: { purpose: 'renew' },
    });
    expect((await unconfirmed.engine.apply()).error).toBeUndefined();
    expect(handoffEnd(unconfirmed.events).message).toBe(
      `Kantiv received the new certificate and switches to it once verified; an old secret stays until its end date.${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([oldSecret]);
  });
});
