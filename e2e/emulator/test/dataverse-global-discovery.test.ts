import { describe, expect, it } from 'vitest';
import { GDS, ORG, gdsToken, type Instance } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call } from './support/helpers.ts';

useEmulator();

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

  it('lists a disabled environment with State 1 (OrganizationState Disabled), and 0 once enabled again', async () => {
    emulator.control.drift({ kind: 'disable-environment', environmentUrl: ORG });
    const token = await gdsToken('admin@contoso.com');
    const states = async () =>
      Object.fromEntries(
        ((await call(emulator, GDS, { token })).json.value as Instance[]).map((i) => [
          i.FriendlyName,
          i.State,
        ]),
      );
    expect(await states()).toEqual({ 'Contoso Production': 1, 'Contoso Sandbox': 0 });
    emulator.control.drift({ kind: 'enable-environment', environmentUrl: ORG });
    expect(await states()).toEqual({ 'Contoso Production': 0, 'Contoso Sandbox': 0 });
  });

  it('answers 401 without a token', async () => {
    const r = await call(emulator, GDS);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('Bearer');
  });
});
