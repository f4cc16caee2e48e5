import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import { createDisconnectEngine, type DisconnectEngine, type TokenResource } from '@kantiv/provisioning';
import { getAccessToken } from './auth.ts';
import { scopesFor } from './engine-adapter.ts';

/**
 * The engine's disconnect (`@kantiv/provisioning`) for a disconnect link, with MSAL as its token provider: what the
 * setup says the wizard created is read again from the tenant, then removed. Undefined when the setup never got as
 * far as an app and an environment (nothing of Kantiv's can be in the tenant).
 */
export function createDisconnectRun(config: ClientConfig, setup: WizardSetup): DisconnectEngine | undefined {
  if (!setup.environmentUrl || !setup.clientId) return undefined;
  return createDisconnectEngine({
    tokens: {
      getToken: (resource: TokenResource, options?: { fresh?: boolean }) =>
        getAccessToken(scopesFor(config, resource), options),
    },
    fetch: (input, init) => fetch(input, init),
    endpoints: { graph: config.microsoft.graphBaseUrl },
    target: {
      environmentUrl: setup.environmentUrl,
      clientId: setup.clientId,
      roleName: setup.roleName,
      kantivRoleName: setup.manifest.roleName,
      appShared: setup.appShared === true,
    },
  });
}
