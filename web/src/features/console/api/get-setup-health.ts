import { HealthHistorySchema, type HealthHistory } from '@kantiv/shared/connection-health';
import { consoleApiPaths } from '../../../config/paths.ts';
import { consoleRequest } from '../lib/console-api.ts';
import type { StaffAuth } from '../lib/staff-auth.ts';

export function getSetupHealth(auth: Pick<StaffAuth, 'getAccessToken'>, id: string): Promise<HealthHistory> {
  return consoleRequest(auth, `${consoleApiPaths.setup(id)}/health`, HealthHistorySchema);
}
