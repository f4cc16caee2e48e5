import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { emptySecretHolder } from '@kantiv/provisioning';
import { certificateServer } from './certificates.ts';
import { ADMIN, fixed, handoffEnd, newServer, ourApp, run, TOOK, useEmulator, type Run } from './harness.ts';

/**
 * The hand-off step at its edges: what the tenant does around it (a secret deleted by hand while the run cleans up),
 * and what it asks Microsoft for and what it leaves alone.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

/** The engine appends how long a step took; on a fixed clock, no time passes. */

async function graphAsAdmin(path: string, body: unknown): Promise<Response> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  return emu.fetch(`https://graph.microsoft.com/v1.0/applications/${ourApp(emu).id}/${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The admin loses the Entra role just before the engine's removePassword reaches Graph: Graph answers 403. */
function roleLostBeforeRemovePassword(url: string): Promise<void> {
  if (url.endsWith('/removePassword')) emu.control.setScenario({ name: 'admin-without-entra-role' });
  return Promise.resolve();
}

/** The run stops at the hand-off on Graph's 403, after exactly one removePassword. */
async function expectStoppedByRemovePassword(r: Run): Promise<void> {
  const result = await r.engine.apply();
  expect(result.error).toMatchObject({ step: 'handoff', code: 'Authorization_RequestDenied' });
  expect(r.requests.filter((q) => q.url.endsWith('/removePassword')).map((q) => q.status)).toEqual([403]);
}

describe('engine › the hand-off step at its edges', { timeout: 180_000 }, () => {
  it('an orphan secret someone deleted just before its removePassword (404) counts as removed', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    const held = server.handedOffSecretKeyId!;
    const added = await graphAsAdmin('addPassword', { passwordCredential: { displayName: 'Kantiv secret' } });
    expect(added.status).toBe(200);
    const orphan = ((await added.json()) as { keyId: string }).keyId;

    // Between the engine's read of the app and its removePassword, an admin deletes the orphan in the portal.
    const deletedByHand: number[] = [];
    const r = run(emu, {
      server,
      clock: fixed(now),
      beforeRequest: async (url, init) => {
        if (url.endsWith('/removePassword') && deletedByHand.length === 0) {
          expect(JSON.parse(init.body as string)).toEqual({ keyId: orphan });
          deletedByHand.push((await graphAsAdmin('removePassword', { keyId: orphan })).status);
        }
      },
    });
    const result = await r.engine.apply();
    expect(deletedByHand).toEqual([204]);
    expect(result.error).toBeUndefined();
    expect(r.requests.filter((q) => q.url.endsWith('/removePassword')).map((q) => q.status)).toEqual([404]);
    const end = handoffEnd(r.events);
    expect(end.status).toBe('skipped');
    expect(end.message).toBe(
      `Kantiv already held the current secret. Removed 1 unused older secret(s).${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([held]);
  });

  it('another error of removePassword stops the run, and the secret Kantiv holds stays', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    const held = server.handedOffSecretKeyId!;
    const added = await graphAsAdmin('addPassword', { passwordCredential: { displayName: 'Kantiv secret' } });
    const orphan = ((await added.json()) as { keyId: string }).keyId;
    // The admin loses the Entra role just before the cleanup: Graph answers 403.
    const r = run(emu, {
      server,
      clock: fixed(now),
      beforeRequest: roleLostBeforeRemovePassword,
    });
    await expectStoppedByRemovePassword(r);
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([held, orphan]);
  });

  it('a renewal: an old secret someone deleted just before its removePassword (404) counts as removed', async () => {
    const server = newServer();
    expect(
      (await run(emu, { server, config: { credentialKind: 'client_secret' } }).engine.apply()).error,
    ).toBeUndefined();
    const oldSecret = server.handedOffSecretKeyId!;
    const certs = certificateServer();
    const deletedByHand: number[] = [];
    const r = run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      config: { purpose: 'renew' },
      switched: async () => undefined,
      beforeRequest: async (url) => {
        if (url.endsWith('/removePassword') && deletedByHand.length === 0)
          deletedByHand.push((await graphAsAdmin('removePassword', { keyId: oldSecret })).status);
      },
    });
    const result = await r.engine.apply();
    expect(deletedByHand).toEqual([204]);
    expect(result.error).toBeUndefined();
    expect(r.requests.filter((q) => q.url.endsWith('/removePassword')).map((q) => q.status)).toEqual([404]);
    expect(handoffEnd(r.events).message).toBe(
      `Kantiv switched to the new certificate; the old client secret was removed from the app.${TOOK}`,
    );
    expect(ourApp(emu).passwordCredentials).toEqual([]);
  });

  it('a renewal: another error of removePassword stops the run after the switch, and the old secret stays', async () => {
    const server = newServer();
    expect(
      (await run(emu, { server, config: { credentialKind: 'client_secret' } }).engine.apply()).error,
    ).toBeUndefined();
    const oldSecret = server.handedOffSecretKeyId!;
    const certs = certificateServer();
    const r = run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      config: { purpose: 'renew' },
      switched: async () => undefined,
      beforeRequest: roleLostBeforeRemovePassword,
    });
    await expectStoppedByRemovePassword(r);
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([oldSecret]);
  });

  it('a page whose secret never reached Kantiv, run again after another page connected: its old secret is not sent', async () => {
    const server = newServer();
    const first = emptySecretHolder();
    const failed = run(emu, {
      server,
      secretHolder: first,
      handoff: () => Promise.reject(new Error('our server is unreachable')),
    });
    expect((await failed.engine.apply()).error?.step).toBe('handoff');
    expect(first.pending).not.toBeNull();
    // Another tab of the same setup connects: Kantiv holds that page's secret, and the first page's is removed.
    const other = run(emu, { server, secretHolder: emptySecretHolder() });
    expect((await other.engine.apply()).error).toBeUndefined();
    const held = server.handedOffSecretKeyId!;
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([held]);

    const again = run(emu, { server, secretHolder: first });
    expect((await again.engine.apply()).error).toBeUndefined();
    // Nothing is handed off: the secret Kantiv holds is the other page's; this page's never goes out under its id.
    expect(again.handoffs).toEqual([]);
    expect(handoffEnd(again.events).status).toBe('skipped');
    expect(ourApp(emu).passwordCredentials.map((p) => p.keyId)).toEqual([held]);
  });
});
