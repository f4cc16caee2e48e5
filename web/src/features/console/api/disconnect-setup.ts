import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Our side of a disconnect (decision 018): the server shreds the credential and stops the setup's jobs. */
export function disconnectSetup(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<Setup> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'disconnect'), SetupSchema, {
    method: 'POST',
    body: {},
  });
}
