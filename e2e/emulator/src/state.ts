/**
 * The emulator's in-memory world: tenants, users, app registrations, service principals, consent grants and
 * Dataverse environments. Plain data, so the control API can snapshot it (without secret material).
 */

export interface TenantPolicy {
  /** `passwordAddition` restriction of the tenant app management policy. */
  blockPasswordCredentials: boolean;
  /** `passwordLifetime` restriction (`maxLifetime`), in days. */
  maxPasswordLifetimeDays: number | null;
}

export interface Tenant {
  id: string;
  displayName: string;
  /** First entry is the initial `*.onmicrosoft.com` domain; all are verified. */
  domains: string[];
  countryLetterCode: string;
  policy: TenantPolicy;
}

export interface AppRoleAssignment {
  /** appId of the resource application that defines the role. */
  resourceAppId: string;
  value: string;
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  jobTitle: string | null;
  /** Directory role names (see DIRECTORY_ROLES). */
  directoryRoles: string[];
  appRoles: AppRoleAssignment[];
  /** Shown on the account picker so a person knows what each seeded account is for. */
  description: string;
  /** A guest (B2B) object: the id of the account in its home tenant that signs in as it. */
  homeUserId?: string;
  /** PIM-eligible directory roles: not in `wids` and not enforced until activated (`control.activateEligibleRoles`). */
  eligibleRoles?: string[];
  /**
   * When the eligible roles were activated in PIM (emulator ms). They count only for sign-ins after it: tokens of an
   * earlier sign-in, refreshed or not, keep the roles of that sign-in (FIDELITY F7-3).
   */
  pimActivatedAt?: number;
}

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  startDateTime: string;
  endDateTime: string;
  customKeyIdentifier: null;
  /** SHA-256 of the secret: the emulator, like Entra, cannot show a secret again. */
  secretHash: string;
  /** Epoch ms from when the secret works at the token endpoint (replication). */
  usableAt: number;
}

export interface KeyCredential {
  keyId: string;
  displayName: string | null;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  /** Base64 DER of the certificate. */
  key: string;
  /** Base64 of the SHA-1 thumbprint, as Entra stores it. */
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
  /** Epoch ms from when the certificate works at the token endpoint and as a proof (replication). */
  usableAt: number;
}

export interface PermissionScope {
  id: string;
  value: string;
  type: 'User' | 'Admin';
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
  isEnabled: boolean;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Scope' | 'Role' }[];
}

export interface Application {
  id: string;
  appId: string;
  tenantId: string;
  displayName: string;
  uniqueName: string | null;
  signInAudience: string;
  createdDateTime: string;
  /** Epoch ms when the object has replicated (Dataverse, token endpoint, Graph reads under the scenario). */
  replicatedAt: number;
  description: string | null;
  notes: string | null;
  tags: string[];
  serviceManagementReference: string | null;
  identifierUris: string[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  requiredResourceAccess: RequiredResourceAccess[];
  spa: { redirectUris: string[] };
  web: { redirectUris: string[]; homePageUrl: string | null; logoutUrl: string | null };
  publicClient: { redirectUris: string[] };
  appRoles: AppRole[];
  api: { requestedAccessTokenVersion: number | null; oauth2PermissionScopes: PermissionScope[] };
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  tenantId: string;
  displayName: string;
  appOwnerOrganizationId: string;
  servicePrincipalType: 'Application';
  servicePrincipalNames: string[];
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  tags: string[];
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  createdDateTime: string;
  replicatedAt: number;
}

/** Delegated consent of a client app to scopes of one resource (an oAuth2PermissionGrant). */
export interface ConsentGrant {
  id: string;
  tenantId: string;
  clientAppId: string;
  resourceAppId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  scopes: string[];
}

// ---------------------------------------------------------------- Dataverse

/** `RecordFilter` (4): access decided by a record filter on the privilege, not by business unit depth. */
export type PrivilegeDepth = 'Basic' | 'Local' | 'Deep' | 'Global' | 'RecordFilter';

export interface Privilege {
  privilegeid: string;
  name: string;
  accessright: number;
  /** Logical name of the table the privilege guards. */
  table: string;
}

export interface BusinessUnit {
  businessunitid: string;
  name: string;
  parentbusinessunitid: string | null;
}

export interface SecurityRole {
  roleid: string;
  name: string;
  businessunitid: string;
  ismanaged: boolean;
  /** System Administrator holds every privilege at Global depth, including ones created later. */
  allPrivileges: boolean;
  privileges: Record<string, PrivilegeDepth>;
  createdon: string;
  /** The built-in role it was made from (the same id in every environment and language); null for custom roles. */
  roletemplateid?: string | null;
}

/** An owner team: its members hold its roles as if assigned to them. */
export interface Team {
  teamid: string;
  name: string;
  businessunitid: string;
  roleIds: string[];
  /** systemuserids. */
  memberIds: string[];
}

export interface SystemUser {
  systemuserid: string;
  azureactivedirectoryobjectid: string;
  applicationid: string | null;
  fullname: string;
  domainname: string;
  internalemailaddress: string | null;
  businessunitid: string;
  isdisabled: boolean;
  /** 0 read-write, 4 non-interactive (application users). */
  accessmode: number;
  roleIds: string[];
  /** Epoch ms of each role assignment made through the Web API (for the `privilege-cache-lag` scenario). */
  roleAssignedAt?: Record<string, number>;
  createdon: string;
}

export interface TableRow {
  [column: string]: unknown;
}

export interface Environment {
  /** OrganizationId. */
  id: string;
  environmentId: string;
  tenantId: string;
  friendlyName: string;
  uniqueName: string;
  urlName: string;
  /** `https://<org>.crm.dynamics.com` — the app URL and the token audience. */
  url: string;
  /** `https://<org>.api.crm.dynamics.com`. */
  apiUrl: string;
  region: string;
  version: string;
  purpose: string;
  organizationType: number;
  businessUnits: BusinessUnit[];
  roles: SecurityRole[];
  systemUsers: SystemUser[];
  /** Rows per table logical name. */
  tables: Record<string, TableRow[]>;
  teams?: Team[];
  /** Disabled (or in administration mode) by an admin: see the `disable-environment` drift. */
  disabled?: boolean;
}

/** An application or service principal in the directory's deleted items (restorable for 30 days). */
export type DeletedItem =
  | { kind: 'application'; object: Application; deletedDateTime: string }
  | { kind: 'servicePrincipal'; object: ServicePrincipal; deletedDateTime: string };

export interface World {
  tenants: Tenant[];
  users: User[];
  applications: Application[];
  servicePrincipals: ServicePrincipal[];
  deletedItems: DeletedItem[];
  grants: ConsentGrant[];
  environments: Environment[];
  privileges: Privilege[];
}
