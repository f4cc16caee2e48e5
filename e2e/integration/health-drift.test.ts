import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST, type Manifest } from '@kantiv/shared/manifest';
import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { HealthHistorySchema } from '@kantiv/shared/connection-health';
import { startEmulator, type Drift, type Emulator } from '@kantiv/emulator';
import { call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { ACCOUNTS, manifestOf } from './support/manifests.ts';
import { ADMIN, startVerifierApp, type VerifierApp } from './support/verification-harness.ts';

/**
 * Issue 18: every drift an admin can cause after verification, caused in the emulator, named by the next scheduled
 * health check with its exact fix. The server's clock is moved by one check interval (+ the 10 % jitter) instead of
 * waiting an hour; the job runner and the checks share that clock.
 */
const INTERVAL_MS = 3_600_000;
const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };

// Read on systemuser and role lets the check list the privileges the app user holds through its roles.
const MANIFEST: Manifest = manifestOf(
  { ...ACCOUNTS, access: ['Read', 'Write'] },
  {
    table: 'systemuser',
    entitySet: 'systemusers',
    schemaName: 'User',
    displayName: 'Users',
    access: ['Read'],
    depth: 'Global',
  },
  {
    table: 'role',
    entitySet: 'roles',
    schemaName: 'Role',
    displayName: 'Security Roles',
    access: ['Read'],
    depth: 'Global',
  },
);

let emulator: Emulator;
let v: VerifierApp;

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: 0 });
  v = await startVerifierApp(emulator, { HEALTH_SWEEP_MS: '100', WEBHOOK_ALLOW_LOOPBACK: 'true' }, { clock });
  const sub = await v.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: v.auth,
    payload: { url: 'https://127.0.0.1:9/hook', events: ['setup.degraded', 'setup.recovered'] },
  });
  expect(sub.statusCode).toBe(201);
}, 60_000);

afterAll(async () => {
  await v?.close();
  await emulator?.close();
});

const base = () => `${v.org().apiUrl}/api/data/v9.2`;
const admin = () => tokenFor(emulator, ADMIN, `${v.org().url}/user_impersonation`);

