import { z } from 'zod';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Queues a signed test delivery to the subscription's URL; it then shows among the recent deliveries. */
export async function testWebhook(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<void> {
  await consoleRequest(auth, consoleApiPaths.webhookTest(id), z.unknown(), { method: 'POST', body: {} });
}
