import type { WizardMomentRequest } from '@kantiv/shared/attention';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/moments`: tells Kantiv support the admin is stuck (a blocker shown, Cancel pressed). Best
 * effort: the admin's page never waits on it or shows its failure.
 */
export function postMoment(moment: WizardMomentRequest): void {
  void (async () => {
    // The schema (and zod) load with the first moment, not with the first page.
    const { WizardMomentResponseSchema } = await import('@kantiv/shared/attention');
    await apiRequest(env.apiBaseUrl, apiPaths.wizardMoments, WizardMomentResponseSchema, {
      method: 'POST',
      headers: setupTokenHeaders(),
      body: moment,
    });
  })().catch(() => undefined);
}
