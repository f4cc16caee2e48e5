import type { StepError } from '@kantiv/shared/steps';
import type { Clients } from '../clients.ts';
import { normalizeUrl, type ResolvedConfig } from '../config.ts';
import { APP_MANAGER_ROLES, DIRECTORY_ROLE_TEMPLATES } from '../directory-roles.ts';
import { MicrosoftApiError, isAbortError, toStepError } from '../errors.ts';
import { getToken } from '../http/tokens.ts';
import type { TokenProvider } from '../http/transport.ts';
import { decodeJwtPayload, stringClaim } from '../jwt.ts';
import {
  SYSTEM_ADMINISTRATOR_TEMPLATE,
  type DataverseClient,
  type Role,
  type SystemUser,
  type WhoAmI,
} from '../microsoft/dataverse-client.ts';
import type { Instance } from '../microsoft/discovery-client.ts';
import { DYNAMICS_CRM_APP_ID, type Application, type DeletedApplication } from '../microsoft/graph-client.ts';
import {
  MICROSOFT_DEFAULT_ROLE_PRIVILEGES,
  depthAtLeast,
  manifestPrivileges,
  privilegesBeyond,
  type HeldPrivilege,
} from '../privileges.ts';
import type { EnvironmentOption, RoleOption } from '../types.ts';
import { environmentReadError, toOption, toRoleOption } from './options.ts';

/**
 * What exists now, read once per run with every independent call in flight at the same time. Each getter is memoized,
 * so the steps' `discover` functions can ask for what they need without repeating a request.
 */
