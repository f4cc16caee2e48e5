import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { ADMIN, expectInvariants, newServer, run, UNIQUE_NAME, useEmulator } from './harness.ts';

/**
 * Step 1 when another run wins the race: discovery found no app, then another tab's run creates it just before this
 * run's upsert, which Graph answers 204 (updated, no body). The run must find that app by its unique name, waiting
 * for Entra to replicate it to Graph's reads, and carry on with it: one app, never a second one.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const byUniqueName = (url: string) =>
  decodeURIComponent(new URL(url).pathname).endsWith(`/applications(uniqueName='${UNIQUE_NAME}')`);

/** Another run's upsert, as the admin: `PATCH … Prefer: create-if-missing`, which Graph answers 201 with the object. */
async function upsertAsAdmin(url: string, body: string): Promise<Response> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const res = await emu.fetch(url, {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Prefer: 'create-if-missing',
    },
    body,
  });
  expect(res.status).toBe(201);
  return res;
}

describe('engine › Step 1 after another run created the app', { timeout: 180_000 }, () => {
  it('a 204 on the upsert: looks the app up by its unique name once Entra replicates it, and uses it', async () => {
    // New objects stay invisible to Graph's reads for a moment, as right after a real creation.
    emu.control.setScenario({ name: 'replication-delay', seconds: 2, graphReads: true });
    const server = newServer();
    let raced = 0;
    let otherAppId = '';
    const r = run(emu, {
      server,
      beforeRequest: async (url, init) => {
        if (init.method !== 'PATCH' || !byUniqueName(url) || raced++ > 0) return;
        const res = await upsertAsAdmin(
          url,
          JSON.stringify({ displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' }),
        );
        otherAppId = ((await res.json()) as { appId: string }).appId;
      },
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(raced).toBeGreaterThan(0);
    expect(
      r.requests.filter((q) => q.method === 'PATCH' && byUniqueName(q.url)).map((q) => q.status),
    ).toEqual([204]);
    const waits = r.events.filter((e) => e.step === 'app_registration' && e.status === 'waiting');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]?.message).toMatch(/^Waiting for Microsoft Entra to replicate the application\./);
    const done = r.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded');
    expect(done?.data).toMatchObject({ clientId: otherAppId, created: false });
    expect(done?.message).toMatch(
      new RegExp(
        `^Reused the app registration \\(client id ${otherAppId}\\) and created its enterprise application\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
    expect(result.outputs.clientId).toBe(otherAppId);
    expectInvariants(emu, server);
  });

  it('a 204 on the enterprise application’s upsert: finds the one another run created by its app id, and uses it', async () => {
    const server = newServer();
    let raced = 0;
    let otherSpId = '';
    const spUpsert = (url: string) =>
      decodeURIComponent(new URL(url).pathname).includes('/servicePrincipals(appId=');
    const r = run(emu, {
      server,
      beforeRequest: async (url, init) => {
        if (init.method !== 'PATCH' || !spUpsert(url) || raced++ > 0) return;
        const res = await upsertAsAdmin(url, '{}');
        otherSpId = ((await res.json()) as { id: string }).id;
      },
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(raced).toBe(1);
    expect(r.requests.filter((q) => q.method === 'PATCH' && spUpsert(q.url)).map((q) => q.status)).toEqual([
      204,
    ]);
    const done = r.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded');
    expect(done?.data).toMatchObject({ servicePrincipalId: otherSpId, created: true });
    expect(result.outputs.servicePrincipalId).toBe(otherSpId);
    const { app } = expectInvariants(emu, server);
    expect(
      emu.control
        .state()
        .servicePrincipals.filter((sp) => sp.appId === app.appId)
        .map((sp) => sp.id),
    ).toEqual([otherSpId]);
  });
});
