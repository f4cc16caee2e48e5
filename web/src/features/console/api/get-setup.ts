import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export function getSetup(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
  signal?: AbortSignal,
): Promise<Setup> {
  return consoleRequest(auth, consoleApiPaths.setup(id), SetupSchema, signal ? { signal } : {});
}
