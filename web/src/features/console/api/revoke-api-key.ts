import { z } from 'zod';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export async function revokeApiKey(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<void> {
  await consoleRequest(auth, consoleApiPaths.apiKey(id), z.unknown(), { method: 'DELETE' });
}
