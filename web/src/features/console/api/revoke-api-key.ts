import { ApiKeySchema, type ApiKey } from '@kantiv/shared/auth';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Revokes a key at once; it stays listed, marked revoked. */
export function revokeApiKey(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<ApiKey> {
  return consoleRequest(auth, consoleApiPaths.apiKeyRevoke(id), ApiKeySchema, { method: 'POST', body: {} });
}
