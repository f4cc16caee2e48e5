import { randomUUID } from 'node:crypto';
import type {
  CreateWebhookRequest,
  WebhookDelivery,
  WebhookEventType,
  WebhookPayload,
  WebhookSubscription,
} from '@kantiv/shared/webhooks';
import type { Keyring } from '../config.ts';
import type { Store } from '../db/database.ts';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema.ts';
import { AddressRefused, type AddressGuard } from '../lib/address-policy.ts';
import { type HttpClient, RequestTimeout } from '../lib/http-client.ts';
import { HttpError } from '../lib/http-error.ts';
import { VaultError, webhookSecretAad } from '../vault/vault.ts';
import { tracedVault } from './telemetry/traced-vault.ts';
import type { Actor, Audit } from './audit.ts';
import type { Job, JobOutcome, JobRunner } from './jobs.ts';
import { sealedColumns, sealedOf } from './sealed-columns.ts';
import { rewrapSealedWebhookSecrets } from './webhook-rows.ts';
import type { Metrics } from './telemetry/metrics.ts';
import { newDelivery, newSigningSecret, signedHeaders, toDelivery, toSubscription } from './webhook-rows.ts';
import { createWebhookManagement } from './webhook-management.ts';
import type { Clock } from '../lib/clock.ts';

// Every seal and open is a span when tracing is on.
const { open, seal } = tracedVault('webhook_secret');

const nowIso = () => new Date().toISOString();

/**
 * Webhook subscriptions (signing secrets sealed like credentials, shown once) and persisted deliveries, retried
 * with exponential backoff by the job runner. Payloads carry identifiers and states only.
 */
