import { WebhookSubscriptionListSchema, type WebhookSubscription } from '@kantiv/shared/webhooks';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export function getWebhooks(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  signal?: AbortSignal,
): Promise<WebhookSubscription[]> {
  return consoleRequest(
    auth,
    consoleApiPaths.webhooks,
    WebhookSubscriptionListSchema,
    signal ? { signal } : {},
  ).then((r) => r.items);
}
