import { MicrosoftApiError } from '../errors.ts';
import { handedOffData, planCertificateHandoff, sendCertificate } from './handoff-certificate.ts';
import { usesCertificate } from './credential-certificate.ts';
import { reusableHandedOffSecret } from './credential.ts';
import type { StepDefinition } from './definition.ts';

export const handoff: StepDefinition = {
  id: 'handoff',
  dependsOn: ['credential', 'application_user', 'api_permission'],
  discover: async () => undefined,
  plan(d, c, now, learned) {
    if (usesCertificate(c, learned)) return planCertificateHandoff(d, c, now);
    const keep = reusableHandedOffSecret(d, c, { pending: null, handedOff: new Set() }, now);
    if (keep) {
      return {
        step: 'handoff',
        action: 'none',
        summary: 'Kantiv already holds the current secret; nothing to send.',
        details: [],
      };
    }
    return {
      step: 'handoff',
      action: 'send',
      summary: 'Send the tenant id, client id, secret and its expiry to Kantiv over an encrypted connection.',
      details: ['The secret is never shown to you and never stored in your browser.'],
    };
  },
  async apply(ctx) {
    if (ctx.outputs.credentialKind === 'certificate') return sendCertificate(ctx);
    const o = ctx.outputs;
    const keyId = o.secretKeyId;
    if (!o.tenantId || !o.clientId || !keyId || !o.environmentUrl || !o.applicationObjectId) {
      throw new Error('handoff needs the tenant, app, secret and environment');
    }
    const pending = ctx.secretHolder.pending;
    let sent = false;
    if (pending && pending.keyId === keyId && !ctx.secretHolder.handedOff.has(keyId)) {
      // The keyId is the idempotency key: a retried hand-off of the same secret is stored once by our server.
      await ctx.handoff(
        {
          idempotencyKey: keyId,
          source: 'automatic',
          tenantId: o.tenantId,
          clientId: o.clientId,
          clientSecret: pending.secretText,
          secretKeyId: keyId,
          secretExpiresAt: pending.endDateTime,
          environmentUrl: o.environmentUrl,
          ...(o.applicationUserId ? { applicationUserId: o.applicationUserId } : {}),
          ...(o.roleName ? { roleName: o.roleName } : {}),
        },
        ctx.signal,
      );
      ctx.secretHolder.handedOff.add(keyId);
      ctx.secretHolder.pending = null;
      sent = true;
    } else if (!ctx.secretHolder.handedOff.has(keyId) && keyId !== ctx.config.handedOffSecretKeyId) {
      throw new Error('the secret to hand off is no longer in memory');
    }

    // This setup's secrets that Kantiv does not hold: orphans of interrupted runs, or the one just replaced. Other
    // setups of the tenant share the app; their secrets have other names and are never touched (decision 010).
    // (An app born in this run holds only the secret just handed off.)
    const graph = ctx.clients.graph('handoff');
    const app = ctx.state.appCreated
      ? null
      : await graph.application(o.applicationObjectId, { replication: true });
    const stale = (app?.passwordCredentials ?? []).filter(
      (s) => s.displayName === ctx.config.secretDisplayName && s.keyId.toLowerCase() !== keyId,
    );
    for (const s of stale) {
      try {
        await graph.removePassword(o.applicationObjectId, s.keyId);
      } catch (err) {
        if (!(err instanceof MicrosoftApiError && err.status === 404)) throw err;
      }
    }
    const removed = stale.length ? ` Removed ${stale.length} unused older secret(s).` : '';
    return {
      status: sent ? 'succeeded' : 'skipped',
      message: sent
        ? `Kantiv received the credential.${removed}`
        : `Kantiv already held the current secret.${removed}`,
      data: handedOffData(o, keyId),
    };
  },
};

/** In the order of `STEP_IDS` (the manual guide's order), without the server's `verification`. */
