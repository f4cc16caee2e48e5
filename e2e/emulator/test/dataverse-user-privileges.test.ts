import { describe, expect, it } from 'vitest';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { DV, ORG, dvToken } from './support/dataverse.ts';
import { call } from './support/helpers.ts';

useEmulator();

type Answer = { RolePrivileges: { PrivilegeName: string; Depth: string; BusinessUnitId: string }[] };

async function userId(upn: string, token: string): Promise<string> {
  const r = await call(emulator, `${DV}/systemusers?$select=systemuserid&$filter=domainname eq '${upn}'`, {
    token,
  });
  return (r.json.value as { systemuserid: string }[])[0]!.systemuserid;
}

/** FIDELITY H18-13: the privileges a user holds through their roles, as the health check reads them. */
describe('RetrieveUserPrivileges', () => {
  it('answers the privileges a user holds through their roles, each at its deepest depth; a privilege taken from the role is gone', async () => {
    const token = await dvToken('admin@contoso.com');
    const id = await userId('user@contoso.com', token);
    const url = `${DV}/systemusers(${id})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`;
    const before = await call(emulator, url, { token });
    expect(before.status).toBe(200);
    expect(String(before.json['@odata.context'])).toContain('RetrieveUserPrivilegesResponse');
    const names = (a: Answer) => a.RolePrivileges.map((p) => p.PrivilegeName);
    const held = (before.json as unknown as Answer).RolePrivileges;
    expect(held.length).toBeGreaterThan(0);
    const readAccount = held.find((p) => p.PrivilegeName === 'prvReadAccount');
    expect(readAccount).toBeDefined();
    expect(new Set(names(before.json as unknown as Answer)).size).toBe(held.length);

    emulator.control.drift({
      kind: 'remove-privilege',
      environmentUrl: ORG,
      roleName: 'Basic User',
      privilege: 'prvReadAccount',
    });
    const after = await call(emulator, url, { token });
    expect(names(after.json as unknown as Answer)).not.toContain('prvReadAccount');
    expect(names(after.json as unknown as Answer)).toHaveLength(held.length - 1);
  });

  it('a user the environment does not have: 404', async () => {
    const token = await dvToken('admin@contoso.com');
    const r = await call(
      emulator,
      `${DV}/systemusers(00000000-0000-4000-8000-000000000099)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`,
      { token },
    );
    expect(r.status).toBe(404);
  });
});
