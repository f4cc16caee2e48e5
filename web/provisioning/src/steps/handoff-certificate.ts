import type { ResolvedConfig } from '../config.ts';
import { MicrosoftApiError } from '../errors.ts';
import type { StepData } from '@kantiv/shared/events';
import type { Discovery, EngineOutputs, PlannedStep } from '../types.ts';
import { keep, reusableCertificate } from './credential-certificate.ts';
import type { ApplyContext, StepOutcome } from './definition.ts';

export function planCertificateHandoff(d: Discovery, c: ResolvedConfig, now: number): PlannedStep {
  if (reusableCertificate(d, c, { pending: null, handedOff: new Set() }, now)) {
    return {
      step: 'handoff',
      action: 'none',
      summary: 'Kantiv already holds the current certificate; nothing to send.',
      details: [],
    };
  }
  return {
    step: 'handoff',
    action: 'send',
    summary: 'Tell Kantiv which certificate was added: the tenant id, client id and certificate key id.',
    details: ['No secret exists in this mode: the private key never left Kantiv’s server.'],
  };
}

/**
 * The certificate hand-off: ids only. Then this setup's other certificates (orphans of interrupted runs, or the one
 * just replaced) leave the app in one PATCH that sends back every certificate it keeps, with its `key`.
 */
export async function sendCertificate(ctx: ApplyContext): Promise<StepOutcome> {
  const o = ctx.outputs;
  const holder = ctx.secretHolder;
  const keyId = o.secretKeyId;
  if (!o.tenantId || !o.clientId || !keyId || !o.environmentUrl || !o.applicationObjectId) {
    throw new Error('handoff needs the tenant, app, certificate and environment');
  }
  let sent = false;
  if (!holder.handedOff.has(keyId) && keyId !== ctx.config.handedOffSecretKeyId) {
    if (holder.pendingCertificate?.keyId !== keyId) throw new Error('the certificate to confirm is unknown');
    await ctx.handoff(
      {
        // The keyId is the idempotency key: a retried confirmation activates the certificate once.
        idempotencyKey: keyId,
        source: 'automatic',
        credentialKind: 'certificate',
        keyId,
        tenantId: o.tenantId,
        clientId: o.clientId,
        environmentUrl: o.environmentUrl,
        ...(o.applicationUserId ? { applicationUserId: o.applicationUserId } : {}),
        ...(o.roleName ? { roleName: o.roleName } : {}),
      },
      ctx.signal,
    );
    holder.handedOff.add(keyId);
    holder.pendingCertificate = null;
    sent = true;
  }

  const graph = ctx.clients.graph('handoff');
  if (ctx.config.purpose !== 'setup') return afterSwitch(ctx, keyId, sent);
  const keys = ctx.state.appCreated ? [] : await graph.keyCredentials(o.applicationObjectId);
  const stale = keys.filter(
    (k) => k.displayName === ctx.config.certificateDisplayName && k.keyId.toLowerCase() !== keyId,
  );
  if (stale.length) {
    await graph.updateApplication(o.applicationObjectId, {
      keyCredentials: keys.filter((k) => !stale.includes(k)).map(keep),
    });
  }
  const removed = stale.length ? ` Removed ${stale.length} unused older certificate(s).` : '';
  return {
    status: sent ? 'succeeded' : 'skipped',
    message: sent
      ? `Kantiv confirmed the certificate; no secret was sent.${removed}`
      : `Kantiv already held the current certificate.${removed}`,
    data: handedOffData(o, keyId),
  };
}

/**
 * A follow-up link's hand-off (decision 013): the connection in use keeps its credential until our server verified
 * the new certificate and switched token vending to it. Only then does this run remove the setup's client secrets
 * (the app cannot remove a secret itself); an old certificate is removed by the server (`removeKey`), never here.
 */
async function afterSwitch(ctx: ApplyContext, keyId: string, sent: boolean): Promise<StepOutcome> {
  const o = ctx.outputs;
  const data = handedOffData(o, keyId);
  // A renewal run again after its switch failed or its old secret could not be removed: the certificate is not sent
  // twice, but the run still waits for the switch and removes the old secret, or the renewal would never finish.
  const finish = ctx.config.purpose === 'renew' && ctx.switched;
  if (!sent && !finish)
    return { status: 'skipped', message: 'Kantiv already held the current certificate.', data };
  if (!ctx.switched) {
    return {
      status: 'succeeded',
      message:
        'Kantiv received the new certificate and switches to it once verified; an old secret stays until its end date.',
      data,
    };
  }
  ctx.progress('Waiting for Kantiv to verify the new certificate and switch to it…');
  await ctx.switched(keyId, ctx.signal);
  const graph = ctx.clients.graph('handoff');
  const app = await graph.application(o.applicationObjectId ?? '', { replication: true });
  const old = (app?.passwordCredentials ?? []).filter(
    (s) => s.displayName === ctx.config.secretDisplayName && s.keyId.toLowerCase() !== keyId,
  );
  for (const s of old) {
    try {
      await graph.removePassword(o.applicationObjectId ?? '', s.keyId);
    } catch (err) {
      if (!(err instanceof MicrosoftApiError && err.status === 404)) throw err;
    }
  }
  return {
    status: sent || old.length ? 'succeeded' : 'skipped',
    message: old.length
      ? `Kantiv switched to the new certificate; the old client secret was removed from the app.`
      : sent
        ? 'Kantiv switched to the new certificate.'
        : 'Kantiv already held the current certificate.',
    data,
  };
}

/** The ids a hand-off step reports (never a value). */
export function handedOffData(o: EngineOutputs, keyId: string): StepData {
  return {
    ...(o.tenantId ? { tenantId: o.tenantId } : {}),
    ...(o.clientId ? { clientId: o.clientId } : {}),
    secretKeyId: keyId,
    ...(o.secretExpiresAt ? { secretExpiresAt: o.secretExpiresAt } : {}),
    ...(o.applicationUserId ? { applicationUserId: o.applicationUserId } : {}),
  };
}
