import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type {
  CreateWebhookRequest,
  WebhookDelivery,
  WebhookEventType,
  WebhookPayload,
  WebhookSubscription,
} from '@kantiv/shared/webhooks';
import type { Keyring } from '../config.ts';
import type { Db, Store } from '../db/database.ts';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema.ts';
import type { HttpClient } from '../lib/http-client.ts';
import { HttpError } from '../lib/http-error.ts';
import { open, seal, VaultError, webhookSecretAad } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import type { Job, JobOutcome, JobRunner } from './jobs.ts';
import { rewrapSealedColumns, sealedColumns, sealedOf } from './sealed-columns.ts';

const nowIso = () => new Date().toISOString();

/** `Kantiv-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (the timestamp defeats replays). */
export function signWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

function toSubscription(r: WebhookSubscriptionsTable): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as WebhookEventType[],
    createdAt: r.created_at,
    ...(r.description ? { description: r.description } : {}),
    ...(r.owner_api_key_id ? { ownerApiKeyId: r.owner_api_key_id } : {}),
    ...(r.disabled_at ? { disabledAt: r.disabled_at } : {}),
  };
}

function toDelivery(r: WebhookDeliveriesTable): WebhookDelivery {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventType: r.event_type,
    status: r.status as WebhookDelivery['status'],
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.setup_id ? { setupId: r.setup_id } : {}),
    ...(r.last_status_code !== null ? { lastStatusCode: r.last_status_code } : {}),
    ...(r.last_response ? { lastResponse: r.last_response } : {}),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    ...(r.next_attempt_at ? { nextAttemptAt: r.next_attempt_at } : {}),
  };
}

/**
 * Webhook subscriptions (signing secrets sealed like credentials, shown once) and persisted deliveries, retried
 * with exponential backoff by the job runner. Payloads carry identifiers and states only.
 */
/** A delivery not yet attempted; `nextAttemptAt` null for a test delivery, which is attempted at once. */
function newDelivery(
  payload: WebhookPayload,
  subscriptionId: string,
  setupId: string | null,
  nextAttemptAt: string | null,
): WebhookDeliveriesTable {
  const at = nowIso();
  return {
    id: payload.id,
    subscription_id: subscriptionId,
    event_type: payload.type,
    setup_id: setupId,
    payload: JSON.stringify(payload),
    status: 'pending',
    attempts: 0,
    last_status_code: null,
    last_response: null,
    last_error: null,
    next_attempt_at: nextAttemptAt,
    created_at: at,
    updated_at: at,
  };
}

/** Moves every webhook signing secret to the active KEK (also run by the `rewrap` command, without the app). */
export function rewrapSealedWebhookSecrets(deps: { db: Db; keyring: Keyring; audit: Audit }, actor: Actor) {
  return rewrapSealedColumns(deps, 'webhook_subscriptions', (r) => webhookSecretAad(r.id), actor);
}

export function createWebhooks(deps: {
  store: Store;
  keyring: () => Keyring;
  audit: Audit;
  http: HttpClient;
  jobs: JobRunner;
  config: { timeoutMs: number; maxAttempts: number; retryBaseMs: number };
}) {
  const db = deps.store.db;

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

  async function payloadFor(
    type: string,
    setupId: string | undefined,
    message?: string,
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
            }
          : {}),
        ...(message ? { message } : {}),
      },
    };
  }

  async function attempt(deliveryId: string): Promise<WebhookDeliveriesTable> {
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
    let response: string | null = null;
    let error: string | null = null;
    if (!sub || sub.disabled_at) {
      error = 'subscription deleted';
    } else {
      try {
        // Inside the try: a secret no key opens (its key removed before a rewrap) is a counted, failed attempt,
        // not a job crash retried every few seconds forever.
        let secret: string;
        try {
          secret = open(deps.keyring(), sealedOf(sub), webhookSecretAad(sub.id));
        } catch (err) {
          if (err instanceof VaultError)
            throw new Error('the signing secret could not be opened with any key');
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
            'kantiv-signature': signWebhook(secret, d.payload),
          },
        });
        statusCode = res.status;
        response = res.body.slice(0, 500);
      } catch (err) {
        error = (err as Error).message.slice(0, 300);
      }
    }
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const final = ok || attempts >= deps.config.maxAttempts || !sub || Boolean(sub.disabled_at);
    const next = final
      ? null
      : new Date(Date.now() + deps.config.retryBaseMs * 2 ** (attempts - 1)).toISOString();
    const update = {
      attempts,
      status: ok ? 'succeeded' : final ? 'failed' : 'pending',
      last_status_code: statusCode,
      last_response: response,
      last_error: error ?? (ok ? null : `receiver answered ${statusCode}`),
      next_attempt_at: next,
      updated_at: nowIso(),
    };
    await db.updateTable('webhook_deliveries').set(update).where('id', '=', d.id).execute();
    return { ...d, ...update };
  }

  return {
    async create(
      req: CreateWebhookRequest,
      owner: string | undefined,
      actor: Actor,
    ): Promise<{ subscription: WebhookSubscription; signingSecret: string }> {
      const id = randomUUID();
      const signingSecret = `whsec_${randomBytes(32).toString('base64url')}`;
      const sealed = seal(deps.keyring(), signingSecret, webhookSecretAad(id));
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

    /** Sends a `webhook.test` delivery now and answers with its outcome. */
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
        return toDelivery({ ...result, status: 'failed', next_attempt_at: null });
      }
      return toDelivery(result);
    },

    /** Queues one delivery per subscription that wants this event. */
    async emit(type: WebhookEventType, setupId: string): Promise<void> {
      const subs = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('disabled_at', 'is', null)
        .execute();
      const wanted = subs.filter((s) => (JSON.parse(s.events) as string[]).includes(type));
      if (wanted.length === 0) return;
      const { jobs } = deps;
      for (const sub of wanted) {
        const payload = await payloadFor(type, setupId);
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

    /** `credential.expiring`: once per credential, 30 days before the secret's end date. */
    async notifyExpiring(): Promise<number> {
      const soon = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const rows = await db
        .selectFrom('setups')
        .select('id')
        .where('state', '=', 'verified')
        .where('secret_expires_at', 'is not', null)
        .where('secret_expires_at', '<', soon)
        .where('expiry_notified_at', 'is', null)
        .limit(100)
        .execute();
      for (const { id } of rows) {
        await db.updateTable('setups').set({ expiry_notified_at: nowIso() }).where('id', '=', id).execute();
        await this.emit('credential.expiring', id);
      }
      return rows.length;
    },
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;
