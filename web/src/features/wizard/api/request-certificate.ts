import {
  CertificateResponseSchema,
  type CertificateRequest,
  type CertificateResponse,
} from '@kantiv/shared/credentials';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/**
 * `POST /api/v1/wizard/certificate`: our server makes the key pair and keeps the private key sealed; the answer is
 * the public certificate and its key id only, which the engine adds to the app's `keyCredentials`.
 */
export function requestCertificate(request: CertificateRequest): Promise<CertificateResponse> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardCertificate, CertificateResponseSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: request,
  });
}
