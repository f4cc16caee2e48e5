import {
  WebhookSubscriptionSchema,
  type UpdateWebhookRequest,
  type WebhookSubscription,
} from '@kantiv/shared/webhooks';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Edits a subscription's URL, events or description, or pauses and resumes it. */
export function updateWebhook(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
  change: UpdateWebhookRequest,
): Promise<WebhookSubscription> {
  return consoleRequest(auth, consoleApiPaths.webhook(id), WebhookSubscriptionSchema, {
    method: 'PATCH',
    body: change,
  });
}
