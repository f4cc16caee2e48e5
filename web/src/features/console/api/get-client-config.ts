import { ClientConfigSchema, type ClientConfig } from '@kantiv/shared/client-config';
import { env } from '../../../config/env.ts';
import { consoleApiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';

/** Public runtime configuration (authority, staff tenant, client id, API scope): read before MSAL starts. */
export function getClientConfig(signal?: AbortSignal): Promise<ClientConfig> {
  return apiRequest(
    env.apiBaseUrl,
    consoleApiPaths.clientConfig,
    ClientConfigSchema,
    signal ? { signal } : {},
  );
}
