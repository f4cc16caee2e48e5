import { engineText } from '@kantiv/shared/engine-texts';
import type { ResolvedConfig } from '../config.ts';
import { BlockerError, MicrosoftApiError } from '../errors.ts';
import type { SecretHolder } from '../secret-holder.ts';
import type { Discovery } from '../types.ts';
import { applyCertificate, planCertificate, usesCertificate } from './credential-certificate.ts';
import { RENEW_BEFORE_MS, shorterLifetimeDays } from './credential-lifetime.ts';
import { blocked, type ApplyContext, type StepDefinition, type StepOutcome } from './definition.ts';

/**
 * A renewal switches through the certificate rotation (decision 013): our server verifies and activates only a
 * certificate it made, so a renewal whose tenant refuses certificates (or whose admin chose a secret) stops here.
 */
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

export function reusableHandedOffSecret(d: Discovery, c: ResolvedConfig, holder: SecretHolder, now: number) {
  // A deleted app is restored with its credentials (app_registration): the secret Kantiv holds is kept.
  const secrets = (d.application ?? d.deletedApplication)?.secrets ?? [];
  return secrets.find(
    (s) =>
      (holder.handedOff.has(s.keyId) || s.keyId === c.handedOffSecretKeyId) &&
      (!s.endDateTime || Date.parse(s.endDateTime) - now > RENEW_BEFORE_MS),
  );
}

export const credential: StepDefinition = {
  id: 'credential',
  dependsOn: ['app_registration', 'environment'],
  discover: (s) => s.application(),
  plan(d, c, now, learned) {
    if (c.purpose === 'renew' && !usesCertificate(c, learned))
      return blocked('credential', 'A renewal needs a certificate.', RENEWAL_NEEDS_CERTIFICATE);
    if (usesCertificate(c, learned)) return planCertificate(d, c, now, learned);
    const why = whySecret(c, learned);
    const keep = reusableHandedOffSecret(d, c, { pending: null, handedOff: new Set() }, now);
    const stale = (d.application?.secrets ?? []).filter((s) => s.keyId !== keep?.keyId);
    const cleanup = stale.length
      ? [
          `Remove ${stale.length} other "${c.secretDisplayName}" credential(s) that Kantiv does not hold (left by an earlier, interrupted run), after the hand-off.`,
        ]
      : [];
    if (keep) {
      return {
        step: 'credential',
        action: 'reuse',
        summary: `Keep the client secret Kantiv already holds (expires ${keep.endDateTime?.slice(0, 10) ?? 'never'}).`,
        details: [...why, ...cleanup],
      };
    }
    const end = addMonths(now, c.secretLifetimeMonths);
    return {
      step: 'credential',
      action: 'create',
      summary: `Create a client secret "${c.secretDisplayName}" valid ${c.secretLifetimeMonths} months (until ${end.toISOString().slice(0, 10)}).`,
      details: [
        ...why,
        'The secret is never shown: it goes straight to Kantiv over an encrypted connection.',
        'If your tenant’s policy allows a shorter lifetime only, the secret is made shorter and you are told.',
        ...cleanup,
      ],
    };
  },
  async apply(ctx) {
    const renewing = ctx.config.purpose === 'renew';
    if (renewing && !usesCertificate(ctx.config, ctx.secretHolder))
      throw new BlockerError(RENEWAL_NEEDS_CERTIFICATE);
    if (!usesCertificate(ctx.config, ctx.secretHolder)) return applySecret(ctx);
    const done = await applyCertificate(ctx);
    if (done) return done;
    if (renewing) throw new BlockerError(RENEWAL_NEEDS_CERTIFICATE);
    // The tenant's policy refused the certificate: a client secret instead, and the run says why.
    const secret = await applySecret(ctx);
    return { ...secret, message: `${whySecret(ctx.config, ctx.secretHolder).join(' ')} ${secret.message}` };
  },
};

/** Why the plan uses a client secret, when certificates (the default) were possible. */
function whySecret(c: ResolvedConfig, learned: SecretHolder | undefined): string[] {
  const refused = learned?.policy?.certificatesRefused;
  if (refused && c.credentialKind === 'certificate') {
    return [
      `A client secret instead of a certificate: your tenant’s app management policy does not allow certificates on this app (${refused}).`,
    ];
  }
  if (c.certificatesPossible && c.credentialKind === 'client_secret') {
    return ['A client secret, as you chose; a certificate (recommended) needs no secret and renews itself.'];
  }
  return [];
}