export class DiscoverySession {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clients: Clients,
    private readonly tokens: TokenProvider,
    readonly config: ResolvedConfig,
    private readonly signal: AbortSignal,
  ) {}

  private memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.cache.set(key, p);
      // A memoized rejection is observed by whoever awaits it; avoid unhandled-rejection noise meanwhile.
      p.catch(() => undefined);
    }
    return p;
  }

  graphClaims(): Promise<Record<string, unknown>> {
    return this.memo('claims', async () =>
      decodeJwtPayload(await getToken({ tokens: this.tokens }, 'graph', this.signal)),
    );
  }

  async tenantId(): Promise<string> {
    if (this.config.tenantId) return this.config.tenantId;
    const claims = await this.graphClaims();
    if (typeof claims.tid === 'string') return claims.tid.toLowerCase();
    const org = await this.memo('organization', () => this.clients.graph('preflight').organization());
    if (!org) throw new Error('Microsoft Graph did not return the tenant of the signed-in account.');
    return org.id.toLowerCase();
  }

  /** The signed-in admin: from the token's claims (no request, no `User.Read` needed), else `/me`. */
  me(): Promise<{ id: string; userPrincipalName?: string | null; displayName?: string | null }> {
    return this.memo('me', async () => {
      const c = await this.graphClaims();
      if (typeof c.oid === 'string') {
        return {
          id: c.oid,
          userPrincipalName: stringClaim(c, 'upn', 'preferred_username'),
          displayName: stringClaim(c, 'name'),
        };
      }
      return this.clients.graph('preflight').me();
    });
  }

  /**
   * Directory role names: from the token's `wids` claim (no request), else from Graph. `wids` is a snapshot taken
   * when the token was issued: a role activated since (PIM) is missing from a cached token for up to its lifetime,
   * so a token without an app-managing role is checked once more with a fresh token before anyone is blocked.
   * `readable` is false when Graph answered with "limited information" (the wizard's `User.Read` may not read
   * directoryRole objects): the roles are then unknown, and Graph itself decides at the first write (a 403
   * `Authorization_RequestDenied` there says the role is missing).
   */
  directoryRoleCheck(): Promise<{ roles: string[]; readable: boolean }> {
    return this.memo('roles', async () => {
      const named = (wids: unknown[]) =>
        wids
          .map((w) => (typeof w === 'string' ? DIRECTORY_ROLE_TEMPLATES[w.toLowerCase()] : undefined))
          .filter((n): n is string => n !== undefined);
      const claims = await this.graphClaims();
      if (Array.isArray(claims.wids)) {
        const roles = named(claims.wids);
        if (roles.some((r) => APP_MANAGER_ROLES.has(r))) return { roles, readable: true };
        const fresh = decodeJwtPayload(
          await getToken({ tokens: this.tokens }, 'graph', this.signal, { fresh: true }),
        );
        return { roles: Array.isArray(fresh.wids) ? named(fresh.wids) : roles, readable: true };
      }
      try {
        const found = await this.clients.graph('preflight').myDirectoryRoles();
        const roles = found
          .map((r) =>
            r.roleTemplateId
              ? (DIRECTORY_ROLE_TEMPLATES[r.roleTemplateId.toLowerCase()] ?? r.displayName)
              : null,
          )
          .filter((n): n is string => Boolean(n));
        return { roles, readable: found.every((r) => r.roleTemplateId) };
      } catch (err) {
        if (err instanceof MicrosoftApiError && err.status === 403) return { roles: [], readable: false };
        throw err;
      }
    });
  }

  async directoryRoles(): Promise<string[]> {
    return (await this.directoryRoleCheck()).roles;
  }

  async hasApplicationConsent(): Promise<boolean> {
    const claims = await this.graphClaims();
    // An opaque or scope-less token: let Graph decide (a 403 then says what is missing).
    if (typeof claims.scp !== 'string') return true;
    return claims.scp.split(' ').some((s) => /^Application\.ReadWrite\.All$/i.test(s));
  }

  dynamicsCrm() {
    return this.memo('crm', async () => {
      const sp = await this.clients.graph('preflight').servicePrincipalByAppId(DYNAMICS_CRM_APP_ID);
      if (!sp) return null;
      const scope = (sp.oauth2PermissionScopes ?? []).find(
        (s) => s.value === 'user_impersonation' && s.isEnabled !== false,
      );
      return { servicePrincipalId: sp.id, userImpersonationScopeId: scope?.id ?? null };
    });
  }

  instances(): Promise<{ instances: Instance[]; error: StepError | null }> {
    return this.memo('instances', async () => {
      try {
        return { instances: await this.clients.discovery('environment').instances(), error: null };
      } catch (err) {
        if (isAbortError(err)) throw err;
        return { instances: [], error: toStepError(err) };
      }
    });
  }

  environments(): Promise<EnvironmentOption[]> {
    return this.memo('environments', async () => {
      const [{ instances }, tenantId] = await Promise.all([this.instances(), this.tenantId()]);
      return instances.map((i) => toOption(i, tenantId));
    });
  }

  /** The chosen environment: from Global Discovery when listed there, else as typed (manual fallback). */
  environment(): Promise<EnvironmentOption | null> {
    return this.memo('environment', async () => {
      const wanted = this.config.environmentUrl;
      if (!wanted) return null;
      const envs = await this.environments();
      const found = envs.find((e) => normalizeUrl(e.url) === wanted || normalizeUrl(e.apiUrl) === wanted);
      if (found) return found;
      return {
        url: wanted,
        apiUrl: wanted,
        name: new URL(wanted).host,
        uniqueName: null,
        organizationId: null,
        tenantId: null,
        isUserSysAdmin: null,
        sameTenant: true,
        enabled: true,
        discovered: false,
      } satisfies EnvironmentOption;
    });
  }

  private async dv(): Promise<DataverseClient | null> {
    const env = await this.environment();
    if (!env || !env.sameTenant || !env.enabled) return null;
    return this.clients.dataverse('environment', env);
  }

  /** WhoAmI and root business unit; an error here means the admin cannot work in this environment. */
  dataverseBasics(): Promise<
    { whoAmI: WhoAmI; rootBusinessUnitId: string; error: null } | { error: StepError } | null
  > {
    return this.memo('dvBasics', async () => {
      const dv = await this.dv();
      if (!dv) return null;
      try {
        const [whoAmI, root] = await Promise.all([dv.whoAmI(), dv.rootBusinessUnit()]);
        if (!root) throw new Error('Dataverse did not return a root business unit.');
        return { whoAmI, rootBusinessUnitId: root.businessunitid, error: null };
      } catch (err) {
        if (isAbortError(err)) throw err;
        return { error: environmentReadError(err) };
      }
    });
  }

  isSystemAdministrator(): Promise<boolean> {
    return this.memo('sysadmin', async () => {
      const env = await this.environment();
      if (env?.isUserSysAdmin === true) return true;
      // Global Discovery's "no" (or silence) is not final: it may miss the role held through a team. Ask the
      // environment, by role template id, since the role's name is in the environment's base language.
      const basics = await this.dataverseBasics();
      const dv = await this.dv();
      if (!basics || basics.error || !dv) return false;
      const isAdmin = (roles: Role[]) =>
        roles.some((r) => r._roletemplateid_value?.toLowerCase() === SYSTEM_ADMINISTRATOR_TEMPLATE);
      if (isAdmin(await dv.userRoles(basics.whoAmI.UserId))) return true;
      for (const teamId of await dv.userTeamIds(basics.whoAmI.UserId)) {
        if (isAdmin(await dv.teamRoles(teamId))) return true;
      }
      return false;
    });
  }

  rootRoles(): Promise<RoleOption[]> {
    return this.memo('rootRoles', async () => {
      const basics = await this.dataverseBasics();
      const dv = await this.dv();
      if (!basics || basics.error || !dv) return [];
      const roles = await dv.rolesOfBusinessUnit(basics.rootBusinessUnitId);
      return roles.map(toRoleOption);
    });
  }

  /** The role the run will use: ours (by name, in the root business unit) or the admin's pick. */
  role(): Promise<Role | null> {
    return this.memo('role', async () => {
      const basics = await this.dataverseBasics();
      const dv = await this.dv();
      if (!basics || basics.error || !dv) return null;
      if (this.config.role.mode === 'existing') return dv.role(this.config.role.roleId);
      const roles = await dv.rolesByName(this.config.manifest.roleName, basics.rootBusinessUnitId);
      return roles[0] ?? null;
    });
  }

  /**
   * Privilege name → id in this environment, for the manifest's privileges (absent names are tables the environment
   * lacks) and Microsoft's default role privileges (read in the same request).
   */
  privilegeIds(): Promise<Map<string, string>> {
    return this.memo('privileges', async () => {
      const dv = await this.dv();
      if (!dv) return new Map<string, string>();
      const basics = await this.dataverseBasics();
      if (!basics || basics.error) return new Map<string, string>();
      const names = [
        ...new Set([
          ...manifestPrivileges(this.config.manifest).map((p) => p.name),
          ...MICROSOFT_DEFAULT_ROLE_PRIVILEGES,
        ]),
      ];
      const found = await dv.privilegesByName(names);
      return new Map(found.map((p) => [p.name, p.privilegeid]));
    });
  }

  rolePrivilegeGap(): Promise<{
    missing: string[];
    extra: string[];
    unknown: string[];
    beyond: HeldPrivilege[];
  }> {
    return this.memo('gap', async () => {
      const [role, ids, dv] = await Promise.all([this.role(), this.privilegeIds(), this.dv()]);
      const wanted = manifestPrivileges(this.config.manifest);
      const unknown = wanted.filter((w) => !ids.has(w.name)).map((w) => w.name);
      if (!role || !dv) return { missing: wanted.map((w) => w.name), extra: [], unknown, beyond: [] };
      const held = await dv.rolePrivileges(role.roleid);
      const byId = new Map(held.map((h) => [h.PrivilegeId.toLowerCase(), h]));
      const exact = this.config.role.mode === 'create';
      const missing = wanted
        .filter((w) => {
          const id = ids.get(w.name);
          if (!id) return true;
          const h = byId.get(id.toLowerCase());
          return !h || (exact ? h.Depth !== w.depth : !depthAtLeast(h.Depth, w.depth));
        })
        .map((w) => w.name);
      // Microsoft's defaults count as wanted: they come with every new role and are not ours to take away.
      const wantedIds = new Set([...ids.values()].map((v) => v.toLowerCase()));
      const extra = exact
        ? held
            .filter(
              (h) =>
                !wantedIds.has(h.PrivilegeId.toLowerCase()) &&
                !MICROSOFT_DEFAULT_ROLE_PRIVILEGES.includes(h.PrivilegeName ?? ''),
            )
            .map((h) => h.PrivilegeName ?? h.PrivilegeId)
        : [];
      // An existing role is the admin's: shown with what it grants beyond the manifest, never changed.
      const wantedDepths = new Map(
        wanted.flatMap((w) => {
          const id = ids.get(w.name);
          return id ? [[id.toLowerCase(), w.depth] as const] : [];
        }),
      );
      const beyond = exact ? [] : privilegesBeyond(held, wantedDepths);
      return { missing, extra, unknown, beyond };
    });
  }

  application(): Promise<Application | null> {
    return this.memo('application', () =>
      this.clients.graph('app_registration').applicationByUniqueName(this.config.appUniqueName),
    );
  }

  /** Our app in Entra's deleted items, looked for only when there is no live one. */
  deletedApplication(): Promise<DeletedApplication | null> {
    return this.memo('deletedApplication', async () => {
      if (await this.application()) return null;
      const found = await this.clients
        .graph('app_registration')
        .deletedApplicationsByUniqueName(this.config.appUniqueName);
      return found[0] ?? null;
    });
  }

  servicePrincipal(): Promise<{ id: string; accountEnabled: boolean } | null> {
    return this.memo('sp', async () => {
      const app = await this.application();
      if (!app) return null;
      const sp = await this.clients.graph('app_registration').servicePrincipalByAppId(app.appId);
      return sp ? { id: sp.id, accountEnabled: sp.accountEnabled !== false } : null;
    });
  }

  servicePrincipalId(): Promise<string | null> {
    return this.servicePrincipal().then((sp) => sp?.id ?? null);
  }

  /** Our app's enterprise application exists but an admin disabled it for sign-in. */
  servicePrincipalDisabled(): Promise<boolean> {
    return this.servicePrincipal().then((sp) => sp?.accountEnabled === false);
  }

  applicationUser(): Promise<(SystemUser & { roleIds: string[] }) | null> {
    return this.memo('appUser', async () => {
      const [live, deleted, basics, dv] = await Promise.all([
        this.application(),
        this.deletedApplication(),
        this.dataverseBasics(),
        this.dv(),
      ]);
      // A deleted app's application user stays in Dataverse: restored, the app is that user's again.
      const app = live ?? deleted;
      if (!app || !basics || basics.error || !dv) return null;
      const users = await dv.applicationUsers(app.appId);
      const user = users[0];
      if (!user) return null;
      const roles = await dv.userRoles(user.systemuserid);
      return { ...user, roleIds: roles.map((r) => r.roleid.toLowerCase()) };
    });
  }
}
