import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@kantiv/server/app';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import type { Manifest } from '@kantiv/shared/manifest';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { eventually } from '@kantiv/emulator/test-support/eventually';

/**
 * The server's verification job against the emulator, end to end: the real msal-node gets a client-credentials
 * token with a secret created through the emulated Graph, WhoAmI must be the application user, every manifest
 * table is read. The server reaches the emulator through its production URLs (host mapping + the emulator's CA).
 */
const REPLICATION_MS = 1500;
const ADMIN = 'admin@contoso.com';
const MANIFEST: Manifest = {
  roleName: 'Kantiv Integration',
  tables: [
    {
      table: 'account',
      entitySet: 'accounts',
      schemaName: 'Account',
      displayName: 'Accounts',
      access: ['Read'],
      depth: 'Global',
    },
    {
      table: 'contact',
      entitySet: 'contacts',
      schemaName: 'Contact',
      displayName: 'Contacts',
      access: ['Read'],
      depth: 'Global',
    },
  ],
};

let emulator: Emulator;
let app: FastifyInstance;
let dir: string;
const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
const auth = { authorization: `Bearer ${apiKey}` };

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: REPLICATION_MS });
  dir = mkdtempSync(path.join(tmpdir(), 'kc-verify-'));
  writeFileSync(path.join(dir, 'emulator-ca.pem'), emulator.certificate);
  const config = loadConfig({
    KANTIV_KEYS: generateKeySpec('verify'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
    KANTIV_DEV_MODE: 'true',
    MICROSOFT_HOST_MAP: emulator.microsoftHostMap,
    MICROSOFT_CA_FILE: path.join(dir, 'emulator-ca.pem'),
    WIZARD_CLIENT_ID: emulator.seed.apps.wizard.appId,
    JOB_POLL_MS: '50',
    VERIFICATION_RETRY_BASE_MS: '300',
    VERIFICATION_RETRY_MAX_MS: '1000',
    VERIFICATION_MAX_WAIT_SECONDS: '60',
    VERIFICATION_SECRET_GRACE_SECONDS: '0',
  });
  app = await buildApp({ config, logger: false });
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const org = () => emulator.urls.environments.find((e) => e.name === 'Contoso Production')!;

/** What the provisioning engine does in Steps 1–4, against the emulated Graph and Dataverse. */
async function provision(options: { withApplicationUser: boolean }) {
  const graphToken = await tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');
  const created = await call(
    emulator,
    `${GRAPH}/applications(uniqueName='kantiv-${randomUUID().slice(0, 8)}')`,
    {
      method: 'PATCH',
      token: graphToken,
      headers: { prefer: 'create-if-missing' },
      body: { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' },
    },
  );
  const appId = String(created.json.appId);
  const secret = await call(emulator, `${GRAPH}/applications/${String(created.json.id)}/addPassword`, {
    method: 'POST',
    token: graphToken,
    body: { passwordCredential: { displayName: 'Kantiv secret' } },
  });
  await eventually(
    () =>
      call(emulator, `${GRAPH}/servicePrincipals`, { method: 'POST', token: graphToken, body: { appId } }),
    (r) => r.status === 201,
  );
  const result = {
    appId,
    secretText: String(secret.json.secretText),
    applicationUserId: undefined as string | undefined,
  };
  if (options.withApplicationUser) result.applicationUserId = await createApplicationUser(appId);
  return result;
}

async function createApplicationUser(appId: string): Promise<string> {
  const dvToken = await tokenFor(emulator, ADMIN, `${org().url}/user_impersonation`);
  const base = `${org().apiUrl}/api/data/v9.2`;
  const bu = await call(
    emulator,
    `${base}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
    { token: dvToken },
  );
  const buId = (bu.json.value as { businessunitid: string }[])[0]!.businessunitid;
  const user = await eventually(
    () =>
      call(emulator, `${base}/systemusers`, {
        method: 'POST',
        token: dvToken,
        body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
      }),
    (r) => r.status === 204,
  );
  const userId = /systemusers\((.+)\)$/.exec(user.headers.get('odata-entityid') ?? '')![1]!;
  const roles = await call(
    emulator,
    `${base}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${buId}`,
    { token: dvToken },
  );
  const roleId = (roles.json.value as { roleid: string }[])[0]!.roleid;
  const assigned = await call(emulator, `${base}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    token: dvToken,
    body: { '@odata.id': `${base}/roles(${roleId})` },
  });
  expect(assigned.status).toBe(204);
  return userId;
}

async function startSetup() {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/setups',
    headers: auth,
    payload: { customerName: 'Contoso', manifest: MANIFEST },
  });
  const body = res.json<{ setup: { id: string }; inviteUrl: string }>();
  const token = new URL(body.inviteUrl).hash.replace('#token=', '');
  // Identity binding with the admin's ID token is covered by the server suite; here the setup is bound directly.
  await app.store.db
    .updateTable('setups')
    .set({ tenant_id: emulator.tenants.contoso, state: 'in_progress' })
    .where('id', '=', body.setup.id)
    .execute();
  return { id: body.setup.id, token };
}

