import { RotateWebhookSecretResponseSchema } from '@kantiv/shared/webhooks';
import type { z } from 'zod';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** A new signing secret, shown once; the previous one keeps signing until `previousSecretValidUntil`. */
export function rotateWebhookSecret(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
): Promise<z.infer<typeof RotateWebhookSecretResponseSchema>> {
  return consoleRequest(auth, consoleApiPaths.webhookRotateSecret(id), RotateWebhookSecretResponseSchema, {
    method: 'POST',
    body: {},
  });
}
