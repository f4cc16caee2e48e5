import type { ClientConfig } from '@kantiv/shared/client-config';
import { clientConfigGuard } from './answer-guards.ts';
import { env } from '../config/env.ts';
import { apiPaths } from '../config/paths.ts';
import { apiRequest } from './api-client.ts';

let pending: Promise<ClientConfig> | undefined;

/**
 * Runtime configuration from our server (Microsoft endpoints, app ids, support contact), fetched once per page load.
 * The same production build thus talks to Microsoft or to the emulator.
 */
export function getClientConfig(): Promise<ClientConfig> {
  pending ??= apiRequest(env.apiBaseUrl, apiPaths.clientConfig, clientConfigGuard).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}
