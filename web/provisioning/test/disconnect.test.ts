import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { createDisconnectEngine, type DisconnectTarget } from '@kantiv/provisioning';
import {
  CONTOSO_PRODUCTION,
  FAST_RETRY,
  UNIQUE_NAME,
  newServer,
  run,
  tokensFor,
  useEmulator,
} from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

/** A finished wizard run: the app, its application user in Contoso Production, and Kantiv's role. */
async function connected(): Promise<DisconnectTarget> {
  const r = run(emu, { server: newServer() });
  const result = await r.engine.apply();
  expect(result.status).toBe('succeeded');
  const handoff = r.handoffs.at(-1)!;
  return {
    environmentUrl: CONTOSO_PRODUCTION,
    clientId: handoff.clientId,
    roleName: DEFAULT_MANIFEST.roleName,
    kantivRoleName: DEFAULT_MANIFEST.roleName,
  };
}
/** Calls a Microsoft API as the admin (Graph, or Dataverse of Contoso Production). */
async function asAdmin(url: string, init: { method?: string; body?: unknown } = {}) {
  const graph = url.startsWith('https://graph.');
  const token = await tokensFor(emu).getToken(graph ? 'graph' : { environmentUrl: CONTOSO_PRODUCTION });
  const res = await emu.fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return {
    status: res.status,
    json: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>),
  };
}
const deletedApps = async () =>
  (
    (await asAdmin('https://graph.microsoft.com/v1.0/directory/deletedItems/microsoft.graph.application'))
      .json.value as { appId: string }[]
  ).map((a) => a.appId);
const DV = `${CONTOSO_PRODUCTION}/api/data/v9.2`;
const production = () => emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
const disconnectEngine = (target: DisconnectTarget) =>
  createDisconnectEngine({
    tokens: tokensFor(emu),
    fetch: (input, init) => emu.fetch(input, init),
    target,
    endpoints: { graph: 'https://graph.microsoft.com' },
    retry: FAST_RETRY,
  });

describe('the customer side of a disconnect (issue 18 item 4)', { timeout: 240_000 }, () => {
  it('plans, then removes the application user, Kantiv role and app registration (soft-deleted)', async () => {
    const target = await connected();
    const engine = disconnectEngine(target);
    const plan = await engine.plan();
    expect(plan.applicationUser).toMatchObject({ disabled: false });
    expect(plan.applicationUser?.roleIds).toHaveLength(1);
    expect(plan.securityRole).toMatchObject({ name: DEFAULT_MANIFEST.roleName, ours: true });
    expect(plan.application).toMatchObject({ appId: target.clientId, shared: false });
    // Planning changed nothing.
    expect(production().systemUsers.some((s) => s.applicationid === target.clientId)).toBe(true);

    const { removed } = await engine.apply();
    expect(removed).toEqual({
      applicationUser: 'removed',
      securityRole: 'removed',
      appRegistration: 'soft_deleted',
    });
    expect(production().systemUsers.some((s) => s.applicationid === target.clientId)).toBe(false);
    expect(production().roles.some((r) => r.name === DEFAULT_MANIFEST.roleName)).toBe(false);
    expect(emu.control.state().applications.some((a) => a.uniqueName === UNIQUE_NAME)).toBe(false);
    // Soft-deleted: in deleted items, restorable for 30 days.
    expect(await deletedApps()).toContain(target.clientId);

    // A second run finds nothing left and removes nothing.
    expect((await disconnectEngine(target).apply()).removed).toEqual({
      applicationUser: 'absent',
      securityRole: 'absent',
      appRegistration: 'absent',
    });
  });

  it('keeps a role someone else holds, a role Kantiv did not create, and an app another setup uses', async () => {
    const target = await connected();
    // The admin holds Kantiv's role too (given through the Web API, as an admin would).
    const env = production();
    const ours = env.roles.find((r) => r.name === DEFAULT_MANIFEST.roleName)!;
    const me = String((await asAdmin(`${DV}/WhoAmI`)).json.UserId);
    const given = await asAdmin(`${DV}/systemusers(${me})/systemuserroles_association/$ref`, {
      method: 'POST',
      body: { '@odata.id': `${DV}/roles(${ours.roleid})` },
    });
    expect(given.status).toBe(204);
    const kept = await disconnectEngine({ ...target, appShared: true }).apply();
    expect(kept.removed).toEqual({
      applicationUser: 'removed',
      securityRole: 'kept_in_use',
      appRegistration: 'kept_shared',
    });
    expect(production().roles.some((r) => r.roleid === ours.roleid)).toBe(true);
    expect(emu.control.state().applications.some((a) => a.appId === target.clientId)).toBe(true);
  });

  it('never deletes a role the admin picked (another name than Kantiv gives its roles)', async () => {
    const target = await connected();
    const plan = await disconnectEngine({ ...target, kantivRoleName: 'Kantiv Other' }).plan();
    expect(plan.securityRole?.ours).toBe(false);
    const { removed } = await disconnectEngine({ ...target, kantivRoleName: 'Kantiv Other' }).apply();
    expect(removed.securityRole).toBe('kept_not_ours');
    expect(production().roles.some((r) => r.name === DEFAULT_MANIFEST.roleName)).toBe(true);
  });
});
