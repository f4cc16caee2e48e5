import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES } from '../src/index.ts';
import { DV, dvToken, rootBu } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call } from './support/helpers.ts';

useEmulator();

async function privilegesOf(token: string, roleId: string): Promise<string[]> {
  const r = await call(emulator, `${DV}/roles(${roleId})/roleprivileges_association?$select=name`, { token });
  return (r.json.value as { name: string }[]).map((p) => p.name).sort();
}

describe('Dataverse: the privileges of a new role', () => {
  it('gives a new role Microsoft’s 9 default privileges, and ReplacePrivilegesRole keeps them', async () => {
    const token = await dvToken('admin@contoso.com');
    const bu = await rootBu(token);
    const created = await call(emulator, `${DV}/roles`, {
      method: 'POST',
      token,
      body: { name: 'Test Role', 'businessunitid@odata.bind': `businessunits(${bu})` },
    });
    const roleId = /roles\((.+)\)/.exec(created.headers.get('odata-entityid') ?? '')?.[1] ?? '';
    expect(DEFAULT_ROLE_PRIVILEGE_NAMES).toHaveLength(9);
    expect(await privilegesOf(token, roleId)).toEqual([...DEFAULT_ROLE_PRIVILEGE_NAMES].sort());

    const priv = await call(
      emulator,
      `${DV}/privileges?$select=privilegeid&$filter=name eq 'prvReadAccount'`,
      {
        token,
      },
    );
    const readAccount = (priv.json.value as { privilegeid: string }[])[0]!.privilegeid;
    const replaced = await call(
      emulator,
      `${DV}/roles(${roleId})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`,
      {
        method: 'POST',
        token,
        body: { Privileges: [{ PrivilegeId: readAccount, BusinessUnitId: bu, Depth: 'Basic' }] },
      },
    );
    expect(replaced.status).toBe(204);
    expect(await privilegesOf(token, roleId)).toEqual(
      ['prvReadAccount', ...DEFAULT_ROLE_PRIVILEGE_NAMES].sort(),
    );
  });
});
