import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { admin, expectGraphError, useGraphEmulator } from './support/graph.ts';
import { GRAPH, call, errorOf } from './support/helpers.ts';

useGraphEmulator();

const BY_KEY = `${GRAPH}/applications(uniqueName='kantiv-dataverse-connector')`;
const BODY = { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' };

async function createByKey() {
  const app = await call(emulator, BY_KEY, {
    method: 'PATCH',
    token: admin,
    body: BODY,
    headers: { prefer: 'create-if-missing' },
  });
  expect(app.status).toBe(201);
  const sp = await call(emulator, `${GRAPH}/servicePrincipals(appId='${String(app.json.appId)}')`, {
    method: 'PATCH',
    token: admin,
    body: {},
    headers: { prefer: 'create-if-missing' },
  });
  expect(sp.status).toBe(201);
  return { id: String(app.json.id), appId: String(app.json.appId), spId: String(sp.json.id) };
}

describe('Graph: uniqueName is an alternate key, not a filter', () => {
  it('refuses $filter on uniqueName with Request_UnsupportedQuery and answers the alternate key with 404 when absent', async () => {
    const filtered = await call(
      emulator,
      `${GRAPH}/applications?$filter=uniqueName eq 'kantiv-dataverse-connector'`,
      { token: admin },
    );
    expectGraphError(filtered, 400, 'Request_UnsupportedQuery');
    expect(errorOf(filtered).message).toBe(
      "Unsupported or invalid query filter clause specified for property 'uniqueName' of resource 'Application'.",
    );
    expectGraphError(await call(emulator, BY_KEY, { token: admin }), 404, 'Request_ResourceNotFound');
  });
});

describe('Graph: deleted applications', () => {
  it('soft-deletes an app with its service principal; the uniqueName stays reserved until a permanent delete', async () => {
    const { id, appId, spId } = await createByKey();
    expect(
      (await call(emulator, `${GRAPH}/applications/${id}`, { method: 'DELETE', token: admin })).status,
    ).toBe(204);
    expectGraphError(await call(emulator, BY_KEY, { token: admin }), 404, 'Request_ResourceNotFound');
    const apps = await call(emulator, `${GRAPH}/directory/deletedItems/microsoft.graph.application`, {
      token: admin,
    });
    expect(apps.status).toBe(200);
    expect(apps.json.value).toEqual([
      expect.objectContaining({
        '@odata.type': '#microsoft.graph.application',
        id,
        appId,
        uniqueName: 'kantiv-dataverse-connector',
        deletedDateTime: expect.stringMatching(/Z$/) as string,
      }),
    ]);
    const sps = await call(emulator, `${GRAPH}/directory/deletedItems/microsoft.graph.servicePrincipal`, {
      token: admin,
    });
    expect(sps.json.value).toEqual([expect.objectContaining({ id: spId, appId })]);
    expectGraphError(
      await call(
        emulator,
        `${GRAPH}/directory/deletedItems/microsoft.graph.application?$filter=uniqueName eq 'x'`,
        {
          token: admin,
        },
      ),
      400,
      'Request_UnsupportedQuery',
    );

    const again = await call(emulator, BY_KEY, {
      method: 'PATCH',
      token: admin,
      body: BODY,
      headers: { prefer: 'create-if-missing' },
    });
    expectGraphError(again, 400, 'Request_BadRequest');
    expect(errorOf(again).message).toBe(
      'Another object with the same value for property uniqueName already exists.',
    );

    expect(
      (await call(emulator, `${GRAPH}/directory/deletedItems/${id}`, { method: 'DELETE', token: admin }))
        .status,
    ).toBe(204);
    expectGraphError(
      await call(emulator, `${GRAPH}/directory/deletedItems/${id}`, { token: admin }),
      404,
      'Request_ResourceNotFound',
    );
    const fresh = await call(emulator, BY_KEY, {
      method: 'PATCH',
      token: admin,
      body: BODY,
      headers: { prefer: 'create-if-missing' },
    });
    expect(fresh.status).toBe(201);
  });

  it('restores the app without its service principal, which is restored on its own', async () => {
    const { id, appId, spId } = await createByKey();
    await call(emulator, `${GRAPH}/applications/${id}`, { method: 'DELETE', token: admin });
    const restored = await call(emulator, `${GRAPH}/directory/deletedItems/${id}/restore`, {
      method: 'POST',
      token: admin,
    });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({
      '@odata.type': '#microsoft.graph.application',
      id,
      deletedDateTime: null,
    });
    expect((await call(emulator, BY_KEY, { token: admin })).json).toMatchObject({ id, appId });
    const sp = await call(emulator, `${GRAPH}/servicePrincipals?$filter=appId eq '${appId}'`, {
      token: admin,
    });
    expect(sp.json.value).toEqual([]);
    // The deleted service principal still holds the app's name: a new one cannot be created (stricter reading).
    const create = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: admin,
      body: { appId },
    });
    expectGraphError(create, 409, 'Request_MultipleObjectsWithSameKeyValue');
    const back = await call(emulator, `${GRAPH}/directory/deletedItems/${spId}/restore`, {
      method: 'POST',
      token: admin,
    });
    expect(back.status).toBe(200);
    const live = await call(emulator, `${GRAPH}/servicePrincipals?$filter=appId eq '${appId}'`, {
      token: admin,
    });
    expect(live.json.value).toEqual([expect.objectContaining({ id: spId })]);
  });

  it('refuses restore without Application.ReadWrite.All and lists only with a type cast', async () => {
    const { id } = await createByKey();
    await call(emulator, `${GRAPH}/applications/${id}`, { method: 'DELETE', token: admin });
    const reader = await emulator.control.issueToken({
      user: 'admin@contoso.com',
      scope: 'https://graph.microsoft.com/Application.Read.All',
    });
    expectGraphError(
      await call(emulator, `${GRAPH}/directory/deletedItems/${id}/restore`, {
        method: 'POST',
        token: reader,
      }),
      403,
      'Authorization_RequestDenied',
    );
    expectGraphError(
      await call(emulator, `${GRAPH}/directory/deletedItems`, { token: admin }),
      400,
      'Request_BadRequest',
    );
  });
});
