import { request as httpsRequest } from 'node:https';
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
import { createTlsMaterial, MICROSOFT_HOSTS } from './tls.ts';
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
export { EmulatorControl } from './control.ts';
export { SEED, DEFAULT_SPA_REDIRECT_URIS } from './seed.ts';
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
  /** `system.networkClient` for msal-node: MSAL's HTTP goes through `fetch` above. */
  msalNetworkClient: INetworkModule;
  close(): Promise<void>;
}

function isEmulatedHost(hostname: string): boolean {
  return (
    (MICROSOFT_HOSTS as readonly string[]).includes(hostname) ||
    hostname === 'login.microsoft.com' ||
    /\.dynamics\.com$/.test(hostname) ||
    hostname === 'localhost' ||
    hostname === '127.0.0.1'
  );
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

  const emulatorFetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:' || !isEmulatedHost(url.hostname)) return fetch(request);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    headers.host =
      url.port && url.hostname !== 'localhost' && url.hostname !== '127.0.0.1'
        ? url.host
        : url.hostname === 'localhost' || url.hostname === '127.0.0.1'
          ? `${url.hostname}:${port}`
          : url.hostname;
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method: request.method,
          path: url.pathname + url.search,
          headers,
          ca: tls.cert,
          servername: url.hostname === '127.0.0.1' ? 'localhost' : url.hostname,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
              else if (v !== undefined) h.set(k, v);
            }
            const status = res.statusCode ?? 500;
            const nullBody = [101, 204, 205, 304].includes(status);
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: h }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (request.signal) request.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(body);
    });
  }) as typeof fetch;

  const environments = rt.world.environments.map((e) => ({
    name: e.friendlyName,
    url: e.url,
    apiUrl: e.apiUrl,
    baseUrl: `${origin}/dataverse/${new URL(e.apiUrl).host}`,
    tenantId: e.tenantId,
    organizationId: e.id,
  }));
  // Wildcards cover every org host (app URL and Web API host) without listing environments.
  const hostRules = [
    ...MICROSOFT_HOSTS,
    'login.microsoft.com',
    '*.crm.dynamics.com',
    '*.api.crm.dynamics.com',
  ]
    .map((h) => `MAP ${h}:443 127.0.0.1:${port}`)
    .join(', ');
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
    chromiumArgs: [`--host-resolver-rules=${hostRules}, EXCLUDE localhost`, '--ignore-certificate-errors'],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
