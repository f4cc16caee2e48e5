import { describe, expect, it } from 'vitest';
import { DV, dvToken, rootBu } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call, errorOf } from './support/helpers.ts';

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
    ).toEqual(['prvReadAccount:Global', 'prvReadUser:Global']);
    const assoc = await call(emulator, `${DV}/roles(${roleId})/roleprivileges_association?$select=name`, {
      token,
    });
    expect((assoc.json.value as unknown[]).length).toBe(2);

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
});
