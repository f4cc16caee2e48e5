import type { UpdateWebhookRequest, WebhookDelivery, WebhookSubscription } from '@kantiv/shared/webhooks';
import type { Keyring } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { WebhookSubscriptionsTable } from '../db/schema.ts';
import type { Clock } from '../lib/clock.ts';
import { HttpError } from '../lib/http-error.ts';
import { webhookSecretAad } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import type { JobRunner } from './jobs.ts';
import { sealedColumns } from './sealed-columns.ts';
import { tracedVault } from './telemetry/traced-vault.ts';
import { newSigningSecret, toDelivery, toSubscription } from './webhook-rows.ts';

const { seal } = tracedVault('webhook_secret');

/**
 * Changing a live subscription: edit or pause it, rotate its signing secret (the previous one signs as well for a
 * grace period), and send a past delivery again. Deleted subscriptions answer 404 here like everywhere else.
 */
export function createWebhookManagement(deps: {
  db: Db;
  keyring: () => Keyring;
  audit: Audit;
  jobs: JobRunner;
  clock: Clock;
  graceMs: number;
  checkUrl: (raw: string) => Promise<void>;
  owned: (id: string, owner: string | undefined) => Promise<WebhookSubscriptionsTable>;
}) {
  const { db } = deps;
  const live = async (id: string, owner: string | undefined) => {
    const row = await deps.owned(id, owner);
    if (row.disabled_at) throw new HttpError(404, 'not_found', 'No webhook subscription with this id.');
    return row;
  };
  const reread = async (id: string) =>
    toSubscription(
      await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    );

  return {
    async update(
      id: string,
      owner: string | undefined,
      req: UpdateWebhookRequest,
      actor: Actor,
    ): Promise<WebhookSubscription> {
      const row = await live(id, owner);
      if (req.url !== undefined) await deps.checkUrl(req.url);
      const set: Partial<WebhookSubscriptionsTable> = {};
      if (req.url !== undefined) set.url = req.url;
      if (req.events !== undefined) set.events = JSON.stringify([...new Set(req.events)]);
      if (req.description !== undefined) set.description = req.description || null;
      if (req.paused !== undefined && req.paused !== Boolean(row.paused_at))
        set.paused_at = req.paused ? deps.clock.now().toISOString() : null;
      if (Object.keys(set).length > 0) {
        await db.updateTable('webhook_subscriptions').set(set).where('id', '=', id).execute();
        await deps.audit.record(actor, {
          action: 'webhook.updated',
          target: id,
          details: {
            changed: Object.keys(set).map((k) => (k === 'paused_at' ? 'paused' : k)),
            ...(set.url ? { url: set.url } : {}),
            ...(req.events ? { events: req.events } : {}),
            ...(req.paused !== undefined && 'paused_at' in set ? { paused: req.paused } : {}),
          },
        });
      }
      return reread(id);
    },

    /**
     * A new secret, shown once. Compare-and-set on the current ciphertext: of two rotations at the same moment one
     * wins and the other answers 409, so no secret is handed out that never signs.
     */
    async rotate(
      id: string,
      owner: string | undefined,
      actor: Actor,
    ): Promise<{ subscription: WebhookSubscription; signingSecret: string }> {
      const row = await live(id, owner);
      const signingSecret = newSigningSecret();
      const until = new Date(deps.clock.now().getTime() + deps.graceMs).toISOString();
      const keep = deps.graceMs > 0;
      const res = await db
        .updateTable('webhook_subscriptions')
        .set({
          ...sealedColumns(seal(deps.keyring(), signingSecret, webhookSecretAad(id))),
          previous_kid: keep ? row.kid : null,
          previous_wrapped_key: keep ? row.wrapped_key : null,
          previous_iv: keep ? row.iv : null,
          previous_tag: keep ? row.tag : null,
          previous_ciphertext: keep ? row.ciphertext : null,
          previous_until: keep ? until : null,
        })
        .where('id', '=', id)
        .where('ciphertext', '=', row.ciphertext)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1)
        throw new HttpError(
          409,
          'conflict',
          'The secret was rotated at the same moment; list the webhook and retry.',
        );
      await deps.audit.record(actor, {
        action: 'webhook.secret_rotated',
        target: id,
        details: keep ? { previousSecretValidUntil: until } : {},
      });
      return { subscription: await reread(id), signingSecret };
    },

    /**
     * Queues a past delivery again with the same `webhook-id` (receivers drop it if they already took it), so a
     * receiver that was down can catch up. One more attempt when it had used up its retries.
     */
    async redeliver(
      id: string,
      deliveryId: string,
      owner: string | undefined,
      actor: Actor,
    ): Promise<WebhookDelivery> {
      const sub = await live(id, owner);
      const d = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', deliveryId)
        .where('subscription_id', '=', id)
        .executeTakeFirst();
      if (!d) throw new HttpError(404, 'not_found', 'No delivery with this id for this webhook.');
      if (sub.paused_at)
        throw new HttpError(409, 'conflict', 'This webhook is paused; resume it to send deliveries.');
      if (d.status === 'pending')
        throw new HttpError(409, 'conflict', 'This delivery is still queued; it will be attempted.');
      const at = deps.clock.now().toISOString();
      const next = { status: 'pending', next_attempt_at: at, updated_at: at } as const;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('webhook_deliveries').set(next).where('id', '=', d.id).execute();
        await deps.jobs.enqueue(trx, {
          kind: 'webhook',
          ...(d.setup_id ? { setupId: d.setup_id } : {}),
          refId: d.id,
        });
        await deps.audit.record(
          actor,
          {
            action: 'webhook.redelivered',
            target: id,
            details: { deliveryId: d.id, eventType: d.event_type },
          },
          trx,
        );
      });
      deps.jobs.kick();
      return toDelivery({ ...d, ...next });
    },
  };
}
