/**
 * Faults and tenant situations the provisioning engine must survive. A scenario is active until cleared or
 * `reset()`; `tenant`/`user` narrow it (tenant id or verified domain, user id or UPN).
 */
export type Service = 'entra' | 'graph' | 'discovery' | 'dataverse';
export type ServiceSelector = Service | 'all';

export const SCENARIO_NAMES = [
  /** New apps, service principals and secrets stay invisible to Dataverse and the token endpoint (and, with `graphReads`, to Graph reads) for `seconds`. */
  'replication-delay',
  /** `429 Too Many Requests` with `Retry-After` for the next `times` calls to `service` (or every call if `times` is absent). */
  'throttle',
  /** `503 Service Unavailable` with `Retry-After` for the next `times` calls to `service`. */
  'service-unavailable',
  /** Adds `ms` of latency to every call to `service`. */
  'latency',
  /** Tenant app management policy with a `passwordAddition` restriction: addPassword fails. */
  'password-credentials-blocked',
  /** Tenant app management policy with a `passwordLifetime` restriction of `maxDays`. */
  'password-lifetime-capped',
  /**
   * `addPassword` on an app that already has `max` passwords answers 400 `TooManyAppPasswords` (Microsoft's limit
   * for apps whose audience includes personal accounts, applied here to any app on purpose: another Graph 400).
   */
  'too-many-app-passwords',
  /** The user has no Entra directory role: Graph writes fail with 403 Authorization_RequestDenied. */
  'admin-without-entra-role',
  /** The user is not System Administrator in any environment (GDS IsUserSysAdmin false, Dataverse 403s). */
  'admin-not-system-administrator',
  /** The user may not grant tenant-wide consent: the consent page asks for admin approval (AADSTS90094). */
  'admin-consent-required',
  /** The consent page is answered "Cancel" automatically (AADSTS65004). */
  'consent-declined',
  /** GDS lists an environment owned by another tenant (Fabrikam) where the Contoso admin is System Administrator. */
  'environment-in-other-tenant',
  /** Authorize signs `user` in and accepts consent without showing a page (for product e2e tests). */
  'auto-sign-in',
  /**
   * Conditional Access requires multi-factor authentication for one cloud app (`resource`: Graph, or Dataverse —
   * the Dynamics CRM app, Global Discovery included). Until the user signs in interactively for it, refresh-token
   * requests for it fail with `interaction_required` AADSTS50076 and a `claims` challenge, and a `prompt=none`
   * authorize fails the same way; an interactive authorize for it counts as the user completing MFA.
   */
  'mfa-required',
  /** Client-credentials tokens answer `expires_in: seconds` (a token close to its end, for token caches). */
  'app-token-lifetime',
  /**
   * Dataverse's privilege cache lags: a role assigned to an application user takes effect for that user's own calls
   * only `seconds` after the assignment (until then its reads answer 0x80040220).
   */
  'privilege-cache-lag',
  /**
   * A write that commits and then answers 504 Gateway Timeout (a gateway gave up on a slow backend): the next
   * `times` writes (`method`, default POST) to `service` whose path contains `path` are carried out, then answered 504.
   */
  'commit-then-gateway-timeout',
  /** Tenant app management policy with a `trustedCertificateAuthority` restriction: self-signed certificates are refused. */
  'certificate-credentials-blocked',
  /** Tenant app management policy with an `asymmetricKeyLifetime` restriction of `maxDays`. */
  'certificate-lifetime-capped',
  /** An environment that wants `field` on a new application user: a create without it answers 0x80040200. */
  'application-user-requires-field',
  /**
   * Delegated access tokens carry no `wids` claim (clients must treat Microsoft's access tokens as opaque; `wids` is
   * emitted per the resource's `groupMembershipClaims`): a client has to ask Graph for the user's roles.
   */
  'access-token-without-wids',
  /**
   * The user's directory roles are held through a role-assignable group, not assigned directly: Graph enforces them,
   * `/me/transitiveMemberOf` lists them, `/me/memberOf` lists only the group.
   */
  'directory-roles-through-group',
  /**
   * Fault injection of a malformed answer, not a Microsoft behaviour: `WhoAmI` answers 200 without `UserId`
   * (Microsoft documents it as a non-nullable `Edm.Guid`), so a client's check of the answer can be tested.
   */
  'whoami-without-user-id',
  /**
   * Fault injection: the next `times` calls an application makes to Dataverse (every call if `times` is absent)
   * answer 400 `0x8004F510` AzureApplicationIdNotFound, the code spelt as Microsoft's error-code reference spells
   * it (upper-case F), so a client's handling of the code's casing can be tested.
   */
  'dataverse-application-id-not-found',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

interface ScopeFilter {
  /** Tenant id or domain the scenario applies to; all tenants if absent. */
  tenant?: string;
  /** User id or UPN the scenario applies to; all users if absent. */
  user?: string;
}

export type Scenario = ScopeFilter &
  (
    | { name: 'replication-delay'; seconds: number; graphReads?: boolean }
    | { name: 'throttle'; service: ServiceSelector; retryAfterSeconds?: number; times?: number }
    | { name: 'service-unavailable'; service: ServiceSelector; retryAfterSeconds?: number; times?: number }
    | { name: 'latency'; service: ServiceSelector; ms: number }
    | { name: 'password-credentials-blocked' }
    | { name: 'password-lifetime-capped'; maxDays: number }
    | { name: 'too-many-app-passwords'; max: number }
    | { name: 'admin-without-entra-role' }
    | { name: 'admin-not-system-administrator' }
    | { name: 'admin-consent-required' }
    | { name: 'consent-declined' }
    | { name: 'environment-in-other-tenant' }
    | { name: 'auto-sign-in'; user: string }
    | { name: 'mfa-required'; resource: 'graph' | 'dataverse' }
    | { name: 'app-token-lifetime'; seconds: number }
    | { name: 'privilege-cache-lag'; seconds: number }
    | {
        name: 'commit-then-gateway-timeout';
        service: Service;
        method?: string;
        path?: string;
        times?: number;
      }
    | { name: 'certificate-credentials-blocked' }
    | { name: 'certificate-lifetime-capped'; maxDays: number }
    | { name: 'application-user-requires-field'; field: string }
    | { name: 'access-token-without-wids' }
    | { name: 'directory-roles-through-group' }
    | { name: 'whoami-without-user-id' }
    | { name: 'dataverse-application-id-not-found'; times?: number }
  );

/** An active scenario with its remaining call budget (for `times`). */
export interface ActiveScenario {
  id: number;
  scenario: Scenario;
  remaining: number | null;
}

export class ScenarioSet {
  private active: ActiveScenario[] = [];
  private nextId = 1;

  add(scenario: Scenario): number {
    if (!(SCENARIO_NAMES as readonly string[]).includes(scenario.name)) {
      throw new Error(`Unknown scenario '${String(scenario.name)}'. Known: ${SCENARIO_NAMES.join(', ')}`);
    }
    const times = 'times' in scenario && typeof scenario.times === 'number' ? scenario.times : null;
    const id = this.nextId++;
    this.active.push({ id, scenario, remaining: times });
    return id;
  }

  remove(id: number): void {
    this.active = this.active.filter((a) => a.id !== id);
  }

  clear(): void {
    this.active = [];
  }

  list(): Scenario[] {
    return this.active.map((a) => a.scenario);
  }

  /** Active scenarios of one name that apply to the given tenant/user identifiers. */
  find<N extends ScenarioName>(
    name: N,
    who: { tenant?: string[]; user?: string[] } = {},
  ): Extract<Scenario, { name: N }>[] {
    return this.active
      .filter((a) => a.scenario.name === name && matches(a.scenario, who))
      .map((a) => a.scenario as Extract<Scenario, { name: N }>);
  }

  has(name: ScenarioName, who: { tenant?: string[]; user?: string[] } = {}): boolean {
    return this.find(name, who).length > 0;
  }

  /** Consumes one call of a counted fault (throttle / service-unavailable) for a service, if any applies. */
  takeFault(
    service: Service,
    who: { tenant?: string[]; user?: string[] },
  ): { status: 429 | 503; retryAfterSeconds: number } | null {
    for (const a of this.active) {
      const s = a.scenario;
      if (s.name !== 'throttle' && s.name !== 'service-unavailable') continue;
      if (s.service !== 'all' && s.service !== service) continue;
      if (!matches(s, who)) continue;
      if (a.remaining !== null) {
        if (a.remaining <= 0) continue;
        a.remaining -= 1;
      }
      return { status: s.name === 'throttle' ? 429 : 503, retryAfterSeconds: s.retryAfterSeconds ?? 2 };
    }
    return null;
  }

  /** Consumes one call of a counted scenario of this name (a `times` budget, or unbounded), if any applies. */
  takeCounted(name: ScenarioName, who: { tenant?: string[]; user?: string[] }): boolean {
    for (const a of this.active) {
      if (a.scenario.name !== name || !matches(a.scenario, who)) continue;
      if (a.remaining !== null) {
        if (a.remaining <= 0) continue;
        a.remaining -= 1;
      }
      return true;
    }
    return false;
  }

  /** Consumes one `commit-then-gateway-timeout` for a write that has just succeeded, if any applies. */
  takeCommitThenTimeout(
    service: Service,
    method: string,
    path: string,
    who: { tenant?: string[]; user?: string[] },
  ): boolean {
    for (const a of this.active) {
      const s = a.scenario;
      if (s.name !== 'commit-then-gateway-timeout' || s.service !== service) continue;
      if ((s.method ?? 'POST').toUpperCase() !== method.toUpperCase()) continue;
      if (s.path && !path.toLowerCase().includes(s.path.toLowerCase())) continue;
      if (!matches(s, who)) continue;
      if (a.remaining !== null) {
        if (a.remaining <= 0) continue;
        a.remaining -= 1;
      }
      return true;
    }
    return false;
  }

  latencyMs(service: Service): number {
    let ms = 0;
    for (const a of this.active) {
      const s = a.scenario;
      if (s.name === 'latency' && (s.service === 'all' || s.service === service)) ms += s.ms;
    }
    return ms;
  }
}

function matches(s: ScopeFilter, who: { tenant?: string[]; user?: string[] }): boolean {
  const norm = (v: string) => v.toLowerCase();
  if (s.tenant && !(who.tenant ?? []).map(norm).includes(norm(s.tenant))) return false;
  if (s.user && !(who.user ?? []).map(norm).includes(norm(s.user))) return false;
  return true;
}
