import type { WizardSetup } from '@kantiv/shared/setup';
import { wizardSetupGuard } from '../../../lib/answer-guards.ts';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `GET /api/v1/wizard/setup`: the customer's view of the setup the invite token belongs to. Checked by the guard that
 * mirrors `WizardSetupSchema` (the first page loads no zod).
 */
export function getWizardSetup(signal?: AbortSignal): Promise<WizardSetup> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardSetup, wizardSetupGuard, {
    headers: setupTokenHeaders(),
    ...(signal ? { signal } : {}),
  });
}
