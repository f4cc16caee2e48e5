import type { EngineText } from '@kantiv/shared/engine-texts';
import type { StepEventInput } from '@kantiv/shared/events';
import type { TablePermission } from '@kantiv/shared/manifest';
import type { StepId } from '@kantiv/shared/steps';
import type { HeldPrivilege } from '../privileges.ts';
import type { PlanAction, PlannedCredential } from '../types.ts';

/**
 * What the wizard's pages need from the engine, in the admin's words. `summarize.ts` maps the engine's `Discovery`,
 * `Plan` and `ApplyResult` onto these, so pages never depend on the engine's internals; the wizard's adapter only
 * adds MSAL and the hand-off call.
 */

/** Something that stops the setup, with the exact fix and who must do it. */
export type Blocker = {
  code: string;
  message: string;
  fix: string;
  /** The catalog code and parameters the wizard words it by in the admin's language. */
  text?: EngineText;
};

/** An environment as the admin picks it (and as the wizard remembers it across a reload). */
export type EnvironmentChoice = {
  url: string;
  name: string;
  environmentId?: string;
  tenantId?: string;
  region?: string;
  /** From Global Discovery's `IsUserSysAdmin`; undefined when unknown (URL typed by hand). */
  isUserSysAdmin?: boolean;
};

export type DiscoverySummary = {
  tenantId: string;
  username: string;
  /** Blockers found before any environment is chosen (directory role, consent, Dynamics missing). */
  blockers: Blocker[];
  environments: EnvironmentChoice[];
  /** Global Discovery failed; the admin can still type the URL. */
  environmentsError?: string;
  /**
   * Microsoft asked the admin to sign in again for Dynamics 365 (e.g. Conditional Access wanting MFA for it) and the
   * browser blocked the window: a click on the page can open it.
   */
  signInBlocked?: boolean;
  /** The client id of Kantiv's app in the tenant, when it exists: whose connections the environment page marks. */
  appClientId?: string;
};

export type ExistingRole = { roleId: string; name: string };

export type EnvironmentCheck = {
  environment: EnvironmentChoice;
  blockers: Blocker[];
  /** Security roles of the root business unit the admin may pick instead of the least-privilege one. */
  roles: ExistingRole[];
  /** The client id of Kantiv's app in the tenant, when it exists (another setup's connection of it holds the environment). */
  appClientId?: string;
};

export type RoleChoice = { kind: 'create' } | { kind: 'existing'; roleId: string; roleName: string };

export type PlanChoices = {
  environment: EnvironmentChoice;
  role: RoleChoice;
  /** The lifetime of either kind of credential. */
  secretLifetimeMonths: number;
  /** Default `certificate` (recommended); `client_secret` is the admin's explicit choice. */
  credentialKind?: 'certificate' | 'client_secret';
};

export type PlanItem = { step: StepId; action: PlanAction; title: string; detail: string };

export type PlanSummary = {
  choices: PlanChoices;
  items: PlanItem[];
  /** Certificate or secret, its lifetime, and what the tenant's policy changed (the reason for a secret). */
  credential: PlannedCredential;
  appName: string;
  roleName: string;
  /** The table privileges the least-privilege role will hold (or the picked role must hold). */
  privileges: TablePermission[];
  /** For an existing role: the privilege names it lacks. */
  missingPrivileges: string[];
  /** For an existing role: what it grants beyond the manifest, by privilege name and the depth it holds. */
  privilegesBeyond: HeldPrivilege[];
  /**
   * Graph showed the admin's Entra roles only as limited objects (User.Read): the plan must not claim the role allows
   * the setup; Microsoft checks it at the first write.
   */
  entraRolesUnknown: boolean;
  blockers: Blocker[];
  /** Roles of the environment's root business unit, for the admin's pick. */
  roles: ExistingRole[];
};

export type RunEvent = Omit<StepEventInput, 'seq'>;

export type RunResult = {
  tenantId: string;
  clientId: string;
  environmentUrl: string;
  environmentId?: string;
  applicationUserId: string;
  roleName: string;
  secretExpiresAt?: string;
};

export interface WizardEngine {
  discover(signal: AbortSignal): Promise<DiscoverySummary>;
  checkEnvironment(url: string, signal: AbortSignal): Promise<EnvironmentCheck>;
  plan(choices: PlanChoices, signal: AbortSignal): Promise<PlanSummary>;
  /**
   * Runs (or resumes) the setup for these choices: rediscovers what exists, converges on re-runs, reports every step
   * (waits included) through `onEvent`, and fails with the blocker when something blocks.
   */
  apply(
    choices: PlanChoices,
    options: { signal: AbortSignal; onEvent: (event: RunEvent) => void },
  ): Promise<RunResult>;
}
