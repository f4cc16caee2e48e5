import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { emptySecretHolder } from '@kantiv/provisioning';
import { certificateServer } from './certificates.ts';
import { addCertificateByHand, newServer, run, statusesOf, UNIQUE_NAME, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

const OWNER = '1a2b3c4d-0000-4000-8000-000000000001';
const OUR_NAME = 'Kantiv certificate (setup 1a2b3c4d)';

function ourApp() {
  const apps = emu.control
    .state()
    .applications.filter((a) => a.tenantId === emu.tenants.contoso && a.uniqueName === UNIQUE_NAME);
  expect(apps).toHaveLength(1);
  return apps[0]!;
}

function credentialMessage(events: { step: string; status: string; message: string }[]): string {
  return events.find((e) => e.step === 'credential' && e.status === 'succeeded')?.message ?? '';
}

describe('certificate credentials (the default when the engine can get one)', { timeout: 180_000 }, () => {
  it('adds the server-made public certificate to keyCredentials and hands off only its key id', async () => {
    const server = newServer();
    const certs = certificateServer();
    const r = run(emu, { server, certificate: certs.certificate, config: { credentialOwner: OWNER } });
    const plan = await r.engine.plan();
    const credential = plan.steps.find((s) => s.step === 'credential')!;
    expect(credential.summary).toMatch(
      /^Add the certificate "Kantiv certificate \(setup 1a2b3c4d\)" \(recommended\) valid 36[56] days/,
    );
    expect(plan.steps.find((s) => s.step === 'handoff')!.summary).toContain('certificate key id');

    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs.credentialKind).toBe('certificate');

    expect(certs.requests).toHaveLength(1);
    expect(certs.requests[0]).toMatchObject({
      tenantId: emu.tenants.contoso,
      clientId: result.outputs.clientId,
      environmentUrl: 'https://contoso.crm.dynamics.com',
    });
    const made = certs.made[0]!;
    const app = ourApp();
    expect(app.passwordCredentials).toEqual([]);
    expect(app.keyCredentials).toHaveLength(1);
    expect(app.keyCredentials[0]).toMatchObject({
      keyId: made.keyId,
      displayName: OUR_NAME,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: made.certificate,
    });

    expect(r.handoffs).toEqual([
      {
        idempotencyKey: made.keyId,
        source: 'automatic',
        credentialKind: 'certificate',
        keyId: made.keyId,
        tenantId: emu.tenants.contoso,
        clientId: result.outputs.clientId,
        environmentUrl: 'https://contoso.crm.dynamics.com',
        applicationUserId: result.outputs.applicationUserId,
        roleName: 'Kantiv Integration',
      },
    ]);
    // The private key exists only on "our server": not in events, requests or the hand-off.
    const seen = JSON.stringify([r.events, r.requests, r.handoffs]);
    expect(seen).not.toContain('PRIVATE KEY');
    expect(seen).not.toContain(made.privateKeyPem.split('\n')[1]);
    expect(statusesOf(r.events, 'handoff')).toEqual(['running', 'succeeded']);
  });

  it('keeps the other certificates on the app (a PATCH replaces the whole collection)', async () => {
    // An app born in secret mode, then given an admin's own certificate.
    const first = run(emu, { server: newServer() });
    expect((await first.engine.apply()).status).toBe('succeeded');
    const foreign = await certificateServer().certificate({
      tenantId: emu.tenants.contoso,
      clientId: ourApp().appId,
      environmentUrl: 'https://contoso.crm.dynamics.com',
      lifetimeDays: 90,
    });
    await addCertificateByHand(emu, ourApp().id, foreign.certificate);

    const certs = certificateServer();
    const r = run(emu, {
      server: newServer(),
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    });
    expect((await r.engine.apply()).status).toBe('succeeded');
    const keys = ourApp().keyCredentials;
    expect(keys.map((k) => [k.displayName, k.key])).toEqual([
      ['CN=contoso-admin', foreign.certificate],
      [OUR_NAME, certs.made[0]!.certificate],
    ]);
  });

  it('is idempotent: a re-run keeps the certificate Kantiv holds, and a retried hand-off reuses the one added', async () => {
    const server = newServer();
    const holder = emptySecretHolder();
    const certs = certificateServer();
    let refuse = true;
    const opts = {
      server,
      secretHolder: holder,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
      handoff: async () => {
        if (refuse) throw new Error('our server is unreachable');
      },
    };
    const failed = await run(emu, opts).engine.apply();
    expect(failed.status).toBe('failed');
    expect(failed.error?.step).toBe('handoff');

    refuse = false;
    const second = run(emu, opts);
    expect((await second.engine.apply()).status).toBe('succeeded');
    expect(statusesOf(second.events, 'credential')).toEqual(['running', 'succeeded']);
    expect(credentialMessage(second.events)).toContain('Reusing the certificate added earlier');

    const third = run(emu, opts);
    const plan = await third.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')!.action).toBe('reuse');
    expect((await third.engine.apply()).status).toBe('succeeded');
    expect(statusesOf(third.events, 'credential')).toEqual(['running', 'skipped']);
    expect(third.handoffs).toEqual([]);

    expect(certs.requests).toHaveLength(1);
    expect(ourApp().keyCredentials.map((k) => k.keyId)).toEqual([certs.made[0]!.keyId]);
    expect(server.handedOffSecretKeyId).toBe(certs.made[0]!.keyId);
  });

  it('removes this setup’s orphaned certificate after handing off a new one, and no one else’s', async () => {
    const certs = certificateServer();
    const first = run(emu, {
      server: newServer(),
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    });
    expect((await first.engine.apply()).status).toBe('succeeded');
    const other = run(emu, {
      server: newServer(),
      certificate: certs.certificate,
      config: {
        credentialOwner: '99999999-0000-4000-8000-000000000002',
        environmentUrl: 'https://contoso-sandbox.crm.dynamics.com',
      },
    });
    expect((await other.engine.apply()).status).toBe('succeeded');
    // Our server lost the first key (a new server memory): the run makes another and drops the orphan.
    const again = run(emu, {
      server: newServer(),
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    });
    expect((await again.engine.apply()).status).toBe('succeeded');
    expect(ourApp().keyCredentials.map((k) => k.keyId)).toEqual([certs.made[1]!.keyId, certs.made[2]!.keyId]);
  });

  it('falls back to a client secret, with the reason, where the tenant’s policy refuses certificates', async () => {
    emu.control.setScenario({ name: 'certificate-credentials-blocked', tenant: 'contoso.com' });
    const server = newServer();
    const holder = emptySecretHolder();
    const certs = certificateServer();
    const r = run(emu, {
      server,
      secretHolder: holder,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs.credentialKind).toBe('client_secret');
    expect(credentialMessage(r.events)).toMatch(
      /^A client secret instead of a certificate: your tenant’s app management policy does not allow certificates on this app \(.+\)\. Created the client secret/,
    );
    expect(ourApp().keyCredentials).toEqual([]);
    expect(r.handoffs).toHaveLength(1);
    expect(r.handoffs[0]!.clientSecret).toBeTruthy();
    expect(r.handoffs[0]!.credentialKind).toBeUndefined();

    // The next plan of the page says so before anything runs.
    const plan = await run(emu, {
      server,
      secretHolder: holder,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    }).engine.plan();
    const credential = plan.steps.find((s) => s.step === 'credential')!;
    expect(credential.summary).toContain('client secret');
    expect(credential.details[0]).toContain('does not allow certificates');
  });

  it('shortens the certificate where the tenant caps certificate lifetimes, and says so', async () => {
    emu.control.setScenario({ name: 'certificate-lifetime-capped', maxDays: 200, tenant: 'contoso.com' });
    const holder = emptySecretHolder();
    const certs = certificateServer();
    const r = run(emu, {
      server: newServer(),
      secretHolder: holder,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    });
    expect((await r.engine.apply()).status).toBe('succeeded');
    expect(certs.requests.map((q) => q.lifetimeDays)).toEqual([expect.any(Number), 180]);
    expect(certs.requests[0]!.lifetimeDays).toBeGreaterThan(200);
    expect(credentialMessage(r.events)).toMatch(/shortened to 180 days .* does not allow 36[56] days/);
    const keys = ourApp().keyCredentials;
    expect(keys.map((k) => k.keyId)).toEqual([certs.made[1]!.keyId]);

    const plan = await run(emu, {
      server: newServer(),
      secretHolder: holder,
      certificate: certs.certificate,
      config: { credentialOwner: OWNER },
    }).engine.plan();
    const credential = plan.steps.find((s) => s.step === 'credential')!;
    expect(credential.details).toContain(
      'Your tenant’s app management policy caps certificate lifetimes, so the certificate is valid 180 days.',
    );
  });

  it('makes a client secret when the admin chooses one', async () => {
    const certs = certificateServer();
    const r = run(emu, {
      server: newServer(),
      certificate: certs.certificate,
      config: { credentialOwner: OWNER, credentialKind: 'client_secret' },
    });
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')!.details[0]).toContain('as you chose');
    expect((await r.engine.apply()).status).toBe('succeeded');
    expect(certs.requests).toEqual([]);
    expect(r.handoffs[0]!.clientSecret).toBeTruthy();
    expect(ourApp().keyCredentials).toEqual([]);
  });
});