/** What the engine does in Step 4: the application user with a least-privilege role made from the manifest. */
async function appUserWithRole(appId: string, manifest: Manifest = MANIFEST): Promise<string> {
  const token = await admin();
  const bu = await call(
    emulator,
    `${base()}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
    { token },
  );
  const buId = (bu.json.value as { businessunitid: string }[])[0]!.businessunitid;
  const user = await call(emulator, `${base()}/systemusers`, {
    method: 'POST',
    token,
    body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
  });
  const userId = /systemusers\((.+)\)$/.exec(user.headers.get('odata-entityid') ?? '')![1]!;
  let roleId: string;
  const existing = await call(
    emulator,
    `${base()}/roles?$select=roleid&$filter=name eq '${manifest.roleName}'`,
    {
      token,
    },
  );
  const found = (existing.json.value as { roleid: string }[])[0];
  if (found) roleId = found.roleid;
  else {
    const role = await call(emulator, `${base()}/roles`, {
      method: 'POST',
      token,
      body: { name: manifest.roleName, 'businessunitid@odata.bind': `/businessunits(${buId})` },
    });
    roleId = /roles\((.+)\)$/.exec(role.headers.get('odata-entityid') ?? '')![1]!;
  }
  const privileges = [];
  for (const t of manifest.tables)
    for (const access of t.access) {
      const p = await call(emulator, `${base()}/privileges?$filter=name eq 'prv${access}${t.schemaName}'`, {
        token,
      });
      const id = (p.json.value as { privilegeid: string }[])[0]!.privilegeid;
      privileges.push({ PrivilegeId: id, Depth: t.depth, BusinessUnitId: buId });
    }
  const added = await call(emulator, `${base()}/roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
    method: 'POST',
    token,
    body: { Privileges: privileges },
  });
  expect(added.status).toBe(204);
  const assigned = await call(emulator, `${base()}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    token,
    body: { '@odata.id': `${base()}/roles(${roleId})` },
  });
  expect(assigned.status).toBe(204);
  return userId;
}

async function setupOf(id: string): Promise<Setup> {
  return SetupSchema.parse(
    (await v.app.inject({ method: 'GET', url: `/api/v1/setups/${id}`, headers: v.auth })).json(),
  );
}

/** Moves the server's clock past one check interval (with its jitter) and waits for the check's answer. */
async function nextCheck(id: string, until: (s: Setup) => boolean): Promise<Setup> {
  clock.offset += INTERVAL_MS * 1.11;
  return eventually(() => setupOf(id), until, 20_000);
}

/** A verified setup, scheduled for checks and found healthy once. */
async function healthySetup(manifest: Manifest = MANIFEST) {
  const p = await v.provision({ withApplicationUser: false });
  const applicationUserId = await appUserWithRole(p.appId, manifest);
  const setup = await v.startSetup(manifest);
  await v.handOff(setup, { ...p, applicationUserId });
  expect((await v.settled(setup.id)).state).toBe('verified');
  // The sweep gives the setup its first check somewhere in the next interval.
  await eventually(
    () =>
      v.app.store.db
        .selectFrom('jobs')
        .select('id')
        .where('setup_id', '=', setup.id)
        .where('kind', '=', 'health')
        .where('status', '=', 'queued')
        .executeTakeFirst(),
    (j) => j !== undefined,
  );
  const healthy = await nextCheck(setup.id, (s) => s.health?.health === 'healthy');
  expect(healthy.health?.cause).toBeUndefined();
  return { id: setup.id, appId: p.appId };
}

/** The admin's change, through the emulator's control API. */
function drift(d: Drift) {
  emulator.control.drift(d);
}

async function degradedWebhook(id: string) {
  const rows = await v.app.store.db
    .selectFrom('webhook_deliveries')
    .select(['event_type', 'payload'])
    .where('setup_id', '=', id)
    .execute();
  return rows.map((r) => ({
    type: r.event_type,
    data: (JSON.parse(r.payload) as { data: Record<string, unknown> }).data,
  }));
}

describe('scheduled health checks name every drift with its fix', () => {
  it('a removed client secret: broken, credential_removed, fixed by a renewal link (AADSTS7000215)', async () => {
    const s = await healthySetup();
    drift({ kind: 'remove-credential', appId: s.appId });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({
      code: 'credential_removed',
      link: 'renewal',
      microsoftCode: 'AADSTS7000215',
    });
    expect(after.state).toBe('verified');
    const hooks = await degradedWebhook(s.id);
    const degraded = hooks.find((h) => h.type === 'setup.degraded');
    expect(degraded?.data).toMatchObject({ health: 'broken', cause: { code: 'credential_removed' } });
    const status = await v.app.inject({
      method: 'GET',
      url: `/api/v1/setups/${s.id}/status`,
      headers: v.auth,
    });
    expect(status.json()).toMatchObject({
      health: { health: 'broken', cause: { code: 'credential_removed' } },
    });
  });

  it('a deleted app registration: broken, app_deleted, restorable for 30 days (AADSTS700016)', async () => {
    const s = await healthySetup();
    drift({ kind: 'delete-app', appId: s.appId });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({
      code: 'app_deleted',
      link: 'repair',
      microsoftCode: 'AADSTS700016',
    });
    expect(after.health?.cause?.fix).toContain('30 days');
  });

  it('a deleted application user: broken, application_user_missing (0x80072560)', async () => {
    const s = await healthySetup();
    drift({ kind: 'delete-app-user', environmentUrl: v.org().url, appId: s.appId });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({
      code: 'application_user_missing',
      microsoftCode: '0x80072560',
    });
  });

  it('a disabled application user: broken, application_user_disabled, with where to activate it (0x8004e00a)', async () => {
    const s = await healthySetup();
    drift({ kind: 'disable-app-user', environmentUrl: v.org().url, appId: s.appId });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({
      code: 'application_user_disabled',
      microsoftCode: '0x8004e00a',
      // The repair run activates the same user again (issue 18 item 3).
      link: 'repair',
    });
    expect(after.health?.cause?.fix).toContain('Activate');
  });

  it('a removed privilege: degraded, named by table and access level as the admin center shows it', async () => {
    const s = await healthySetup();
    drift({
      kind: 'remove-privilege',
      environmentUrl: v.org().url,
      roleName: MANIFEST.roleName,
      privilege: 'prvWriteAccount',
    });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'degraded');
    expect(after.health?.cause).toMatchObject({
      code: 'privileges_removed',
      link: 'repair',
      missing: [{ privilege: 'prvWriteAccount', table: 'Accounts', access: 'Write', level: 'Organization' }],
    });
    expect(after.health?.cause?.message).toContain('Write on Accounts (Organization)');
  });

  it('the default manifest (no Read on roles): a removed Write or Create is named too, read through RetrieveUserPrivileges', async () => {
    const s = await healthySetup(DEFAULT_MANIFEST);
    for (const privilege of ['prvWriteAccount', 'prvCreateContact'])
      drift({
        kind: 'remove-privilege',
        environmentUrl: v.org().url,
        roleName: DEFAULT_MANIFEST.roleName,
        privilege,
      });
    // No read probe meets these: every table still reads.
    const after = await nextCheck(s.id, (x) => x.health?.health === 'degraded');
    expect(after.health?.cause).toMatchObject({
      code: 'privileges_removed',
      link: 'repair',
      missing: [
        { privilege: 'prvWriteAccount', table: 'Accounts', access: 'Write', level: 'Organization' },
        { privilege: 'prvCreateContact', table: 'Contacts', access: 'Create', level: 'Organization' },
      ],
    });
    expect(after.health?.cause?.message).toContain(
      'Write on Accounts (Organization), Create on Contacts (Organization)',
    );
  });

  it('a role taken from the user: role_removed; given back, the next check is healthy and says recovered', async () => {
    const s = await healthySetup();
    drift({
      kind: 'remove-role',
      environmentUrl: v.org().url,
      appId: s.appId,
      roleName: MANIFEST.roleName,
    });
    const after = await nextCheck(s.id, (x) => x.health?.cause?.code === 'role_removed');
    expect(after.health?.health).toBe('broken');
    expect(after.health?.cause?.fix).toContain(`"${MANIFEST.roleName}"`);

    // The admin gives the role back.
    const token = await admin();
    const user = await call(emulator, `${base()}/systemusers?$filter=applicationid eq ${s.appId}`, { token });
    const userId = (user.json.value as { systemuserid: string }[])[0]!.systemuserid;
    const role = await call(emulator, `${base()}/roles?$filter=name eq '${MANIFEST.roleName}'`, { token });
    const roleId = (role.json.value as { roleid: string }[])[0]!.roleid;
    await call(emulator, `${base()}/systemusers(${userId})/systemuserroles_association/$ref`, {
      method: 'POST',
      token,
      body: { '@odata.id': `${base()}/roles(${roleId})` },
    });
    const back = await nextCheck(s.id, (x) => x.health?.health === 'healthy');
    expect(back.health?.cause).toBeUndefined();
    const hooks = await degradedWebhook(s.id);
    expect(hooks.map((h) => h.type)).toEqual(['setup.degraded', 'setup.recovered']);
    const history = HealthHistorySchema.parse(
      (await v.app.inject({ method: 'GET', url: `/api/v1/setups/${s.id}/health`, headers: v.auth })).json(),
    );
    expect(history.items.map((h) => h.health)).toEqual(['healthy', 'broken', 'healthy']);
  });

  it('an environment restored over: broken, environment_replaced (another OrganizationId)', async () => {
    const s = await healthySetup();
    drift({ kind: 'copy-environment', sourceUrl: v.org().url, targetUrl: v.org().url });
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({ code: 'environment_replaced', link: 'repair' });

    // The copy was intended: the repair run finds the application user and role right as they are and reports;
    // the check right after it accepts the new database (its OrganizationId becomes the baseline) and stays so.
    const issued = await v.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/links`,
      headers: v.auth,
      payload: { purpose: 'repair' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const reported = await v.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/repaired',
      headers: { authorization: `Bearer ${/#token=([^&]+)/.exec(issued.json<{ url: string }>().url)![1]!}` },
      payload: {},
    });
    expect(reported.statusCode, reported.body).toBe(204);
    const back = await eventually(
      () => setupOf(s.id),
      (x) => x.health?.health === 'healthy',
      20_000,
    );
    const stays = await nextCheck(s.id, (x) => x.health?.lastCheckedAt !== back.health?.lastCheckedAt);
    expect(stays.health?.health).toBe('healthy');
  });
});

