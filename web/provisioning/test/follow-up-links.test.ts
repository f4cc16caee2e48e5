import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { emptySecretHolder } from '@kantiv/provisioning';
import { certificateServer } from './certificates.ts';
import {
  addSecretByHand,
  CONTOSO_PRODUCTION,
  handoffEnd,
  newServer,
  run,
  UNIQUE_NAME,
  useEmulator,
} from './harness.ts';

/**
 * The wizard's follow-up links (issue 17 item 4, issue 18 item 3; decisions 013, 014) as engine runs on a setup in
 * use: a renewal adds a new certificate and removes the old secret only after our server said it switched; a repair
 * recreates only what drifted and keeps the credential Kantiv holds.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const OWNER = '2b3c4d5e-0000-4000-8000-000000000002';
const SECRET_NAME = 'Kantiv secret (setup 2b3c4d5e)';

function ourApps() {
  return emu.control
    .state()
    .applications.filter((a) => a.tenantId === emu.tenants.contoso && a.uniqueName === UNIQUE_NAME);
}

function appUsers(appId: string) {
  const env = emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
  return env.systemUsers.filter((u) => u.applicationid === appId);
}

/** A verified client-secret setup as the first wizard run leaves it. */
async function secretSetup() {
  const server = newServer();
  const first = run(emu, { server, config: { credentialOwner: OWNER, credentialKind: 'client_secret' } });
  const done = await first.engine.apply();
  expect(done.error).toBeUndefined();
  expect(ourApps()[0]!.passwordCredentials.map((p) => p.displayName)).toEqual([SECRET_NAME]);
  return server;
}