async function handOff(
  setup: { token: string },
  p: { appId: string; secretText: string; applicationUserId?: string | undefined },
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/wizard/credentials',
    headers: { authorization: `Bearer ${setup.token}` },
    payload: {
      idempotencyKey: randomUUID(),
      source: p.applicationUserId ? 'automatic' : 'manual',
      tenantId: emulator.tenants.contoso,
      clientId: p.appId,
      clientSecret: p.secretText,
      environmentUrl: org().url,
      ...(p.applicationUserId ? { applicationUserId: p.applicationUserId } : {}),
    },
  });
  expect(res.statusCode).toBe(202);
}

async function settled(id: string): Promise<Setup> {
  return eventually(
    async () =>
      SetupSchema.parse(
        (await app.inject({ method: 'GET', url: `/api/v1/setups/${id}`, headers: auth })).json(),
      ),
    (s) => s.state === 'verified' || s.state === 'failed',
    45_000,
  );
}

async function eventsOf(id: string) {
  return app.store.db
    .selectFrom('setup_events')
    .selectAll()
    .where('setup_id', '=', id)
    .orderBy('id')
    .execute();
}

describe('verification job against the emulator', () => {
  it('verifies a provisioned connection: token via msal-node, WhoAmI is the application user, every table reads', async () => {
    const provisioned = await provision({ withApplicationUser: true });
    const setup = await startSetup();
    await handOff(setup, provisioned);
    const done = await settled(setup.id);
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
    const vend = await app.inject({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: auth,
    });
    expect(vend.statusCode).toBe(200);
    const token = vend.json<{ accessToken: string; resource: string }>();
    expect(token.resource).toBe(org().url);
    expect(vend.body).not.toContain(provisioned.secretText);
    const who = await call(emulator, `${org().apiUrl}/api/data/v9.2/WhoAmI`, { token: token.accessToken });
    expect(String(who.json.UserId)).toBe(provisioned.applicationUserId);
  });

  it('waits through replication (application user not there yet), then verifies; the manual path records WhoAmI', async () => {
    const provisioned = await provision({ withApplicationUser: false });
    const setup = await startSetup();
    await handOff(setup, provisioned);
    await eventually(
      async () => (await eventsOf(setup.id)).some((e) => e.status === 'waiting'),
      (seen) => seen,
      30_000,
    );
    const userId = await createApplicationUser(provisioned.appId);
    const done = await settled(setup.id);
    expect(done.state).toBe('verified');
    expect(done.applicationUserId).toBe(userId);
    const waiting = (await eventsOf(setup.id)).find((e) => e.status === 'waiting');
    expect(waiting?.retry_at).toBeTruthy();
    expect(JSON.parse(waiting?.error ?? '{}')).toHaveProperty('code');
  });

  it('fails with a clear message when the secret is wrong', async () => {
    const provisioned = await provision({ withApplicationUser: true });
    const setup = await startSetup();
    await handOff(setup, { ...provisioned, secretText: `${provisioned.secretText}-wrong` });
    const done = await settled(setup.id);
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
        MICROSOFT_CA_FILE: path.join(dir, 'emulator-ca.pem'),
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