async function applySecret(ctx: ApplyContext): Promise<StepOutcome> {
  const { discovery: d, config: c, secretHolder } = ctx;
  const objectId = ctx.outputs.applicationObjectId;
  if (!objectId) throw new Error('credential needs the application');
  const now = ctx.now();

  const keep = reusableHandedOffSecret(d, c, secretHolder, now);
  if (keep) {
    ctx.outputs.credentialKind = 'client_secret';
    ctx.outputs.secretKeyId = keep.keyId;
    if (keep.endDateTime) ctx.outputs.secretExpiresAt = new Date(keep.endDateTime).toISOString();
    return {
      status: 'skipped',
      message: 'Kantiv already holds a valid secret for this app; no new secret was created.',
      data: {
        secretKeyId: keep.keyId,
        ...(keep.endDateTime ? { secretExpiresAt: new Date(keep.endDateTime).toISOString() } : {}),
      },
    };
  }
  // A secret this engine created but could not hand off yet (e.g. our server was unreachable): still valid, reuse.
  const pending = secretHolder.pending;
  if (pending && (!d.application || d.application.secrets.some((s) => s.keyId === pending.keyId))) {
    ctx.outputs.credentialKind = 'client_secret';
    ctx.outputs.secretKeyId = pending.keyId;
    ctx.outputs.secretExpiresAt = pending.endDateTime;
    return {
      status: 'succeeded',
      message: 'Reusing the secret created earlier in this session; it has not reached Kantiv yet.',
      data: { secretKeyId: pending.keyId, secretExpiresAt: pending.endDateTime },
    };
  }

  const graph = ctx.clients.graph('credential');
  const wanted = addMonths(now, c.secretLifetimeMonths);
  let end = wanted;
  let shortenedTo: number | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await graph.addPassword(objectId, {
        displayName: c.secretDisplayName,
        endDateTime: end.toISOString(),
      });
      const keyId = created.keyId.toLowerCase();
      const endDateTime = new Date(created.endDateTime).toISOString();
      secretHolder.pending = { keyId, secretText: created.secretText, endDateTime };
      ctx.outputs.credentialKind = 'client_secret';
      ctx.outputs.secretKeyId = keyId;
      ctx.outputs.secretExpiresAt = endDateTime;
      return {
        status: 'succeeded',
        message:
          shortenedTo !== null
            ? `Created the client secret "${c.secretDisplayName}", shortened to ${shortenedTo} days (expires ${endDateTime.slice(0, 10)}) because your tenant’s app management policy does not allow ${c.secretLifetimeMonths} months.`
            : `Created the client secret "${c.secretDisplayName}" (expires ${endDateTime.slice(0, 10)}).`,
        data: { secretKeyId: keyId, secretExpiresAt: endDateTime, created: true },
      };
    } catch (err) {
      if (!(err instanceof MicrosoftApiError)) throw err;
      if (err.is('CredentialTypeNotAllowedAsPerAppPolicy')) {
        throw new BlockerError({
          code: 'CredentialTypeNotAllowedAsPerAppPolicy',
          text: engineText('app_policy_forbids_secret', { microsoft: err.message }),
          message: `Your tenant’s app management policy does not allow client secrets on new applications (${err.message}).`,
          ...(err.requestId ? { requestId: err.requestId } : {}),
          fix: 'An Entra administrator who manages app management policies (Global Administrator, or Security Administrator) must exempt this app or allow password credentials (Entra admin center → Enterprise applications → Application policies). Then retry; or use the manual path with a certificate.',
        });
      }
      if (err.is('CredentialInvalidLifetimeAsPerAppPolicy') && attempt < 8) {
        const nextDays = shorterLifetimeDays(err.message, Math.floor((end.getTime() - now) / 86_400_000));
        if (nextDays === null) throw err;
        shortenedTo = nextDays;
        end = new Date(now + nextDays * 86_400_000);
        ctx.progress(
          `Your tenant’s policy caps secret lifetimes; trying ${nextDays} days instead of ${c.secretLifetimeMonths} months.`,
        );
        continue;
      }
      throw err;
    }
  }
}
