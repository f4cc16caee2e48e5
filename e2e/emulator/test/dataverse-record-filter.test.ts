import { describe, expect, it } from 'vitest';
import { dvToken } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call } from './support/helpers.ts';

useEmulator();

const SANDBOX = 'https://contoso-sandbox.crm.dynamics.com';
const DV_SANDBOX = 'https://contoso-sandbox.api.crm.dynamics.com/api/data/v9.2';

interface RolePrivilege {
  Depth: string;
  PrivilegeName: string;
  PrivilegeId: string;
  RecordFilterId: string;
  RecordFilterUniqueName: string | null;
}

/** PrivilegeDepth 4 `RecordFilter` (issue 15 item 6; ledger V14). */
describe('Dataverse: a privilege limited by a record filter', () => {
  it('reports depth RecordFilter with its filter, and refuses to grant that depth without one', async () => {
    const token = await dvToken('admin@contoso.com', SANDBOX);
    const roles = await call(emulator, `${DV_SANDBOX}/roles?$select=roleid,name`, { token });
    const role = (roles.json.value as { roleid: string; name: string }[]).find(
      (r) => r.name === 'Account Reader (filtered)',
    )!;
    const read = await call(emulator, `${DV_SANDBOX}/RetrieveRolePrivilegesRole(RoleId=${role.roleid})`, {
      token,
    });
    expect(read.status).toBe(200);
    const privileges = read.json.RolePrivileges as RolePrivilege[];
    const account = privileges.find((p) => p.PrivilegeName === 'prvReadAccount')!;
    expect(account.Depth).toBe('RecordFilter');
    expect(account.RecordFilterId).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(account.RecordFilterUniqueName).toBeTruthy();
    const contact = privileges.find((p) => p.PrivilegeName === 'prvReadContact')!;
    expect(contact).toMatchObject({ Depth: 'Global', RecordFilterUniqueName: null });

    const add = await call(
      emulator,
      `${DV_SANDBOX}/roles(${role.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
      {
        method: 'POST',
        token,
        body: { Privileges: [{ PrivilegeId: contact.PrivilegeId, Depth: 4 }] },
      },
    );
    expect(add.status).toBe(400);
  });
});
