import { createHmac } from 'node:crypto';
import type {
  WebhookDelivery,
  WebhookEventType,
  WebhookPayload,
  WebhookSubscription,
} from '@kantiv/shared/webhooks';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema.ts';

/** The webhook tables' rows and their API shapes, and the signature a receiver checks. */

/** `Kantiv-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (the timestamp defeats replays). */
export function signWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export function toSubscription(r: WebhookSubscriptionsTable): WebhookSubscription {
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

export function toDelivery(r: WebhookDeliveriesTable): WebhookDelivery {
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
    ...(r.last_error ? { lastError: r.last_error } : {}),
    ...(r.next_attempt_at ? { nextAttemptAt: r.next_attempt_at } : {}),
  };
}

/** A delivery not yet attempted; `nextAttemptAt` null for a test delivery, which is attempted at once. */
export function newDelivery(
  payload: WebhookPayload,
  subscriptionId: string,
  setupId: string | null,
  nextAttemptAt: string | null,
): WebhookDeliveriesTable {
  const at = new Date().toISOString();
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
