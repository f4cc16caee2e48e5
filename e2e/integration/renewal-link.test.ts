import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SetupSchema, WizardSetupSchema } from '@kantiv/shared/setup';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { call } from '@kantiv/emulator/test-support/helpers';
import { eventually, sleep } from '@kantiv/emulator/test-support/eventually';
import { startVerifierApp, type VerifierApp } from './support/verification-harness.ts';
import {
  appCredentials,
  handOffServerCertificate,
  removePassword,
  tokenClient,
} from './support/credential-harness.ts';

/**
 * A renewal link (issue 17 item 4, decision 013) on a verified client-secret setup: the wizard adds a certificate
 * to the same application and hands it off; the server verifies it and switches token vending to it; only then does
 * the admin's browser remove the old secret — while a client asks for a token every 100 ms.
 */
let emulator: Emulator;
let v: VerifierApp | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: 300 });
}, 60_000);
afterEach(async () => {
  await v?.close();
  v = undefined;
  emulator.control.clearScenarios();
});
afterAll(async () => {
  await emulator?.close();
});

const application = (appId: string) => appCredentials(emulator, appId);

describe('renewal link', () => {
  it('renews a secret setup to a certificate with zero vending errors; the old secret goes only after the switch', async () => {
    const app = (v = await startVerifierApp(emulator, {
      CERTIFICATE_ROTATION_RETRY_BASE_MS: '200',
      CERTIFICATE_ROTATION_RETRY_MAX_MS: '400',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    }));
    const hook = await app.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: app.auth,
      payload: { url: 'https://127.0.0.1:9/hook', events: ['credential.renewed'] },
    });
    expect(hook.statusCode).toBe(201);
    // Tokens live 2 minutes, under vending's 5-minute floor: every request mints a fresh one with the active key.
    emulator.control.setScenario({ name: 'app-token-lifetime', seconds: 120 });
    const p = await app.provision({ withApplicationUser: true });
    const setup = await app.startSetup();
    await app.handOff(setup, p);
    expect((await app.settled(setup.id)).state).toBe('verified');
    const before = await application(p.appId);
    expect(before.passwords).toHaveLength(1);

    const issued = await app.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/links`,
      headers: app.auth,
      payload: { purpose: 'renew' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const token = /#token=([^&]+)/.exec(issued.json<{ url: string }>().url)![1]!;
    const wizard = { authorization: `Bearer ${token}` };
    const client = tokenClient(app, setup.id);
    await sleep(300);

    // The wizard's renewal run: a certificate from the server, added to the same application, handed off.
    const { cert, handed } = await handOffServerCertificate(emulator, app, wizard, {
      appId: p.appId,
      objectId: before.objectId,
      applicationUserId: p.applicationUserId,
    });
    expect(handed.statusCode, handed.body).toBe(202);
    // The connection stays in use: no second verification state, the secret still makes the tokens.
    expect(handed.json<{ state: string }>().state).toBe('verified');

    // The browser waits for the server to confirm the switch before it removes the old secret.
    const switched = await eventually(
      async () =>
        WizardSetupSchema.parse(
          (await app.app.inject({ method: 'GET', url: '/api/v1/wizard/setup', headers: wizard })).json(),
        ),
      (s) => s.credentialKind === 'certificate',
      45_000,
      100,
    );
    expect(switched.state).toBe('verified');
    // What the wizard's run waits for before it removes the old secret: the active credential is the new one.
    expect(switched.credential?.keyId).toBe(cert.keyId);
    expect(switched.link).toBeUndefined();
    // Nobody removed the secret before the switch: the server cannot, and the browser had not been told yet.
    expect((await application(p.appId)).passwords).toHaveLength(1);
    const removed = await removePassword(emulator, before.objectId, before.passwords[0]!.keyId);
    expect(removed.status).toBe(204);
    await sleep(500);
    const statuses = await client.stop();
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((x) => x !== 200)).toEqual([]);

    const after = await application(p.appId);
    expect(after.passwords).toEqual([]);
    expect(after.keys.map((k) => k.keyId)).toEqual([cert.keyId]);
    const active = await app.app.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', setup.id)
      .where('active', '=', 1)
      .execute();
    expect(active.map((c) => c.kind)).toEqual(['certificate']);
    const detail = SetupSchema.parse(
      (await app.app.inject({ method: 'GET', url: `/api/v1/setups/${setup.id}`, headers: app.auth })).json(),
    );
    expect(detail.credentialKind).toBe('certificate');
    expect(detail.link).toBeUndefined();
    const audit = await app.app.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('setup_id', '=', setup.id)
      .where('action', 'in', ['setup.link_issued', 'credential.renewal_received', 'credential.renewed'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'setup.link_issued',
      'credential.renewal_received',
      'credential.renewed',
    ]);
    // Support hears of the switch once (a scheduled rotation sends nothing).
    const renewedHooks = await app.app.store.db
      .selectFrom('webhook_deliveries')
      .select('event_type')
      .where('setup_id', '=', setup.id)
      .execute();
    expect(renewedHooks.map((h) => h.event_type)).toEqual(['credential.renewed']);
    // The link is spent: the wizard can no longer change the setup with it.
    const again = await app.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/certificate',
      headers: wizard,
      payload: {
        tenantId: emulator.tenants.contoso,
        clientId: p.appId,
        environmentUrl: app.org().url,
        lifetimeDays: 365,
      },
    });
    expect(again.statusCode).toBe(409);

    // A vended token is minted with the new certificate and opens Dataverse.
    const vended = await app.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: app.auth,
    });
    const who = await call(emulator, `${app.org().apiUrl}/api/data/v9.2/WhoAmI`, {
      token: vended.json<{ accessToken: string }>().accessToken,
    });
    expect(who.status).toBe(200);
  }, 120_000);

  it('after a removed secret was found broken, the renewal’s switch queues the health check: healthy at once, recovered', async () => {
    // The server's business time, moved to the scheduled check instead of waiting an hour for it.
    const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };
    const HOUR = 3_600_000;
    const app = (v = await startVerifierApp(
      emulator,
      { HEALTH_SWEEP_MS: '100', WEBHOOK_ALLOW_LOOPBACK: 'true' },
      { clock },
    ));
    const hook = await app.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: app.auth,
      payload: { url: 'https://127.0.0.1:9/hook', events: ['setup.degraded', 'setup.recovered'] },
    });
    expect(hook.statusCode).toBe(201);
    const p = await app.provision({ withApplicationUser: true });
    const setup = await app.startSetup();
    await app.handOff(setup, p);
    expect((await app.settled(setup.id)).state).toBe('verified');
    const health = async () =>
      SetupSchema.parse(
        (
          await app.app.inject({ method: 'GET', url: `/api/v1/setups/${setup.id}`, headers: app.auth })
        ).json(),
      ).health;
    const queued = () =>
      app.app.store.db
        .selectFrom('jobs')
        .select('id')
        .where('setup_id', '=', setup.id)
        .where('kind', '=', 'health')
        .where('status', '=', 'queued')
        .executeTakeFirst();
    await eventually(queued, (j) => j !== undefined);
    clock.offset += HOUR * 1.11;
    await eventually(health, (h) => h?.health === 'healthy', 20_000);

    // The customer's admin removes the secret; the next check finds it.
    emulator.control.drift({ kind: 'remove-credential', appId: p.appId });
    clock.offset += HOUR * 1.11;
    const broken = await eventually(health, (h) => h?.health === 'broken', 20_000);
    expect(broken?.cause?.code).toBe('credential_removed');
    const before = await application(p.appId);

    const issued = await app.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${setup.id}/links`,
      headers: app.auth,
      payload: { purpose: 'renew' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const wizard = {
      authorization: `Bearer ${/#token=([^&]+)/.exec(issued.json<{ url: string }>().url)![1]!}`,
    };
    const { handed } = await handOffServerCertificate(emulator, app, wizard, {
      appId: p.appId,
      objectId: before.objectId,
      applicationUserId: p.applicationUserId,
    });
    expect(handed.statusCode, handed.body).toBe(202);
    // The clock stays: the check queued at the switch says healthy now, not within the hour.
    const back = await eventually(health, (h) => h?.health === 'healthy', 45_000, 100);
    expect(back?.cause).toBeUndefined();
    const hooks = await app.app.store.db
      .selectFrom('webhook_deliveries')
      .select('event_type')
      .where('setup_id', '=', setup.id)
      .orderBy('created_at')
      .execute();
    expect(hooks.map((h) => h.event_type)).toEqual(['setup.degraded', 'setup.recovered']);
  }, 120_000);
});