describe('a repair link (issue 18 item 3)', () => {
  it('after the app user was deleted: the run makes it again, the check right after it says recovered, nothing twice', async () => {
    const s = await healthySetup();
    drift({ kind: 'delete-app-user', environmentUrl: v.org().url, appId: s.appId });
    await nextCheck(s.id, (x) => x.health?.cause?.code === 'application_user_missing');
    const rolesOf = () =>
      emulator.control
        .state()
        .environments.find((e) => e.url === v.org().url)!
        .roles.filter((r) => r.name === MANIFEST.roleName).length;
    const roles = rolesOf();
    const issued = await v.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/links`,
      headers: v.auth,
      payload: { purpose: 'repair' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const wizard = {
      authorization: `Bearer ${/#token=([^&]+)/.exec(issued.json<{ url: string }>().url)![1]!}`,
    };

    // The wizard's repair run (the engine's reconciler, web/provisioning/test/follow-up-links.test.ts): the app, its
    // credential and the role are kept; only the application user is made again, with a new id.
    const userId = await appUserWithRole(s.appId);
    const reported = await v.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/repaired',
      headers: wizard,
      payload: { applicationUserId: userId },
    });
    expect(reported.statusCode, reported.body).toBe(204);
    // The clock stays: the check runs now, not within the hour.
    const back = await eventually(
      () => setupOf(s.id),
      (x) => x.health?.health === 'healthy',
      20_000,
    );
    expect(back.applicationUserId).toBe(userId);
    expect(back.link).toBeUndefined();
    expect((await degradedWebhook(s.id)).map((h) => h.type)).toEqual(['setup.degraded', 'setup.recovered']);

    const world = emulator.control.state();
    expect(world.applications.filter((a) => a.appId === s.appId)).toHaveLength(1);
    const env = world.environments.find((e) => e.url === v.org().url)!;
    expect(env.systemUsers.filter((u) => u.applicationid === s.appId)).toHaveLength(1);
    // Dataverse copies a role into each business unit: the repair made none.
    expect(rolesOf()).toBe(roles);
    // The link is spent: the same run cannot report again.
    const again = await v.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/repaired',
      headers: wizard,
      payload: {},
    });
    expect(again.statusCode).toBe(409);
  });
});

