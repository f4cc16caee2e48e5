import type { IdentityBindingResponse } from '@kantiv/shared/setup';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/identity`: the server verifies the admin's Microsoft ID token and binds the setup to that
 * tenant. The ID token proves who signed in; it grants nothing, and no access token ever leaves the browser.
 */
export async function bindIdentity(idToken: string): Promise<IdentityBindingResponse> {
  // The schema (and zod) load with the sign-in, not with the first page.
  const { IdentityBindingResponseSchema } = await import('@kantiv/shared/setup');
  return apiRequest(env.apiBaseUrl, apiPaths.wizardIdentity, IdentityBindingResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { idToken },
  });
}
