import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import { emptySecretHolder } from '@kantiv/provisioning';
import type { StepEventInput } from '@kantiv/shared/events';
import { certificateServer } from './certificates.ts';
import {
  addCertificateByHand,
  CONTOSO_PRODUCTION,
  fixed,
  newServer,
  ourApp,
  run,
  TOOK,
  useEmulator,
} from './harness.ts';

/**
 * The credential step in certificate mode word for word: the lifetime it plans and asks our server for, what it adds
 * to `keyCredentials`, what it tells the admin, and what a tenant's certificate policy changes. The engine's clock is
 * fixed, so every date is exact.
 */
let emu: Emulator;
useEmulator((started) => (emu = started));

const DAY_MS = 86_400_000;
const NAME = 'Kantiv certificate';
const KEY_PAIR =
  'Kantiv makes the key pair on its server: only the public certificate reaches your browser, and no secret is created or sent.';
const OTHERS_KEPT =
  'Other certificates on the app are kept. Kantiv renews the certificate by itself before it expires.';
const MAY_SHORTEN =
  'If your tenant’s policy allows a shorter lifetime only, the certificate is made shorter and you are told.';
const REPLACES =
  'It replaces the credential Kantiv uses now: Kantiv verifies the new certificate and switches to it, and only then is the old credential removed. The connection keeps working throughout.';

/** Days from `now` to the same date `months` later, as the engine counts a lifetime. */
function lifetimeDays(now: number, months: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() + months);
  return Math.round((d.getTime() - now) / DAY_MS);
}

function credentialEnd(events: StepEventInput[]) {
  return events.find((e) => e.step === 'credential' && (e.status === 'succeeded' || e.status === 'skipped'))!;
}

/** A page whose certificate our server never confirmed: the hand-off fails, the certificate stays pending. */
async function unconfirmedCertificate() {
  const certs = certificateServer();
  const opts = {
    server: newServer(),
    secretHolder: emptySecretHolder(),
    certificate: certs.certificate,
    clock: fixed(Date.now()),
    handoff: () => Promise.reject(new Error('our server is unreachable')),
  };
  const first = await run(emu, opts).engine.apply();
  expect(first.error?.step).toBe('handoff');
  return { certs, opts, first, pending: certs.made[0]!.keyId };
}

