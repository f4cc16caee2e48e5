import { randomUUID } from 'node:crypto';
import type { LogEntry, Runtime } from './core.ts';
import { json, noContent, readJson, type Ctx, type Reply } from './http.ts';
import { SCENARIO_NAMES, type Scenario } from './scenarios.ts';
import type { Application, PrivilegeDepth } from './state.ts';
import { SEED, servicePrincipalFor } from './seed.ts';
import { delegatedAccessToken } from './entra/claims.ts';
import { expandDefault, parseScopes } from './entra/scopes.ts';
import { opaque } from './tokens.ts';
import { demoCallback } from './home.ts';
import { applyDrift, type Drift } from './drift.ts';
import { DIRECTORY_ROLES, type DirectoryRoleName } from './ids.ts';
import { bulkSeed, type BulkSeedRequest, type BulkSeedResult } from './fleet.ts';

/** Credential metadata only: the emulator keeps a hash of each secret and never returns or logs it. */
export interface ApplicationView extends Omit<Application, 'passwordCredentials'> {
  passwordCredentials: {
    keyId: string;
    displayName: string | null;
    hint: string;
    startDateTime: string;
    endDateTime: string;
  }[];
  replicated: boolean;
}

export interface EnvironmentView {
  id: string;
  friendlyName: string;
  url: string;
  apiUrl: string;
  tenantId: string;
  businessUnits: { businessunitid: string; name: string; parentbusinessunitid: string | null }[];
  roles: {
    roleid: string;
    name: string;
    businessunitid: string;
    privileges: Record<string, PrivilegeDepth> | 'all';
  }[];
  systemUsers: {
    systemuserid: string;
    fullname: string;
    applicationid: string | null;
    azureactivedirectoryobjectid: string;
    businessunitid: string;
    isdisabled: boolean;
    roles: string[];
  }[];
}

export interface StateView {
  tenants: Runtime['world']['tenants'];
  users: Runtime['world']['users'];
  applications: ApplicationView[];
  servicePrincipals: (Runtime['world']['servicePrincipals'][number] & { replicated: boolean })[];
  grants: Runtime['world']['grants'];
  environments: EnvironmentView[];
  scenarios: Scenario[];
  /** The directory's deleted items (soft-deleted apps and service principals, restorable for 30 days). */
  deletedItems: {
    kind: 'application' | 'servicePrincipal';
    id: string;
    appId: string;
    deletedDateTime: string;
  }[];
}

export interface IssueTokenOptions {
  /** User id or UPN. */
  user: string;
  /** Space-separated scopes of one resource, e.g. `https://graph.microsoft.com/Application.ReadWrite.All`. */
  scope: string;
  /** Client app id; defaults to the wizard app. */
  clientId?: string;
}

/** The control surface tests use: reset, scenarios, state inspection, the request log and test tokens. */
export class EmulatorControl {
  constructor(private readonly rt: Runtime) {}

  reset(): void {
    this.rt.reset();
  }

  /** Activates a scenario; returns an id for `clearScenario`. */
  setScenario(scenario: Scenario): number {
    return this.rt.scenarios.add(scenario);
  }

  clearScenario(id: number): void {
    this.rt.scenarios.remove(id);
  }

  clearScenarios(): void {
    this.rt.scenarios.clear();
  }

  scenarios(): Scenario[] {
    return this.rt.scenarios.list();
  }

