import { WebhookDeliveryListSchema, type WebhookDelivery } from '@kantiv/shared/webhooks';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export function getWebhookDeliveries(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  subscriptionId: string,
  signal?: AbortSignal,
): Promise<WebhookDelivery[]> {
  return consoleRequest(
    auth,
    consoleApiPaths.webhookDeliveries(subscriptionId),
    WebhookDeliveryListSchema,
    signal ? { signal } : {},
  ).then((r) => r.items);
}
