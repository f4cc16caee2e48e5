import {
  CreateSetupLinkResponseSchema,
  type CreateSetupLinkResponse,
  type SetupLinkPurpose,
} from '@kantiv/shared/setup-links';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

/** A renewal or repair link for a verified setup (a new setup token; any earlier link stops working). Shown once. */
export function createSetupLink(
  auth: Pick<StaffAuth, 'getAccessToken'>,
  id: string,
  purpose: SetupLinkPurpose,
): Promise<CreateSetupLinkResponse> {
  return consoleRequest(auth, consoleApiPaths.setupAction(id, 'links'), CreateSetupLinkResponseSchema, {
    method: 'POST',
    body: { purpose },
  });
}
