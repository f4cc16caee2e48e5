import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { admin, expectGraphError, useGraphEmulator } from './support/graph.ts';
import { GRAPH, call, decodeClaims, tokenFor } from './support/helpers.ts';

useGraphEmulator();

describe('Graph authentication and the signed-in user', () => {
  it('rejects a missing or foreign-audience token with 401 InvalidAuthenticationToken', async () => {
    expectGraphError(await call(emulator, `${GRAPH}/me`), 401, 'InvalidAuthenticationToken');
    const dv = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://contoso.crm.dynamics.com/user_impersonation',
    );
    expectGraphError(await call(emulator, `${GRAPH}/me`, { token: dv }), 401, 'InvalidAuthenticationToken');
  });

  it('serves /me, /organization and the directory roles of the signed-in user', async () => {
    const me = await call(emulator, `${GRAPH}/me`, { token: admin });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
      id: emulator.seed.users.contosoAdmin.id,
      userPrincipalName: 'admin@contoso.com',
      displayName: 'Megan Bowen',
    });
    const org = await call(emulator, `${GRAPH}/organization`, { token: admin });
    const orgValue = (org.json.value as Record<string, unknown>[])[0];
    expect(orgValue).toMatchObject({
      id: emulator.tenants.contoso,
      displayName: 'Contoso',
      tenantType: 'AAD',
    });
    expect(JSON.stringify(orgValue?.verifiedDomains)).toContain('contoso.com');
    // A caller that may read directory roles sees them whole (under User.Read alone they are limited: next test).
    const roleReader = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/User.Read RoleManagement.Read.Directory',
    );
    const roles = await call(emulator, `${GRAPH}/me/memberOf/microsoft.graph.directoryRole`, {
      token: roleReader,
    });
    expect(roles.json.value).toEqual([
      expect.objectContaining({
        '@odata.type': '#microsoft.graph.directoryRole',
        displayName: 'Cloud Application Administrator',
        roleTemplateId: '158c047a-c907-4556-b7ef-446551a6b5f7',
      }),
    ]);
    const plain = await tokenFor(emulator, 'user@contoso.com', 'https://graph.microsoft.com/User.Read');
    expect((await call(emulator, `${GRAPH}/me/memberOf`, { token: plain })).json.value).toEqual([]);
  });

  it('returns directory roles with limited information under User.Read, and roles held through a group only transitively', async () => {
    const limited = await call(emulator, `${GRAPH}/me/memberOf/microsoft.graph.directoryRole`, {
      token: admin,
    });
    const [role, ...more] = limited.json.value as Record<string, unknown>[];
    expect(more).toEqual([]);
    expect(typeof role?.id).toBe('string');
    expect({ ...role, id: 'x' }).toEqual({
      '@odata.type': '#microsoft.graph.directoryRole',
      id: 'x',
      deletedDateTime: null,
      description: null,
      displayName: null,
      roleTemplateId: null,
    });

    emulator.control.setScenario({ name: 'directory-roles-through-group', user: 'admin@contoso.com' });
    const direct = await call(emulator, `${GRAPH}/me/memberOf`, { token: admin });
    expect((direct.json.value as Record<string, unknown>[]).map((o) => o['@odata.type'])).toEqual([
      '#microsoft.graph.group',
    ]);
    const directRoles = await call(emulator, `${GRAPH}/me/memberOf/microsoft.graph.directoryRole`, {
      token: admin,
    });
    expect(directRoles.json.value).toEqual([]);
    const transitive = await call(emulator, `${GRAPH}/me/transitiveMemberOf/microsoft.graph.directoryRole`, {
      token: admin,
    });
    expect(transitive.json.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.directoryRole', roleTemplateId: null }),
    ]);
  });

  it('a directory role assigned by an administrator: in wids of tokens issued from then on, and in memberOf', async () => {
    const APP_DEVELOPER = 'cf1c38e5-3621-4004-a7cb-879624dced7c';
    expect(emulator.control.assignDirectoryRole('admin@contoso.com', 'Application Developer')).toEqual([
      'Cloud Application Administrator',
      'Application Developer',
    ]);
    // The token issued before the assignment keeps its claims.
    expect(decodeClaims(admin).wids).not.toContain(APP_DEVELOPER);
    const reader = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/User.Read RoleManagement.Read.Directory',
    );
    expect(decodeClaims(reader).wids).toContain(APP_DEVELOPER);
    const roles = await call(emulator, `${GRAPH}/me/memberOf/microsoft.graph.directoryRole`, {
      token: reader,
    });
    expect((roles.json.value as Record<string, unknown>[]).map((r) => r.displayName)).toEqual([
      'Cloud Application Administrator',
      'Application Developer',
    ]);
    // Assigned again: no second membership.
    expect(emulator.control.assignDirectoryRole('admin@contoso.com', 'Application Developer')).toHaveLength(
      2,
    );
    expect(() => emulator.control.assignDirectoryRole('nobody@contoso.com', 'Application Developer')).toThrow(
      "Unknown user 'nobody@contoso.com'.",
    );
  });

  it('issues delegated tokens without wids under access-token-without-wids', async () => {
    expect(decodeClaims(admin).wids).toBeDefined();
    emulator.control.setScenario({ name: 'access-token-without-wids' });
    const opaque = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/User.Read');
    expect(decodeClaims(opaque).wids).toBeUndefined();
  });

  it("accepts tokens whose audience is Graph's app id (bare scope names like User.Read)", async () => {
    const bare = await tokenFor(emulator, 'admin@contoso.com', 'User.Read');
    expect(decodeClaims(bare).aud).toBe('00000003-0000-0000-c000-000000000000');
    expect((await call(emulator, `${GRAPH}/me`, { token: bare })).status).toBe(200);
  });

  it('needs a profile scope for /me', async () => {
    const onlyApps = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/Application.ReadWrite.All',
    );
    expectGraphError(
      await call(emulator, `${GRAPH}/me`, { token: onlyApps }),
      403,
      'Authorization_RequestDenied',
    );
  });

  it('answers an unknown segment with 400 BadRequest and CORS preflights with the requested headers', async () => {
    expectGraphError(await call(emulator, `${GRAPH}/nonsense`, { token: admin }), 400, 'BadRequest');
    const pre = await call(emulator, `${GRAPH}/applications`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://wizard.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
  });
});
