import type {
  CertificateRequest,
  CertificateResponse,
  CredentialHandoffRequest,
} from '@kantiv/shared/credentials';
import type { StepEventInput } from '@kantiv/shared/events';
import type { Manifest } from '@kantiv/shared/manifest';
import type { StepError, StepId, StepStatus } from '@kantiv/shared/steps';
import type { FetchLike, RequestObservation, RetryPolicy, TokenProvider } from './http/transport.ts';
import type { HeldPrivilege } from './privileges.ts';
import type { SecretHolder } from './secret-holder.ts';

/** What Kantiv's configuration decides (names, manifest) and what the admin chose (environment, role, lifetime). */
export interface EngineConfig {
  /** Defaults to Microsoft's public cloud; the emulator's URLs in tests. */
  endpoints?: { graph?: string; discovery?: string };
  application?: {
    /** Shown in the Entra admin center. Default `APP_DISPLAY_NAME` (`@kantiv/shared/naming`). */
    displayName?: string;
    /** Immutable alternate key that makes re-runs find the app again. Default `APP_UNIQUE_NAME`. */
    uniqueName?: string;
    /** Tag set on the app (visible to admins, searchable). Default `APP_TAG`. */
    tag?: string;
  };
  /** The chosen environment: its `Url` (`https://contoso.crm.dynamics.com`) from Global Discovery, or typed. */
  environmentUrl?: string;
  manifest?: Manifest;
  /** Create the least-privilege role from the manifest (default) or use a role the admin picked. */
  role?: { mode: 'create' } | { mode: 'existing'; roleId: string };
  /** 12–24, default 12. Shortened automatically when a tenant policy caps secret lifetimes. */
  secretLifetimeMonths?: number;
  /**
   * The credential the app gets. Default `certificate` (decision 011) when the engine has `EngineOptions.certificate`;
   * `client_secret` when the admin chooses it, or when there is no way to get a certificate (the bench, older callers).
   * The lifetime is `secretLifetimeMonths` for both kinds.
   */
  credentialKind?: 'certificate' | 'client_secret';
  /**
   * The `keyId` of the secret our server already holds for this setup (from the setup's state). A run that finds it
   * still on the app reuses it and sends nothing; every other "Kantiv secret" is removed.
   */
  handedOffSecretKeyId?: string;
  /**
   * The setup this run provisions for (its id). Names its client secret "Kantiv secret (setup 1a2b3c4d)" so that runs
   * for other setups of the tenant (other environments) never remove it (decision 010).
   */
  credentialOwner?: string;
  /** The admin's tenant (MSAL `account.tenantId`); read from the Graph token when absent. */
  tenantId?: string;
  retry?: Partial<RetryPolicy>;
  /** `sequential` runs the steps one by one (the bench's baseline). Default `parallel`. */
  concurrency?: 'parallel' | 'sequential';
  /** First `seq` of the events this engine emits (continue after the events the server already has). */
  seqStart?: number;
  /**
   * A follow-up link's run on a connection in use (decisions 013, 014): `renew` adds a new credential next to the one
   * Kantiv holds (`handedOffSecretKeyId`) and removes an old secret only after `EngineOptions.switched`; `repair`
   * recreates what drifted and keeps the held credential while it is on the app. Absent: the first setup.
   */
  purpose?: 'renew' | 'repair';
}

export type HandoffCallback = (request: CredentialHandoffRequest, signal: AbortSignal) => Promise<void>;

/** Asks our server for the setup's certificate: the key pair is made and sealed there; only public material returns. */
export type CertificateCallback = (
  request: CertificateRequest,
  signal: AbortSignal,
) => Promise<CertificateResponse>;

export type SwitchedCallback = (keyId: string, signal: AbortSignal) => Promise<void>;

export interface Clock {
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
}

export interface EngineOptions {
  tokens: TokenProvider;
  fetch: FetchLike;
  config: EngineConfig;
  /** Every step start, wait, success, failure and skip. Never contains a secret or a token. */
  onEvent?: (event: StepEventInput) => void;
  /** Receives the secret exactly once per secret; should post it to our server. Retried on the next apply if it throws. */
  handoff: HandoffCallback;
  /** Certificate mode (the default when given): where the public certificate comes from. */
  certificate?: CertificateCallback;
  /**
   * A follow-up link's run: resolves once our server says it switched token vending to the credential with this
   * `keyId` (the old one is removed only then). Without it such a run leaves the old secret to its end date.
   */
  switched?: SwitchedCallback;
  /** Cancels discovery, waits and apply. */
  signal?: AbortSignal;
  clock?: Partial<Clock>;
  /** Every Microsoft request (method, URL, status, timing): for the bench and diagnostics. */
  onRequest?: (obs: RequestObservation) => void;
  /**
   * Where a new secret waits for its hand-off. Engines of one page share one, so a run after a cancel or a failure
   * hands off the secret an earlier run made instead of making (and later deleting) another.
   */
  secretHolder?: SecretHolder;
}

