import type { Resource, Runtime } from '../core.ts';
import type { Application } from '../state.ts';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export interface ParsedScopes {
  oidc: string[];
  /** Resources in request order, each with the scope values asked for (`.default` kept as is). */
  resources: { resource: Resource; values: string[] }[];
  /** Scope strings whose resource is unknown. */
  unknown: string[];
}

export function parseScopes(rt: Runtime, scope: string, tenantId: string | null): ParsedScopes {
  const out: ParsedScopes = { oidc: [], resources: [], unknown: [] };
  for (const s of scope.split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.includes(s.toLowerCase())) {
      out.oidc.push(s.toLowerCase());
      continue;
    }
    const r = rt.resourceOfScope(s, tenantId);
    if (!r) {
      out.unknown.push(s);
      continue;
    }
    const existing = out.resources.find(
      (x) => x.resource.identifier.toLowerCase() === r.resource.identifier.toLowerCase(),
    );
    if (existing) existing.values.push(r.value);
    else out.resources.push({ resource: r.resource, values: [r.value] });
  }
  return out;
}

/** Scope values a `.default` request means: what the app declares in requiredResourceAccess for that resource. */
export function expandDefault(
  rt: Runtime,
  client: Application,
  resource: Resource,
  values: string[],
): string[] {
  if (!values.some((v) => v === '.default')) return values;
  const declared = client.requiredResourceAccess.find((r) => r.resourceAppId === resource.appId);
  const sp = rt.world.servicePrincipals.find((s) => s.appId === resource.appId);
  const names = (declared?.resourceAccess ?? [])
    .filter((a) => a.type === 'Scope')
    .map((a) => sp?.oauth2PermissionScopes.find((s) => s.id === a.id)?.value)
    .filter((v): v is string => typeof v === 'string');
  return [...new Set([...values.filter((v) => v !== '.default'), ...names])];
}

/** The `scope` string of a token response: Graph uses bare names, other resources full URIs. */
export function responseScope(resource: Resource, values: string[], oidc: string[]): string {
  const names =
    resource.appId === '00000003-0000-0000-c000-000000000000'
      ? values
      : values.map((v) => `${resource.identifier}/${v}`);
  // Entra lists the OIDC scopes it honoured but never echoes offline_access.
  return [...names, ...oidc.filter((s) => s !== 'offline_access')].join(' ');
}

/** The app ids of the resources a scope string names (unknown ones left out: issuance reports those). */
export function resourceAppIds(rt: Runtime, scope: string, tenantId: string): string[] {
  return parseScopes(rt, scope, tenantId).resources.map((r) => r.resource.appId);
}
