import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { emptySecretHolder, type SecretHolder } from '@kantiv/provisioning';
import type { StepEventInput } from '@kantiv/shared/events';
import { certificateServer } from './certificates.ts';
import { addSecretByHand, ADMIN, fixed, newServer, run, TOOK, UNIQUE_NAME, useEmulator } from './harness.ts';

/**
 * The credential step (Step 2 of the manual guide) word for word: what its plan promises (name, lifetime, until when,
 * what is cleaned up), what it sends to `addPassword`, and what it tells the admin. The engine's clock is fixed, so
 * every date the plan and the run name is exact.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const DAY_MS = 86_400_000;
const NEVER_SHOWN = 'The secret is never shown: it goes straight to Kantiv over an encrypted connection.';
const MAY_SHORTEN =
  'If your tenant’s policy allows a shorter lifetime only, the secret is made shorter and you are told.';
const RENEWAL_NEEDS_CERTIFICATE = {
  code: 'renewal_needs_certificate',
  message:
    'A renewal adds a certificate, and this run would make a client secret (your tenant’s policy refuses certificates, or a secret was chosen).',
  fix: 'Choose the certificate. If your tenant’s app management policy forbids certificates, an Entra administrator must allow them for this app, or ask Kantiv support to renew the secret by the manual path.',
};

function addMonths(now: number, months: number): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** The engine appends how long a step took; on a fixed clock, no time passes. */

function ourSecrets() {
  const app = emu.control
    .state()
    .applications.find((a) => a.tenantId === emu.tenants.contoso && a.uniqueName === UNIQUE_NAME);
  return app?.passwordCredentials ?? [];
}

function credentialEvents(events: StepEventInput[]) {
  return events.filter((e) => e.step === 'credential');
}

function finished(events: StepEventInput[]) {
  return credentialEvents(events).find((e) => e.status === 'succeeded' || e.status === 'skipped')!;
}