// Last: it disables and then deletes the test environment, which every other test needs.
describe('an environment that goes away', () => {
  it('a disabled environment (503): nothing after one failing check, environment_unavailable after a whole interval (no link: its admin enables it); deleted, it is environment_gone', async () => {
    const s = await healthySetup();
    drift({ kind: 'disable-environment', environmentUrl: v.org().url });
    // The first failing check records nothing: one 503 is not news.
    clock.offset += INTERVAL_MS * 1.11;
    await eventually(
      () =>
        v.app.store.db
          .selectFrom('setups')
          .select('health_unreachable_since')
          .where('id', '=', s.id)
          .executeTakeFirst(),
      (r) => Boolean(r?.health_unreachable_since),
      20_000,
    );
    expect((await setupOf(s.id)).health?.health).toBe('healthy');
    const after = await nextCheck(s.id, (x) => x.health?.health === 'broken');
    expect(after.health?.cause).toMatchObject({
      code: 'environment_unavailable',
      link: 'none',
      microsoftCode: 'http_503',
    });
    expect(after.health?.cause?.fix).toContain('if its state is Disabled, select Enable');

    // Then the environment is deleted: Entra has no resource at its URL any more (AADSTS500011).
    drift({ kind: 'delete-environment', environmentUrl: v.org().url });
    const gone = await nextCheck(s.id, (x) => x.health?.cause?.code === 'environment_gone');
    expect(gone.health?.cause).toMatchObject({
      code: 'environment_gone',
      microsoftCode: 'AADSTS500011',
      link: 'none',
    });
    // Nothing in the tenant is left for a repair run to make again: no repair link, and the fix says why.
    expect(gone.health?.cause?.fix).toContain('nothing a repair link can make again');
    const refused = await v.app.inject({
      method: 'POST',
      url: `/api/v1/setups/${s.id}/links`,
      headers: v.auth,
      payload: { purpose: 'repair' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('environment_gone');
  });
});
