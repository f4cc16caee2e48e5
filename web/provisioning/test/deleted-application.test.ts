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
    // The day it was deleted, from Graph's deletedDateTime (a full timestamp), word for word.
    const deletedAt = plan.discovery.deletedApplication!.deletedDateTime!;
    expect(deletedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(plan.steps.find((s) => s.step === 'app_registration')).toEqual({
      step: 'app_registration',
      action: 'update',
      summary: `Restore the app registration "Kantiv Dataverse Connector" (client id ${deleted.appId}), deleted ${deletedAt.slice(0, 10)}, and its enterprise application.`,
      details: [
        `Microsoft keeps a deleted app registration for 30 days with its unique name "${UNIQUE_NAME}", so it cannot be created again; restoring it needs no permission beyond what you already granted.`,
        'Its old secrets are removed after Kantiv holds the new one.',
      ],
    });
    const result = await again.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs.clientId).toBe(deleted.appId);
    const { app, user } = expectInvariants(emu, server);
    expect(app.id).toBe(deleted.id);
    // The restored app's application user was never deleted, nor its role: the run looks both up and keeps them;
    // nothing is written to Dataverse.
    expect(result.outputs.applicationUserId).toBe(user.systemuserid);
    expect(again.requests.filter((q) => q.service === 'dataverse' && q.method !== 'GET')).toEqual([]);
    const done = (step: string) => again.events.find((e) => e.step === step && e.status === 'succeeded')!;
    expect(done('app_registration').message).toMatch(
      new RegExp(
        `^Restored the deleted app registration \\(client id ${deleted.appId}\\) and its enterprise application\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
    expect(done('application_user').message).toMatch(
      /^The application user already existed with its role\. \(\d+\.\d s\)$/,
    );

    const third = run(emu, { server });
    expect((await third.engine.apply()).status).toBe('succeeded');
    expect(third.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('a restore Graph refuses: the blocker names the app, who can restore it by hand, and where', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const deleted = await deleteOurApp();
    // The admin's Entra role is taken away just before the run restores the app: Graph answers 403.
    const r = run(emu, {
      server,
      beforeRequest: (url, init) => {
        if (init.method === 'POST' && url.endsWith(`/directory/deletedItems/${deleted.id}/restore`))
          emu.control.setScenario({ name: 'admin-without-entra-role' });
        return Promise.resolve();
      },
    });
    const result = await r.engine.apply();
    const restore = r.requests.filter((q) => q.url.endsWith('/restore')).map((q) => q.status);
    expect(restore).toEqual([403]);
    const microsoft = result.error?.message.match(/could not be restored \((.+)\)\.$/)?.[1];
    expect(microsoft).toMatch(/\S/);
    expect(result.error).toMatchObject({
      step: 'app_registration',
      code: 'deleted_app_not_restored',
      text: {
        key: 'deleted_app_not_restored',
        params: { app: 'Kantiv Dataverse Connector', clientId: deleted.appId, microsoft },
      },
      message: `Kantiv's app registration "Kantiv Dataverse Connector" (client id ${deleted.appId}) is in Microsoft Entra's deleted applications and could not be restored (${microsoft}).`,
      fix: `An Application Administrator or Cloud Application Administrator opens the Microsoft Entra admin center → App registrations → Deleted applications, selects "Kantiv Dataverse Connector" (client id ${deleted.appId}) and chooses "Restore app registration" — or "Delete permanently" so Kantiv can create a new one. Then retry.`,
    });
    expect(result.error?.requestId).toMatch(/\S/);
    expect(emu.control.state().applications.some((a) => a.uniqueName === UNIQUE_NAME)).toBe(false);

    // Graph unavailable at the restore is Microsoft being busy (retried, then said so), not a refused restore.
    emu.control.clearScenarios();
    const busy = run(emu, {
      server,
      beforeRequest: (url, init) => {
        if (init.method === 'POST' && url.endsWith(`/directory/deletedItems/${deleted.id}/restore`))
          emu.control.setScenario({ name: 'service-unavailable', service: 'graph', retryAfterSeconds: 0 });
        return Promise.resolve();
      },
    });
    const unavailable = await busy.engine.apply();
    expect(unavailable.error).toMatchObject({
      step: 'app_registration',
      code: 'serviceNotAvailable',
      text: { key: 'microsoft_busy' },
    });
    expect(new Set(busy.requests.filter((q) => q.url.endsWith('/restore')).map((q) => q.status))).toEqual(
      new Set([503]),
    );
  });
});