describe('engine › the credential step', { timeout: 180_000 }, () => {
  it('plans, creates and then keeps the secret with the name and lifetime it names', async () => {
    const now = Date.now();
    const until = addMonths(now, 12).toISOString();
    const server = newServer();
    const r = run(emu, { server, clock: fixed(now) });
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'create',
      summary: `Create a client secret "Kantiv secret" valid 12 months (until ${until.slice(0, 10)}).`,
      details: [NEVER_SHOWN, MAY_SHORTEN],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    // What reached addPassword: the setup's name and the planned end, to the millisecond.
    const secrets = ourSecrets();
    expect(secrets.map((s) => [s.displayName, s.endDateTime])).toEqual([['Kantiv secret', until]]);
    const keyId = secrets[0]!.keyId;
    expect(keyId).toBe(keyId.toLowerCase());
    const done = finished(r.events);
    expect(done.status).toBe('succeeded');
    expect(done.message).toBe(
      `Created the client secret "Kantiv secret" (expires ${until.slice(0, 10)}).${TOOK}`,
    );
    expect(done.data).toEqual({ secretKeyId: keyId, secretExpiresAt: until, created: true });
    expect(result.outputs).toMatchObject({
      credentialKind: 'client_secret',
      secretKeyId: keyId,
      secretExpiresAt: until,
    });
    expect(server.handedOffSecretKeyId).toBe(keyId);

    // The next run keeps it, and says until when.
    const again = run(emu, { server, clock: fixed(now) });
    expect((await again.engine.plan()).steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'reuse',
      summary: `Keep the client secret Kantiv already holds (expires ${until.slice(0, 10)}).`,
      details: [],
    });
    const kept = await again.engine.apply();
    expect(kept.error).toBeUndefined();
    const skipped = finished(again.events);
    expect(skipped.status).toBe('skipped');
    expect(skipped.message).toBe(
      `Kantiv already holds a valid secret for this app; no new secret was created.${TOOK}`,
    );
    expect(skipped.data).toEqual({ secretKeyId: keyId, secretExpiresAt: until });
    expect(kept.outputs).toMatchObject({
      credentialKind: 'client_secret',
      secretKeyId: keyId,
      secretExpiresAt: until,
    });
    expect(again.handoffs).toEqual([]);
  });

  it('keeps a held secret with over 30 days left, and replaces one with less, cleaning up after the hand-off', async () => {
    const created = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(created) }).engine.apply()).error).toBeUndefined();
    const held = server.handedOffSecretKeyId!;
    const end = addMonths(created, 12).getTime();

    // 31 days before its end: still kept.
    const early = end - 31 * DAY_MS;
    const plan31 = await run(emu, { server, clock: fixed(early) }).engine.plan();
    expect(plan31.steps.find((s) => s.step === 'credential')?.action).toBe('reuse');

    // 29 days before its end: a new secret, and the old one goes once the new one reached Kantiv.
    const late = end - 29 * DAY_MS;
    const r = run(emu, { server, clock: fixed(late) });
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'create',
      summary: `Create a client secret "Kantiv secret" valid 12 months (until ${addMonths(late, 12).toISOString().slice(0, 10)}).`,
      details: [
        NEVER_SHOWN,
        MAY_SHORTEN,
        'Remove 1 other "Kantiv secret" credential(s) that Kantiv does not hold (left by an earlier, interrupted run), after the hand-off.',
      ],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(r.handoffs).toHaveLength(1);
    expect(server.handedOffSecretKeyId).not.toBe(held);
    expect(ourSecrets().map((s) => s.keyId)).toEqual([server.handedOffSecretKeyId]);
  });

  it('steps the lifetime down to what the policy allows, telling the admin each try and the result', async () => {
    emu.control.setScenario({ name: 'password-lifetime-capped', maxDays: 90 });
    const now = Date.now();
    const server = newServer();
    const r = run(emu, { server, clock: fixed(now), config: { secretLifetimeMonths: 24 } });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    const tries = credentialEvents(r.events)
      .filter((e) => e.status === 'running' && e.message.startsWith('Your tenant'))
      .map((e) => e.message);
    expect(tries).toEqual(
      [365, 180, 90].map(
        (d) => `Your tenant’s policy caps secret lifetimes; trying ${d} days instead of 24 months.`,
      ),
    );
    const end = new Date(now + 90 * DAY_MS).toISOString();
    expect(ourSecrets().map((s) => s.endDateTime)).toEqual([end]);
    expect(finished(r.events).message).toBe(
      `Created the client secret "Kantiv secret", shortened to 90 days (expires ${end.slice(0, 10)}) because your tenant’s app management policy does not allow 24 months.${TOOK}`,
    );
  });

  it('stops with the policy’s blocker, Microsoft’s words and request id, when secrets are forbidden', async () => {
    emu.control.setScenario({ name: 'password-credentials-blocked' });
    const r = run(emu, { server: newServer() });
    const result = await r.engine.apply();
    const microsoft = 'Password credential type is not allowed as per assigned policy.';
    const requestId = result.error?.requestId;
    expect(requestId).toMatch(/\S/);
    expect(result.error).toEqual({
      step: 'credential',
      code: 'CredentialTypeNotAllowedAsPerAppPolicy',
      text: { key: 'app_policy_forbids_secret', params: { microsoft } },
      message: `Your tenant’s app management policy does not allow client secrets on new applications (${microsoft}).`,
      requestId,
      fix: 'An Entra administrator who manages app management policies (Global Administrator, or Security Administrator) must exempt this app or allow password credentials (Entra admin center → Enterprise applications → Application policies). Then retry; or use the manual path with a certificate.',
    });
    expect(r.requests.filter((q) => q.url.endsWith('/addPassword')).map((q) => q.status)).toEqual([400]);
  });

  it('stops on another Graph 400 from addPassword (TooManyAppPasswords), without retrying a shorter lifetime', async () => {
    const created = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(created) }).engine.apply()).error).toBeUndefined();
    // Someone else's secret on the same app (a build pipeline's), added by hand in the Entra admin center.
    const app = emu.control.state().applications.find((a) => a.uniqueName === UNIQUE_NAME)!;
    await addSecretByHand(emu, app.id, 'Build pipeline');
    const before = ourSecrets().map((s) => s.keyId);
    expect(before).toHaveLength(2);
    emu.control.setScenario({ name: 'too-many-app-passwords', max: 2 });

    // 29 days before the held secret ends, the run must make a new one, and Graph refuses a third password.
    const late = addMonths(created, 12).getTime() - 29 * DAY_MS;
    const r = run(emu, { server, clock: fixed(late) });
    const result = await r.engine.apply();
    const requestId = result.error?.requestId;
    expect(requestId).toMatch(/\S/);
    expect(result.error).toEqual({
      step: 'credential',
      code: 'TooManyAppPasswords',
      message: 'Not allowed to add 3 passwords. You can only add a maximum of 2 passwords.',
      requestId,
      text: { key: 'retry_or_support' },
      fix: 'Retry. If it persists, contact Kantiv support with the request id.',
    });
    // One addPassword, with the planned 12 months: no shorter lifetime was tried.
    const adds = r.requests.filter((q) => q.url.endsWith('/addPassword'));
    expect(adds.map((q) => q.status)).toEqual([400]);
    expect(
      credentialEvents(r.events).filter((e) => e.message.startsWith('Your tenant’s policy caps')),
    ).toEqual([]);
    expect(ourSecrets().map((s) => s.keyId)).toEqual(before);
    expect(r.handoffs).toEqual([]);
  });

  it('says why a secret is made when certificates were possible: the admin’s choice, or the tenant’s refusal', async () => {
    const certs = certificateServer();
    const chosen = await run(emu, {
      certificate: certs.certificate,
      config: { credentialKind: 'client_secret' },
    }).engine.plan();
    expect(chosen.steps.find((s) => s.step === 'credential')?.details).toEqual([
      'A client secret, as you chose; a certificate (recommended) needs no secret and renews itself.',
      NEVER_SHOWN,
      MAY_SHORTEN,
    ]);
    // What an earlier run of the page learned: the tenant's policy refused the certificate.
    const learned: SecretHolder = { ...emptySecretHolder(), policy: { certificatesRefused: 'Refused (x).' } };
    const refused = await run(emu, { certificate: certs.certificate, secretHolder: learned }).engine.plan();
    const step = refused.steps.find((s) => s.step === 'credential');
    expect(step?.action).toBe('create');
    expect(step?.details).toEqual([
      'A client secret instead of a certificate: your tenant’s app management policy does not allow certificates on this app (Refused (x).).',
      NEVER_SHOWN,
      MAY_SHORTEN,
    ]);
    // Without a certificate source there is no choice to explain.
    const plain = await run(emu).engine.plan();
    expect(plain.steps.find((s) => s.step === 'credential')?.details).toEqual([NEVER_SHOWN, MAY_SHORTEN]);
    expect(certs.requests).toEqual([]);
  });

  it('a renewal that would make a client secret is blocked before anything is added', async () => {
    const server = newServer();
    expect((await run(emu, { server }).engine.apply()).error).toBeUndefined();
    const before = ourSecrets().map((s) => s.keyId);
    const r = run(emu, { server, config: { purpose: 'renew' } });
    const plan = await r.engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'blocked',
      summary: 'A renewal needs a certificate.',
      details: [],
      blocker: RENEWAL_NEEDS_CERTIFICATE,
    });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'credential', ...RENEWAL_NEEDS_CERTIFICATE });
    expect(ourSecrets().map((s) => s.keyId)).toEqual(before);
  });

  it('a renewal whose certificate the tenant refuses stops, and makes no client secret instead', async () => {
    const server = newServer();
    const certs = certificateServer();
    expect((await run(emu, { server, certificate: certs.certificate }).engine.apply()).error).toBeUndefined();
    emu.control.setScenario({ name: 'certificate-credentials-blocked', tenant: 'contoso.com' });
    const r = run(emu, { server, certificate: certs.certificate, config: { purpose: 'renew' } });
    const result = await r.engine.apply();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'credential', ...RENEWAL_NEEDS_CERTIFICATE });
    expect(ourSecrets()).toEqual([]);
    expect(r.handoffs).toEqual([]);
  });

  it('a secret made earlier in the session is reused while on the app, and replaced once deleted', async () => {
    const server = newServer();
    const holder = emptySecretHolder();
    const first = run(emu, {
      server,
      secretHolder: holder,
      onEvent: (e, self) => {
        if (e.step === 'credential' && e.status === 'succeeded') self.controller.abort();
      },
    });
    expect((await first.engine.apply()).status).toBe('cancelled');
    const made = holder.pending!;

    const second = run(emu, {
      server,
      secretHolder: holder,
      clock: fixed(Date.now()),
      onEvent: (e, self) => {
        if (e.step === 'credential' && e.status === 'succeeded') self.controller.abort();
      },
    });
    expect((await second.engine.apply()).status).toBe('cancelled');
    const reused = finished(second.events);
    expect(reused.message).toBe(
      `Reusing the secret created earlier in this session; it has not reached Kantiv yet.${TOOK}`,
    );
    expect(reused.data).toEqual({ secretKeyId: made.keyId, secretExpiresAt: made.endDateTime });

    // An admin removes it in the Entra admin center before the hand-off: the next run makes another.
    const token = await emu.control.issueToken({
      user: ADMIN,
      scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
    });
    const app = emu.control.state().applications.find((a) => a.uniqueName === UNIQUE_NAME)!;
    const res = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${app.id}/removePassword`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ keyId: made.keyId }),
    });
    expect(res.status).toBe(204);
    // Another page's interrupted run left a secret of the same name on the app: it is not this page's secret.
    const orphan = await addSecretByHand(emu, app.id, 'Kantiv secret');
    const third = run(emu, { server, secretHolder: holder });
    const result = await third.engine.apply();
    expect(result.error).toBeUndefined();
    expect(third.handoffs.map((h) => h.secretKeyId)).not.toContain(made.keyId);
    expect(third.handoffs.map((h) => h.secretKeyId)).not.toContain(orphan);
    expect(ourSecrets().map((s) => s.keyId)).toEqual([server.handedOffSecretKeyId]);
  });
});

describe('engine › the credential step at its edges', { timeout: 180_000 }, () => {
  it('replaces a held secret with 30 days left, to the millisecond', async () => {
    const created = Date.now();
    const server = newServer();
    expect((await run(emu, { server, clock: fixed(created) }).engine.apply()).error).toBeUndefined();
    const end = addMonths(created, 12).getTime();
    const plan = await run(emu, { server, clock: fixed(end - 30 * DAY_MS) }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')?.action).toBe('create');
  });

  it('a secret the admin chose is explained as the choice, even where the tenant refuses certificates', async () => {
    const learned: SecretHolder = { ...emptySecretHolder(), policy: { certificatesRefused: 'Refused (x).' } };
    const plan = await run(emu, {
      certificate: certificateServer().certificate,
      secretHolder: learned,
      config: { credentialKind: 'client_secret' },
    }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')?.details).toEqual([
      'A client secret, as you chose; a certificate (recommended) needs no secret and renews itself.',
      NEVER_SHOWN,
      MAY_SHORTEN,
    ]);
  });
});
