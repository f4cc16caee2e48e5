import type { ResolvedConfig } from '../config.ts';
import { MicrosoftApiError } from '../errors.ts';
import type { KeyCredentialInfo } from '../microsoft/graph-client.ts';
import type { SecretHolder } from '../secret-holder.ts';
import type { Discovery, PlannedCredential, PlannedStep } from '../types.ts';
import { RENEW_BEFORE_MS, shorterLifetimeDays } from './credential-lifetime.ts';
import type { ApplyContext, StepOutcome } from './definition.ts';

const DAY_MS = 86_400_000;

/** A follow-up link's new credential: the connection keeps working on the old one until Kantiv switched. */
const REPLACES =
  'It replaces the credential Kantiv uses now: Kantiv verifies the new certificate and switches to it, and only then is the old credential removed. The connection keeps working throughout.';

/** The plan's lifetime in days: the admin's months from now, never longer than the policy already showed. */
export function certificateLifetimeDays(c: ResolvedConfig, now: number, learned?: SecretHolder): number {
  const end = new Date(now);
  end.setUTCMonth(end.getUTCMonth() + c.secretLifetimeMonths);
  const wanted = Math.round((end.getTime() - now) / DAY_MS);
  const cap = learned?.policy?.certificateMaxDays;
  return cap ? Math.min(cap, wanted) : wanted;
}

/** Whether a run uses a certificate: asked for, possible, and not refused by the tenant's policy. */
export function usesCertificate(c: ResolvedConfig, learned?: SecretHolder): boolean {
  return c.credentialKind === 'certificate' && !learned?.policy?.certificatesRefused;
}

export function plannedCredential(c: ResolvedConfig, now: number, learned?: SecretHolder): PlannedCredential {
  const policy = learned?.policy;
  return {
    kind: usesCertificate(c, learned) ? 'certificate' : 'client_secret',
    certificatesPossible: c.certificatesPossible,
    lifetimeDays: certificateLifetimeDays(c, now, learned),
    ...(policy?.certificatesRefused ? { certificatesRefused: policy.certificatesRefused } : {}),
    ...(policy?.certificateMaxDays ? { cappedDays: policy.certificateMaxDays } : {}),
  };
}

export function reusableCertificate(d: Discovery, c: ResolvedConfig, holder: SecretHolder, now: number) {
  // A deleted app is restored with its credentials (app_registration): the certificate Kantiv holds is kept.
  return ((d.application ?? d.deletedApplication)?.certificates ?? []).find(
    (k) =>
      (holder.handedOff.has(k.keyId) || k.keyId === c.handedOffSecretKeyId) &&
      (!k.endDateTime || Date.parse(k.endDateTime) - now > RENEW_BEFORE_MS),
  );
}

export function planCertificate(
  d: Discovery,
  c: ResolvedConfig,
  now: number,
  learned?: SecretHolder,
): PlannedStep {
  const keep = reusableCertificate(d, c, { pending: null, handedOff: new Set() }, now);
  if (keep) {
    return {
      step: 'credential',
      action: 'reuse',
      summary: `Keep the certificate "${c.certificateDisplayName}" Kantiv already holds (expires ${keep.endDateTime?.slice(0, 10) ?? 'never'}).`,
      details: [],
    };
  }
  const days = certificateLifetimeDays(c, now, learned);
  const until = new Date(now + days * DAY_MS).toISOString().slice(0, 10);
  const capped = learned?.policy?.certificateMaxDays
    ? `Your tenant’s app management policy caps certificate lifetimes, so the certificate is valid ${days} days.`
    : 'If your tenant’s policy allows a shorter lifetime only, the certificate is made shorter and you are told.';
  return {
    step: 'credential',
    action: 'create',
    summary: `Add the certificate "${c.certificateDisplayName}" (recommended) valid ${days} days (until ${until}).`,
    details: [
      ...(c.purpose === 'setup' ? [] : [REPLACES]),
      'Kantiv makes the key pair on its server: only the public certificate reaches your browser, and no secret is created or sent.',
      'Other certificates on the app are kept. Kantiv renews the certificate by itself before it expires.',
      capped,
    ],
  };
}

