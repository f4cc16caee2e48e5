import { z } from 'zod';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Deletes a subscription: no delivery goes out for it any more (204, no body). */
export async function deleteWebhook(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<void> {
  await consoleRequest(auth, consoleApiPaths.webhook(id), z.unknown(), { method: 'DELETE' });
}
