import type { ResolvedConfig } from '../config.ts';
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
