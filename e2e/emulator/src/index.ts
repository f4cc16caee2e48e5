import type { AddressInfo } from 'node:net';
import { EmulatorControl } from './control.ts';
import { Runtime } from './core.ts';
import {
  DYNAMICS_CRM_APP_ID,
  GRAPH_APP_ID,
  USER_IMPERSONATION_SCOPE_ID,
  DIRECTORY_ROLES,
  GRAPH_SCOPES,
} from './ids.ts';
import { SEED } from './seed.ts';
import { createEmulatorServer } from './server.ts';
import { chromiumHostArgs, microsoftHostMap } from './hosts.ts';
import { createEmulatorFetch } from './node-fetch.ts';
import { createTlsMaterial } from './tls.ts';
import { createSigningKeys } from './tokens.ts';
import { demoCallbackUri } from './home.ts';
import { emulatorNetworkClient } from './msal-network.ts';
import type { INetworkModule } from '@azure/msal-node';

export {
  SCENARIO_NAMES,
  type Scenario,
  type ScenarioName,
  type Service,
  type ServiceSelector,
} from './scenarios.ts';
export type { StateView, ApplicationView, EnvironmentView, IssueTokenOptions } from './control.ts';
export type { LogEntry } from './core.ts';
export type { Drift } from './drift.ts';
export { EmulatorControl } from './control.ts';
export { MICROSOFT_HOSTS, microsoftHostMap } from './hosts.ts';
export { createEmulatorFetch } from './node-fetch.ts';
export { SEED, DEFAULT_SPA_REDIRECT_URIS } from './seed.ts';
export { DEFAULT_ROLE_PRIVILEGE_NAMES } from './dataverse/role-defaults.ts';
export { DYNAMICS_CRM_APP_ID, GRAPH_APP_ID, USER_IMPERSONATION_SCOPE_ID, DIRECTORY_ROLES, GRAPH_SCOPES };

export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Default Entra replication delay for new apps, service principals and secrets (ms). Default 0. */
  replicationDelayMs?: number;
  /** Extra SPA redirect URIs to register on the wizard app (exact match, like Entra). */
  spaRedirectUris?: string[];
  /** Extra Dataverse org host names for the certificate (the seeded ones are covered by a wildcard). */
  extraHosts?: string[];
}

export interface EnvironmentUrls {
  name: string;
  /** Org URL — also the token audience/scope prefix (`https://contoso.crm.dynamics.com`). */
  url: string;
  /** Web API base as Global Discovery reports it (`https://contoso.api.crm.dynamics.com`). */
  apiUrl: string;
  /** Same Web API through path-based addressing on localhost. */
  baseUrl: string;
  tenantId: string;
  organizationId: string;
}

export interface EmulatorUrls {
  /** `https://localhost:<port>` — the authority host for path-based use (`${authorityHost}/${tenantId}`). */
  authorityHost: string;
  /** `localhost:<port>`, for MSAL's `knownAuthorities`. */
  knownAuthority: string;
  /** Microsoft Graph root (`…/graph`, append `/v1.0/...`). */
  graph: string;
  /** Global Discovery root (`…/globaldisco`, append `/api/discovery/v2.0/Instances`). */
  globalDiscovery: string;
  environments: EnvironmentUrls[];
  /** Control API root. */
  control: string;
}

export interface Emulator {
  port: number;
  urls: EmulatorUrls;
  tenants: { contoso: string; fabrikam: string; kantiv: string };
  seed: typeof SEED;
  /** PEM of the run's self-signed certificate: pass as `ca` to trust it from Node. */
  certificate: string;
  control: EmulatorControl;
  /**
   * `fetch` that sends Microsoft hosts (login.microsoftonline.com, graph.microsoft.com, globaldisco…, *.dynamics.com)
   * and localhost to the emulator, trusting its certificate — production URLs work unchanged in Node tests. Other
   * URLs go to the global fetch.
   */
  fetch: typeof fetch;
  /** Chromium flags mapping the Microsoft hosts to this emulator (`--host-resolver-rules`, certificate errors). */
  chromiumArgs: string[];
  /** The server's `MICROSOFT_HOST_MAP` for this emulator (the Node twin of `chromiumArgs`; decision 007). */
  microsoftHostMap: string;
  /** `system.networkClient` for msal-node: MSAL's HTTP goes through `fetch` above. */
  msalNetworkClient: INetworkModule;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const [tls, keys] = await Promise.all([createTlsMaterial(options.extraHosts ?? []), createSigningKeys()]);
  const rt = new Runtime(keys, {
    replicationDelayMs: options.replicationDelayMs ?? 0,
    spaRedirectUris: [...(options.spaRedirectUris ?? [])],
  });
  const control = new EmulatorControl(rt);
  const server = createEmulatorServer(rt, control, tls);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://localhost:${port}`;
  for (const o of [origin, `https://127.0.0.1:${port}`]) control.addSpaRedirectUri(demoCallbackUri(o));

  const emulatorFetch = createEmulatorFetch(port, tls.cert);

  const environments = rt.world.environments.map((e) => ({
    name: e.friendlyName,
    url: e.url,
    apiUrl: e.apiUrl,
    baseUrl: `${origin}/dataverse/${new URL(e.apiUrl).host}`,
    tenantId: e.tenantId,
    organizationId: e.id,
  }));
  return {
    port,
    urls: {
      authorityHost: origin,
      knownAuthority: `localhost:${port}`,
      graph: `${origin}/graph`,
      globalDiscovery: `${origin}/globaldisco`,
      environments,
      control: `${origin}/_emulator`,
    },
    tenants: {
      contoso: SEED.tenants.contoso.id,
      fabrikam: SEED.tenants.fabrikam.id,
      kantiv: SEED.tenants.kantiv.id,
    },
    seed: SEED,
    certificate: tls.cert,
    control,
    fetch: emulatorFetch,
    msalNetworkClient: emulatorNetworkClient(emulatorFetch),
    chromiumArgs: chromiumHostArgs(port),
    microsoftHostMap: microsoftHostMap(port),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
