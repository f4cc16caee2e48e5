import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES, type Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import type { StepEventInput } from '@kantiv/shared/events';
import { manifestPrivileges } from '../src/privileges.ts';
import { ADMIN, CONTOSO_PRODUCTION, fixed, newServer, run, TOOK, useEmulator } from './harness.ts';

/**
 * The security role step (Step 4 of the manual guide) when someone changed Kantiv's role by hand: least privilege is
 * the manifest plus Microsoft's defaults, so a privilege added by hand is taken away and a lowered one raised again,
 * each said word for word in the plan and the result.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const ROLE = 'Kantiv Integration';
const DEFAULTS_NOTE = `Dataverse also gives every new role ${DEFAULT_ROLE_PRIVILEGE_NAMES.length} default privileges of its own (reading SDK messages, plug-in steps and types, SharePoint data); they stay, so least privilege here is Kantiv's list plus Microsoft's defaults.`;
const WANTED = manifestPrivileges(DEFAULT_MANIFEST);
const DATAVERSE = 'https://contoso.api.crm.dynamics.com/api/data/v9.2';

function ourRole() {
  const env = emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
  return env.roles.find((r) => r.name === ROLE && r.businessunitid === env.businessUnits[0]!.businessunitid)!;
}

/** What the role should hold: the manifest's privileges at their depths, and Dataverse's defaults. */
function leastPrivilege(): Record<string, string> {
  const held = ourRole().privileges as Record<string, string>;
  return {
    ...Object.fromEntries(DEFAULT_ROLE_PRIVILEGE_NAMES.map((n) => [n, held[n] ?? 'missing'])),
    ...Object.fromEntries(WANTED.map((p) => [p.name, p.depth])),
  };
}

function roleEnd(events: StepEventInput[]) {
  return events.find((e) => e.step === 'security_role' && e.status === 'succeeded')!;
}

/** What a System Administrator does in the Power Platform admin center, through the Web API. */
async function addPrivilegesByHand(privileges: { name: string; depth: string }[]): Promise<void> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
  });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const all = await emu.fetch(`${DATAVERSE}/privileges?$select=name,privilegeid`, { headers });
  const ids = new Map(
    ((await all.json()) as { value: { name: string; privilegeid: string }[] }).value.map((p) => [
      p.name,
      p.privilegeid,
    ]),
  );
  const role = ourRole();
  const res = await emu.fetch(`${DATAVERSE}/roles(${role.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      Privileges: privileges.map((p) => ({
        PrivilegeId: ids.get(p.name),
        Depth: p.depth,
        BusinessUnitId: role.businessunitid,
      })),
    }),
  });
  expect(res.status).toBe(204);
}

describe('engine › the security role step after changes by hand', { timeout: 180_000 }, () => {
  it('takes away privileges added by hand, says which, and then has nothing to do', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    const before = ourRole().privileges;
    expect(before).toEqual(leastPrivilege());
    await addPrivilegesByHand([
      { name: 'prvDeleteAccount', depth: 'Global' },
      { name: 'prvReadRole', depth: 'Local' },
    ]);

    const r = run(emu, { server, clock: fixed(now) });
    const planned = (await r.engine.plan()).steps.find((s) => s.step === 'security_role');
    expect(planned?.action).toBe('update');
    expect(planned?.summary).toBe(
      `Bring the existing role "${ROLE}" back to the privileges Kantiv needs plus Microsoft's defaults.`,
    );
    expect(planned?.details).toHaveLength(2);
    expect(planned?.details[0]).toMatch(
      /^Removes 2 privilege\(s\) beyond Kantiv's list that were added by hand: (prvDeleteAccount, prvReadRole|prvReadRole, prvDeleteAccount)\.$/,
    );
    expect(planned?.details[1]).toBe(DEFAULTS_NOTE);
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const end = roleEnd(r.events);
    expect(end.message).toBe(
      `Reset the role "${ROLE}" to the ${WANTED.length} privileges Kantiv needs plus Microsoft's defaults (removed 2 added by hand).${TOOK}`,
    );
    expect(end.data).toEqual({
      roleId: ourRole().roleid,
      roleName: ROLE,
      businessUnitId: ourRole().businessunitid,
      created: false,
    });
    expect(ourRole().privileges).toEqual(before);

    const again = run(emu, { server, clock: fixed(now) });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'none',
      summary: `The role "${ROLE}" already holds the privileges Kantiv needs (plus Microsoft's defaults).`,
      details: [DEFAULTS_NOTE],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    expect(roleEnd(again.events).message).toBe(
      `The role "${ROLE}" already held the privileges Kantiv needs (plus Microsoft's defaults).${TOOK}`,
    );
    // The role discovery found is not looked up by name a second time.
    const byName = again.requests.filter(
      (q) => q.method === 'GET' && /\/roles\?.*\$filter=name eq /.test(q.url),
    );
    expect(byName).toHaveLength(1);
  });

  it('raises privileges lowered by hand to the depth Kantiv needs, names each, and adds nothing else', async () => {
    const now = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(now) }).engine.apply()).error).toBeUndefined();
    const before = ourRole().privileges;
    const lowered = WANTED.filter((p) => p.depth !== 'Basic').slice(0, 2);
    expect(lowered).toHaveLength(2);
    await addPrivilegesByHand(lowered.map((p) => ({ name: p.name, depth: 'Basic' })));

    const r = run(emu, { server, clock: fixed(now) });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'security_role')).toEqual({
      step: 'security_role',
      action: 'update',
      summary: `Bring the existing role "${ROLE}" back to the privileges Kantiv needs plus Microsoft's defaults.`,
      details: [`Adds: ${lowered.map((p) => p.name).join(', ')}.`, DEFAULTS_NOTE],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(roleEnd(r.events).message).toBe(`Added 2 privilege(s) to the role "${ROLE}".${TOOK}`);
    expect(ourRole().privileges).toEqual(before);
    // One AddPrivilegesRole (both lowered privileges), no ReplacePrivilegesRole.
    const writes = r.requests
      .filter((q) => /PrivilegesRole$/.test(q.url))
      .map((q) => q.url.split('.').at(-1));
    expect(writes).toEqual(['AddPrivilegesRole']);
  });

  it('a role another run created after this run looked: found by name again and used, not created twice', async () => {
    const server = newServer();
    let looked = false;
    let raced = false;
    const r = run(emu, {
      server,
      // After discovery asked for the role by name (none yet), before this run's next request about roles (its look
      // again, or a create without one), another run creates it.
      onRequest: (q) => {
        if (q.method === 'GET' && /\/roles\?.*\$filter=name eq /.test(q.url)) looked = true;
      },
      beforeRequest: async (url) => {
        if (!looked || raced || !url.includes('/roles?')) return;
        raced = true;
        const token = await emu.control.issueToken({
          user: ADMIN,
          scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
        });
        const res = await emu.fetch(`${DATAVERSE}/roles`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: ROLE }),
        });
        expect(res.status).toBe(204);
      },
    });
    expect((await r.engine.plan()).steps.find((s) => s.step === 'security_role')?.action).toBe('create');
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(raced).toBe(true);
    const env = emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
    const root = env.businessUnits[0]!.businessunitid;
    expect(env.roles.filter((x) => x.name === ROLE && x.businessunitid === root)).toHaveLength(1);
    expect(roleEnd(r.events).data).toMatchObject({ roleId: ourRole().roleid, created: false });
    expect(leastPrivilege()).toEqual(ourRole().privileges);
  });
});
