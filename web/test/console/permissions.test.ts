import { describe, expect, it } from 'vitest';
import { accessFromRoles, rolesFromAccessToken } from '../../src/features/console/lib/permissions.ts';

function jwt(claims: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.signature`;
}

describe('staff access from the token roles', () => {
  it('Connect.Manage may read and change', () => {
    expect(rolesFromAccessToken(jwt({ roles: ['Connect.Manage'] }))).toMatchObject({
      canRead: true,
      canManage: true,
    });
  });
  it('Connect.Read may read only', () => {
    expect(rolesFromAccessToken(jwt({ roles: ['Connect.Read'] }))).toMatchObject({
      canRead: true,
      canManage: false,
    });
  });
  it("uses the server's configured role names", () => {
    const names = { manageRoles: ['Setups.Manage'], readRoles: ['Setups.Read'] };
    expect(rolesFromAccessToken(jwt({ roles: ['Setups.Read'] }), names)).toMatchObject({
      canRead: true,
      canManage: false,
    });
    expect(rolesFromAccessToken(jwt({ roles: ['Connect.Manage'] }), names)).toMatchObject({ canRead: false });
  });
  it('no role, unknown roles or a malformed token grant nothing', () => {
    expect(rolesFromAccessToken(jwt({}))).toMatchObject({ canRead: false, canManage: false });
    expect(accessFromRoles(['Admin', 42])).toEqual({ roles: [], canRead: false, canManage: false });
    expect(rolesFromAccessToken('not-a-jwt')).toMatchObject({ canRead: false });
  });
});
