import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type {
  WebhookDelivery,
  WebhookEventType,
  WebhookPayload,
  WebhookSubscription,
} from '@kantiv/shared/webhooks';
import type { Keyring } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema.ts';
import { webhookSecretAad } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import { rewrapSealedColumns } from './sealed-columns.ts';

/** The webhook tables' rows and their API shapes, and the signature a receiver checks. */

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes (the HMAC key). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Secrets issued before Standard Webhooks: `whsec_` + base64url of 32 random bytes, which the receivers checked
 * as `Kantiv-Signature`, keyed with the whole string. The same 32 bytes are the Standard Webhooks key, so such a
 * subscription keeps working: it gets both signatures until its receiver switches (docs/operations.md).
 */
const LEGACY_SECRET = /^whsec_[A-Za-z0-9_-]{43}$/;

/**
 * Standard Webhooks headers (https://www.standardwebhooks.com): `webhook-id` (the same on every retry, so the
 * receiver can drop duplicates), `webhook-timestamp` (this attempt, unix seconds: a receiver refuses old ones, which
 * defeats replays) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. Signed with the
 * reference library, so what we send is what every language's verifier expects.
 */
export function signedHeaders(
  secret: string,
  id: string,
  body: string,
  at = new Date(),
  previousSecret?: string,
): Record<string, string> {
  // Node reads both base64 alphabets, so a legacy secret gives the same key bytes; the library wants standard base64.
  const sign = (s: string) =>
    new Webhook(Buffer.from(s.slice('whsec_'.length), 'base64').toString('base64')).sign(id, at, body);
  // During a rotation's grace period both secrets sign: the spec separates several signatures with spaces, and a
  // receiver accepts the message when any of them verifies with the secret it holds.
  const signatures = [sign(secret), ...(previousSecret ? [sign(previousSecret)] : [])];
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
  if (LEGACY_SECRET.test(secret)) {
    const t = Math.floor(at.getTime() / 1000);
    headers['kantiv-signature'] =
      `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  }
  return headers;
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
    ...(r.paused_at ? { pausedAt: r.paused_at } : {}),
    ...(r.previous_until && r.previous_kid ? { previousSecretValidUntil: r.previous_until } : {}),
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

/** Moves every webhook signing secret to the active KEK (also run by the `rewrap` command, without the app). */
export function rewrapSealedWebhookSecrets(deps: { db: Db; keyring: Keyring; audit: Audit }, actor: Actor) {
  return rewrapSealedColumns(deps, 'webhook_subscriptions', (r) => webhookSecretAad(r.id), actor);
}
