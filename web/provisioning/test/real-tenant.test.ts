import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { summarizePlan } from '../src/view/summarize.ts';
import { consentTenantWide, expectInvariants, newServer, run, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

/** Issue 15: what real tenants do that a lenient emulator hid (items 5–12). */
describe('engine › real tenants', { timeout: 180_000 }, () => {
  it('looks for the role before creating it again when the create committed but answered 504 (one role, not two)', async () => {
    emu.control.setScenario({
      name: 'commit-then-gateway-timeout',
      service: 'dataverse',
      path: '/roles',
      times: 1,
    });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const wait = r.events.find((e) => e.step === 'security_role' && e.status === 'waiting');
    expect(wait?.message).toMatch(/did not confirm/);
    expect(r.requests.filter((q) => q.method === 'POST' && /\/roles\?/.test(q.url))).toHaveLength(1);
    expectInvariants(emu, server);
  });

  it('finds the application user a 504 hid instead of creating it twice', async () => {
    emu.control.setScenario({
      name: 'commit-then-gateway-timeout',
      service: 'dataverse',
      path: '/systemusers',
      times: 1,
    });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(
      r.requests.filter((q) => q.method === 'POST' && /\/systemusers\?/.test(q.url) && q.status === 504),
    ).toHaveLength(1);
    expect(r.requests.filter((q) => q.method === 'POST' && /\/systemusers\?/.test(q.url))).toHaveLength(1);
    expectInvariants(emu, server);
  });

  it('finds System Administrator by role template id in a German environment, held through a team', async () => {
    const germany = 'https://contoso-de.crm.dynamics.com';
    const server = newServer();
    const r = run(emu, { server, user: 'admin.de@contoso.com', config: { environmentUrl: germany } });
    const plan = await r.engine.plan();
    expect(plan.blockers).toEqual([]);
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expectInvariants(emu, server, germany);
  });

  it('tells a PIM admin to activate the role; the same sign-in stays refused after the activation, a new sign-in gets on', async () => {
    consentTenantWide(emu);
    const server = newServer();
    const r = run(emu, { server, user: 'pim@contoso.com' });
    const before = await r.engine.plan();
    const blocker = before.blockers.find((b) => b.code === 'missing_directory_role');
    expect(blocker?.fix).toMatch(/Privileged Identity Management/);
    emu.control.activateEligibleRoles('pim@contoso.com');
    // Checked again with the same sign-in: the engine asks Entra for a fresh token (refresh-token grant), which
    // still reflects the sign-in before the activation (FIDELITY F7-3, stricter reading): still blocked.
    await r.engine.discover();
    const stale = await r.engine.plan();
    expect(stale.blockers.map((b) => b.code)).toContain('missing_directory_role');
    // Signed in again (what the wizard's "Check again" does for this blocker): the role is there.
    const again = run(emu, { server, user: 'pim@contoso.com' });
    const after = await again.engine.plan();
    expect(after.blockers).toEqual([]);
    const result = await again.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('reads the Entra role Graph enforces when the token carries no wids: a role held through a group, shown with limited information', async () => {
    consentTenantWide(emu);
    emu.control.setScenario({ name: 'access-token-without-wids' });
    emu.control.setScenario({ name: 'directory-roles-through-group', user: 'admin@contoso.com' });
    const server = newServer();
    const r = run(emu, { server });
    const plan = await r.engine.plan();
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.find((s) => s.step === 'preflight')!.details.join(' ')).toMatch(/limited information/);
    // The wizard words the preflight line from this flag: "your roles allow the setup" would claim an unchecked role.
    const choices = {
      environment: { url: 'https://contoso.crm.dynamics.com', name: 'Contoso Production' },
      role: { kind: 'create' as const },
      secretLifetimeMonths: 6,
    };
    expect(summarizePlan(plan, choices, DEFAULT_MANIFEST).entraRolesUnknown).toBe(true);
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('leaves an unreadable Entra role to Graph: an admin without it is stopped at the app registration with the role to ask for', async () => {
    consentTenantWide(emu);
    emu.control.setScenario({ name: 'access-token-without-wids' });
    emu.control.setScenario({ name: 'admin-without-entra-role', user: 'admin@contoso.com' });
    const r = run(emu);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('Authorization_RequestDenied');
    expect(result.error?.fix).toMatch(/Cloud Application Administrator/);
    expect(r.events.find((e) => e.step === 'app_registration' && e.status === 'failed')).toBeDefined();
  });

  it('reads a role holding a record-filtered privilege (depth 4) and counts that privilege as not granted', async () => {
    const sandbox = 'https://contoso-sandbox.crm.dynamics.com';
    const probe = run(emu, { config: { environmentUrl: sandbox } });
    const d = await probe.engine.discover();
    const filtered = d.dataverse!.roles.find((x) => x.name === 'Account Reader (filtered)')!;
    const check = await probe.engine.checkRole(filtered.roleId);
    expect(check.missingPrivileges).toContain('prvReadAccount');
    expect(check.missingPrivileges).not.toContain('prvReadContact');
    const server = newServer();
    const r = run(emu, {
      server,
      config: { environmentUrl: sandbox, role: { mode: 'existing', roleId: filtered.roleId } },
    });
    const plan = await r.engine.plan();
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.find((s) => s.step === 'security_role')!.details.join(' ')).toMatch(/prvReadAccount/);
  });

  it('sends an application user what real-tenant tools send, and names a column an environment still requires', async () => {
    // Sent on the create (accessmode 4): an environment that insists on it is served.
    emu.control.setScenario({ name: 'application-user-requires-field', field: 'accessmode' });
    const server = newServer();
    const served = await run(emu, { server }).engine.apply();
    expect(served.error).toBeUndefined();
    expectInvariants(emu, server);

    emu.control.setScenario({ name: 'application-user-requires-field', field: 'lastname' });
    const r = run(emu, { config: { environmentUrl: 'https://contoso-sandbox.crm.dynamics.com' } });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    const failed = r.events.find((e) => e.step === 'application_user' && e.status === 'failed');
    expect(failed?.error).toMatchObject({ code: 'application_user_field_required' });
    expect(failed?.error?.message).toMatch(/requires the field "lastname"/);
    expect(failed?.error?.fix).toMatch(/New app user/);
  });
});
