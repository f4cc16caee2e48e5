import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES } from '../src/index.ts';
import { DV, ORG, dvToken, newConnectorApp, rootBu } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { GRAPH, call, errorOf, tokenFor } from './support/helpers.ts';

useEmulator();

describe('Dataverse Web API', () => {
  it('creates a role, adds privileges, reads them back, and refuses privileges the caller lacks', async () => {
    const token = await dvToken('admin@contoso.com');
    const bu = await rootBu(token);
    const created = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token,
      body: { name: 'Kantiv Integration', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    expect(created.status).toBe(204);
    const entityId = created.headers.get('odata-entityid') ?? '';
    expect(entityId).toMatch(
      /^https:\/\/contoso\.api\.crm\.dynamics\.com\/api\/data\/v9\.2\/roles\([0-9a-f-]{36}\)$/,
    );
    const roleId = /roles\((.+)\)/.exec(entityId)?.[1] ?? '';
    const found = await call(
      emulator,
      `${DV}/roles?$select=roleid,name,_businessunitid_value&$filter=name eq 'Kantiv Integration' and _businessunitid_value eq ${bu}`,
      { token },
    );
    expect(found.json.value).toEqual([
      expect.objectContaining({ roleid: roleId, name: 'Kantiv Integration', _businessunitid_value: bu }),
    ]);
    const copies = await call(emulator, `${DV}/roles?$filter=name eq 'Kantiv Integration'`, { token });
    expect((copies.json.value as unknown[]).length).toBe(2);

    const privs = await call(
      emulator,
      `${DV}/privileges?$select=privilegeid,name&$filter=name eq 'prvReadAccount' or name eq 'prvReadContact' or name eq 'prvReadUser'`,
      { token },
    );
    const ids = Object.fromEntries(
      (privs.json.value as { privilegeid: string; name: string }[]).map((p) => [p.name, p.privilegeid]),
    );
    expect(Object.keys(ids).sort()).toEqual(['prvReadAccount', 'prvReadContact', 'prvReadUser']);
    const add = await call(emulator, `${DV}/roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
      method: 'POST',
      token,
      body: {
        Privileges: [
          { PrivilegeId: ids.prvReadAccount, BusinessUnitId: bu, Depth: 'Global' },
          { PrivilegeId: ids.prvReadUser, BusinessUnitId: bu, Depth: '3' },
        ],
      },
    });
    expect(add.status).toBe(204);
    const back = await call(emulator, `${DV}/RetrieveRolePrivilegesRole(RoleId=${roleId})`, { token });
    expect(back.json['@odata.context']).toContain('RetrieveRolePrivilegesRoleResponse');
    expect(
      (back.json.RolePrivileges as { PrivilegeName: string; Depth: string }[])
        .map((p) => `${p.PrivilegeName}:${p.Depth}`)
        .sort(),
    ).toEqual(
      // A new role starts with Dataverse's 9 default privileges (Microsoft's sample: "after: 11").
      [
        'prvReadAccount:Global',
        'prvReadUser:Global',
        ...DEFAULT_ROLE_PRIVILEGE_NAMES.map((n) => `${n}:Global`),
      ].sort(),
    );
    const assoc = await call(emulator, `${DV}/roles(${roleId})/roleprivileges_association?$select=name`, {
      token,
    });
    expect((assoc.json.value as unknown[]).length).toBe(11);

    const rep = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token,
      headers: { prefer: 'return=representation' },
      body: { name: 'Other', 'businessunitid@odata.bind': `/businessunits(${bu})` },
    });
    expect(rep.status).toBe(201);
    expect(rep.json).toMatchObject({ name: 'Other', _businessunitid_value: bu });

    // A Basic User cannot create roles or grant privileges it does not hold.
    const plain = await dvToken('user@contoso.com');
    const denied = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token: plain,
      body: { name: 'Nope', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    expect(denied.status).toBe(403);
    expect(errorOf(denied).code).toBe('0x80040220');
    expect(errorOf(denied).message).toContain('is missing prvCreateRole privilege');
  });

  it('deletes a custom role with its business-unit copies and refuses to delete a system role', async () => {
    const token = await dvToken('admin@contoso.com');
    const bu = await rootBu(token);
    const role = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token,
      headers: { prefer: 'return=representation' },
      body: { name: 'Temporary', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    expect(
      (await call(emulator, `${DV}/roles(${String(role.json.roleid)})`, { method: 'DELETE', token })).status,
    ).toBe(204);
    expect((await call(emulator, `${DV}/roles?$filter=name eq 'Temporary'`, { token })).json.value).toEqual(
      [],
    );
    const sysadmin = await call(
      emulator,
      `${DV}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${bu}`,
      { token },
    );
    const sysId = (sysadmin.json.value as { roleid: string }[])[0]?.roleid ?? '';
    expect((await call(emulator, `${DV}/roles(${sysId})`, { method: 'DELETE', token })).status).toBe(400);
  });

  it('creates an application user from applicationid, refuses unknown apps (0x8004f510) and duplicates, and assigns roles', async () => {
    const token = await dvToken('admin@contoso.com');
    const bu = await rootBu(token);
    const unknown = await call(emulator, `${DV}/systemusers`, {
      method: 'POST',
      token,
      body: {
        applicationid: '44444444-4444-4444-4444-444444444444',
        'businessunitid@odata.bind': `/businessunits(${bu})`,
      },
    });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ code: '0x8004f510' });
    expect(errorOf(unknown).message).toMatch(
      /^We didn't find that application ID 44444444-4444-4444-4444-444444444444 in your Azure Active Directory/,
    );

    const appId = await newConnectorApp();
    const body = { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${bu})` };
    const created = await call(emulator, `${DV}/systemusers`, {
      method: 'POST',
      token,
      body,
      headers: { prefer: 'return=representation' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      applicationid: appId,
      accessmode: 4,
      isdisabled: false,
      _businessunitid_value: bu,
    });
    const userId = String(created.json.systemuserid);
    const dup = await call(emulator, `${DV}/systemusers`, { method: 'POST', token, body });
    expect(errorOf(dup).code).toBe('0x80040237');
    const find = await call(
      emulator,
      `${DV}/systemusers?$select=systemuserid,isdisabled&$filter=applicationid eq ${appId}`,
      { token },
    );
    expect(find.json.value).toEqual([expect.objectContaining({ systemuserid: userId, isdisabled: false })]);

    const role = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token,
      headers: { prefer: 'return=representation' },
      body: { name: 'Kantiv Integration', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    const roleId = String(role.json.roleid);
    const ref = { '@odata.id': `${DV}/roles(${roleId})` };
    expect(
      (
        await call(emulator, `${DV}/systemusers(${userId})/systemuserroles_association/$ref`, {
          method: 'POST',
          token,
          body: ref,
        })
      ).status,
    ).toBe(204);
    const listed = await call(
      emulator,
      `${DV}/systemusers(${userId})/systemuserroles_association?$select=roleid&$filter=roleid eq ${roleId}`,
      { token },
    );
    expect(listed.json.value).toEqual([expect.objectContaining({ roleid: roleId })]);
    const refs = await call(emulator, `${DV}/systemusers(${userId})/systemuserroles_association/$ref`, {
      token,
    });
    expect(refs.json.value).toEqual([{ '@odata.id': `${DV}/roles(${roleId})` }]);
    // A role of another business unit cannot be assigned.
    const childCopy = await call(
      emulator,
      `${DV}/roles?$filter=name eq 'Kantiv Integration' and _businessunitid_value ne ${bu}`,
      { token },
    );
    const otherId = (childCopy.json.value as { roleid: string }[])[0]?.roleid ?? '';
    const wrongBu = await call(emulator, `${DV}/systemusers(${userId})/systemuserroles_association/$ref`, {
      method: 'POST',
      token,
      body: { '@odata.id': `${DV}/roles(${otherId})` },
    });
    expect(wrongBu.status).toBe(400);
    const removed = await call(
      emulator,
      `${DV}/systemusers(${userId})/systemuserroles_association/$ref?$id=${DV}/roles(${roleId})`,
      { method: 'DELETE', token },
    );
    expect(removed.status).toBe(204);
    expect(
      (await call(emulator, `${DV}/systemusers(${userId})/systemuserroles_association`, { token })).json
        .value,
    ).toEqual([]);
  });

  it('makes the admin a Basic User under admin-not-system-administrator', async () => {
    emulator.control.setScenario({ name: 'admin-not-system-administrator' });
    const token = await dvToken('admin@contoso.com');
    const bu = await rootBu(token);
    const r = await call(emulator, `${DV}/systemusers`, {
      method: 'POST',
      token,
      body: {
        applicationid: '44444444-4444-4444-4444-444444444444',
        'businessunitid@odata.bind': `/businessunits(${bu})`,
      },
    });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('0x80040220');
  });

  it('refuses an application user for an app of another tenant (environment-in-other-tenant)', async () => {
    emulator.control.setScenario({ name: 'environment-in-other-tenant' });
    const appId = await newConnectorApp();
    const shared = 'https://fabrikam-shared.api.crm.dynamics.com/api/data/v9.2';
    const token = await dvToken('admin@contoso.com', 'https://fabrikam-shared.crm.dynamics.com');
    const bus = await call(emulator, `${shared}/businessunits?$filter=_parentbusinessunitid_value eq null`, {
      token,
    });
    const bu = (bus.json.value as { businessunitid: string }[])[0]?.businessunitid ?? '';
    const r = await call(emulator, `${shared}/systemusers`, {
      method: 'POST',
      token,
      body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${bu})` },
    });
    expect(errorOf(r).code).toBe('0x8004f510');
  });

  it('lets the new application user read only what its role grants', async () => {
    const admin = await dvToken('admin@contoso.com');
    const bu = await rootBu(admin);
    const appId = await newConnectorApp();
    const su = await call(emulator, `${DV}/systemusers`, {
      method: 'POST',
      token: admin,
      headers: { prefer: 'return=representation' },
      body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${bu})` },
    });
    const role = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token: admin,
      headers: { prefer: 'return=representation' },
      body: { name: 'Kantiv Integration', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    const privs = await call(emulator, `${DV}/privileges?$filter=name eq 'prvReadAccount'`, { token: admin });
    const pid = (privs.json.value as { privilegeid: string }[])[0]?.privilegeid;
    await call(
      emulator,
      `${DV}/roles(${String(role.json.roleid)})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
      {
        method: 'POST',
        token: admin,
        body: { Privileges: [{ PrivilegeId: pid, BusinessUnitId: bu, Depth: 'Global' }] },
      },
    );

    // App-only token through the emulator's token endpoint.
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const apps = await call(emulator, `${GRAPH}/applications?$filter=appId eq '${appId}'&$select=id`, {
      token: graph,
    });
    const objectId = (apps.json.value as { id: string }[])[0]?.id ?? '';
    const secret = await call(emulator, `${GRAPH}/applications/${objectId}/addPassword`, {
      method: 'POST',
      token: graph,
      body: {},
    });
    const tok = await call(
      emulator,
      `https://login.microsoftonline.com/${emulator.tenants.contoso}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: appId,
          client_secret: String(secret.json.secretText),
          scope: `${ORG}/.default`,
        }).toString(),
      },
    );
    const app = String(tok.json.access_token);
    const before = await call(emulator, `${DV}/accounts`, { token: app });
    expect(before.status).toBe(403);
    expect(errorOf(before).message).toContain('roleCount=0');
    await call(
      emulator,
      `${DV}/systemusers(${String(su.json.systemuserid)})/systemuserroles_association/$ref`,
      { method: 'POST', token: admin, body: { '@odata.id': `${DV}/roles(${String(role.json.roleid)})` } },
    );
    expect((await call(emulator, `${DV}/accounts?$select=name`, { token: app })).status).toBe(200);
    const contacts = await call(emulator, `${DV}/contacts`, { token: app });
    expect(contacts.status).toBe(403);
    expect(errorOf(contacts).message).toContain('prvReadContact');
    expect((await call(emulator, `${DV}/WhoAmI`, { token: app })).json.UserId).toBe(su.json.systemuserid);
  });
});
