import {
  DIRECTORY_ROLES,
  DYNAMICS_CRM_APP_ID,
  GLOBAL_DISCOVERY_RESOURCE,
  GRAPH_APP_ID,
  GRAPH_RESOURCE,
} from './ids.ts';
import { ScenarioSet } from './scenarios.ts';
import { seed } from './seed.ts';
import { createLoadMeter } from './service-protection.ts';
import type { Application, Environment, ServicePrincipal, Tenant, User, World } from './state.ts';
import type { SigningKeys } from './tokens.ts';

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  redirectKind: 'spa' | 'web' | 'publicClient';
  codeChallenge: string;
  codeChallengeMethod: string;
  scopes: string[];
  userId: string;
  tenantId: string;
  nonce: string | null;
  sid: string;
  expiresAt: number;
  /** When the user signed in at `/authorize` (emulator ms): which PIM activations the tokens reflect. */
  signedInAt: number;
  used?: boolean;
}

export interface RefreshTokenRecord {
  clientId: string;
  userId: string;
  tenantId: string;
  spa: boolean;
  sid: string;
  expiresAt: number;
  /** The sign-in this refresh token descends from (rotation keeps it): see `AuthCode.signedInAt`. */
  signedInAt: number;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
}

export interface LogEntry {
  time: string;
  method: string;
  host: string;
  service: string;
  /** Path with query parameter *names* only — values can hold codes or hints. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
}

export interface RuntimeOptions {
  /** Default replication delay for new applications, service principals and secrets. */
  replicationDelayMs: number;
  spaRedirectUris: string[];
}

/** A resource (token audience) and the application that owns it. */
export interface Resource {
  /** Audience as Entra puts it in the token. */
  audience: string;
  appId: string;
  /** Identifier prefix used in scope strings (`https://graph.microsoft.com`). */
  identifier: string;
  /** v2 tokens only for apps that asked for them (accessTokenAcceptedVersion 2); Microsoft's own APIs get v1. */
  tokenVersion: 1 | 2;
  displayName: string;
  /** Dataverse environment, when the resource is an org. */
  environment?: Environment;
}

const envHosts = new WeakMap<Environment, [string, string]>();

/** Mutable runtime shared by every handler. */
export class Runtime {
  world: World;
  readonly scenarios = new ScenarioSet();
  readonly codes = new Map<string, AuthCode>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly sessions = new Map<string, Session>();
  /** `userId|resourceAppId` pairs for which the user completed MFA in an interactive sign-in (`mfa-required`). */
  readonly mfaDone = new Set<string>();
  readonly pending = new Map<string, URLSearchParams>();
  readonly log: LogEntry[] = [];
  /** Per-tenant concurrency and Dataverse's service protection limits (`service-protection.ts`). */
  readonly load = createLoadMeter();

  private readonly initialReplicationDelayMs: number;
  /** How far tests have moved the emulator's clock (credential validity, replication), in ms. */
  clockOffsetMs = 0;

  constructor(
    readonly keys: SigningKeys,
    readonly options: RuntimeOptions,
  ) {
    this.world = seed(options.spaRedirectUris);
    this.initialReplicationDelayMs = options.replicationDelayMs;
  }

