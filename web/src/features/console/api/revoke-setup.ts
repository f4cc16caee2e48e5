import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export function revokeSetup(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<Setup> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'revoke'), SetupSchema, {
    method: 'POST',
    body: {},
  });
}
