import { IdentityBindingResponseSchema, type IdentityBindingResponse } from '@kantiv/shared/setup';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/identity`: the server verifies the admin's Microsoft ID token and binds the setup to that
 * tenant. The ID token proves who signed in; it grants nothing, and no access token ever leaves the browser.
 */
export function bindIdentity(idToken: string): Promise<IdentityBindingResponse> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardIdentity, IdentityBindingResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { idToken },
  });
}