  /**
   * Moves the emulator's clock forward by `ms` for credential lifetimes and replication, so tests can reach a
   * certificate's expiry without sleeping; JWT times stay real so real MSAL keeps working. Returns the emulator's time now (epoch ms).
   */
  advanceClock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error('The clock only moves forward: give a number of ms >= 0.');
    this.rt.clockOffsetMs += ms;
    return this.rt.now();
  }

  /** The emulator's time (epoch ms), after any {@link advanceClock}. */
  now(): number {
    return this.rt.now();
  }

  /** An admin-side change after verification (delete the app user, remove a privilege, …): see `drift.ts`. */
  drift(d: Drift): void {
    applyDrift(this.rt, d);
  }

  /** Thousands of finished setups in one call (tenants, environments, apps, application users): see `fleet.ts`. */
  bulkSeed(req: BulkSeedRequest): BulkSeedResult {
    return bulkSeed(this.rt, req);
  }

  /** Requests answered, the most requests of one tenant in flight at once, and how many got 429. */
  load(reset = false): { requests: number; maxConcurrentPerTenant: number; throttled: number } {
    const stats = this.rt.load.stats();
    if (reset) this.rt.load.reset();
    return stats;
  }

  /** Sets the default replication delay for objects created from now on. */
  setReplicationDelay(ms: number): void {
    this.rt.options.replicationDelayMs = ms;
  }

  /** Registers another SPA redirect URI on the wizard app (e.g. a test page on a random port). */
  addSpaRedirectUri(uri: string, appId: string = SEED.apps.wizard.appId): void {
    const app = this.rt.applicationByAppId(appId);
    if (!app) throw new Error(`Unknown application ${appId}`);
    if (!app.spa.redirectUris.includes(uri)) app.spa.redirectUris.push(uri);
    if (!this.rt.options.spaRedirectUris.includes(uri) && appId === SEED.apps.wizard.appId)
      this.rt.options.spaRedirectUris.push(uri);
  }

  /**
   * What a PIM admin does in Entra (My roles → Activate): the user's eligible directory roles become active now. They
   * count for sign-ins from now on; tokens of an earlier sign-in, refreshed or not, still lack them (FIDELITY F7-3).
   */
  activateEligibleRoles(userIdOrUpn: string): { activatedAt: number; roles: string[] } {
    const user = this.rt.user(userIdOrUpn);
    if (!user) throw new Error(`Unknown user '${userIdOrUpn}'.`);
    if (!user.eligibleRoles?.length)
      throw new Error(`${user.userPrincipalName} has no eligible role to activate.`);
    user.pimActivatedAt ??= this.rt.now();
    return { activatedAt: user.pimActivatedAt, roles: [...user.eligibleRoles] };
  }

  /**
   * An administrator assigns `userIdOrUpn` a directory role in the Entra admin center (Roles and administrators), an
   * active assignment at once. Like an activated PIM role, `wids` carries it only in tokens issued from now on.
   */
  assignDirectoryRole(userIdOrUpn: string, role: DirectoryRoleName): string[] {
    const user = this.rt.user(userIdOrUpn);
    if (!user) throw new Error(`Unknown user '${userIdOrUpn}'.`);
    if (!(role in DIRECTORY_ROLES)) throw new Error(`Unknown directory role '${role}'.`);
    if (!user.directoryRoles.includes(role)) user.directoryRoles.push(role);
    return [...user.directoryRoles];
  }

  /**
   * Records consent as if it had been granted on the consent page (tenant-wide unless `user` is given), so product
   * tests can start from an already-consented tenant. `resource` is a resource URI or app id.
   */
  grantConsent(options: {
    tenant: string;
    resource: string;
    scopes: string[];
    clientId?: string;
    user?: string;
  }): void {
    const tenant = this.rt.tenant(options.tenant);
    if (!tenant) throw new Error(`Unknown tenant ${options.tenant}`);
    const resource = this.rt.resource(options.resource, null);
    if (!resource) throw new Error(`Unknown resource ${options.resource}`);
    const clientAppId = options.clientId ?? SEED.apps.wizard.appId;
    const user = options.user ? this.rt.user(options.user) : undefined;
    if (options.user && !user) throw new Error(`Unknown user ${options.user}`);
    this.rt.world.grants.push({
      id: randomUUID(),
      tenantId: tenant.id,
      clientAppId,
      resourceAppId: resource.appId,
      consentType: user ? 'Principal' : 'AllPrincipals',
      principalId: user?.id ?? null,
      scopes: options.scopes,
    });
    const client = this.rt.applicationByAppId(clientAppId);
    if (client && !this.rt.servicePrincipal(tenant.id, clientAppId)) {
      this.rt.world.servicePrincipals.push({
        ...servicePrincipalFor(client, tenant.id, this.rt.now()),
        id: randomUUID(),
        replicatedAt: 0,
      });
    }
  }

  requestLog(): LogEntry[] {
    return [...this.rt.log];
  }

  state(): StateView {
    const w = this.rt.world;
    return structuredClone({
      tenants: w.tenants,
      users: w.users,
      applications: w.applications.map((a) => ({
        ...a,
        passwordCredentials: a.passwordCredentials.map((p) => ({
          keyId: p.keyId,
          displayName: p.displayName,
          hint: p.hint,
          startDateTime: p.startDateTime,
          endDateTime: p.endDateTime,
        })),
        replicated: this.rt.isReplicated(a),
      })),
      servicePrincipals: w.servicePrincipals.map((s) => ({ ...s, replicated: this.rt.isReplicated(s) })),
      grants: w.grants,
      environments: w.environments.map((e) => ({
        id: e.id,
        friendlyName: e.friendlyName,
        url: e.url,
        apiUrl: e.apiUrl,
        tenantId: e.tenantId,
        businessUnits: e.businessUnits,
        roles: e.roles.map((r) => ({
          roleid: r.roleid,
          name: r.name,
          businessunitid: r.businessunitid,
          privileges: r.allPrivileges
            ? ('all' as const)
            : Object.fromEntries(
                Object.entries(r.privileges).map(([id, d]) => [
                  w.privileges.find((p) => p.privilegeid === id)?.name ?? id,
                  d,
                ]),
              ),
        })),
        systemUsers: e.systemUsers.map((s) => ({
          systemuserid: s.systemuserid,
          fullname: s.fullname,
          applicationid: s.applicationid,
          azureactivedirectoryobjectid: s.azureactivedirectoryobjectid,
          businessunitid: s.businessunitid,
          isdisabled: s.isdisabled,
          roles: s.roleIds.map((id) => e.roles.find((r) => r.roleid === id)?.name ?? id),
        })),
      })),
      scenarios: this.rt.scenarios.list(),
      deletedItems: w.deletedItems.map((d) => ({
        kind: d.kind,
        id: d.object.id,
        appId: d.object.appId,
        deletedDateTime: d.deletedDateTime,
      })),
    });
  }

  /**
   * A delegated access token for a seeded user, as if they had signed in to `clientId` and consented — so Node tests
   * can drive Graph, Global Discovery and Dataverse without a browser.
   */
  async issueToken(options: IssueTokenOptions): Promise<string> {
    const user = this.rt.user(options.user);
    if (!user) throw new Error(`Unknown user ${options.user}`);
    const client = this.rt.applicationByAppId(options.clientId ?? SEED.apps.wizard.appId);
    if (!client) throw new Error(`Unknown client ${options.clientId ?? ''}`);
    const parsed = parseScopes(this.rt, options.scope, user.tenantId);
    const target = parsed.resources[0];
    if (!target || parsed.resources.length > 1 || parsed.unknown.length > 0) {
      throw new Error(`Scope must name exactly one known resource: ${options.scope}`);
    }
    const values = expandDefault(this.rt, client, target.resource, target.values);
    return delegatedAccessToken(this.rt, user, client, target.resource, values, opaque(16));
  }
}

