import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES, type Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import type { StepEventInput } from '@kantiv/shared/events';
import { ADMIN, CONTOSO_PRODUCTION, fixed, newServer, run, TOOK, useEmulator } from './harness.ts';

/**
 * Step 4 word for word where the other tests look at outcomes only: the plan of a new role (what it will hold), an
 * existing role the admin picks (what the run says it lacks), and an environment that wants a column on a new
 * application user (the blocker, not Microsoft's raw error).
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const DEFAULTS_NOTE = `Dataverse also gives every new role ${DEFAULT_ROLE_PRIVILEGE_NAMES.length} default privileges of its own (reading SDK messages, plug-in steps and types, SharePoint data); they stay, so least privilege here is Kantiv's list plus Microsoft's defaults.`;

function ended(events: StepEventInput[], step: StepEventInput['step']) {
  return events.find((e) => e.step === step && e.status !== 'running')!;
}

describe('engine › Step 4 word for word', { timeout: 180_000 }, () => {
  it('plans a new role table by table, at organization depth, with Microsoft’s defaults named', async () => {
    const plan = await run(emu, { clock: fixed(Date.now()) }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'create',
      summary:
        'Create the security role "Kantiv Integration" in the root business unit with only the table privileges Kantiv needs.',
      details: [
        'Accounts: Create, Read, Write, Append, AppendTo (organization)',
        'Contacts: Create, Read, Write, Append, AppendTo (organization)',
        'Opportunities: Read, Write, Append, AppendTo (organization)',
        'Users: Read (organization)',
        DEFAULTS_NOTE,
      ],
    });
    // A table at a narrower depth is named with that depth, not as organization-wide.
    const deep = {
      ...DEFAULT_MANIFEST,
      tables: DEFAULT_MANIFEST.tables.map((t) =>
        t.table === 'contact' ? { ...t, depth: 'Deep' as const } : t,
      ),
    };
    const narrower = await run(emu, { clock: fixed(Date.now()), config: { manifest: deep } }).engine.plan();
    expect(narrower.steps.find((s) => s.step === 'security_role')?.details[1]).toBe(
      'Contacts: Create, Read, Write, Append, AppendTo (Deep)',
    );
  });

  it('an existing role the admin picks: says what it lacks, or that it grants everything', async () => {
    const roles = (await run(emu).engine.discover()).dataverse!.roles;
    const roleNamed = (name: string) => roles.find((x) => x.name === name)!;

    const basic = roleNamed('Basic User');
    const lacking = run(emu, {
      server: newServer(),
      clock: fixed(Date.now()),
      config: { role: { mode: 'existing', roleId: basic.roleId } },
    });
    const missing = (await lacking.engine.checkRole(basic.roleId)).missingPrivileges;
    expect(missing.length).toBeGreaterThan(0);
    expect((await lacking.engine.apply()).error).toBeUndefined();
    const used = ended(lacking.events, 'security_role');
    expect(used.message).toBe(
      `Using the role "Basic User"; it lacks ${missing.length} privilege(s) Kantiv needs.${TOOK}`,
    );
    expect(used.data).toMatchObject({
      roleId: basic.roleId,
      roleName: 'Basic User',
      missingPrivileges: missing,
    });

    const admin = roleNamed('System Administrator');
    const granting = run(emu, {
      server: newServer(),
      clock: fixed(Date.now()),
      config: { role: { mode: 'existing', roleId: admin.roleId } },
    });
    expect((await granting.engine.apply()).error).toBeUndefined();
    const all = ended(granting.events, 'security_role');
    expect(all.message).toBe(`Using the role "System Administrator"; it grants what Kantiv needs.${TOOK}`);
    expect(all.data).toMatchObject({ roleId: admin.roleId, missingPrivileges: [], created: false });
  });

  it('an environment that wants another column on a new application user gets the blocker, not the raw error', async () => {
    emu.control.setScenario({ name: 'application-user-requires-field', field: 'lastname' });
    const r = run(emu, { server: newServer(), clock: fixed(Date.now()) });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'application_user', code: 'application_user_field_required' });
    expect(result.error?.message).toMatch(
      /^Contoso Production requires the field "lastname" on a new application user/,
    );
    // The wizard words it from the parameters, with Microsoft's own message beside it and the request id to quote.
    const create = r.requests.filter(
      (q) => q.method === 'POST' && new URL(q.url).pathname.endsWith('/systemusers'),
    );
    expect(create.map((q) => q.status)).toEqual([400]);
    expect(result.error?.requestId).toMatch(/\S/);
    expect(result.error?.text).toEqual({
      key: 'application_user_field_required',
      params: {
        environment: 'Contoso Production',
        field: 'lastname',
        microsoft: expect.stringMatching(/Attribute 'lastname' cannot be NULL/) as unknown,
      },
    });
  });

  it('a deactivated application user the admin may not activate: the blocker names who must, and where', async () => {
    const server = newServer();
    const first = await run(emu, { server, clock: fixed(Date.now()) }).engine.apply();
    expect(first.error).toBeUndefined();
    const env = () => emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
    const userId = env().systemUsers.find((u) => u.applicationid === first.outputs.clientId)!.systemuserid;
    const token = await emu.control.issueToken({
      user: ADMIN,
      scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
    });
    const off = await emu.fetch(`https://contoso.api.crm.dynamics.com/api/data/v9.2/systemusers(${userId})`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ isdisabled: true }),
    });
    expect(off.status).toBe(204);

    // The admin's System Administrator role is taken away just before the run activates the user: Dataverse 403s.
    const r = run(emu, {
      server,
      clock: fixed(Date.now()),
      beforeRequest: (url, init) => {
        if (init.method === 'PATCH' && url.includes(`/systemusers(${userId})`))
          emu.control.setScenario({ name: 'admin-not-system-administrator' });
        return Promise.resolve();
      },
    });
    const result = await r.engine.apply();
    const enable = r.requests.filter(
      (q) => q.method === 'PATCH' && q.url.includes(`/systemusers(${userId})`),
    );
    expect(enable.map((q) => q.status)).toEqual([403]);
    const requestId = result.error?.requestId;
    expect(requestId).toMatch(/\S/);
    expect(result.error).toMatchObject({
      step: 'application_user',
      code: 'application_user_disabled',
      text: { key: 'application_user_disabled', params: { environment: 'Contoso Production' } },
      requestId,
      fix: 'A System Administrator of Contoso Production must enable it (Power Platform admin center → Environments → Contoso Production → Settings → Application users), then retry.',
    });
    expect(result.error?.message).toMatch(
      /^The application user of the Kantiv app exists but is disabled, and could not be activated \(.+\)\.$/,
    );
    expect(env().systemUsers.find((u) => u.systemuserid === userId)?.isdisabled).toBe(true);
  });
});