describe('engine › the credential step with a certificate', { timeout: 180_000 }, () => {
  it('plans the lifetime it asks our server for, adds the certificate, then keeps it', async () => {
    const now = Date.now();
    const days = lifetimeDays(now, 12);
    const until = new Date(now + days * DAY_MS).toISOString().slice(0, 10);
    const certs = certificateServer();
    const server = newServer();
    const r = run(emu, { server, certificate: certs.certificate, clock: fixed(now) });
    const plan = await r.engine.plan();
    expect(plan.credential).toEqual({ kind: 'certificate', certificatesPossible: true, lifetimeDays: days });
    expect(plan.steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'create',
      summary: `Add the certificate "${NAME}" (recommended) valid ${days} days (until ${until}).`,
      details: [KEY_PAIR, OTHERS_KEPT, MAY_SHORTEN],
    });
    const result = await r.engine.apply();
    expect(result.error).toBeUndefined();
    expect(certs.requests).toEqual([
      {
        tenantId: emu.tenants.contoso,
        clientId: result.outputs.clientId,
        environmentUrl: CONTOSO_PRODUCTION,
        lifetimeDays: days,
      },
    ]);
    const made = certs.made[0]!;
    expect(ourApp(emu).keyCredentials.map((k) => [k.keyId, k.displayName, k.key])).toEqual([
      [made.keyId, NAME, made.certificate],
    ]);
    const added = credentialEnd(r.events);
    expect(added.status).toBe('succeeded');
    expect(added.message).toBe(
      `Added the certificate "${NAME}" (expires ${made.notAfter.slice(0, 10)}); only its public part passed through your browser.${TOOK}`,
    );
    expect(added.data).toEqual({ secretKeyId: made.keyId, secretExpiresAt: made.notAfter });
    expect(result.outputs).toMatchObject({
      credentialKind: 'certificate',
      secretKeyId: made.keyId,
      secretExpiresAt: made.notAfter,
    });

    const again = run(emu, { server, certificate: certs.certificate, clock: fixed(now) });
    const end = ourApp(emu).keyCredentials[0]!.endDateTime;
    expect((await again.engine.plan()).steps.find((s) => s.step === 'credential')).toEqual({
      step: 'credential',
      action: 'reuse',
      summary: `Keep the certificate "${NAME}" Kantiv already holds (expires ${end.slice(0, 10)}).`,
      details: [],
    });
    expect((await again.engine.apply()).error).toBeUndefined();
    const kept = credentialEnd(again.events);
    expect(kept.status).toBe('skipped');
    expect(kept.message).toBe(`Kantiv already holds the certificate "${NAME}"; no new one was added.${TOOK}`);
    expect(kept.data).toEqual({ secretKeyId: made.keyId, secretExpiresAt: new Date(end).toISOString() });
    expect(certs.requests).toHaveLength(1);

    // Within 30 days of its end the certificate is replaced, not kept.
    const late = Date.parse(end) - 29 * DAY_MS;
    const replace = await run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(late),
    }).engine.plan();
    expect(replace.steps.find((s) => s.step === 'credential')?.action).toBe('create');
    const early = Date.parse(end) - 31 * DAY_MS;
    const keep = await run(emu, {
      server,
      certificate: certs.certificate,
      clock: fixed(early),
    }).engine.plan();
    expect(keep.steps.find((s) => s.step === 'credential')?.action).toBe('reuse');
    // The boundary itself: exactly 30 days before its end the certificate is replaced; a millisecond earlier, kept.
    const planAt = async (at: number) =>
      (await run(emu, { server, certificate: certs.certificate, clock: fixed(at) }).engine.plan()).steps.find(
        (s) => s.step === 'credential',
      )?.action;
    expect(await planAt(Date.parse(end) - 30 * DAY_MS)).toBe('create');
    expect(await planAt(Date.parse(end) - 30 * DAY_MS - 1)).toBe('reuse');
  });

  it('a renewal’s plan says the new certificate replaces the one in use', async () => {
    const now = Date.now();
    const days = lifetimeDays(now, 12);
    const certs = certificateServer();
    const plan = await run(emu, {
      certificate: certs.certificate,
      clock: fixed(now),
      config: { purpose: 'renew' },
    }).engine.plan();
    expect(plan.steps.find((s) => s.step === 'credential')?.details).toEqual([
      REPLACES,
      KEY_PAIR,
      OTHERS_KEPT,
      MAY_SHORTEN,
    ]);
    expect(plan.steps.find((s) => s.step === 'credential')?.summary).toContain(`valid ${days} days`);
  });

  it('steps the lifetime down to the policy’s cap, says each try, and plans the cap from then on', async () => {
    emu.control.setScenario({ name: 'certificate-lifetime-capped', maxDays: 200, tenant: 'contoso.com' });
    const now = Date.now();
    const wanted = lifetimeDays(now, 12);
    const holder = emptySecretHolder();
    const certs = certificateServer();
    const r = run(emu, {
      server: newServer(),
      secretHolder: holder,
      certificate: certs.certificate,
      clock: fixed(now),
    });
    expect((await r.engine.apply()).error).toBeUndefined();
    expect(certs.requests.map((q) => q.lifetimeDays)).toEqual([wanted, 180]);
    const tries = r.events
      .filter((e) => e.step === 'credential' && e.status === 'running' && e.message.startsWith('Your tenant'))
      .map((e) => e.message);
    expect(tries).toEqual([
      `Your tenant’s policy caps certificate lifetimes; trying 180 days instead of ${wanted}.`,
    ]);
    const made = certs.made[1]!;
    expect(credentialEnd(r.events).message).toBe(
      `Added the certificate "${NAME}", shortened to 180 days (expires ${made.notAfter.slice(0, 10)}) because your tenant’s app management policy does not allow ${wanted} days.${TOOK}`,
    );
    expect(holder.policy).toEqual({ certificateMaxDays: 180 });

    // The page's next plan: the cap, said up front.
    const plan = await run(emu, {
      server: newServer(),
      secretHolder: holder,
      certificate: certs.certificate,
      clock: fixed(now),
    }).engine.plan();
    expect(plan.credential).toEqual({
      kind: 'certificate',
      certificatesPossible: true,
      lifetimeDays: 180,
      cappedDays: 180,
    });
    expect(plan.steps.find((s) => s.step === 'credential')).toMatchObject({
      summary: `Add the certificate "${NAME}" (recommended) valid 180 days (until ${new Date(now + 180 * DAY_MS).toISOString().slice(0, 10)}).`,
      details: [
        KEY_PAIR,
        OTHERS_KEPT,
        'Your tenant’s app management policy caps certificate lifetimes, so the certificate is valid 180 days.',
      ],
    });
  });

  it('a refusal is remembered: the next plan makes a client secret and says why', async () => {
    emu.control.setScenario({ name: 'certificate-credentials-blocked', tenant: 'contoso.com' });
    const holder = emptySecretHolder();
    const certs = certificateServer();
    const r = run(emu, { server: newServer(), secretHolder: holder, certificate: certs.certificate });
    expect((await r.engine.apply()).error).toBeUndefined();
    const refused = 'Asymmetric key credential type is not allowed as per assigned policy.';
    expect(holder.policy).toEqual({ certificatesRefused: refused });
    const plan = await run(emu, { secretHolder: holder, certificate: certs.certificate }).engine.plan();
    expect(plan.credential).toMatchObject({
      kind: 'client_secret',
      certificatesPossible: true,
      certificatesRefused: refused,
    });
    expect(plan.credential).not.toHaveProperty('cappedDays');
  });

  it('a certificate added earlier in the session is reused while Kantiv has not confirmed it', async () => {
    const holder = emptySecretHolder();
    const certs = certificateServer();
    let refuse = true;
    const opts = {
      server: newServer(),
      secretHolder: holder,
      certificate: certs.certificate,
      clock: fixed(Date.now()),
      handoff: async () => {
        if (refuse) throw new Error('our server is unreachable');
      },
    };
    expect((await run(emu, opts).engine.apply()).error?.step).toBe('handoff');
    refuse = false;
    const second = run(emu, opts);
    expect((await second.engine.apply()).error).toBeUndefined();
    const made = certs.made[0]!;
    const reused = credentialEnd(second.events);
    expect(reused.status).toBe('succeeded');
    expect(reused.message).toBe(
      `Reusing the certificate added earlier in this session; Kantiv has not confirmed it yet.${TOOK}`,
    );
    expect(reused.data).toEqual({ secretKeyId: made.keyId, secretExpiresAt: made.notAfter });
    expect(certs.requests).toHaveLength(1);
  });

  it('an unconfirmed certificate is reused beside other certificates, and replaced once someone removed it from the app', async () => {
    const { certs, opts, first, pending } = await unconfirmedCertificate();
    // Added at the lifetime asked for: the session learned no cap.
    expect((await run(emu, opts).engine.plan()).credential).not.toHaveProperty('cappedDays');

    // An admin's own certificate beside it: the one this session added is still on the app, so it is reused.
    const foreign = await certificateServer().certificate({
      tenantId: emu.tenants.contoso,
      clientId: first.outputs.clientId!,
      environmentUrl: CONTOSO_PRODUCTION,
      lifetimeDays: 90,
    });
    await addCertificateByHand(emu, ourApp(emu).id, foreign.certificate);
    expect(ourApp(emu).keyCredentials).toHaveLength(2);
    const again = run(emu, opts);
    expect((await again.engine.apply()).error?.step).toBe('handoff');
    expect(credentialEnd(again.events).message).toBe(
      `Reusing the certificate added earlier in this session; Kantiv has not confirmed it yet.${TOOK}`,
    );
    expect(certs.made).toHaveLength(1);

    // Someone removed it from the app: a new certificate is made and added next to the admin's.
    emu.control.drift({ kind: 'remove-credential', appId: first.outputs.clientId!, keyId: pending });
    const replaced = run(emu, opts);
    expect((await replaced.engine.apply()).error?.step).toBe('handoff');
    expect(certs.made).toHaveLength(2);
    expect(credentialEnd(replaced.events).message).toMatch(
      /^Added the certificate "Kantiv certificate" \(expires /,
    );
    const keys = ourApp(emu).keyCredentials.map((k) => k.key);
    expect(keys).toEqual([foreign.certificate, certs.made[1]!.certificate]);
  });

  it('an unconfirmed certificate someone removed is replaced even beside another certificate named for Kantiv', async () => {
    const { certs, opts, first, pending } = await unconfirmedCertificate();
    // A certificate with Kantiv's name that this page did not add (another page of the same setup, say).
    const other = await certificateServer().certificate({
      tenantId: emu.tenants.contoso,
      clientId: first.outputs.clientId!,
      environmentUrl: CONTOSO_PRODUCTION,
      lifetimeDays: 90,
    });
    await addCertificateByHand(emu, ourApp(emu).id, other.certificate, NAME);
    emu.control.drift({ kind: 'remove-credential', appId: first.outputs.clientId!, keyId: pending });
    expect(ourApp(emu).keyCredentials.map((k) => k.displayName)).toEqual([NAME]);

    const replaced = run(emu, opts);
    expect((await replaced.engine.apply()).error?.step).toBe('handoff');
    expect(certs.made).toHaveLength(2);
    expect(credentialEnd(replaced.events).message).toMatch(
      /^Added the certificate "Kantiv certificate" \(expires /,
    );
    expect(ourApp(emu).keyCredentials.map((k) => k.key)).toEqual([
      other.certificate,
      certs.made[1]!.certificate,
    ]);
  });
});
