import { describe, expect, it } from 'vitest';
import { DYNAMICS_CRM_APP_ID } from '../src/index.ts';
import { emulator } from './support/emulator-fixture.ts';
import { admin, createApp, expectGraphError, useGraphEmulator } from './support/graph.ts';
import { GRAPH, call } from './support/helpers.ts';

useGraphEmulator();

describe('Graph /servicePrincipals', () => {
  it('serves the Dataverse service principal with its user_impersonation scope by appId', async () => {
    const r = await call(
      emulator,
      `${GRAPH}/servicePrincipals(appId='${DYNAMICS_CRM_APP_ID}')?$select=id,appId,displayName,oauth2PermissionScopes`,
      { token: admin },
    );
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ appId: DYNAMICS_CRM_APP_ID, displayName: 'Dataverse' });
    expect(r.json.oauth2PermissionScopes).toEqual([
      expect.objectContaining({
        value: 'user_impersonation',
        id: '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4',
        type: 'User',
        isEnabled: true,
      }),
    ]);
  });

  it('creates (201), refuses duplicates (409), filters, gets by id, upserts by appId and deletes', async () => {
    const a = await createApp();
    const appId = String(a.json.appId);
    const sp = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: admin,
      body: { appId },
    });
    expect(sp.status).toBe(201);
    expect(sp.json).toMatchObject({
      appId,
      appOwnerOrganizationId: emulator.tenants.contoso,
      servicePrincipalType: 'Application',
      accountEnabled: true,
    });
    expectGraphError(
      await call(emulator, `${GRAPH}/servicePrincipals`, { method: 'POST', token: admin, body: { appId } }),
      409,
      'Request_MultipleObjectsWithSameKeyValue',
    );
    const list = await call(emulator, `${GRAPH}/servicePrincipals?$filter=appId eq '${appId}'&$select=id`, {
      token: admin,
    });
    expect(list.json.value).toEqual([{ id: sp.json.id }]);
    expect(
      (await call(emulator, `${GRAPH}/servicePrincipals/${String(sp.json.id)}`, { token: admin })).json.appId,
    ).toBe(appId);
    const up = await call(emulator, `${GRAPH}/servicePrincipals(appId='${appId}')`, {
      method: 'PATCH',
      token: admin,
      body: { tags: ['x'] },
      headers: { prefer: 'create-if-missing' },
    });
    expect(up.status).toBe(204);
    expect(
      (
        await call(emulator, `${GRAPH}/servicePrincipals/${String(sp.json.id)}`, {
          method: 'DELETE',
          token: admin,
        })
      ).status,
    ).toBe(204);
    // A soft delete (H18-10): 30 days in deleted items, where it keeps its name (S5) until restored or purged.
    const deleted = await call(
      emulator,
      `${GRAPH}/directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq '${appId}'`,
      { token: admin },
    );
    expect((deleted.json.value as { id: string }[]).map((d) => d.id)).toEqual([sp.json.id]);
    const upsert = () =>
      call(emulator, `${GRAPH}/servicePrincipals(appId='${appId}')`, {
        method: 'PATCH',
        token: admin,
        body: {},
        headers: { prefer: 'create-if-missing' },
      });
    expectGraphError(await upsert(), 409, 'Request_MultipleObjectsWithSameKeyValue');
    expect(
      (
        await call(emulator, `${GRAPH}/directory/deletedItems/${String(sp.json.id)}`, {
          method: 'DELETE',
          token: admin,
        })
      ).status,
    ).toBe(204);
    expect((await upsert()).status).toBe(201);
  });

  it('refuses an appId without a backing application (400 NoBackingApplicationObject)', async () => {
    const r = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: admin,
      body: { appId: '33333333-3333-3333-3333-333333333333' },
    });
    expectGraphError(r, 400, 'Request_BadRequest');
    expect(JSON.stringify(r.json)).toContain('NoBackingApplicationObject');
  });

  it('requires an administrator role to create a service principal', async () => {
    emulator.control.setScenario({ name: 'admin-without-entra-role' });
    const a = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: admin,
      body: { appId: DYNAMICS_CRM_APP_ID },
    });
    expectGraphError(a, 403, 'Authorization_RequestDenied');
  });
});
