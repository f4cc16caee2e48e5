import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, expectAadsts, tid, useEntraEmulator } from './support/entra.ts';
import { eventually } from './support/eventually.ts';
import { GRAPH, call, createAppWithPrincipal, tokenFor } from './support/helpers.ts';

useEntraEmulator();

/**
 * Issue 18 drift on the enterprise application (FIDELITY H18-10, H18-11): its service principal deleted while the
 * app registration stays, or disabled for sign-in; Entra's token endpoint answers as it does for real.
 */
async function appWithSecret(name: string) {
  const app = await createAppWithPrincipal(emulator, name);
  const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
  const added = await call(emulator, `${GRAPH}/applications/${app.id}/addPassword`, {
    method: 'POST',
    token: graph,
    body: {},
  });
  const token = () =>
    call(emulator, `${LOGIN}/${tid}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: app.appId,
        client_secret: String(added.json.secretText),
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
  // The app and its service principal replicate before the token service knows them.
  await eventually(token, (r) => r.status === 200);
  return { ...app, token };
}

describe('drift › the enterprise application', () => {
  it('delete-service-principal: the app stays, its service principal moves to deleted items, the token endpoint answers 401 AADSTS7000229 until it is restored', async () => {
    const app = await appWithSecret('SP deleted');
    const before = emulator.control.state().servicePrincipals.find((s) => s.appId === app.appId)!;
    emulator.control.drift({ kind: 'delete-service-principal', appId: app.appId });
    const state = emulator.control.state();
    expect(state.applications.filter((a) => a.appId === app.appId)).toHaveLength(1);
    expect(state.servicePrincipals.filter((s) => s.appId === app.appId)).toHaveLength(0);
    expect(state.deletedItems.filter((d) => d.id === before.id)).toHaveLength(1);
    const r = await app.token();
    expect(r.status).toBe(401);
    expectAadsts(r.json, 'invalid_client', 7000229);
    expect(String(r.json.error_description)).toContain(
      `The client application ${app.appId} is missing service principal in the tenant ${tid}.`,
    );
    expect(() => emulator.control.drift({ kind: 'delete-service-principal', appId: app.appId })).toThrow(
      /no service principal/,
    );
    // A new one cannot take the deleted one's name (S5); restoring brings back the same one, and tokens with it.
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const create = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graph,
      body: { appId: app.appId },
    });
    expect(create.status).toBe(409);
    const restored = await call(emulator, `${GRAPH}/directory/deletedItems/${before.id}/restore`, {
      method: 'POST',
      token: graph,
    });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ id: before.id, appId: app.appId });
    expect((await app.token()).status).toBe(200);
  });

  it('disable-app: accountEnabled false, the token endpoint answers 400 AADSTS7000112 "Application … is disabled."; enable-app signs in again', async () => {
    const app = await appWithSecret('SP disabled');
    emulator.control.drift({ kind: 'disable-app', appId: app.appId });
    expect(
      emulator.control.state().servicePrincipals.find((s) => s.appId === app.appId)?.accountEnabled,
    ).toBe(false);
    const r = await app.token();
    expect(r.status).toBe(400);
    expectAadsts(r.json, 'unauthorized_client', 7000112);
    expect(String(r.json.error_description)).toMatch(
      new RegExp(`^AADSTS7000112: Application '${app.appId}'\\(SP disabled\\) is disabled\\.`),
    );
    emulator.control.drift({ kind: 'enable-app', appId: app.appId });
    expect((await app.token()).status).toBe(200);
  });
});
