import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Pushes the invite's expiry `hours` into the future. */
export function extendSetup(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
  hours: number,
): Promise<Setup> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'extend'), SetupSchema, {
    method: 'POST',
    body: { hours },
  });
}
