import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES, type Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { STEP_IDS } from '@kantiv/shared/steps';
import { manifestPrivileges } from '../src/privileges.ts';
import {
  ADMIN,
  CONTOSO_PRODUCTION,
  useEmulator,
  expectInvariants,
  expectNoSecretIn,
  newServer,
  run,
  statusesOf,
  UNIQUE_NAME,
} from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

describe('provisioning engine against the emulator', { timeout: 180_000 }, () => {
  it('provisions everything on a clean tenant and hands the secret off once', async () => {
    const server = newServer();
    const r = run(emu, { server });
    const plan = await r.engine.plan();
    expect(plan.ready).toBe(true);
    expect(plan.steps.map((s) => [s.step, s.action])).toEqual([
      ['preflight', 'check'],
      ['environment', 'check'],
      ['app_registration', 'create'],
      ['api_permission', 'create'],
      ['credential', 'create'],
      ['security_role', 'create'],
      ['application_user', 'create'],
      ['handoff', 'send'],
    ]);
    expect(plan.steps.find((s) => s.step === 'app_registration')).toEqual({
      step: 'app_registration',
      action: 'create',
      summary:
        'Create the app registration "Kantiv Dataverse Connector" (accounts in this organizational directory only) and its enterprise application.',
      details: [
        `Found again on later runs by its unique name "${UNIQUE_NAME}", so it is never duplicated.`,
        `Tagged "${UNIQUE_NAME}".`,
      ],
    });
    expect(plan.steps.find((s) => s.step === 'application_user')).toEqual({
      step: 'application_user',
      action: 'create',
      summary:
        'Create the application user for the app in Contoso Production (root business unit) and give it the role "Kantiv Integration".',
      details: [
        'Right after the app is created, Dataverse may need a few minutes to see it; the run waits and says so.',
      ],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(r.handoffs).toHaveLength(1);
    const h = r.handoffs[0]!;
    const { app, user } = expectInvariants(emu, server);
    expect(h).toMatchObject({
      source: 'automatic',
      tenantId: emu.tenants.contoso,
      clientId: app.appId,
      environmentUrl: CONTOSO_PRODUCTION,
      applicationUserId: user.systemuserid,
      roleName: 'Kantiv Integration',
      idempotencyKey: h.secretKeyId,
    });
    const months = (Date.parse(h.secretExpiresAt!) - Date.now()) / (30.4 * 86_400_000);
    expect(months).toBeGreaterThan(11.5);
    expect(months).toBeLessThan(12.5);
    for (const step of [
      'preflight',
      'app_registration',
      'security_role',
      'application_user',
      'handoff',
    ] as const) {
      expect(statusesOf(r.events, step)).toEqual(['running', 'succeeded']);
    }
    expect(r.events.map((e) => e.seq)).toEqual(r.events.map((_, i) => i));
    const done = (step: string) => r.events.find((e) => e.step === step && e.status === 'succeeded')!;
    expect(done('preflight').data).toEqual({ tenantId: emu.tenants.contoso });
    expect(done('environment').data).toEqual({
      environmentUrl: CONTOSO_PRODUCTION,
      environmentName: 'Contoso Production',
      businessUnitId: plan.discovery.dataverse!.rootBusinessUnitId,
    });
    expect(user.businessunitid).toBe(plan.discovery.dataverse!.rootBusinessUnitId);
    expect(done('app_registration').data).toMatchObject({ clientId: app.appId, created: true });
    expect(done('credential').data).toMatchObject({
      secretKeyId: h.secretKeyId,
      secretExpiresAt: h.secretExpiresAt,
    });
    expect(done('security_role').data).toMatchObject({ roleName: 'Kantiv Integration', created: true });
    expect(done('security_role').message).toMatch(
      /^Created the security role "Kantiv Integration" with the \d+ privileges Kantiv needs, plus the default privileges Dataverse gives every new role\. \(\d+\.\d s\)$/,
    );
    expect(done('application_user').data).toMatchObject({
      applicationUserId: user.systemuserid,
      created: true,
    });
    expect(done('app_registration').message).toMatch(
      new RegExp(
        `^Created the app registration "Kantiv Dataverse Connector" \\(client id ${app.appId}\\) and its enterprise application\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
    expect(done('application_user').message).toMatch(
      /^Created the application user and gave it the role "Kantiv Integration"\. \(\d+\.\d s\)$/,
    );
    expect(done('handoff').data).toMatchObject({ clientId: app.appId, secretKeyId: h.secretKeyId });
    // What the admin reads on the app in the Entra admin center: Kantiv's tag, and a note naming who created it.
    expect(app.tags).toEqual([UNIQUE_NAME]);
    expect(app.notes).toBe(
      'Created by Kantiv Connect for admin@contoso.com. Lets Kantiv read and write the Dataverse tables its security role allows.',
    );
    // An app born in this run cannot have an application user yet: Dataverse is not asked for one, only to create it.
    const userRequests = r.requests
      .filter((q) => q.service === 'dataverse' && new URL(q.url).pathname.endsWith('/systemusers'))
      .map((q) => q.method);
    expect(userRequests.filter((m) => m === 'GET')).toEqual([]);
    expect(userRequests.filter((m) => m === 'POST').length).toBeGreaterThan(0);
    // Nor is Graph asked for a deleted enterprise application of an app it just created.
    expect(r.requests.filter((q) => q.url.includes('deletedItems/microsoft.graph.servicePrincipal'))).toEqual(
      [],
    );
    expectNoSecretIn(r, server.secrets);
    expect(result.outputs).toMatchObject({ clientId: app.appId, applicationUserId: user.systemuserid });
    // Kantiv's own role lacks nothing.
    expect(result.outputs.missingPrivileges).toEqual([]);
  });

  it('an app an admin renamed by hand keeps its name; the plan and the step say it', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const { app } = expectInvariants(emu, server);
    const token = await emu.control.issueToken({
      user: ADMIN,
      scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
    });
    const renamed = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${app.id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ displayName: 'Kantiv (Contoso sales)' }),
    });
    expect(renamed.status).toBe(204);

    const again = run(emu, { server });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'app_registration')?.summary).toBe(
      `Reuse the app registration "Kantiv (Contoso sales)" (client id ${app.appId}).`,
    );
    expect((await again.engine.apply()).status).toBe('succeeded');
    const reused = again.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded')!;
    expect(reused.message).toMatch(
      new RegExp(
        `^Reused the app registration "Kantiv \\(Contoso sales\\)" \\(client id ${app.appId}\\)\\. `,
      ),
    );
    expect(again.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('converges on a re-run without creating or sending anything', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const again = run(emu, { server });
    const plan = await again.engine.plan();
    expect(plan.steps.map((s) => s.action)).toEqual([
      'check',
      'check',
      'reuse',
      'none',
      'reuse',
      'none',
      'none',
      'none',
    ]);
    const { app } = expectInvariants(emu, server);
    expect(plan.steps.find((s) => s.step === 'app_registration')).toEqual({
      step: 'app_registration',
      action: 'reuse',
      summary: `Reuse the app registration "Kantiv Dataverse Connector" (client id ${app.appId}).`,
      details: [],
    });
    const result = await again.engine.apply();
    expect(result.status).toBe('succeeded');
    expect(again.handoffs).toHaveLength(0);
    expect(again.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    expectInvariants(emu, server);
    expect(statusesOf(again.events, 'handoff')).toEqual(['running', 'skipped']);
    // The enterprise application is there: Graph's deleted items are not searched for it.
    expect(
      again.requests.filter((q) => q.url.includes('deletedItems/microsoft.graph.servicePrincipal')),
    ).toEqual([]);
    // Nothing was created, restored or enabled, and the step says only that.
    const reused = again.events.find((e) => e.step === 'app_registration' && e.status === 'succeeded')!;
    expect(reused.message).toMatch(
      new RegExp(
        `^Reused the app registration "Kantiv Dataverse Connector" \\(client id ${app.appId}\\)\\. \\(\\d+\\.\\d s\\)$`,
      ),
    );
  });

  it('runs the same steps one by one in sequential mode', async () => {
    const server = newServer();
    const r = run(emu, { server, config: { concurrency: 'sequential' } });
    expect((await r.engine.apply()).status).toBe('succeeded');
    const started = r.events.filter((e) => e.status === 'running').map((e) => e.step);
    // The manual guide's order as the contract lists it; `verification` is the server's.
    expect(started).toEqual(STEP_IDS.filter((id) => id !== 'verification'));
    expectInvariants(emu, server);
  });

  it('lists environments from Global Discovery with the System Administrator flag, and accepts a typed API URL', async () => {
    const r = run(emu, { config: { environmentUrl: 'https://contoso.api.crm.dynamics.com/api/data/v9.2' } });
    const d = await r.engine.discover();
    expect(d.tenantId).toBe(emu.tenants.contoso);
    expect(d.user.userPrincipalName).toBe(ADMIN);
    expect(d.environments.map((e) => [e.name, e.isUserSysAdmin, e.sameTenant])).toEqual(
      expect.arrayContaining([
        ['Contoso Production', true, true],
        ['Contoso Sandbox', true, true],
      ]),
    );
    expect(d.environment?.url).toBe(CONTOSO_PRODUCTION);
    expect(d.dataverse?.isSystemAdministrator).toBe(true);
  });

  it('lets the admin choose the environment after discovery', async () => {
    const server = newServer();
    const r = run(emu, { server, config: { environmentUrl: undefined } });
    const plan = await r.engine.plan();
    expect(plan.ready).toBe(false);
    expect(plan.blockers.map((b) => b.code)).toEqual(['environment_not_chosen']);
    // The wizard words it from its catalogs by this code, naming the environments the admin can pick.
    expect(plan.blockers[0]?.text?.key).toBe('environment_not_chosen');
    expect(plan.blockers[0]?.text?.params?.environments).toContain('Contoso Production');
    r.engine.choose({ environmentUrl: 'https://contoso-sandbox.crm.dynamics.com' });
    expect((await r.engine.plan()).ready).toBe(true);
    expect((await r.engine.apply()).status).toBe('succeeded');
    expectInvariants(emu, server, 'https://contoso-sandbox.crm.dynamics.com');
  });

  it('uses an existing role the admin picks and says which privileges it lacks', async () => {
    const probe = run(emu);
    const d = await probe.engine.discover();
    const basic = d.dataverse!.roles.find((x) => x.name === 'Basic User')!;
    const check = await probe.engine.checkRole(basic.roleId);
    expect(check.missingPrivileges).toContain('prvCreateAccount');
    const server = newServer();
    const r = run(emu, { server, config: { role: { mode: 'existing', roleId: basic.roleId } } });
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'security_role')!.details.join(' ')).toMatch(/prvCreateAccount/);
    const result = await r.engine.apply();
    expect(result.status).toBe('succeeded');
    const roleEvent = r.events.find((e) => e.step === 'security_role' && e.status === 'succeeded')!;
    expect(roleEvent.data?.missingPrivileges).toEqual(check.missingPrivileges);
    const env = emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
    expect(env.roles.filter((x) => x.name === 'Kantiv Integration')).toHaveLength(0);
    const appUser = env.systemUsers.find((u) => u.applicationid === result.outputs.clientId)!;
    expect(appUser.roles).toEqual(['Basic User']);
  });

  it('says what an existing role grants beyond the manifest, System Administrator included', async () => {
    const probe = run(emu);
    const roles = (await probe.engine.discover()).dataverse!.roles;
    const beyondOf = async (name: string) => {
      const roleId = roles.find((x) => x.name === name)!.roleId;
      const r = run(emu, { config: { role: { mode: 'existing', roleId } } });
      return (await r.engine.plan()).discovery.dataverse!.privilegesBeyond;
    };
    // Basic User reads users (wanted, same depth), business units and roles (not wanted) org-wide.
    const basic = await beyondOf('Basic User');
    expect(basic.map((p) => `${p.name}:${p.depth}`).sort()).toEqual([
      'prvReadBusinessUnit:Global',
      'prvReadRole:Global',
    ]);
    const sysAdmin = await beyondOf('System Administrator');
    const names = sysAdmin.map((p) => p.name);
    expect(names).toContain('prvDeleteAccount');
    expect(names).not.toContain('prvReadAccount');
    expect(names).not.toContain('prvReadSdkMessage');
    expect(sysAdmin.every((p) => p.depth === 'Global')).toBe(true);
    // Everything the environment has, but the manifest's privileges and Microsoft's defaults.
    const token = await emu.control.issueToken({
      user: ADMIN,
      scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
    });
    const all = await emu.fetch(
      'https://contoso.api.crm.dynamics.com/api/data/v9.2/privileges?$select=name',
      {
        headers: { Authorization: `Bearer ${token}` },
      },
    );
    const every = ((await all.json()) as { value: { name: string }[] }).value.map((p) => p.name);
    const wanted = new Set([
      ...manifestPrivileges(DEFAULT_MANIFEST).map((p) => p.name),
      ...DEFAULT_ROLE_PRIVILEGE_NAMES,
    ]);
    expect(names.sort()).toEqual(every.filter((n) => !wanted.has(n)).sort());
  });

  it('takes back privileges added to its role by hand', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    const probe = run(emu);
    const d = await probe.engine.discover();
    const roleId = d.dataverse!.role!.roleId;
    // Someone widens the role in the Power Platform admin center.
    const token = await emu.control.issueToken({
      user: ADMIN,
      scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
    });
    const priv = await emu.fetch(
      "https://contoso.api.crm.dynamics.com/api/data/v9.2/privileges?$select=privilegeid&$filter=name eq 'prvDeleteAccount'",
      { headers: { Authorization: `Bearer ${token}` } },
    );
    const privId = ((await priv.json()) as { value: { privilegeid: string }[] }).value[0]!.privilegeid;
    const add = await emu.fetch(
      `https://contoso.api.crm.dynamics.com/api/data/v9.2/roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Privileges: [{ PrivilegeId: privId, Depth: 'Global' }] }),
      },
    );
    expect(add.status).toBe(204);
    const again = run(emu, { server });
    const plan = await again.engine.plan();
    expect(plan.steps.find((s) => s.step === 'security_role')!.action).toBe('update');
    expect((await again.engine.apply()).status).toBe('succeeded');
    expectInvariants(emu, server);
  });
});
