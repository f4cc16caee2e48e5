import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvironmentCheckResponseSchema } from '@kantiv/shared/environment-claims';
import { WizardSetupSchema } from '@kantiv/shared/setup';
import { useVerifierStack, type Provisioned } from './support/verification-harness.ts';

/**
 * Issue 15 item 3: one connection per environment. An invite for an environment another setup of the tenant
 * connected is told so (who, when), and the server refuses a second connection of the same app there while the first
 * one works — checked again at that moment, not read from a health answer that may be old. Once the first connection
 * is broken (or its setup revoked), the new setup replaces it.
 */
const stack = useVerifierStack();

async function connected(p: Provisioned) {
  const setup = await stack.v.startSetup();
  await stack.v.handOff(setup, p);
  expect((await stack.v.settled(setup.id)).state).toBe('verified');
  return setup;
}

function handOffRaw(token: string, p: Provisioned) {
  return stack.v.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/credentials',
    headers: { authorization: `Bearer ${token}` },
    payload: {
      idempotencyKey: randomUUID(),
      source: 'automatic',
      tenantId: stack.emulator.tenants.contoso,
      clientId: p.appId,
      clientSecret: p.secretText,
      environmentUrl: stack.v.org().url,
      ...(p.applicationUserId ? { applicationUserId: p.applicationUserId } : {}),
    },
  });
}

/** Support revokes a setup: it holds no environment any more (and leaves the next test's environment free). */
async function revoke(id: string) {
  const res = await stack.v.app.inject({
    method: 'POST',
    url: `/api/v1/setups/${id}/revoke`,
    headers: stack.v.auth,
  });
  expect(res.statusCode).toBe(200);
}

async function check(token: string, clientId: string) {
  const res = await stack.v.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/environment-check',
    headers: { authorization: `Bearer ${token}` },
    payload: { environmentUrl: `${stack.v.org().url}/`, clientId },
  });
  expect(res.statusCode).toBe(200);
  return EnvironmentCheckResponseSchema.parse(res.json());
}

describe('one connection per environment', { timeout: 120_000 }, () => {
  it('a working connection of the same app blocks a second one (409), the page is told who and when, another app is its own connection', async () => {
    const p = await stack.v.provision({ withApplicationUser: true });
    const first = await connected(p);
    await stack.v.app.store.db
      .updateTable('setups')
      .set({ admin_username: 'admin@contoso.com' })
      .where('id', '=', first.id)
      .execute();

    const second = await stack.v.startSetup();
    const page = await stack.v.app.inject({
      method: 'GET',
      url: '/api/v1/wizard/setup',
      headers: { authorization: `Bearer ${second.token}` },
    });
    const marks = WizardSetupSchema.parse(page.json()).connectedEnvironments ?? [];
    expect(marks).toEqual([
      expect.objectContaining({
        environmentUrl: stack.v.org().url.toLowerCase(),
        connectedBy: 'admin@contoso.com',
      }),
    ]);
    expect(await check(second.token, p.appId)).toMatchObject({
      status: 'connected',
      claim: { connectedBy: 'admin@contoso.com', clientId: p.appId },
    });

    const refused = await handOffRaw(second.token, p);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      error: { code: 'environment_already_connected', details: { connectedBy: 'admin@contoso.com' } },
    });
    const row = await stack.v.app.setups.getRow(second.id);
    expect(row.state).toBe('in_progress');
    expect(row.client_id).toBeNull();

    // A manual setup's own app in the same environment shares nothing with the first connection: accepted.
    const other = await stack.v.provision({ withApplicationUser: true });
    const third = await stack.v.startSetup();
    expect((await check(third.token, other.appId)).status).toBe('free');
    expect((await handOffRaw(third.token, other)).statusCode).toBe(202);
    await revoke(first.id);
    await revoke(third.id);
  });

  it('a connection that no longer works is replaced: checked again now, recorded as broken, and the new setup connects', async () => {
    const p = await stack.v.provision({ withApplicationUser: true });
    const first = await connected(p);
    const second = await stack.v.startSetup();
    expect((await check(second.token, p.appId)).status).toBe('connected');

    // The admin disabled the application user: the recorded health still says nothing, the fresh check sees it.
    stack.emulator.control.drift({
      kind: 'disable-app-user',
      environmentUrl: stack.v.org().url,
      appId: p.appId,
    });
    expect(await check(second.token, p.appId)).toMatchObject({ status: 'replaces' });
    const firstRow = await stack.v.app.setups.getRow(first.id);
    expect(firstRow.health).toBe('broken');
    expect((await handOffRaw(second.token, p)).statusCode).toBe(202);
    await revoke(first.id);
    await revoke(second.id);
  });

  it('a revoked setup holds no environment', async () => {
    const p = await stack.v.provision({ withApplicationUser: true });
    const first = await connected(p);
    const second = await stack.v.startSetup();
    expect((await check(second.token, p.appId)).status).toBe('connected');
    await revoke(first.id);
    expect(await check(second.token, p.appId)).toEqual({
      environmentUrl: stack.v.org().url.toLowerCase(),
      status: 'free',
    });
    expect((await handOffRaw(second.token, p)).statusCode).toBe(202);
  });
});
