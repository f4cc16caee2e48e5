import { z } from 'zod';
import type { RepairReport } from '@kantiv/shared/setup-links';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/** `POST /api/v1/wizard/repaired`: a repair link's run finished; Kantiv checks the connection's health now. */
export async function reportRepair(report: RepairReport): Promise<void> {
  await apiRequest(env.apiBaseUrl, apiPaths.wizardRepaired, z.undefined(), {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: report,
  });
}
