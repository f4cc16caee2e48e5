import type { z } from 'zod';
import { CreateWebhookResponseSchema, type CreateWebhookRequest } from '@kantiv/shared/webhooks';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** The answer carries the signing secret for the receiver, once. */
export function createWebhook(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  body: CreateWebhookRequest,
): Promise<z.infer<typeof CreateWebhookResponseSchema>> {
  return consoleRequest(auth, consoleApiPaths.webhooks, CreateWebhookResponseSchema, {
    method: 'POST',
    body,
  });
}