export function createWebhooks(deps: {
  store: Store;
  keyring: () => Keyring;
  audit: Audit;
  /** A client whose connections can reach public addresses only (the `guard`'s lookup). */
  http: HttpClient;
  guard: AddressGuard;
  jobs: JobRunner;
  config: { timeoutMs: number; maxAttempts: number; retryBaseMs: number; allowHttp: boolean };
  clock: Clock;
  /** How long a rotated-away secret keeps signing (console-config.ts). */
  secretGraceMs: number;
  metrics?: Pick<Metrics, 'vaultOp' | 'webhookDelivery'>;
}) {
  const db = deps.store.db;

  /**
   * A receiver URL we may call: https (http only in development mode), no credentials in it, and a host that
   * resolves to public addresses only. Checked again at every delivery, when the socket connects.
   */
  async function checkUrl(raw: string): Promise<void> {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && !(deps.config.allowHttp && url.protocol === 'http:'))
      throw new HttpError(400, 'bad_request', 'The webhook URL must use https.');
    if (url.username || url.password)
      throw new HttpError(400, 'bad_request', 'The webhook URL must not contain credentials.');
    try {
      if (!deps.http.isMapped(url.hostname)) await deps.guard.check(url.hostname);
    } catch {
      throw new HttpError(400, 'bad_request', 'The webhook URL must resolve to a public internet address.');
    }
  }

  async function ownedOrThrow(id: string, owner: string | undefined): Promise<WebhookSubscriptionsTable> {
    const row = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || (owner !== undefined && row.owner_api_key_id !== owner))
      throw new HttpError(404, 'not_found', 'No webhook subscription with this id.');
    return row;
  }

  /**
   * A subscription belongs to the API key that created it (or, with no owner, to staff). Its deliveries go out only
   * while that key is live and, for setup data, may read setups: a revoked or narrowed key stops receiving at once.
   */
  async function ownerMayReceive(sub: WebhookSubscriptionsTable, setupData: boolean): Promise<boolean> {
    if (!sub.owner_api_key_id) return true;
    const key = await db
      .selectFrom('api_keys')
      .select(['revoked_at', 'scopes'])
      .where('id', '=', sub.owner_api_key_id)
      .executeTakeFirst();
    if (!key || key.revoked_at) return false;
    return !setupData || (JSON.parse(key.scopes) as string[]).includes('setups:read');
  }

  async function payloadFor(
    type: string,
    setupId: string | undefined,
    message?: string,
    extra?: Record<string, unknown>,
  ): Promise<WebhookPayload> {
    const s = setupId
      ? await db.selectFrom('setups').selectAll().where('id', '=', setupId).executeTakeFirst()
      : undefined;
    return {
      id: randomUUID(),
      type,
      createdAt: nowIso(),
      data: {
        ...(s
          ? {
              setupId: s.id,
              customerName: s.customer_name,
              state: s.state,
              ...(s.tenant_id ? { tenantId: s.tenant_id } : {}),
              ...(s.client_id ? { clientId: s.client_id } : {}),
              ...(s.environment_url ? { environmentUrl: s.environment_url } : {}),
              ...(s.secret_expires_at ? { secretExpiresAt: s.secret_expires_at } : {}),
              ...(s.credential_kind ? { credentialKind: s.credential_kind } : {}),
              ...(s.secret_expires_at ? { credentialExpiresAt: s.secret_expires_at } : {}),
              ...(type === 'credential.expiring' && s.expiry_notice_days !== null
                ? { expiringInDays: s.expiry_notice_days }
                : {}),
            }
          : {}),
        ...(message ? { message } : {}),
        ...extra,
      },
    };
  }

  /**
   * The secret before the last rotation while its grace period lasts. One no key opens any more (its KEK removed,
   * as a rewrap moves only current secrets) is left out: the new secret's signature still goes out.
   */
  function previousSecretOf(sub: WebhookSubscriptionsTable): string | undefined {
    const { previous_kid: kid, previous_wrapped_key: wrappedKey, previous_iv: iv } = sub;
    const { previous_tag: tag, previous_ciphertext: ciphertext, previous_until: until } = sub;
    if (!kid || !wrappedKey || !iv || !tag || !ciphertext || !until) return undefined;
    if (Date.parse(until) <= deps.clock.now().getTime()) return undefined;
    try {
      return open(deps.keyring(), { kid, wrappedKey, iv, tag, ciphertext }, webhookSecretAad(sub.id));
    } catch {
      return undefined;
    }
  }

  async function attempt(deliveryId: string): Promise<WebhookDeliveriesTable & { durationMs: number }> {
    const d = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    const sub = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', d.subscription_id)
      .executeTakeFirst();
    const attempts = d.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    const started = Date.now();
    const owned = sub ? await ownerMayReceive(sub, d.setup_id !== null) : false;
    if (!sub || sub.disabled_at) {
      error = 'subscription deleted';
    } else if (sub.paused_at) {
      error = 'subscription paused';
    } else if (!owned) {
      error = 'the subscription owner may no longer read setups';
    } else {
      try {
        // The scheme is checked again: a row written before the https rule, or by hand, is not trusted either.
        if (!new URL(sub.url).protocol.startsWith('https') && !deps.config.allowHttp)
          throw new AddressRefused(new URL(sub.url).hostname);
        // Inside the try: a secret no key opens (its key removed before a rewrap) is a counted, failed attempt,
        // not a job crash retried every few seconds forever.
        let secret: string;
        try {
          secret = open(deps.keyring(), sealedOf(sub), webhookSecretAad(sub.id));
          deps.metrics?.vaultOp('open', 'webhook_secret', true);
        } catch (err) {
          deps.metrics?.vaultOp('open', 'webhook_secret', false);
          throw err;
        }
        const res = await deps.http.request(sub.url, {
          method: 'POST',
          body: d.payload,
          timeoutMs: deps.config.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'KantivConnect-Webhooks/1',
            'kantiv-event': d.event_type,
            'kantiv-delivery': d.id,
            ...signedHeaders(secret, d.id, d.payload, new Date(), previousSecretOf(sub)),
          },
        });
        // Only the status is kept: the answer's body (and a connection error's text) would turn this into a way
        // to read, or scan, whatever the URL reaches.
        statusCode = res.status;
      } catch (err) {
        error =
          err instanceof VaultError
            ? 'the signing secret could not be opened with any key'
            : err instanceof AddressRefused
              ? 'the receiver address is not allowed'
              : err instanceof RequestTimeout
                ? 'the receiver did not answer in time'
                : 'the receiver could not be reached';
      }
    }
    const durationMs = Date.now() - started;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const final =
      ok ||
      attempts >= deps.config.maxAttempts ||
      !sub ||
      Boolean(sub.disabled_at || sub.paused_at) ||
      !owned;
    const next = final
      ? null
      : new Date(Date.now() + deps.config.retryBaseMs * 2 ** (attempts - 1)).toISOString();
    const update = {
      attempts,
      status: ok ? 'succeeded' : final ? 'failed' : 'pending',
      last_status_code: statusCode,
      last_response: null,
      last_error: error ?? (ok ? null : `receiver answered ${statusCode}`),
      next_attempt_at: next,
      updated_at: nowIso(),
    };
    await db.updateTable('webhook_deliveries').set(update).where('id', '=', d.id).execute();
    deps.metrics?.webhookDelivery(d.event_type, ok ? 'succeeded' : final ? 'failed' : 'retry');
    return { ...d, ...update, durationMs };
  }

  return {
    ...createWebhookManagement({
      db,
      keyring: deps.keyring,
      audit: deps.audit,
      jobs: deps.jobs,
      clock: deps.clock,
      graceMs: deps.secretGraceMs,
      checkUrl,
      owned: ownedOrThrow,
    }),

    async create(
      req: CreateWebhookRequest,
      owner: string | undefined,
      actor: Actor,
    ): Promise<{ subscription: WebhookSubscription; signingSecret: string }> {
      await checkUrl(req.url);
      const id = randomUUID();
      const signingSecret = newSigningSecret();
      const sealed = seal(deps.keyring(), signingSecret, webhookSecretAad(id));
      deps.metrics?.vaultOp('seal', 'webhook_secret', true);
      const row: WebhookSubscriptionsTable = {
        id,
        url: req.url,
        events: JSON.stringify([...new Set(req.events)]),
        description: req.description ?? null,
        owner_api_key_id: owner ?? null,
        ...sealedColumns(sealed),
        created_at: nowIso(),
        created_by: `${actor.kind}:${actor.id}`,
        disabled_at: null,
        paused_at: null,
        previous_kid: null,
        previous_wrapped_key: null,
        previous_iv: null,
        previous_tag: null,
        previous_ciphertext: null,
        previous_until: null,
      };
      await db.insertInto('webhook_subscriptions').values(row).execute();
      await deps.audit.record(actor, {
        action: 'webhook.created',
        target: id,
        details: { url: req.url, events: req.events },
      });
      return { subscription: toSubscription(row), signingSecret };
    },

    async list(owner: string | undefined): Promise<WebhookSubscription[]> {
      let q = db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('disabled_at', 'is', null)
        .orderBy('created_at', 'desc');
      if (owner !== undefined) q = q.where('owner_api_key_id', '=', owner);
      return (await q.execute()).map(toSubscription);
    },

    async remove(id: string, owner: string | undefined, actor: Actor): Promise<void> {
      const row = await ownedOrThrow(id, owner);
      if (!row.disabled_at) {
        await db
          .updateTable('webhook_subscriptions')
          .set({ disabled_at: nowIso() })
          .where('id', '=', id)
          .execute();
        await deps.audit.record(actor, { action: 'webhook.deleted', target: id });
      }
    },

    async deliveries(id: string, owner: string | undefined): Promise<WebhookDelivery[]> {
      await ownedOrThrow(id, owner);
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('subscription_id', '=', id)
        .orderBy('created_at', 'desc')
        .limit(50)
        .execute();
      return rows.map(toDelivery);
    },

    /** Sends a `webhook.test` delivery now and answers with its outcome: status code and timing, nothing else. */
    async test(id: string, owner: string | undefined, actor: Actor): Promise<WebhookDelivery> {
      const sub = await ownedOrThrow(id, owner);
      if (sub.disabled_at) throw new HttpError(404, 'not_found', 'No webhook subscription with this id.');
      const payload = await payloadFor('webhook.test', undefined, 'A test delivery from Kantiv Connect');
      const deliveryId = payload.id;
      await db
        .insertInto('webhook_deliveries')
        .values(newDelivery(payload, id, null, null))
        .execute();
      await deps.audit.record(actor, { action: 'webhook.tested', target: id });
      const result = await attempt(deliveryId);
      // A failed test is not retried: the person testing sees the answer at once.
      if (result.status === 'pending') {
        await db
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', next_attempt_at: null })
          .where('id', '=', deliveryId)
          .execute();
        return {
          ...toDelivery({ ...result, status: 'failed', next_attempt_at: null }),
          durationMs: result.durationMs,
        };
      }
      return { ...toDelivery(result), durationMs: result.durationMs };
    },

    /** Queues one delivery per subscription that wants this event. */
    /** `extra` joins the payload's `data` (a health change carries `health` and `cause`). */
    async emit(
      type: WebhookEventType,
      setupId: string,
      message?: string,
      extra?: Record<string, unknown>,
    ): Promise<void> {
      const subs = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('disabled_at', 'is', null)
        .where('paused_at', 'is', null)
        .execute();
      const wanted: WebhookSubscriptionsTable[] = [];
      for (const s of subs) {
        if ((JSON.parse(s.events) as string[]).includes(type) && (await ownerMayReceive(s, true)))
          wanted.push(s);
      }
      if (wanted.length === 0) return;
      const { jobs } = deps;
      for (const sub of wanted) {
        const payload = await payloadFor(type, setupId, message, extra);
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('webhook_deliveries')
            .values(newDelivery(payload, sub.id, setupId, nowIso()))
            .execute();
          await jobs.enqueue(trx, { kind: 'webhook', setupId, refId: payload.id });
        });
      }
      jobs.kick();
    },

    async runJob(job: Job): Promise<JobOutcome> {
      if (!job.ref_id) return { outcome: 'failed', error: 'job without delivery' };
      const result = await attempt(job.ref_id);
      if (result.status === 'pending' && result.next_attempt_at) {
        return {
          outcome: 'retry',
          at: new Date(result.next_attempt_at),
          error: result.last_error ?? 'failed',
        };
      }
      return result.status === 'succeeded'
        ? { outcome: 'done' }
        : { outcome: 'failed', error: result.last_error ?? 'failed' };
    },

    /** Moves every signing secret's data key to the active KEK (see rewrapSealedColumns). */
    async rewrapAll(actor: Actor): Promise<{ rewrapped: number; failed: number }> {
      return rewrapSealedWebhookSecrets({ db, keyring: deps.keyring(), audit: deps.audit }, actor);
    },
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;
