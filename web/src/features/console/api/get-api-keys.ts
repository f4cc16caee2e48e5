import { z } from 'zod';
import { ApiKeySchema, type ApiKey } from '@kantiv/shared/auth';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) });

export function getApiKeys(auth: Pick<StaffAuth, 'getAccessToken'>, signal?: AbortSignal): Promise<ApiKey[]> {
  return consoleRequest(auth, consoleApiPaths.apiKeys, ApiKeyListSchema, signal ? { signal } : {}).then(
    (r) => r.items,
  );
}