describe('follow-up link runs', { timeout: 180_000 }, () => {
  it('renewal: a new certificate on the same app; the old secret is removed only after the server switched', async () => {
    const server = await secretSetup();
    const oldKeyId = server.handedOffSecretKeyId!;
    // A build pipeline's secret on the same app: not Kantiv's, so the renewal leaves it.
    const pipeline = await addSecretByHand(emu, ourApps()[0]!.id, 'Build pipeline');
    const certs = certificateServer();
    const seenAtSwitch: string[][] = [];
    let switchedTo: string | undefined;
    const r = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'renew' },
    });
    // The renewal's plan: a new certificate that replaces the credential in use, never "keep".
    const plan = await r.engine.plan();
    const credential = plan.steps.find((s) => s.step === 'credential')!;
    expect(credential.action).toBe('create');
    expect(credential.details.join(' ')).toContain('It replaces the credential Kantiv uses now');
    expect(plan.steps.find((s) => s.step === 'app_registration')!.action).not.toBe('create');

    const renewal = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'renew' },
      switched: async (keyId) => {
        switchedTo = keyId;
        // What the app holds when the server confirms: the old secret is still there.
        seenAtSwitch.push(ourApps()[0]!.passwordCredentials.map((p) => p.keyId));
      },
    });
    const result = await renewal.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(renewal.handoffs).toHaveLength(1);
    expect(renewal.handoffs[0]).toMatchObject({ credentialKind: 'certificate', keyId: certs.made[0]!.keyId });
    expect(switchedTo).toBe(certs.made[0]!.keyId);
    expect(seenAtSwitch).toEqual([[oldKeyId, pipeline]]);
    expect(renewal.events.find((e) => e.step === 'handoff' && e.status === 'succeeded')?.message).toMatch(
      /^Kantiv switched to the new certificate; the old client secret was removed from the app\. \(\d+\.\d s\)$/,
    );

    const apps = ourApps();
    expect(apps).toHaveLength(1);
    expect(apps[0]!.passwordCredentials.map((p) => [p.keyId, p.displayName])).toEqual([
      [pipeline, 'Build pipeline'],
    ]);
    expect(apps[0]!.keyCredentials.map((k) => k.keyId)).toEqual([certs.made[0]!.keyId]);
    expect(appUsers(apps[0]!.appId)).toHaveLength(1);
  });

  it('renewal of a certificate setup: a second certificate, the old one left for the server to remove', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const switched: string[] = [];
    const renewal = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'renew' },
      switched: async (keyId) => void switched.push(keyId),
    });
    const plan = await renewal.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')!.action).toBe('create');
    const result = await renewal.engine.apply();
    expect(result.error).toBeUndefined();
    expect(switched).toEqual([certs.made[1]!.keyId]);
    // The old certificate is the server's to remove (removeKey after its switch): both are on the app now.
    expect(ourApps()[0]!.keyCredentials.map((k) => k.keyId)).toEqual(certs.made.map((m) => m.keyId));
  });

  it('renewal: while the server has not confirmed the switch, the old secret stays on the app', async () => {
    const server = await secretSetup();
    const oldKeyId = server.handedOffSecretKeyId!;
    const certs = certificateServer();
    const r = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'renew' },
      switched: () => Promise.reject(new Error('Kantiv could not verify the new certificate.')),
    });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('handoff');
    const app = ourApps()[0]!;
    expect(app.passwordCredentials.map((p) => p.keyId)).toEqual([oldKeyId]);
    expect(app.keyCredentials.map((k) => k.keyId)).toEqual([certs.made[0]!.keyId]);
  });

  it('renewal run again on the same page after the switch failed: not sent again, but the switch waited for and the old secret removed', async () => {
    const server = await secretSetup();
    const oldKeyId = server.handedOffSecretKeyId!;
    const certs = certificateServer();
    const holder = emptySecretHolder();
    const config = { credentialOwner: OWNER, purpose: 'renew' } as const;
    const first = run(emu, {
      server,
      certificate: certs.certificate,
      secretHolder: holder,
      config,
      switched: () => Promise.reject(new Error('Kantiv could not verify the new certificate.')),
    });
    expect((await first.engine.apply()).error?.step).toBe('handoff');
    expect(first.handoffs.map((h) => h.keyId)).toEqual([certs.made[0]!.keyId]);

    const switched: string[] = [];
    const again = run(emu, {
      server,
      certificate: certs.certificate,
      secretHolder: holder,
      config,
      switched: async (keyId) => void switched.push(keyId),
    });
    const result = await again.engine.apply();
    expect(result.error).toBeUndefined();
    // The certificate was handed off once; this run waits for the server's switch to it, then finishes the renewal.
    expect(again.handoffs).toEqual([]);
    expect(switched).toEqual([certs.made[0]!.keyId]);
    expect(certs.made).toHaveLength(1);
    const end = handoffEnd(again.events);
    expect(end).toMatchObject({ status: 'succeeded', data: { secretKeyId: certs.made[0]!.keyId } });
    expect(end.message).toMatch(
      /^Kantiv switched to the new certificate; the old client secret was removed from the app\. \(\d+\.\d s\)$/,
    );
    const app = ourApps()[0]!;
    expect(app.passwordCredentials).toEqual([]);
    expect(app.keyCredentials.map((k) => k.keyId)).toEqual([certs.made[0]!.keyId]);
    expect(oldKeyId).not.toBe(certs.made[0]!.keyId);

    // Run once more after the switch: nothing left to remove, nothing sent, the step says so.
    const last = run(emu, {
      server,
      certificate: certs.certificate,
      secretHolder: holder,
      config,
      switched: async (keyId) => void switched.push(keyId),
    });
    expect((await last.engine.apply()).error).toBeUndefined();
    expect(last.handoffs).toEqual([]);
    const lastEnd = handoffEnd(last.events);
    expect(lastEnd.status).toBe('skipped');
    expect(lastEnd.message).toMatch(/^Kantiv already held the current certificate\. \(\d+\.\d s\)$/);
  });

  it('renewal: a tenant or admin choice that would make a secret is a blocker, not a second secret', async () => {
    const server = await secretSetup();
    const r = run(emu, {
      server,
      certificate: certificateServer().certificate,
      config: { credentialOwner: OWNER, purpose: 'renew', credentialKind: 'client_secret' },
    });
    const plan = await r.engine.plan();
    expect(plan.ready).toBe(false);
    expect(plan.blockers.map((b) => b.code)).toEqual(['renewal_needs_certificate']);
    expect(ourApps()[0]!.passwordCredentials).toHaveLength(1);
  });

  it('repair: recreates the deleted application user only, keeps the held certificate, hands off nothing', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const appId = ourApps()[0]!.appId;
    const before = appUsers(appId)[0]!;
    emu.control.drift({ kind: 'delete-app-user', environmentUrl: CONTOSO_PRODUCTION, appId });
    expect(appUsers(appId)).toEqual([]);

    // The wizard gives a repair run the switch wait too; a repair keeps the credential, so it never waits.
    const switched: string[] = [];
    const repair = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'repair' },
      secretHolder: emptySecretHolder(),
      switched: async (keyId) => void switched.push(keyId),
    });
    const plan = await repair.engine.plan();
    const actions = Object.fromEntries(plan.steps.map((s) => [s.step, s.action]));
    expect(actions).toMatchObject({
      app_registration: 'reuse',
      credential: 'reuse',
      application_user: 'create',
      handoff: 'none',
    });
    const result = await repair.engine.apply();
    expect(result.error).toBeUndefined();
    expect(repair.handoffs).toEqual([]);
    expect(switched).toEqual([]);
    const end = handoffEnd(repair.events);
    expect(end.status).toBe('skipped');
    expect(end.message).toMatch(/^Kantiv already held the current certificate\. \(\d+\.\d s\)$/);
    expect(certs.made).toHaveLength(1);
    expect(ourApps()).toHaveLength(1);
    const users = appUsers(appId);
    expect(users).toHaveLength(1);
    expect(users[0]!.systemuserid).not.toBe(before.systemuserid);
    expect(result.outputs.applicationUserId).toBe(users[0]!.systemuserid);
  });

  it('repair: restores the deleted app with the certificate Kantiv holds, adds none, keeps the application user', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const before = ourApps()[0]!;
    const user = appUsers(before.appId)[0]!;
    emu.control.drift({ kind: 'delete-app', appId: before.appId });
    expect(ourApps()).toEqual([]);

    const repair = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'repair', handedOffSecretKeyId: certs.made[0]!.keyId },
      secretHolder: emptySecretHolder(),
    });
    const plan = await repair.engine.plan();
    const actions = Object.fromEntries(plan.steps.map((s) => [s.step, s.action]));
    expect(actions).toMatchObject({
      app_registration: 'update',
      credential: 'reuse',
      application_user: 'none',
      handoff: 'none',
    });
    const result = await repair.engine.apply();
    expect(result.error).toBeUndefined();
    expect(repair.handoffs).toEqual([]);
    expect(certs.made).toHaveLength(1);
    const apps = ourApps();
    expect(apps).toHaveLength(1);
    expect(apps[0]!.id).toBe(before.id);
    expect(apps[0]!.keyCredentials.map((k) => k.keyId)).toEqual(before.keyCredentials.map((k) => k.keyId));
    expect(appUsers(before.appId).map((u) => u.systemuserid)).toEqual([user.systemuserid]);
    expect(emu.control.state().deletedItems.filter((d) => d.appId === before.appId)).toEqual([]);
  });

  it('repair: activates the deactivated application user again, the same user with its role', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const appId = ourApps()[0]!.appId;
    const before = appUsers(appId)[0]!;
    emu.control.drift({ kind: 'disable-app-user', environmentUrl: CONTOSO_PRODUCTION, appId });

    const repair = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'repair', handedOffSecretKeyId: certs.made[0]!.keyId },
      secretHolder: emptySecretHolder(),
    });
    const plan = await repair.engine.plan();
    const step = plan.steps.find((s) => s.step === 'application_user')!;
    expect(step.action).toBe('update');
    expect(step.summary).toMatch(/^Activate the application user again/);
    const result = await repair.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.outputs.applicationUserId).toBe(before.systemuserid);
    const users = appUsers(appId);
    expect(users).toHaveLength(1);
    expect(users[0]!.isdisabled).toBe(false);
    expect(users[0]!.roles).toEqual(before.roles);
  });

  it('repair: enables the disabled enterprise application again, the same service principal, nothing else changed', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const appId = ourApps()[0]!.appId;
    const spBefore = emu.control.state().servicePrincipals.filter((s) => s.appId === appId);
    const userBefore = appUsers(appId)[0]!;
    emu.control.drift({ kind: 'disable-app', appId });

    const repair = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'repair', handedOffSecretKeyId: certs.made[0]!.keyId },
      secretHolder: emptySecretHolder(),
    });
    const plan = await repair.engine.plan();
    expect(plan.steps.find((s) => s.step === 'app_registration')).toEqual({
      step: 'app_registration',
      action: 'update',
      summary: `Reuse the app registration "Kantiv Dataverse Connector" (client id ${appId}) and enable its enterprise application for sign-in again.`,
      details: [
        'An admin disabled it ("Enabled for users to sign-in?" No), so Microsoft Entra gives Kantiv no token. Nothing else about it changes.',
      ],
    });
    const result = await repair.engine.apply();
    expect(result.error).toBeUndefined();
    const spAfter = emu.control.state().servicePrincipals.filter((s) => s.appId === appId);
    expect(spAfter).toHaveLength(1);
    expect(spAfter[0]!.id).toBe(spBefore[0]!.id);
    expect(spAfter[0]!.accountEnabled).toBe(true);
    expect(appUsers(appId).map((u) => u.systemuserid)).toEqual([userBefore.systemuserid]);
    expect(ourApps()).toHaveLength(1);
    const done = repair.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded')!;
    expect(done.message).toMatch(
      new RegExp(
        `^Reused the app registration \\(client id ${appId}\\) and enabled its enterprise application for sign-in again\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
  });

  it('repair: restores the deleted enterprise application (the same service principal, from deleted items) for the same app registration', async () => {
    const server = newServer();
    const certs = certificateServer();
    const first = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    expect((await first.engine.apply()).error).toBeUndefined();
    const app = ourApps()[0]!;
    const spBefore = emu.control.state().servicePrincipals.find((s) => s.appId === app.appId)!;
    emu.control.drift({ kind: 'delete-service-principal', appId: app.appId });

    const repair = run(emu, {
      server,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, purpose: 'repair', handedOffSecretKeyId: certs.made[0]!.keyId },
      secretHolder: emptySecretHolder(),
    });
    const plan = await repair.engine.plan();
    expect(plan.steps.find((s) => s.step === 'app_registration')).toEqual({
      step: 'app_registration',
      action: 'update',
      summary:
        'Reuse the app registration "Kantiv Dataverse Connector" and bring back its enterprise application (service principal).',
      details: [
        'Restored from Microsoft Entra’s deleted items if it was deleted in the last 30 days (with its settings), otherwise created anew.',
      ],
    });
    const result = await repair.engine.apply();
    expect(result.error).toBeUndefined();
    expect(ourApps().map((a) => a.id)).toEqual([app.id]);
    const sps = emu.control.state().servicePrincipals.filter((s) => s.appId === app.appId);
    expect(sps.map((s) => s.id)).toEqual([spBefore.id]);
    expect(sps[0]!.accountEnabled).toBe(true);
    expect(emu.control.state().deletedItems.filter((d) => d.appId === app.appId)).toEqual([]);
    const done = repair.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded')!;
    expect(done.message).toMatch(
      new RegExp(
        `^Reused the app registration \\(client id ${app.appId}\\) and restored its deleted enterprise application\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
  });
});
