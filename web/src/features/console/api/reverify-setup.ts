import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Asks the server to verify the stored credential against Dataverse again. */
export function reverifySetup(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<Setup> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'reverify'), SetupSchema, {
    method: 'POST',
    body: {},
  });
}