/** HTTP form of the control API under `/_emulator/*` (for tests in other processes and the Playwright runner). */
export async function controlHttp(control: EmulatorControl, ctx: Ctx): Promise<Reply> {
  const path = ctx.url.pathname.replace(/^\/_emulator/, '');
  const body = readJson(ctx) as Record<string, unknown> | undefined;
  try {
    if (path === '/callback' && ctx.method === 'GET') return demoCallback(ctx);
    if (path === '/state' && ctx.method === 'GET') return json(200, control.state());
    if (path === '/reset' && ctx.method === 'POST') {
      control.reset();
      return noContent();
    }
    if (path === '/scenarios' && ctx.method === 'GET')
      return json(200, { names: SCENARIO_NAMES, active: control.scenarios() });
    if (path === '/scenarios' && ctx.method === 'POST')
      return json(201, { id: control.setScenario(body as unknown as Scenario) });
    if (path === '/scenarios' && ctx.method === 'DELETE') {
      control.clearScenarios();
      return noContent();
    }
    if (path === '/clock' && ctx.method === 'GET') return json(200, { now: control.now() });
    if (path === '/clock' && ctx.method === 'POST')
      return json(200, { now: control.advanceClock(Number(body?.advanceMs)) });
    if (path === '/drift' && ctx.method === 'POST') {
      control.drift(body as unknown as Drift);
      return noContent();
    }
    if (path === '/bulk-seed' && ctx.method === 'POST')
      return json(201, control.bulkSeed(body as unknown as BulkSeedRequest));
    if (path === '/load' && ctx.method === 'GET') return json(200, control.load());
    if (path === '/load' && ctx.method === 'DELETE') return json(200, control.load(true));
    if (path === '/log' && ctx.method === 'GET') return json(200, { entries: control.requestLog() });
    if (path === '/token' && ctx.method === 'POST') {
      const token = await control.issueToken(body as unknown as IssueTokenOptions);
      return json(200, { token_type: 'Bearer', access_token: token });
    }
    if (path === '/consents' && ctx.method === 'POST') {
      control.grantConsent(body as unknown as Parameters<EmulatorControl['grantConsent']>[0]);
      return noContent();
    }
    if (path === '/pim/activate' && ctx.method === 'POST')
      return json(200, control.activateEligibleRoles(typeof body?.user === 'string' ? body.user : ''));
    if (path === '/redirect-uris' && ctx.method === 'POST') {
      control.addSpaRedirectUri(typeof body?.uri === 'string' ? body.uri : '');
      return noContent();
    }
    return json(404, { error: { code: 'NotFound', message: `No control endpoint ${ctx.method} ${path}` } });
  } catch (e) {
    return json(400, { error: { code: 'BadRequest', message: e instanceof Error ? e.message : String(e) } });
  }
}
