import { describe, expect, it } from 'vitest';
import { DV, dvToken, newConnectorApp, rootBu } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call, errorOf } from './support/helpers.ts';

useEmulator();

/** An application user holding a new custom role, as the wizard leaves them. */
async function appUserWithRole(token: string) {
  const bu = await rootBu(token);
  const appId = await newConnectorApp();
  const user = await call(emulator, `${DV}/systemusers`, {
    method: 'POST',
    token,
    headers: { prefer: 'return=representation' },
    body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${bu})` },
  });
  const role = await call(emulator, `${DV}/roles`, {
    method: 'POST',
    token,
    headers: { prefer: 'return=representation' },
    body: { name: `Kantiv ${appId.slice(0, 8)}`, 'businessunitid@odata.bind': `businessunits(${bu})` },
  });
  const userId = String(user.json.systemuserid);
  const roleId = String(role.json.roleid);
  const ref = await call(emulator, `${DV}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    token,
    body: { '@odata.id': `${DV}/roles(${roleId})` },
  });
  expect(ref.status).toBe(204);
  return { userId, roleId };
}

describe('Dataverse: removing what a connection created (D18)', () => {
  it('deletes an application user only once it is deactivated and holds no role; a held role is not deleted', async () => {
    const token = await dvToken('admin@contoso.com');
    const { userId, roleId } = await appUserWithRole(token);
    const user = `${DV}/systemusers(${userId})`;

    const roleHeld = await call(emulator, `${DV}/roles(${roleId})`, { method: 'DELETE', token });
    expect(roleHeld.status).toBe(400);
    expect(errorOf(roleHeld).message).toContain('assigned to 1 user(s)');

    const active = await call(emulator, user, { method: 'DELETE', token });
    expect(active.status).toBe(400);
    expect(errorOf(active).message).toContain('deactivate it before deleting it');

    const disable = await call(emulator, user, { method: 'PATCH', token, body: { isdisabled: true } });
    expect(disable.status).toBe(204);
    const read = await call(emulator, `${user}?$select=isdisabled`, { token });
    expect(read.json).toMatchObject({ isdisabled: true });
    const other = await call(emulator, user, { method: 'PATCH', token, body: { fullname: 'x' } });
    expect(other.status).toBe(400);

    const withRole = await call(emulator, user, { method: 'DELETE', token });
    expect(errorOf(withRole).message).toContain('still holds security roles');
    const unassign = await call(emulator, `${user}/systemuserroles_association(${roleId})/$ref`, {
      method: 'DELETE',
      token,
    });
    expect(unassign.status).toBe(204);

    expect((await call(emulator, user, { method: 'DELETE', token })).status).toBe(204);
    expect((await call(emulator, user, { token })).status).toBe(404);
    expect((await call(emulator, `${DV}/roles(${roleId})`, { method: 'DELETE', token })).status).toBe(204);
    expect((await call(emulator, `${DV}/roles(${roleId})`, { token })).status).toBe(404);
  });

  it('does not let an interactive user be deactivated or deleted through the Web API', async () => {
    const token = await dvToken('admin@contoso.com');
    const who = await call(emulator, `${DV}/WhoAmI`, { token });
    const me = `${DV}/systemusers(${String(who.json.UserId)})`;
    expect((await call(emulator, me, { method: 'PATCH', token, body: { isdisabled: true } })).status).toBe(
      400,
    );
    expect((await call(emulator, me, { method: 'DELETE', token })).status).toBe(400);
  });
});
