import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import {
  consentTenantWide,
  useEmulator,
  expectInvariants,
  newServer,
  run,
  statusesOf,
  UNIQUE_NAME,
} from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

const ourApps = () =>
  emu.control
    .state()
    .applications.filter((a) => a.tenantId === emu.tenants.contoso && a.uniqueName === UNIQUE_NAME);

describe('engine › Microsoft faults', { timeout: 180_000 }, () => {
  it('waits out Entra replication to Dataverse, reporting each wait, then succeeds', async () => {
    emu.control.setScenario({ name: 'replication-delay', seconds: 3 });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.status).toBe('succeeded');
    const waits = r.events.filter((e) => e.status === 'waiting');
    expect(waits.length).toBeGreaterThan(0);
    const dvWait = waits.find((e) => e.step === 'application_user')!;
    expect(dvWait.error?.code.toLowerCase()).toBe('0x8004f510');
    expect(dvWait.retryAt).toBeDefined();
    expect(Date.parse(dvWait.retryAt!)).toBeGreaterThan(Date.parse(dvWait.at));
    expect(dvWait.message).toMatch(/Dataverse/);
    expect(statusesOf(r.events, 'application_user').at(-1)).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('waits when Graph reads lag behind writes too (Request_ResourceNotFound / NoBackingApplicationObject)', async () => {
    emu.control.setScenario({ name: 'replication-delay', seconds: 2, graphReads: true });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const graphWaits = r.events.filter(
      (e) => e.status === 'waiting' && ['app_registration', 'credential', 'handoff'].includes(e.step),
    );
    expect(graphWaits.length).toBeGreaterThan(0);
    expectInvariants(emu, server);
  });

  it('honours Retry-After when Graph throttles (429)', async () => {
    emu.control.setScenario({ name: 'throttle', service: 'graph', retryAfterSeconds: 1, times: 2 });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.status).toBe('succeeded');
    const waits = r.events.filter((e) => e.status === 'waiting');
    expect(waits).toHaveLength(2);
    for (const w of waits) {
      expect(w.error?.code).toBe('TooManyRequests');
      expect(Date.parse(w.retryAt!) - Date.parse(w.at)).toBe(1000);
    }
    expectInvariants(emu, server);
  });

  it('retries when Dataverse and Global Discovery are briefly unavailable (503)', async () => {
    emu.control.setScenario({
      name: 'service-unavailable',
      service: 'dataverse',
      retryAfterSeconds: 1,
      times: 2,
    });
    emu.control.setScenario({
      name: 'service-unavailable',
      service: 'discovery',
      retryAfterSeconds: 1,
      times: 1,
    });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.status).toBe('succeeded');
    const waits = r.events.filter((e) => e.status === 'waiting');
    expect(waits).toHaveLength(3);
    expect(waits.every((w) => /unavailable/.test(w.message))).toBe(true);
    expectInvariants(emu, server);
  });

  it('fails with the throttling error after the retry budget, and a re-run converges', async () => {
    emu.control.setScenario({ name: 'throttle', service: 'dataverse', retryAfterSeconds: 0, times: 40 });
    const server = newServer();
    const r = run(emu, { server, config: { retry: { throttleMaxAttempts: 2, throttleBaseDelayMs: 10 } } });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    emu.control.clearScenarios();
    const again = run(emu, { server });
    expect((await again.engine.apply()).status).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('shortens the secret when a tenant policy caps its lifetime, and says so', async () => {
    emu.control.setScenario({ name: 'password-lifetime-capped', maxDays: 90 });
    const server = newServer();
    const r = run(emu, { server, config: { secretLifetimeMonths: 24 } });
    const result = await r.engine.apply();
    expect(result.status).toBe('succeeded');
    const days = (Date.parse(r.handoffs[0]!.secretExpiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(80);
    expect(days).toBeLessThanOrEqual(90);
    const done = r.events.find((e) => e.step === 'credential' && e.status === 'succeeded')!;
    expect(done.message).toMatch(/shortened/);
    expectInvariants(emu, server);
  });

  it('stops with a clear blocker when a tenant policy forbids secrets, and resumes once it is lifted', async () => {
    const id = emu.control.setScenario({ name: 'password-credentials-blocked' });
    const server = newServer();
    const r = run(emu, { server });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      step: 'credential',
      code: 'CredentialTypeNotAllowedAsPerAppPolicy',
    });
    expect(result.error?.fix).toMatch(/app management polic/);
    expect(r.handoffs).toHaveLength(0);
    expect(statusesOf(r.events, 'handoff')).toEqual([]);
    emu.control.clearScenario(id);
    const again = run(emu, { server });
    expect((await again.engine.apply()).status).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('blocks an admin without an Entra role before changing anything, naming the role and who grants it', async () => {
    emu.control.setScenario({ name: 'admin-without-entra-role' });
    consentTenantWide(emu);
    const r = run(emu);
    const plan = await r.engine.plan();
    expect(plan.ready).toBe(false);
    const blocker = plan.blockers.find((b) => b.step === 'preflight')!;
    expect(blocker.code).toBe('missing_directory_role');
    expect(blocker.fix).toMatch(/Cloud Application Administrator/);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('preflight');
    expect(r.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    expect(ourApps()).toHaveLength(0);
  });

  it('blocks a plain user with no role at all', async () => {
    consentTenantWide(emu);
    const r = run(emu, { user: 'user@contoso.com' });
    const plan = await r.engine.plan();
    expect(plan.blockers.map((b) => b.code)).toContain('missing_directory_role');
  });

  it('blocks an admin who is not System Administrator in the environment', async () => {
    emu.control.setScenario({ name: 'admin-not-system-administrator' });
    const r = run(emu);
    const plan = await r.engine.plan();
    const blocker = plan.blockers.find((b) => b.code === 'not_system_administrator')!;
    expect(blocker.fix).toMatch(/System Administrator/);
    expect(blocker.fix).toMatch(/Contoso Production/);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(ourApps()).toHaveLength(0);
  });

  it('refuses an environment of another tenant', async () => {
    emu.control.setScenario({ name: 'environment-in-other-tenant' });
    const r = run(emu, { config: { environmentUrl: 'https://fabrikam-shared.crm.dynamics.com' } });
    const d = await r.engine.discover();
    const other = d.environments.find((e) => e.url === 'https://fabrikam-shared.crm.dynamics.com')!;
    expect(other.sameTenant).toBe(false);
    const plan = await r.engine.plan();
    expect(plan.blockers.map((b) => b.code)).toEqual(['environment_other_tenant']);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('environment');
  });

  it('turns a sign-in the admin declined into a sign-in fix, before any Microsoft call', async () => {
    emu.control.setScenario({ name: 'consent-declined' });
    const r = run(emu);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'preflight', code: 'AADSTS65004' });
    expect(result.error?.fix).toMatch(/declined/);
    expect(r.requests).toEqual([]);
  });

  it('says who must approve when the admin may not consent for the tenant (AADSTS90094)', async () => {
    emu.control.setScenario({ name: 'admin-consent-required' });
    const r = run(emu);
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'preflight', code: 'AADSTS90094' });
    expect(result.error?.fix).toMatch(/admin consent/);
    expect(r.requests).toEqual([]);
  });

  it('works unchanged with latency on every Microsoft call', async () => {
    emu.control.setScenario({ name: 'latency', service: 'all', ms: 100 });
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).status).toBe('succeeded');
    expectInvariants(emu, server);
  });

  it('cancels a replication wait at once through the AbortSignal', async () => {
    emu.control.setScenario({ name: 'replication-delay', seconds: 120 });
    const r = run(emu, {
      onEvent: (e, self) => {
        if (e.status === 'waiting') self.controller.abort();
      },
    });
    const result = await r.engine.apply();
    expect(result.status).toBe('cancelled');
    // Nothing new is sent once cancelled (requests already in flight may still finish).
    const abortedAt = Date.parse(r.events.find((e) => e.status === 'waiting')!.at);
    expect(r.requests.filter((q) => q.startedAt > abortedAt)).toEqual([]);
    // Cancelled is not failed: the waiting step is reported open again, and no step failed.
    const waited = r.events.find((e) => e.status === 'waiting')!.step;
    expect(r.events.filter((e) => e.status === 'failed')).toEqual([]);
    expect(r.events.filter((e) => e.step === waited).at(-1)?.status).toBe('pending');
    expect(result.steps.find((s) => s.step === waited)?.status).toBe('pending');
  });
});