  /** Back to the seed and the start-up options; SPA redirect URIs added since start are kept. */
  reset(): void {
    this.options.replicationDelayMs = this.initialReplicationDelayMs;
    this.world = seed(this.options.spaRedirectUris);
    this.scenarios.clear();
    this.codes.clear();
    this.refreshTokens.clear();
    this.sessions.clear();
    this.mfaDone.clear();
    this.pending.clear();
    this.log.length = 0;
    this.load.reset();
    this.clockOffsetMs = 0;
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  record(entry: LogEntry): void {
    this.log.push(entry);
    if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
  }

  // ------------------------------------------------------------ directory lookups

  /** Resolves a tenant path segment: GUID or verified domain (`organizations`/`common` are not tenants). */
  tenant(segment: string): Tenant | undefined {
    const s = segment.toLowerCase();
    return this.world.tenants.find((t) => t.id === s || t.domains.includes(s));
  }

  tenantById(id: string): Tenant | undefined {
    return this.world.tenants.find((t) => t.id === id);
  }

  user(idOrUpn: string): User | undefined {
    const s = idOrUpn.toLowerCase();
    return this.world.users.find((u) => u.id === s || u.userPrincipalName.toLowerCase() === s);
  }

  /** Identifiers a scenario filter can match for this user (tenant id/domains, user id/UPN). */
  who(user: User | undefined, tenantId?: string): { tenant: string[]; user: string[] } {
    const tid = user?.tenantId ?? tenantId;
    const t = tid ? this.tenantById(tid) : undefined;
    return {
      tenant: t ? [t.id, ...t.domains] : [],
      user: user ? [user.id, user.userPrincipalName] : [],
    };
  }

  /**
   * The app id of the first resource in `appIds` for which `mfa-required` still asks this user for MFA, if any.
   * Microsoft's own app ids: Graph 00000003-…, Dynamics CRM (Dataverse, Global Discovery) 00000007-….
   */
  mfaPending(user: User, appIds: string[]): string | undefined {
    const wanted: string[] = this.scenarios
      .find('mfa-required', this.who(user))
      .map((s) => (s.resource === 'graph' ? GRAPH_APP_ID : DYNAMICS_CRM_APP_ID));
    return appIds.find((id) => wanted.includes(id) && !this.mfaDone.has(`${user.id}|${id}`));
  }

  /**
   * The user's directory roles after scenarios (e.g. `admin-without-entra-role`) are applied, for a sign-in at
   * `signedInAt` (default: now): PIM-activated roles count only for sign-ins after the activation.
   */
  directoryRoles(user: User, signedInAt: number = this.now()): string[] {
    if (this.scenarios.has('admin-without-entra-role', this.who(user))) return [];
    const activated =
      user.pimActivatedAt !== undefined && signedInAt >= user.pimActivatedAt
        ? (user.eligibleRoles ?? [])
        : [];
    return [...new Set([...user.directoryRoles, ...activated])];
  }

  directoryRoleIds(user: User, signedInAt?: number): string[] {
    return this.directoryRoles(user, signedInAt)
      .map((r): string | undefined => DIRECTORY_ROLES[r as keyof typeof DIRECTORY_ROLES])
      .filter((x): x is string => typeof x === 'string');
  }

  /**
   * The roles Graph honours for a delegated token: permanent ones, and PIM-activated ones only if the token's `wids`
   * carries them (a token of a sign-in before the activation does not: FIDELITY F7-3).
   */
  tokenDirectoryRoles(user: User, wids: readonly string[] | undefined): string[] {
    const permanent = this.directoryRoles(user, -1);
    const activated = this.directoryRoles(user).filter((r) => {
      const id = DIRECTORY_ROLES[r as keyof typeof DIRECTORY_ROLES];
      return !permanent.includes(r) && id !== undefined && (wids ?? []).includes(id);
    });
    return [...permanent, ...activated];
  }

  /** Application registration by appId, wherever it lives. */
  applicationByAppId(appId: string): Application | undefined {
    return this.world.applications.find((a) => a.appId === appId);
  }

  servicePrincipal(tenantId: string, appId: string): ServicePrincipal | undefined {
    return this.world.servicePrincipals.find((s) => s.tenantId === tenantId && s.appId === appId);
  }

  isReplicated(obj: { replicatedAt: number }): boolean {
    return this.now() >= obj.replicatedAt;
  }

  /** Replication delay for a new object in a tenant: the scenario wins over the run's default. */
  replicationDelayMs(tenantId: string): number {
    const s = this.scenarios.find('replication-delay', this.who(undefined, tenantId));
    const last = s[s.length - 1];
    return last ? last.seconds * 1000 : this.options.replicationDelayMs;
  }

  graphReadsLag(tenantId: string): boolean {
    return this.scenarios
      .find('replication-delay', this.who(undefined, tenantId))
      .some((s) => s.graphReads === true);
  }

  environmentByHost(host: string): Environment | undefined {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    // Host names parsed once per environment: thousands of bulk-seeded environments are searched per request.
    return this.world.environments.find((e) => {
      let hosts = envHosts.get(e);
      if (!hosts) envHosts.set(e, (hosts = [new URL(e.url).host, new URL(e.apiUrl).host]));
      return hosts[0] === h || hosts[1] === h;
    });
  }

  // ------------------------------------------------------------ resources and scopes

  /** Resolves the resource of a scope string (`https://graph.microsoft.com/User.Read`, `api://x/.default`, `User.Read`). */
  resourceOfScope(scope: string, tenantId: string | null): { resource: Resource; value: string } | undefined {
    const lower = scope.toLowerCase();
    // Bare Graph scope names are allowed: Graph is Entra's default resource.
    if (!lower.includes('/')) {
      // Entra then names Graph by its app id in `aud`, as tokens for `User.Read`-style scopes show.
      return { resource: { ...this.graphResource(), audience: GRAPH_APP_ID }, value: scope };
    }
    const cut = scope.lastIndexOf('/');
    const identifier = scope.slice(0, cut);
    const value = scope.slice(cut + 1);
    const resource = this.resource(identifier, tenantId);
    return resource ? { resource, value } : undefined;
  }

  graphResource(): Resource {
    return {
      audience: GRAPH_RESOURCE,
      appId: GRAPH_APP_ID,
      identifier: GRAPH_RESOURCE,
      tokenVersion: 1,
      displayName: 'Microsoft Graph',
    };
  }

  resource(identifier: string, tenantId: string | null): Resource | undefined {
    const id = identifier.replace(/\/+$/, '');
    const lower = id.toLowerCase();
    if (lower === GRAPH_RESOURCE || lower === GRAPH_APP_ID) return this.graphResource();
    if (lower === GLOBAL_DISCOVERY_RESOURCE) {
      return {
        audience: GLOBAL_DISCOVERY_RESOURCE,
        appId: DYNAMICS_CRM_APP_ID,
        identifier: GLOBAL_DISCOVERY_RESOURCE,
        tokenVersion: 1,
        displayName: 'Dataverse',
      };
    }
    const m = /^https:\/\/([^/]+)$/.exec(lower);
    if (m?.[1] && /\.crm\d*\.dynamics\.com$/.test(m[1])) {
      const environment = this.environmentByHost(m[1]);
      // An org URL no environment answers to is "resource principal not found" (AADSTS500011): Microsoft answers
      // that for a mistyped or foreign org URL (FIDELITY.md E26, I15-10a). Whether an org of another tenant would
      // get a token is not confirmed; the emulator keeps issuing it (Dataverse then refuses the caller).
      if (!environment) return undefined;
      return {
        audience: `https://${m[1]}`,
        appId: DYNAMICS_CRM_APP_ID,
        identifier: `https://${m[1]}`,
        tokenVersion: 1,
        displayName: 'Dataverse',
        ...(environment ? { environment } : {}),
      };
    }
    const app = this.world.applications.find(
      (a) =>
        a.identifierUris.map((u) => u.toLowerCase()).includes(lower) ||
        a.appId === lower ||
        `api://${a.appId}` === lower,
    );
    if (!app) return undefined;
    if (tenantId && app.tenantId !== tenantId && !this.servicePrincipal(tenantId, app.appId))
      return undefined;
    return {
      audience: app.api.requestedAccessTokenVersion === 2 ? app.appId : (app.identifierUris[0] ?? app.appId),
      appId: app.appId,
      identifier: id,
      tokenVersion: app.api.requestedAccessTokenVersion === 2 ? 2 : 1,
      displayName: app.displayName,
    };
  }

  /** Scope values a resource exposes. */
  resourceScopes(
    resource: Resource,
  ): { value: string; type: 'User' | 'Admin'; display: string; description: string }[] {
    const sp = this.world.servicePrincipals.find((s) => s.appId === resource.appId);
    return (sp?.oauth2PermissionScopes ?? []).map((s) => ({
      value: s.value,
      type: s.type,
      display: s.adminConsentDisplayName,
      description: s.adminConsentDescription,
    }));
  }

  /** Delegated scopes the user (or the whole tenant) has granted the client on a resource. */
  grantedScopes(tenantId: string, clientAppId: string, resourceAppId: string, userId: string): string[] {
    const out = new Set<string>();
    for (const g of this.world.grants) {
      if (g.tenantId !== tenantId || g.clientAppId !== clientAppId || g.resourceAppId !== resourceAppId)
        continue;
      if (g.consentType === 'Principal' && g.principalId !== userId) continue;
      for (const s of g.scopes) out.add(s);
    }
    return [...out];
  }
}

export function tenantSegmentKind(segment: string): 'organizations' | 'common' | 'consumers' | 'tenant' {
  const s = segment.toLowerCase();
  if (s === 'organizations' || s === 'common' || s === 'consumers') return s;
  return 'tenant';
}
