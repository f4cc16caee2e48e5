import { DEFAULT_MANIFEST, type Manifest, type PrivilegeDepth } from '@kantiv/shared/manifest';
import { privilegeName } from '@kantiv/shared/manifest';
import type { StepId } from '@kantiv/shared/steps';
import { DataverseClient } from './dataverse-client.ts';
import { DiscoveryClient } from './discovery-client.ts';
import { GraphClient } from './graph-client.ts';
import type { CallContext, Transport, WaitInfo } from './http.ts';
import type { EngineConfig, EnvironmentOption } from './types.ts';

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const DEFAULT_DISCOVERY_URL = 'https://globaldisco.crm.dynamics.com';
export const SECRET_DISPLAY_NAME = 'Kantiv secret';

export interface ResolvedConfig {
  graphUrl: string;
  discoveryUrl: string;
  appDisplayName: string;
  appUniqueName: string;
  appTag: string;
  environmentUrl: string | undefined;
  manifest: Manifest;
  role: { mode: 'create' } | { mode: 'existing'; roleId: string };
  secretLifetimeMonths: number;
  handedOffSecretKeyId: string | undefined;
  tenantId: string | undefined;
  concurrency: 'parallel' | 'sequential';
}

export function resolveConfig(config: EngineConfig): ResolvedConfig {
  const months = config.secretLifetimeMonths ?? 12;
  if (!Number.isInteger(months) || months < 12 || months > 24) {
    throw new RangeError('secretLifetimeMonths must be a whole number from 12 to 24.');
  }
  return {
    graphUrl: (config.endpoints?.graph ?? DEFAULT_GRAPH_URL).replace(/\/$/, ''),
    discoveryUrl: (config.endpoints?.discovery ?? DEFAULT_DISCOVERY_URL).replace(/\/$/, ''),
    appDisplayName: config.application?.displayName ?? 'Kantiv Dataverse Connector',
    appUniqueName: config.application?.uniqueName ?? 'kantiv-dataverse-connector',
    appTag: config.application?.tag ?? 'kantiv-dataverse-connector',
    environmentUrl: config.environmentUrl ? normalizeUrl(config.environmentUrl) : undefined,
    manifest: config.manifest ?? DEFAULT_MANIFEST,
    role: config.role ?? { mode: 'create' },
    secretLifetimeMonths: months,
    handedOffSecretKeyId: config.handedOffSecretKeyId?.toLowerCase(),
    tenantId: config.tenantId?.toLowerCase(),
    concurrency: config.concurrency ?? 'parallel',
  };
}

export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/** Clients bound to one step: their waits are reported as that step's `waiting` events. */
export class Clients {
  constructor(
    private readonly transport: Transport,
    private readonly config: ResolvedConfig,
    private readonly signal: AbortSignal,
    private readonly onWait: (step: StepId, info: WaitInfo) => void,
  ) {}

  ctx(step: StepId): CallContext {
    return { signal: this.signal, onWait: (info) => this.onWait(step, info) };
  }
  graph(step: StepId): GraphClient {
    return new GraphClient(this.transport, this.ctx(step), this.config.graphUrl);
  }
  discovery(step: StepId): DiscoveryClient {
    return new DiscoveryClient(this.transport, this.ctx(step), this.config.discoveryUrl);
  }
  dataverse(step: StepId, env: EnvironmentOption): DataverseClient {
    return new DataverseClient(this.transport, this.ctx(step), env.apiUrl, env.url);
  }
}

export interface ManifestPrivilege {
  name: string;
  depth: PrivilegeDepth;
}

/** The privileges the manifest asks for, e.g. `prvReadAccount` at Global depth. */
export function manifestPrivileges(manifest: Manifest): ManifestPrivilege[] {
  return manifest.tables.flatMap((t) =>
    t.access.map((a) => ({ name: privilegeName(a, t.schemaName), depth: t.depth })),
  );
}

const DEPTH_ORDER: Record<PrivilegeDepth, number> = { Basic: 0, Local: 1, Deep: 2, Global: 3 };
export function depthAtLeast(held: PrivilegeDepth, wanted: PrivilegeDepth): boolean {
  return DEPTH_ORDER[held] >= DEPTH_ORDER[wanted];
}

/** Payload of a JWT, without verification: only to read `tid`, `scp`, `wids` of our own token. */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Entra directory role template ids (the same in every tenant). */
export const DIRECTORY_ROLE_TEMPLATES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  'cf1c38e5-3621-4004-a7cb-879624dced7c': 'Application Developer',
};
/** Roles that may create app registrations and service principals for any app, and grant admin consent. */
export const APP_MANAGER_ROLES = new Set([
  'Global Administrator',
  'Application Administrator',
  'Cloud Application Administrator',
]);
