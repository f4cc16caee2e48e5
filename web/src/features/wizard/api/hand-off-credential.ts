import {
  CredentialHandoffResponseSchema,
  type CredentialHandoffRequest,
  type CredentialHandoffResponse,
} from '@kantiv/shared/credentials';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/credentials`: the one request that carries the client secret, straight from memory to our
 * server over TLS. The server seals it and starts verification; it never sends the secret back.
 */
export function handOffCredential(request: CredentialHandoffRequest): Promise<CredentialHandoffResponse> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardCredentials, CredentialHandoffResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: request,
  });
}
