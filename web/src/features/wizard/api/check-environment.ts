import {
  EnvironmentCheckResponseSchema,
  type EnvironmentCheckResponse,
} from '@kantiv/shared/environment-claims';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/environment-check`: before the run, may this setup connect the environment, or does another
 * setup's working connection hold it? The server checks that connection again; it refuses the hand-off either way.
 */
export function checkEnvironmentClaim(
  environmentUrl: string,
  clientId: string,
): Promise<EnvironmentCheckResponse> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardEnvironmentCheck, EnvironmentCheckResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { environmentUrl, clientId },
  });
}
