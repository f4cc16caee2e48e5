import { WizardSetupSchema, type WizardSetup } from '@kantiv/shared/setup';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/** `GET /api/v1/wizard/setup`: the customer's view of the setup the invite token belongs to. */
export function getWizardSetup(signal?: AbortSignal): Promise<WizardSetup> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardSetup, WizardSetupSchema, {
    headers: setupTokenHeaders(),
    ...(signal ? { signal } : {}),
  });
}
