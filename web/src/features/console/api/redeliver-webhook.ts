import { WebhookDeliverySchema, type WebhookDelivery } from '@kantiv/shared/webhooks';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Queues a finished delivery again, with the same `webhook-id` (receivers drop a copy they already took). */
export function redeliverWebhook(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  return consoleRequest(auth, consoleApiPaths.webhookRedeliver(id, deliveryId), WebhookDeliverySchema, {
    method: 'POST',
    body: {},
  });
}
