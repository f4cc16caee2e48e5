import {
  WizardDisconnectResponseSchema,
  type TenantRemoval,
  type WizardDisconnectResponse,
} from '@kantiv/shared/disconnect';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/disconnect`: what the disconnect removed from the tenant, with the admin's ID token (it names
 * who did it). The server shreds the credential, unless support did already, and spends the link.
 */
export function postDisconnect(idToken: string, removed: TenantRemoval): Promise<WizardDisconnectResponse> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardDisconnect, WizardDisconnectResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { idToken, removed },
  });
}
