import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@kantiv/server/app';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { ADMIN, startVerifierApp, type VerifierApp } from './support/verification-harness.ts';

/**
 * The server's verification job against the emulator, end to end: the real msal-node gets a client-credentials
 * token with a secret created through the emulated Graph, WhoAmI must be the application user, every manifest
 * table is read. The server reaches the emulator through its production URLs (host mapping + the emulator's CA).
 */
const REPLICATION_MS = 1500;

let emulator: Emulator;
let v: VerifierApp;

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: REPLICATION_MS });
  v = await startVerifierApp(emulator);
}, 60_000);

afterAll(async () => {
  await v?.close();
  await emulator?.close();
});

describe('verification job against the emulator', () => {
  it('verifies a provisioned connection: token via msal-node, WhoAmI is the application user, every table reads', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    await v.handOff(setup, provisioned);
    const done = await v.settled(setup.id);
    expect(done.state).toBe('verified');
    expect(done.verification).toMatchObject({
      status: 'succeeded',
      applicationUserId: provisioned.applicationUserId,
    });
    expect(done.verification?.tables?.map((t) => [t.table, t.ok])).toEqual([
      ['account', true],
      ['contact', true],
    ]);

    // Token vending: a Dataverse token for the verified connection, minted with the sealed secret.
    const vend = await v.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: v.auth,
    });
    expect(vend.statusCode).toBe(200);
    const token = vend.json<{ accessToken: string; resource: string }>();
    expect(token.resource).toBe(v.org().url);
    expect(vend.body).not.toContain(provisioned.secretText);
    const who = await call(emulator, `${v.org().apiUrl}/api/data/v9.2/WhoAmI`, { token: token.accessToken });
    expect(String(who.json.UserId)).toBe(provisioned.applicationUserId);
  });

  it('waits through replication (application user not there yet), then verifies; the manual path records WhoAmI', async () => {
    const provisioned = await v.provision({ withApplicationUser: false });
    const setup = await v.startSetup();
    await v.handOff(setup, provisioned);
    await eventually(
      async () => (await v.eventsOf(setup.id)).some((e) => e.status === 'waiting'),
      (seen) => seen,
      30_000,
    );
    const userId = await v.createApplicationUser(provisioned.appId);
    const done = await v.settled(setup.id);
    expect(done.state).toBe('verified');
    expect(done.applicationUserId).toBe(userId);
    const waiting = (await v.eventsOf(setup.id)).find((e) => e.status === 'waiting');
    expect(waiting?.retry_at).toBeTruthy();
    expect(JSON.parse(waiting?.error ?? '{}')).toHaveProperty('code');
  });

  it('fails with a clear message when the secret is wrong', async () => {
    const provisioned = await v.provision({ withApplicationUser: true });
    const setup = await v.startSetup();
    await v.handOff(setup, { ...provisioned, secretText: `${provisioned.secretText}-wrong` });
    const done = await v.settled(setup.id);
    expect(done.state).toBe('failed');
    expect(done.verification?.error?.code).toBe('AADSTS7000215');
    expect(done.verification?.error?.fix).toMatch(/secret/i);
    expect(JSON.stringify(done)).not.toContain(provisioned.secretText);
  });
});

describe('staff sign-in with tokens from the emulated Kantiv tenant', () => {
  it('accepts the emulator’s staff access tokens by role and refuses an employee without one', async () => {
    const tenant = emulator.tenants.kantiv;
    const staffApp = await buildApp({
      config: loadConfig({
        KANTIV_KEYS: generateKeySpec('staff'),
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'kc-staff-')),
        LOG_LEVEL: 'silent',
        JOBS_ENABLED: 'false',
        MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
        KANTIV_DEV_MODE: 'true',
        MICROSOFT_HOST_MAP: emulator.microsoftHostMap,
        MICROSOFT_CA_FILE: v.caFile,
        STAFF_TENANT_ID: tenant,
        STAFF_API_AUDIENCE: `${emulator.seed.apps.api.appId},${emulator.seed.apps.api.identifierUri}`,
        STAFF_MANAGE_ROLES: 'Connect.Manage',
        STAFF_READ_ROLES: 'Connect.Read',
      }),
      logger: false,
    });
    try {
      const scope = `${emulator.seed.apps.api.identifierUri}/access_as_user`;
      const support = await tokenFor(emulator, 'support@kantiv.com', scope);
      const viewer = await tokenFor(emulator, 'viewer@kantiv.com', scope);
      const nobody = await tokenFor(emulator, 'nobody@kantiv.com', scope);
      const create = (token: string) =>
        staffApp.inject({
          method: 'POST',
          url: '/api/v1/setups',
          headers: { authorization: `Bearer ${token}` },
          payload: { customerName: 'Staff' },
        });
      const list = (token: string) =>
        staffApp.inject({
          method: 'GET',
          url: '/api/v1/setups',
          headers: { authorization: `Bearer ${token}` },
        });
      expect((await create(support)).statusCode).toBe(201);
      expect((await list(viewer)).statusCode).toBe(200);
      expect((await create(viewer)).statusCode).toBe(403);
      expect((await list(nobody)).statusCode).toBe(403);
      const customer = await tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');
      expect((await list(customer)).statusCode).toBe(401);
    } finally {
      await staffApp.close();
    }
  });
});
