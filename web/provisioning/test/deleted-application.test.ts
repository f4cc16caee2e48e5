import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { ADMIN, UNIQUE_NAME, expectInvariants, newServer, run, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

/** The admin deletes "Kantiv Dataverse Connector" in the Entra admin center to start over. */
async function deleteOurApp(): Promise<{ id: string; appId: string }> {
  const app = emu.control.state().applications.find((a) => a.uniqueName === UNIQUE_NAME)!;
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const res = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${app.id}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(204);
  return { id: app.id, appId: app.appId };
}

describe('a tenant holding our soft-deleted app', { timeout: 180_000 }, () => {
  it('finds our deleted app, shows it in the plan, restores it with its service principal and converges', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const deleted = await deleteOurApp();
    expect(emu.control.state().applications.some((a) => a.uniqueName === UNIQUE_NAME)).toBe(false);

    const again = run(emu, { server });
    const plan = await again.engine.plan();
    expect(plan.ready).toBe(true);
    expect(plan.discovery.deletedApplication).toMatchObject({
      objectId: deleted.id,
      clientId: deleted.appId,
    });
    const step = plan.steps.find((s) => s.step === 'app_registration')!;
    expect(step.action).toBe('update');
    expect(step.summary).toMatch(/^Restore the app registration "Kantiv Dataverse Connector" \(client id /);
    const result = await again.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs.clientId).toBe(deleted.appId);
    const { app } = expectInvariants(emu, server);
    expect(app.id).toBe(deleted.id);

    const third = run(emu, { server });
    expect((await third.engine.apply()).status).toBe('succeeded');
    expect(third.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });
});