function outcome(
  ctx: ApplyContext,
  keyId: string,
  endDateTime: string,
  status: StepOutcome['status'],
  message: string,
): StepOutcome {
  ctx.outputs.credentialKind = 'certificate';
  ctx.outputs.secretKeyId = keyId;
  ctx.outputs.secretExpiresAt = endDateTime;
  return { status, message, data: { secretKeyId: keyId, secretExpiresAt: endDateTime } };
}

/** The collection entry Graph takes back unchanged: a certificate left out of a PATCH is removed. */
export function keep(k: KeyCredentialInfo) {
  return {
    keyId: k.keyId,
    type: k.type ?? 'AsymmetricX509Cert',
    usage: k.usage ?? 'Verify',
    key: k.key,
    ...(k.displayName ? { displayName: k.displayName } : {}),
  };
}

/**
 * Certificate mode: our server makes the key pair and answers with the public certificate, which is added to the
 * app's `keyCredentials` next to the ones already there. Answers `null` when the tenant's policy refuses
 * certificates (the caller falls back to a client secret; the reason is in `secretHolder.policy`).
 */
export async function applyCertificate(ctx: ApplyContext): Promise<StepOutcome | null> {
  const { discovery: d, config: c, secretHolder: holder } = ctx;
  const o = ctx.outputs;
  const objectId = o.applicationObjectId;
  if (!objectId || !o.tenantId || !o.clientId || !o.environmentUrl || !ctx.certificate) {
    throw new Error('credential needs the application, the environment and a certificate source');
  }
  const now = ctx.now();
  const held = reusableCertificate(d, c, holder, now);
  if (held) {
    return outcome(
      ctx,
      held.keyId,
      new Date(held.endDateTime ?? now).toISOString(),
      'skipped',
      `Kantiv already holds the certificate "${c.certificateDisplayName}"; no new one was added.`,
    );
  }
  const pending = holder.pendingCertificate;
  if (pending && (!d.application || d.application.certificates.some((k) => k.keyId === pending.keyId))) {
    return outcome(
      ctx,
      pending.keyId,
      pending.endDateTime,
      'succeeded',
      'Reusing the certificate added earlier in this session; Kantiv has not confirmed it yet.',
    );
  }

  const graph = ctx.clients.graph('credential');
  const wanted = certificateLifetimeDays(c, now, holder);
  let days = wanted;
  for (let attempt = 0; ; attempt++) {
    const made = await ctx.certificate(
      { tenantId: o.tenantId, clientId: o.clientId, environmentUrl: o.environmentUrl, lifetimeDays: days },
      ctx.signal,
    );
    const keyId = made.keyId.toLowerCase();
    const existing = await graph.keyCredentials(objectId);
    try {
      // A retried PATCH that already landed: the key is there, adding it again would be a second copy.
      if (!existing.some((k) => k.keyId.toLowerCase() === keyId)) {
        await graph.updateApplication(objectId, {
          keyCredentials: [
            ...existing.map(keep),
            {
              keyId,
              type: 'AsymmetricX509Cert',
              usage: 'Verify',
              key: made.certificate,
              displayName: c.certificateDisplayName,
            },
          ],
        });
      }
    } catch (err) {
      if (!(err instanceof MicrosoftApiError)) throw err;
      if (err.is('CredentialTypeNotAllowedAsPerAppPolicy')) {
        holder.policy = { ...holder.policy, certificatesRefused: err.message };
        return null;
      }
      const next = shorterLifetimeDays(err.message, days);
      if (err.is('CredentialInvalidLifetimeAsPerAppPolicy') && next !== null && attempt < 8) {
        days = next;
        ctx.progress(
          `Your tenant’s policy caps certificate lifetimes; trying ${days} days instead of ${wanted}.`,
        );
        continue;
      }
      throw err;
    }
    const endDateTime = new Date(made.notAfter).toISOString();
    holder.pendingCertificate = { keyId, endDateTime };
    if (days < wanted) holder.policy = { ...holder.policy, certificateMaxDays: days };
    return outcome(
      ctx,
      keyId,
      endDateTime,
      'succeeded',
      days < wanted
        ? `Added the certificate "${c.certificateDisplayName}", shortened to ${days} days (expires ${endDateTime.slice(0, 10)}) because your tenant’s app management policy does not allow ${wanted} days.`
        : `Added the certificate "${c.certificateDisplayName}" (expires ${endDateTime.slice(0, 10)}); only its public part passed through your browser.`,
    );
  }
}