export interface EnvironmentOption {
  /** The app URL and token audience. */
  url: string;
  apiUrl: string;
  name: string;
  uniqueName: string | null;
  organizationId: string | null;
  tenantId: string | null;
  /** `null` when unknown (an environment typed by hand and not in Global Discovery). */
  isUserSysAdmin: boolean | null;
  sameTenant: boolean;
  enabled: boolean;
  /** Found in Global Discovery (otherwise typed by the admin). */
  discovered: boolean;
}

export interface RoleOption {
  roleId: string;
  name: string;
  managed: boolean;
}

/** What exists now, in the tenant and the environment. */
export interface Discovery {
  tenantId: string;
  user: { id: string; userPrincipalName: string | null; displayName: string | null };
  /** Entra directory roles of the admin (names). */
  directoryRoles: string[];
  /** `null`: Graph did not let the wizard read the roles (limited information); Graph decides at the first write. */
  canManageApplications: boolean | null;
  /** The wizard's token carries `Application.ReadWrite.All` (admin consent given). */
  hasApplicationConsent: boolean;
  dynamicsCrm: { servicePrincipalId: string; userImpersonationScopeId: string | null } | null;
  environments: EnvironmentOption[];
  environmentsError: StepError | null;
  environment: EnvironmentOption | null;
  /** The chosen environment could not be read (not a user there, other tenant, unreachable). */
  environmentError: StepError | null;
  application: {
    objectId: string;
    clientId: string;
    displayName: string;
    hasDynamicsPermission: boolean;
    /** "Kantiv secret" credentials on the app (metadata only). */
    secrets: { keyId: string; endDateTime: string | null }[];
    /** This setup's certificates on the app (metadata only; `key` is read at apply). */
    certificates: { keyId: string; endDateTime: string | null }[];
  } | null;
  servicePrincipalId: string | null;
  /** Our app's enterprise application is disabled for sign-in (`accountEnabled` false): a repair enables it. */
  servicePrincipalDisabled?: boolean;
  /** Our app in Entra's deleted items (it keeps our unique name for 30 days); only when there is no live one. */
  deletedApplication: {
    objectId: string;
    clientId: string;
    displayName: string;
    deletedDateTime: string | null;
    /** This setup's credentials on it: restoring the app restores them (metadata only). */
    secrets: { keyId: string; endDateTime: string | null }[];
    certificates: { keyId: string; endDateTime: string | null }[];
  } | null;
  dataverse: {
    userId: string;
    isSystemAdministrator: boolean;
    rootBusinessUnitId: string;
    /** Roles of the root business unit, for the admin's pick. */
    roles: RoleOption[];
    /** The role that will be used (ours by name, or the admin's pick), if it exists. */
    role: RoleOption | null;
    /** Manifest privileges the role lacks (all of them when the role does not exist yet). */
    missingPrivileges: string[];
    /** Privileges the role holds beyond the manifest (our own role only). */
    extraPrivileges: string[];
    /** What the admin's existing role grants beyond the manifest (wider depths included); empty for our own role. */
    privilegesBeyond: HeldPrivilege[];
    /** Manifest privileges that do not exist in this environment (table missing). */
    unknownPrivileges: string[];
    applicationUser: { id: string; disabled: boolean; roleAssigned: boolean } | null;
  } | null;
}

export type PlanAction = 'check' | 'create' | 'update' | 'reuse' | 'send' | 'none' | 'blocked';

export interface PlannedStep {
  step: StepId;
  action: PlanAction;
  /** One line an admin understands. */
  summary: string;
  details: string[];
  blocker?: StepError;
}

/** The credential the run will make, and what the tenant's policy changed about it (for the plan page). */
export interface PlannedCredential {
  kind: 'certificate' | 'client_secret';
  /** Certificates were possible: a secret is the admin's choice or the policy's doing. */
  certificatesPossible: boolean;
  /** Certificate lifetime in days (already shortened to what the policy showed). */
  lifetimeDays: number;
  /** Microsoft's refusal of certificates, when the policy forbids them (the reason a secret is used). */
  certificatesRefused?: string;
  /** The longest certificate lifetime the policy accepted, when it caps them. */
  cappedDays?: number;
}

export interface Plan {
  steps: PlannedStep[];
  credential: PlannedCredential;
  /** Nothing blocks: `apply()` can run. */
  ready: boolean;
  blockers: (StepError & { step: StepId })[];
  discovery: Discovery;
}

export interface EngineOutputs {
  tenantId?: string;
  environmentUrl?: string;
  environmentName?: string;
  applicationObjectId?: string;
  clientId?: string;
  servicePrincipalId?: string;
  secretKeyId?: string;
  secretExpiresAt?: string;
  /** What the credential step made or kept; the hand-off sends a secret only for `client_secret`. */
  credentialKind?: 'certificate' | 'client_secret';
  roleId?: string;
  roleName?: string;
  applicationUserId?: string;
  businessUnitId?: string;
  missingPrivileges?: string[];
}

export interface StepState {
  step: StepId;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  error?: StepError;
}

export interface ApplyResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  steps: StepState[];
  outputs: EngineOutputs;
  /** The first failure, with the fix for the admin. */
  error?: StepError & { step: StepId };
}
