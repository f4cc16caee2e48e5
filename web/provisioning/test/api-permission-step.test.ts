import { describe, expect, it } from 'vitest';
import {
  DYNAMICS_CRM_APP_ID,
  GRAPH_APP_ID,
  GRAPH_SCOPES,
  USER_IMPERSONATION_SCOPE_ID,
  type Emulator,
} from '@kantiv/emulator';
import type { StepEventInput } from '@kantiv/shared/events';
import { ADMIN, fixed, newServer, ourApp, run, TOOK, useEmulator } from './harness.ts';

/**
 * The API permission step (Step 3 of the manual guide) word for word: what the plan says, what reaches Graph, and
 * that whatever else an admin declared on the app by hand stays.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

/** The engine appends how long a step took; on a fixed clock, no time passes. */
const WHY = [
  'What Kantiv may do in Dataverse is decided by the security role of the application user, not by this permission.',
];
const CRM_PERMISSION = { id: USER_IMPERSONATION_SCOPE_ID, type: 'Scope' };
/** Another permission on the Dynamics CRM API that someone declared by hand (an app role, not our scope). */
const CRM_OTHER = { id: USER_IMPERSONATION_SCOPE_ID, type: 'Role' };
const GRAPH_USER_READ = {
  resourceAppId: GRAPH_APP_ID,
  resourceAccess: [{ id: GRAPH_SCOPES['User.Read'], type: 'Scope' }],
};

function permissionEnd(events: StepEventInput[]) {
  return events.find(
    (e) => e.step === 'api_permission' && (e.status === 'succeeded' || e.status === 'skipped'),
  )!;
}

async function setPermissionsByHand(requiredResourceAccess: unknown[]): Promise<void> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const res = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${ourApp(emu).id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ requiredResourceAccess }),
  });
  expect(res.status).toBe(204);
}

describe('engine › the API permission step', { timeout: 180_000 }, () => {
  it('declares the permission with the new app, in the upsert, and writes nothing more for it', async () => {
    const now = Date.now();
    const r = run(emu, { server: newServer(), clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'api_permission')).toEqual({
      step: 'api_permission',
      action: 'create',
      summary: 'Declare the API permission Dynamics CRM → user_impersonation on the app.',
      details: WHY,
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const objectId = ourApp(emu).id;
    const end = permissionEnd(r.events);
    expect(end.status).toBe('succeeded');
    expect(end.message).toBe(`Declared Dynamics CRM user_impersonation.${TOOK}`);
    expect(end.data).toEqual({ applicationObjectId: objectId });
    // The upsert by unique name carried it: no read or write of the app by its object id.
    expect(r.requests.filter((q) => new URL(q.url).pathname === `/v1.0/applications/${objectId}`)).toEqual(
      [],
    );
    expect(ourApp(emu).requiredResourceAccess).toEqual([
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [CRM_PERMISSION] },
    ]);
  });

  it('adds it back to an existing app that lost it, keeping what else the app declares, then keeps it', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    // An admin replaced the app's permissions by hand: Graph's User.Read, and another Dynamics CRM entry.
    await setPermissionsByHand([
      GRAPH_USER_READ,
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [CRM_OTHER] },
    ]);

    const r = run(emu, { server, clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'api_permission')).toEqual({
      step: 'api_permission',
      action: 'update',
      summary: 'Declare the API permission Dynamics CRM → user_impersonation on the app.',
      details: WHY,
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const end = permissionEnd(r.events);
    expect(end.status).toBe('succeeded');
    expect(end.message).toBe(`Declared Dynamics CRM user_impersonation.${TOOK}`);
    expect(end.data).toEqual({ applicationObjectId: ourApp(emu).id });
    expect(ourApp(emu).requiredResourceAccess).toEqual([
      GRAPH_USER_READ,
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [CRM_OTHER, CRM_PERMISSION] },
    ]);

    const again = run(emu, { server, clock: fixed(now) });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'api_permission')).toEqual({
      step: 'api_permission',
      action: 'none',
      summary: 'The app already declares Dynamics CRM user_impersonation.',
      details: [],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    const kept = permissionEnd(again.events);
    expect(kept.status).toBe('skipped');
    expect(kept.message).toBe(`Dynamics CRM user_impersonation was already declared.${TOOK}`);
    expect(kept.data).toEqual({ applicationObjectId: ourApp(emu).id });
    expect(
      again.requests.filter(
        (q) => q.method === 'PATCH' && new URL(q.url).pathname === `/v1.0/applications/${ourApp(emu).id}`,
      ),
    ).toEqual([]);
  });

  it('an app that got the permission by hand after discovery is not written again', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    await setPermissionsByHand([GRAPH_USER_READ]);
    const appPath = `/v1.0/applications/${ourApp(emu).id}`;
    let byHand = 0;
    const r = run(emu, {
      server,
      clock: fixed(now),
      // After discovery saw no permission, just before the step reads the app, an admin declares it by hand.
      beforeRequest: async (url, init) => {
        if ((init.method ?? 'GET') === 'GET' && new URL(url).pathname === appPath && byHand++ === 0) {
          await setPermissionsByHand([
            GRAPH_USER_READ,
            { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [CRM_OTHER, CRM_PERMISSION] },
          ]);
        }
      },
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(byHand).toBeGreaterThan(0);
    expect(permissionEnd(r.events).message).toBe(`Declared Dynamics CRM user_impersonation.${TOOK}`);
    expect(r.requests.filter((q) => q.method === 'PATCH' && new URL(q.url).pathname === appPath)).toEqual([]);
    expect(ourApp(emu).requiredResourceAccess).toEqual([
      GRAPH_USER_READ,
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [CRM_OTHER, CRM_PERMISSION] },
    ]);
  });

  it('our scope id under another API, or another scope of Dynamics CRM, is not the permission: it is added', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    // Graph's documentation does not say that a declared id must be one the API exposes; the emulator accepts any GUID,
    // and the step must not mistake such an entry for Dynamics CRM's user_impersonation.
    const ourIdElsewhere = { resourceAppId: GRAPH_APP_ID, resourceAccess: [CRM_PERMISSION] };
    const otherCrmScope = { id: '6f1e0b47-3c1f-4d1e-9f7a-2b8c5d4e3a21', type: 'Scope' };
    await setPermissionsByHand([
      ourIdElsewhere,
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [otherCrmScope] },
    ]);

    const r = run(emu, { server, clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'api_permission')?.action).toBe('update');
    expect((await r.engine.apply()).error).toBeUndefined();
    expect(permissionEnd(r.events).message).toBe(`Declared Dynamics CRM user_impersonation.${TOOK}`);
    expect(ourApp(emu).requiredResourceAccess).toEqual([
      ourIdElsewhere,
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [otherCrmScope, CRM_PERMISSION] },
    ]);
  });
});
