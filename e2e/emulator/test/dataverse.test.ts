import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.ts';
import { GRAPH, call, errorOf, tokenFor } from './support/helpers.ts';

const GDS = 'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/Instances';
const DV = 'https://contoso.api.crm.dynamics.com/api/data/v9.2';
const ORG = 'https://contoso.crm.dynamics.com';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.control.reset();
});

const gdsToken = (user: string) =>
  tokenFor(emulator, user, 'https://globaldisco.crm.dynamics.com/user_impersonation');
const dvToken = (user: string, org = ORG) => tokenFor(emulator, user, `${org}/user_impersonation`);

interface Instance {
  FriendlyName: string;
  IsUserSysAdmin: boolean;
  TenantId: string;
  ApiUrl: string;
  Url: string;
}

describe('Global Discovery', () => {
  it('lists the environments where the user is a user, with IsUserSysAdmin, TenantId and ApiUrl', async () => {
    const r = await call(emulator, GDS, {
      token: await gdsToken('admin@contoso.com'),
      headers: { origin: 'https://wizard.example' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://wizard.example');
    expect(r.json['@odata.context']).toBe(
      'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/$metadata#Instances',
    );
    const value = r.json.value as Instance[];
    expect(value.map((i) => i.FriendlyName).sort()).toEqual(['Contoso Production', 'Contoso Sandbox']);
    const prod = value.find((i) => i.FriendlyName === 'Contoso Production');
    expect(prod).toMatchObject({
      IsUserSysAdmin: true,
      TenantId: emulator.tenants.contoso,
      ApiUrl: 'https://contoso.api.crm.dynamics.com',
      Url: ORG,
      State: 0,
    });
  });

  it('supports $select and case-sensitive $filter', async () => {
    const token = await gdsToken('admin@contoso.com');
    const sel = await call(
      emulator,
      `${GDS}?$select=FriendlyName,IsUserSysAdmin&$filter=FriendlyName eq 'Contoso Sandbox'`,
      { token },
    );
    expect(sel.json.value).toEqual([{ FriendlyName: 'Contoso Sandbox', IsUserSysAdmin: true }]);
    const lower = await call(emulator, `${GDS}?$filter=FriendlyName eq 'contoso sandbox'`, { token });
    expect(lower.json.value).toEqual([]);
  });

  it('reports IsUserSysAdmin false for a plain user and under admin-not-system-administrator', async () => {
    const plain = await call(emulator, `${GDS}?$filter=IsUserSysAdmin eq true`, {
      token: await gdsToken('user@contoso.com'),
    });
    expect(plain.json.value).toEqual([]);
    emulator.control.setScenario({ name: 'admin-not-system-administrator', user: 'admin@contoso.com' });
    const admin = await call(emulator, GDS, { token: await gdsToken('admin@contoso.com') });
    expect((admin.json.value as Instance[]).every((i) => !i.IsUserSysAdmin)).toBe(true);
  });

  it('lists an environment of another tenant under environment-in-other-tenant', async () => {
    emulator.control.setScenario({ name: 'environment-in-other-tenant' });
    const r = await call(emulator, GDS, { token: await gdsToken('admin@contoso.com') });
    const other = (r.json.value as Instance[]).find((i) => i.FriendlyName === 'Fabrikam Shared Services');
    expect(other?.TenantId).toBe(emulator.tenants.fabrikam);
  });

  it('answers 401 without a token', async () => {
    const r = await call(emulator, GDS);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('Dataverse Web API', () => {
  async function rootBu(token: string): Promise<string> {
    const r = await call(
      emulator,
      `${DV}/businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null`,
      { token },
    );
    return (r.json.value as { businessunitid: string }[])[0]?.businessunitid ?? '';
  }

  async function newConnectorApp(): Promise<string> {
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'Connector', signInAudience: 'AzureADMyOrg' },
    });
    await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graph,
      body: { appId: app.json.appId },
    });
    return String(app.json.appId);
  }

  it('answers WhoAmI for the signed-in user and 401 with WWW-Authenticate without a token', async () => {
    const token = await dvToken('admin@contoso.com');
    const r = await call(emulator, `${DV}/WhoAmI`, { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('odata-version')).toBe('4.0');
    expect(r.json).toMatchObject({
      '@odata.context':
        'https://contoso.api.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse',
      OrganizationId: emulator.urls.environments[0]?.organizationId,
      BusinessUnitId: await rootBu(token),
    });
    const none = await call(emulator, `${DV}/WhoAmI`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      `Bearer authorization_uri=https://login.microsoftonline.com/${emulator.tenants.contoso}/oauth2/authorize, resource_id=${ORG}/`,
    );
    // A token for another org is not accepted here.
    const sandbox = await dvToken('admin@contoso.com', 'https://contoso-sandbox.crm.dynamics.com');
    expect((await call(emulator, `${DV}/WhoAmI`, { token: sandbox })).status).toBe(401);
  });

  it('is reachable by path on localhost as well', async () => {
    const env = emulator.urls.environments.find((e) => e.url === ORG)!;
    const r = await call(emulator, `${env.baseUrl}/api/data/v9.2/WhoAmI`, {
      token: await dvToken('admin@contoso.com'),
    });
    expect(r.status).toBe(200);
  });

  it('refuses a user who is not in the environment', async () => {
    const r = await call(emulator, `${DV}/WhoAmI`, { token: await dvToken('admin@fabrikam.com') });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('0x80072560');
  });

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

  it("enforces the caller's privileges on table reads, with depth", async () => {
    const token = await dvToken('admin@contoso.com');
    expect(
      ((await call(emulator, `${DV}/accounts?$select=name`, { token })).json.value as unknown[]).length,
    ).toBe(5);
    // Basic User holds prvReadAccount at Basic depth: only records the user owns.
    const plain = await call(emulator, `${DV}/accounts?$select=name`, {
      token: await dvToken('user@contoso.com'),
    });
    expect(plain.status).toBe(200);
    expect(plain.json.value).toEqual([]);
    const leads = await call(emulator, `${DV}/leads`, { token: await dvToken('user@contoso.com') });
    expect(leads.status).toBe(403);
    expect(errorOf(leads).message).toContain('is missing prvReadLead privilege');
    expect(errorOf(leads).message).toContain("OTC=4 for entity 'lead'");
    const bad = await call(emulator, `${DV}/accounts?$select=nosuchcolumn`, { token });
    expect(bad.status).toBe(400);
    expect((await call(emulator, `${DV}/nosuchtables`, { token })).status).toBe(404);
    const one = await call(emulator, `${DV}/accounts?$top=1&$select=accountid`, { token });
    const id = (one.json.value as { accountid: string }[])[0]?.accountid ?? '';
    expect((await call(emulator, `${DV}/accounts(${id})?$select=name`, { token })).json.name).toBe(
      'Adventure Works',
    );
    const capped = await call(emulator, `${DV}/contacts`, {
      token,
      headers: { prefer: 'odata.maxpagesize=2' },
    });
    expect((capped.json.value as unknown[]).length).toBe(2);
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

  it('throttles with 0x80072322 and Retry-After, and answers CORS with the origin', async () => {
    emulator.control.setScenario({ name: 'throttle', service: 'dataverse', retryAfterSeconds: 5, times: 1 });
    const token = await dvToken('admin@contoso.com');
    const r = await call(emulator, `${DV}/WhoAmI`, { token, headers: { origin: 'https://wizard.example' } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(errorOf(r).code).toBe('0x80072322');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://wizard.example');
    const pre = await call(emulator, `${DV}/WhoAmI`, {
      method: 'OPTIONS',
      headers: { origin: 'https://wizard.example', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization');
  });
});
