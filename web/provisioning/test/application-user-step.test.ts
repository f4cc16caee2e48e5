import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import type { StepEventInput } from '@kantiv/shared/events';
import { ADMIN, CONTOSO_PRODUCTION, fixed, newServer, run, TOOK, useEmulator } from './harness.ts';

/**
 * The application user step (Step 4 of the manual guide) when an admin changed the user by hand: a role taken away
 * is given back, a deactivated user is activated again (keeping its id), each said word for word.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const ROLE = 'Kantiv Integration';
const DATAVERSE = 'https://contoso.api.crm.dynamics.com/api/data/v9.2';

function env() {
  return emu.control.state().environments.find((e) => e.url === CONTOSO_PRODUCTION)!;
}

function ourUser(clientId: string) {
  return env().systemUsers.find((u) => u.applicationid === clientId)!;
}

function userEnd(events: StepEventInput[]) {
  return events.find((e) => e.step === 'application_user' && e.status === 'succeeded')!;
}

/** What a System Administrator does in the Power Platform admin center, through the Web API. */
async function byHand(method: 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: `${CONTOSO_PRODUCTION}/user_impersonation`,
  });
  const res = await emu.fetch(`${DATAVERSE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status).toBe(204);
}

async function firstRun() {
  const now = Date.now();
  const server = newServer();
  const first = await run(emu, { server, clock: fixed(now) }).engine.apply();
  expect(first.error).toBeUndefined();
  const clientId = first.outputs.clientId!;
  const user = ourUser(clientId);
  expect(user.roles).toEqual([ROLE]);
  const roleId = env().roles.find((r) => r.name === ROLE && r.businessunitid === user.businessunitid)!.roleid;
  return { now, server, clientId, userId: user.systemuserid, roleId };
}

function stepPlan(plan: { steps: { step: string }[] }) {
  return plan.steps.find((s) => s.step === 'application_user');
}

describe('engine › the application user step after changes by hand', { timeout: 180_000 }, () => {
  it('gives a role taken away by hand back to the same user, and then has nothing to do', async () => {
    const { now, server, clientId, userId, roleId } = await firstRun();
    await byHand('DELETE', `/systemusers(${userId})/systemuserroles_association(${roleId})/$ref`);
    expect(ourUser(clientId).roles).toEqual([]);

    const r = run(emu, { server, clock: fixed(now) });
    expect(stepPlan(await r.engine.plan())).toEqual({
      step: 'application_user',
      action: 'update',
      summary: `Give the existing application user the role "${ROLE}".`,
      details: [],
    });
    expect((await r.engine.apply()).error).toBeUndefined();
    const end = userEnd(r.events);
    expect(end.message).toBe(`Gave the existing application user the role "${ROLE}".${TOOK}`);
    expect(end.data).toEqual({ applicationUserId: userId, roleId, created: false });
    expect(ourUser(clientId)).toMatchObject({ systemuserid: userId, roles: [ROLE], isdisabled: false });

    const again = run(emu, { server, clock: fixed(now) });
    expect(stepPlan(await again.engine.plan())).toEqual({
      step: 'application_user',
      action: 'none',
      summary: `The application user exists and holds the role "${ROLE}".`,
      details: [],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    expect(userEnd(again.events).message).toBe(`The application user already existed with its role.${TOOK}`);
    expect(
      again.requests.filter((q) => q.method !== 'GET' && q.url.includes('/systemusers')).map((q) => q.url),
    ).toEqual([]);
    // The user discovery found is the step's own: looked up once (by discovery), not again by the step.
    const lookups = again.requests.filter(
      (q) =>
        q.method === 'GET' &&
        q.url.includes(`/systemusers?`) &&
        q.url.endsWith(`applicationid eq ${clientId}`),
    );
    expect(lookups).toHaveLength(1);
  });

  it('activates a user deactivated by hand again, keeping its id and role', async () => {
    const { now, server, clientId, userId, roleId } = await firstRun();
    await byHand('PATCH', `/systemusers(${userId})`, { isdisabled: true });

    const r = run(emu, { server, clock: fixed(now) });
    expect(stepPlan(await r.engine.plan())).toEqual({
      step: 'application_user',
      action: 'update',
      summary: `Activate the application user again (it was deactivated); it keeps the role "${ROLE}".`,
      details: [],
    });
    expect((await r.engine.apply()).error).toBeUndefined();
    const end = userEnd(r.events);
    expect(end.message).toBe(`Activated the application user again.${TOOK}`);
    expect(end.data).toEqual({ applicationUserId: userId, roleId, created: false, activated: true });
    expect(ourUser(clientId)).toMatchObject({ systemuserid: userId, roles: [ROLE], isdisabled: false });
  });

  it('a deactivated user whose activation Dataverse does not answer: Microsoft’s error, not the blocker', async () => {
    const { now, server, userId } = await firstRun();
    await byHand('PATCH', `/systemusers(${userId})`, { isdisabled: true });
    emu.control.setScenario({
      name: 'commit-then-gateway-timeout',
      service: 'dataverse',
      method: 'PATCH',
      path: `/systemusers(${userId})`,
      times: 20,
    });
    const r = run(emu, { server, clock: fixed(now) });
    const result = await r.engine.apply();
    // A gateway timeout is Microsoft being busy (retried, then said so), not an admin who may not activate the user.
    expect(result.error).toMatchObject({
      step: 'application_user',
      code: 'http_504',
      text: { key: 'microsoft_busy' },
      message: 'Dataverse answered 504',
    });
    const enable = r.requests.filter((q) => q.method === 'PATCH').map((q) => q.status);
    expect(enable.length).toBeGreaterThan(1);
    expect(new Set(enable)).toEqual(new Set([504]));
  });

  it('activates a deactivated user without its role again and gives the role back', async () => {
    const { now, server, clientId, userId, roleId } = await firstRun();
    await byHand('DELETE', `/systemusers(${userId})/systemuserroles_association(${roleId})/$ref`);
    await byHand('PATCH', `/systemusers(${userId})`, { isdisabled: true });

    const r = run(emu, { server, clock: fixed(now) });
    expect(stepPlan(await r.engine.plan())).toEqual({
      step: 'application_user',
      action: 'update',
      summary: `Activate the application user again (it was deactivated) and give it the role "${ROLE}".`,
      details: [],
    });
    expect((await r.engine.apply()).error).toBeUndefined();
    const end = userEnd(r.events);
    expect(end.message).toBe(`Activated the application user again and gave it the role "${ROLE}".${TOOK}`);
    expect(end.data).toEqual({ applicationUserId: userId, roleId, created: false, activated: true });
    expect(ourUser(clientId)).toMatchObject({ systemuserid: userId, roles: [ROLE], isdisabled: false });
  });
});
