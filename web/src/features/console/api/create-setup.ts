import {
  CreateSetupResponseSchema,
  type CreateSetupRequest,
  type CreateSetupResponse,
} from '@kantiv/shared/setup';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** Creates a setup; the answer carries the invite link, which the server never shows again. */
export function createSetup(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  body: CreateSetupRequest,
): Promise<CreateSetupResponse> {
  return consoleRequest(auth, consoleApiPaths.setups, CreateSetupResponseSchema, { method: 'POST', body });
}
