import type { z } from 'zod';
import { CreateApiKeyResponseSchema, type CreateApiKeyRequestSchema } from '@kantiv/shared/auth';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** The answer carries the key itself, once; the server keeps only its hash. */
export function createApiKey(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  body: z.infer<typeof CreateApiKeyRequestSchema>,
): Promise<z.infer<typeof CreateApiKeyResponseSchema>> {
  return consoleRequest(auth, consoleApiPaths.apiKeys, CreateApiKeyResponseSchema, { method: 'POST', body });
}
