import { defaultRolePrivilegeRows } from './dataverse/role-defaults.ts';
import {
  DYNAMICS_CRM_APP_ID,
  GRAPH_APP_ID,
  GRAPH_SCOPES,
  USER_IMPERSONATION_SCOPE_ID,
  stableGuid,
} from './ids.ts';
import type {
  AppRole,
  Application,
  BusinessUnit,
  Environment,
  PermissionScope,
  Privilege,
  SecurityRole,
  ServicePrincipal,
  SystemUser,
  Tenant,
  TableRow,
  User,
  World,
} from './state.ts';
import { ACCESS_RIGHTS, TABLES, type AccessRight } from './dataverse/tables.ts';

/** Microsoft's own tenant that owns first-party apps (appOwnerOrganizationId of Graph / Dataverse). */
const MICROSOFT_SERVICES_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
/** Seeded objects exist "since" this instant, so they are replicated from the start. */
const SEED_TIME = '2025-01-15T09:00:00Z';

export const SEED = {
  tenants: {
    contoso: {
      id: stableGuid('tenant:contoso'),
      domain: 'contoso.com',
      initialDomain: 'contoso.onmicrosoft.com',
    },
    fabrikam: {
      id: stableGuid('tenant:fabrikam'),
      domain: 'fabrikam.com',
      initialDomain: 'fabrikam.onmicrosoft.com',
    },
    kantiv: {
      id: stableGuid('tenant:kantiv'),
      domain: 'kantiv.com',
      initialDomain: 'kantiv.onmicrosoft.com',
    },
  },
  users: {
    /** Cloud Application Administrator + System Administrator in Contoso Production and Contoso Sandbox. */
    contosoAdmin: { id: stableGuid('user:admin@contoso.com'), upn: 'admin@contoso.com' },
    /** Application Administrator + System Administrator in Contoso Production. */
    contosoAppAdmin: { id: stableGuid('user:appadmin@contoso.com'), upn: 'appadmin@contoso.com' },
    /** No directory role; Basic User in Contoso Production. */
    contosoUser: { id: stableGuid('user:user@contoso.com'), upn: 'user@contoso.com' },
    /** System Administrator in Contoso Production but no Entra role. */
    contosoSysadminOnly: { id: stableGuid('user:sysadmin@contoso.com'), upn: 'sysadmin@contoso.com' },
    /** Cloud Application Administrator, only Basic User in Contoso Production. */
    contosoCloudAdminOnly: { id: stableGuid('user:cloudadmin@contoso.com'), upn: 'cloudadmin@contoso.com' },
    /** Cloud Application Administrator + System Administrator in Fabrikam Production. */
    fabrikamAdmin: { id: stableGuid('user:admin@fabrikam.com'), upn: 'admin@fabrikam.com' },
    /**
     * Cloud Application Administrator; in Contoso Deutschland (German) only "Basisbenutzer" directly and
     * "Systemadministrator" through the team "Administratoren".
     */
    contosoGermanAdmin: { id: stableGuid('user:admin.de@contoso.com'), upn: 'admin.de@contoso.com' },
    /** A partner consultant's home account (Fabrikam): no directory role, no environment. */
    fabrikamConsultant: { id: stableGuid('user:consultant@fabrikam.com'), upn: 'consultant@fabrikam.com' },
    /** The consultant's guest (B2B) object in Contoso: Cloud Application Administrator + System Administrator in Contoso Production. */
    contosoGuestAdmin: {
      id: stableGuid('user:guest:consultant@fabrikam.com@contoso'),
      upn: 'consultant_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    },
    /** Cloud Application Administrator only as a PIM-eligible role (inactive) + System Administrator in Contoso Production. */
    contosoPimAdmin: { id: stableGuid('user:pim@contoso.com'), upn: 'pim@contoso.com' },
    /** Kantiv support: Connect.Read + Connect.Manage. */
    kantivSupport: { id: stableGuid('user:support@kantiv.com'), upn: 'support@kantiv.com' },
    /** Kantiv read-only staff: Connect.Read. */
    kantivViewer: { id: stableGuid('user:viewer@kantiv.com'), upn: 'viewer@kantiv.com' },
    /** Kantiv employee without any app role. */
    kantivNoRole: { id: stableGuid('user:nobody@kantiv.com'), upn: 'nobody@kantiv.com' },
  },
  apps: {
    /** The wizard's own multi-tenant SPA registration (lives in the Kantiv tenant). */
    wizard: { appId: stableGuid('app:kantiv-connect'), id: stableGuid('appobj:kantiv-connect') },
    /** Kantiv's API exposing staff app roles (`Connect.Read`, `Connect.Manage`) and scope `access_as_user`. */
    api: {
      appId: stableGuid('app:kantiv-connect-api'),
      id: stableGuid('appobj:kantiv-connect-api'),
      identifierUri: 'api://kantiv-connect-api',
    },
  },
  environments: {
    contosoProduction: { id: stableGuid('org:contoso'), urlName: 'contoso' },
    contosoSandbox: { id: stableGuid('org:contoso-sandbox'), urlName: 'contoso-sandbox' },
    fabrikamProduction: { id: stableGuid('org:fabrikam'), urlName: 'fabrikam' },
    /** German base language: built-in roles carry German names; the admin is System Administrator via a team. */
    contosoGermany: { id: stableGuid('org:contoso-de'), urlName: 'contoso-de' },
    /** Listed for Contoso users only under the `environment-in-other-tenant` scenario. */
    fabrikamShared: { id: stableGuid('org:fabrikam-shared'), urlName: 'fabrikam-shared' },
  },
} as const;

/** SPA redirect URIs registered on the wizard app; `startEmulator({ spaRedirectUris })` adds more. */
export const DEFAULT_SPA_REDIRECT_URIS = [
  'http://localhost:5173/',
  'http://localhost:5173/redirect.html',
  'https://localhost:5174/',
  'https://localhost:5174/redirect.html',
  'http://localhost:4310/',
  'http://localhost:4310/redirect.html',
  'http://127.0.0.1:4310/',
  'http://127.0.0.1:4310/redirect.html',
];

function scope(id: string, value: string, type: 'User' | 'Admin', display: string, description: string) {
  return {
    id,
    value,
    type,
    adminConsentDisplayName: display,
    adminConsentDescription: description,
    userConsentDisplayName: display,
    userConsentDescription: description,
    isEnabled: true,
  } satisfies PermissionScope;
}

export const GRAPH_PERMISSION_SCOPES: PermissionScope[] = [
  scope(
    GRAPH_SCOPES['User.Read'],
    'User.Read',
    'User',
    'Sign in and read user profile',
    'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.',
  ),
  scope(
    GRAPH_SCOPES['Application.Read.All'],
    'Application.Read.All',
    'Admin',
    'Read applications',
    'Allows the app to read applications and service principals on behalf of the signed-in user.',
  ),
  scope(
    GRAPH_SCOPES['Application.ReadWrite.All'],
    'Application.ReadWrite.All',
    'Admin',
    'Read and write all applications',
    'Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants.',
  ),
  scope(
    GRAPH_SCOPES['Directory.Read.All'],
    'Directory.Read.All',
    'Admin',
    'Read directory data',
    "Allows the app to read data in your organization's directory, such as users, groups and apps.",
  ),
  scope(
    GRAPH_SCOPES['RoleManagement.Read.Directory'],
    'RoleManagement.Read.Directory',
    'Admin',
    "Read your organization's directory role settings",
    "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.",
  ),
  scope(
    GRAPH_SCOPES['Organization.Read.All'],
    'Organization.Read.All',
    'Admin',
    'Read organization information',
    'Allows the app to read the organization and related resources, on behalf of the signed-in user.',
  ),
];

export const CRM_PERMISSION_SCOPES: PermissionScope[] = [
  scope(
    USER_IMPERSONATION_SCOPE_ID,
    'user_impersonation',
    'User',
    'Access Common Data Service as organization users',
    'Allows the application to access Common Data Service acting as users in the organization.',
  ),
];

const API_SCOPES: PermissionScope[] = [
  scope(
    stableGuid('scope:kantiv-api:access_as_user'),
    'access_as_user',
    'User',
    'Access Kantiv Connect',
    'Allows the app to call the Kantiv Connect API as the signed-in user.',
  ),
];

const STAFF_APP_ROLES: AppRole[] = [
  {
    id: stableGuid('approle:Connect.Read'),
    value: 'Connect.Read',
    displayName: 'Read setups',
    description: 'Kantiv staff who can see every setup but change nothing.',
    allowedMemberTypes: ['User'],
    isEnabled: true,
  },
  {
    id: stableGuid('approle:Connect.Manage'),
    value: 'Connect.Manage',
    displayName: 'Manage setups',
    description: 'Kantiv staff who can create, revoke, extend and re-verify setups.',
    allowedMemberTypes: ['User'],
    isEnabled: true,
  },
];

function tenant(key: keyof typeof SEED.tenants, displayName: string): Tenant {
  const t = SEED.tenants[key];
  return {
    id: t.id,
    displayName,
    domains: [t.initialDomain, t.domain],
    countryLetterCode: 'US',
    policy: { blockPasswordCredentials: false, maxPasswordLifetimeDays: null },
  };
}

function user(
  key: keyof typeof SEED.users,
  tenantId: string,
  displayName: string,
  directoryRoles: string[],
  description: string,
  appRoles: User['appRoles'] = [],
): User {
  const u = SEED.users[key];
  const [givenName = displayName, surname = ''] = displayName.split(' ');
  return {
    id: u.id,
    tenantId,
    userPrincipalName: u.upn,
    displayName,
    givenName,
    surname,
    jobTitle: null,
    directoryRoles,
    appRoles,
    description,
  };
}

export function firstPartyServicePrincipals(tenantId: string): ServicePrincipal[] {
  return [
    {
      id: stableGuid(`sp:graph:${tenantId}`),
      appId: GRAPH_APP_ID,
      tenantId,
      displayName: 'Microsoft Graph',
      appOwnerOrganizationId: MICROSOFT_SERVICES_TENANT,
      servicePrincipalType: 'Application',
      servicePrincipalNames: [GRAPH_APP_ID, 'https://graph.microsoft.com', 'https://graph.microsoft.com/'],
      accountEnabled: true,
      appRoleAssignmentRequired: false,
      tags: [],
      appRoles: [],
      oauth2PermissionScopes: GRAPH_PERMISSION_SCOPES,
      createdDateTime: SEED_TIME,
      replicatedAt: 0,
    },
    {
      id: stableGuid(`sp:crm:${tenantId}`),
      appId: DYNAMICS_CRM_APP_ID,
      tenantId,
      displayName: 'Dataverse',
      appOwnerOrganizationId: MICROSOFT_SERVICES_TENANT,
      servicePrincipalType: 'Application',
      servicePrincipalNames: [
        DYNAMICS_CRM_APP_ID,
        `${DYNAMICS_CRM_APP_ID}/*.crm.dynamics.com`,
        'https://globaldisco.crm.dynamics.com',
        'Microsoft.CRM',
      ],
      accountEnabled: true,
      appRoleAssignmentRequired: false,
      tags: [],
      appRoles: [],
      oauth2PermissionScopes: CRM_PERMISSION_SCOPES,
      createdDateTime: SEED_TIME,
      replicatedAt: 0,
    },
  ];
}

export function application(
  partial: Partial<Application> & Pick<Application, 'id' | 'appId' | 'tenantId' | 'displayName'>,
): Application {
  return {
    uniqueName: null,
    signInAudience: 'AzureADMyOrg',
    createdDateTime: SEED_TIME,
    replicatedAt: 0,
    description: null,
    notes: null,
    tags: [],
    serviceManagementReference: null,
    identifierUris: [],
    passwordCredentials: [],
    keyCredentials: [],
    requiredResourceAccess: [],
    spa: { redirectUris: [] },
    web: { redirectUris: [], homePageUrl: null, logoutUrl: null },
    publicClient: { redirectUris: [] },
    appRoles: [],
    api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [] },
    ...partial,
  };
}

export function servicePrincipalFor(app: Application, tenantId: string, now: number): ServicePrincipal {
  return {
    id: stableGuid(`sp:${app.appId}:${tenantId}:${now}`),
    appId: app.appId,
    tenantId,
    displayName: app.displayName,
    appOwnerOrganizationId: app.tenantId,
    servicePrincipalType: 'Application',
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    appRoles: app.appRoles,
    oauth2PermissionScopes: app.api.oauth2PermissionScopes,
    createdDateTime: new Date(now).toISOString(),
    replicatedAt: now,
  };
}

// ---------------------------------------------------------------- Dataverse

export function buildPrivileges(): Privilege[] {
  const out: Privilege[] = [];
  for (const t of TABLES) {
    for (const right of Object.keys(ACCESS_RIGHTS) as AccessRight[]) {
      const name = `prv${right}${t.privilegeName}`;
      out.push({
        privilegeid: stableGuid(`privilege:${name}`),
        name,
        accessright: ACCESS_RIGHTS[right],
        table: t.logicalName,
      });
    }
  }
  return [...out, ...defaultRolePrivilegeRows()];
}

/** Role template ids of built-in roles: the same in every environment and base language. */
export const ROLE_TEMPLATES = {
  systemAdministrator: '627090ff-40a3-4053-8790-584edc5be201',
} as const;

function role(
  envKey: string,
  name: string,
  bu: BusinessUnit,
  allPrivileges: boolean,
  privileges: SecurityRole['privileges'] = {},
): SecurityRole {
  return {
    roleid: stableGuid(`role:${envKey}:${bu.businessunitid}:${name}`),
    name,
    businessunitid: bu.businessunitid,
    ismanaged: true,
    allPrivileges,
    privileges,
    createdon: SEED_TIME,
    roletemplateid: allPrivileges ? ROLE_TEMPLATES.systemAdministrator : null,
  };
}

const ROLE_NAMES = {
  en: { sysadmin: 'System Administrator', basic: 'Basic User' },
  de: { sysadmin: 'Systemadministrator', basic: 'Basisbenutzer' },
} as const;

const SAMPLE_ACCOUNTS = [
  'Adventure Works',
  'Alpine Ski House',
  'Blue Yonder Airlines',
  'City Power & Light',
  'Coho Winery',
];
const SAMPLE_CONTACTS = [
  'Yvonne McKay',
  'Susanna Stubberod',
  'Nancy Anderson',
  'Maria Campbell',
  'Scott Konersmann',
];

interface EnvSpec {
  key: keyof typeof SEED.environments;
  tenantId: string;
  friendlyName: string;
  purpose: string;
  sysadmins: string[];
  basicUsers: string[];
  allUsers: User[];
  language?: keyof typeof ROLE_NAMES;
  /** Basic users who are System Administrator through the owner team "Administratoren". */
  teamSysadmins?: string[];
  /** A custom role whose account read is limited by a record filter (PrivilegeDepth 4, `RecordFilter`). */
  recordFilteredRole?: boolean;
}

function environment(spec: EnvSpec, privileges: Privilege[]): Environment {
  const e = SEED.environments[spec.key];
  const root: BusinessUnit = {
    businessunitid: stableGuid(`bu:${e.urlName}:root`),
    name: e.urlName,
    parentbusinessunitid: null,
  };
  const sales: BusinessUnit = {
    businessunitid: stableGuid(`bu:${e.urlName}:sales`),
    name: 'Sales',
    parentbusinessunitid: root.businessunitid,
  };
  const basicPrivileges: SecurityRole['privileges'] = {};
  for (const p of privileges) {
    if (['prvReadUser', 'prvReadBusinessUnit', 'prvReadRole'].includes(p.name))
      basicPrivileges[p.privilegeid] = 'Global';
    if (['prvReadAccount', 'prvReadContact'].includes(p.name)) basicPrivileges[p.privilegeid] = 'Basic';
  }
  const roles: SecurityRole[] = [];
  const names = ROLE_NAMES[spec.language ?? 'en'];
  for (const bu of [root, sales]) {
    roles.push(role(e.urlName, names.sysadmin, bu, true));
    roles.push(role(e.urlName, names.basic, bu, false, basicPrivileges));
  }
  const sysadminRole = roles[0];
  const basicRole = roles[1];
  if (spec.recordFilteredRole) {
    const filtered: SecurityRole['privileges'] = {};
    for (const p of privileges) {
      if (p.name === 'prvReadAccount') filtered[p.privilegeid] = 'RecordFilter';
      if (['prvReadContact', 'prvReadUser', 'prvReadBusinessUnit'].includes(p.name))
        filtered[p.privilegeid] = 'Global';
    }
    roles.push({
      ...role(e.urlName, 'Account Reader (filtered)', root, false, filtered),
      ismanaged: false,
      roletemplateid: null,
    });
  }
  const systemUsers: SystemUser[] = [
    {
      systemuserid: stableGuid(`systemuser:${e.urlName}:SYSTEM`),
      azureactivedirectoryobjectid: '00000000-0000-0000-0000-000000000000',
      applicationid: null,
      fullname: 'SYSTEM',
      domainname: '',
      internalemailaddress: null,
      businessunitid: root.businessunitid,
      isdisabled: false,
      accessmode: 3,
      roleIds: [],
      createdon: SEED_TIME,
    },
  ];
  for (const u of spec.allUsers) {
    const isAdmin = spec.sysadmins.includes(u.id);
    if (!isAdmin && !spec.basicUsers.includes(u.id) && !spec.teamSysadmins?.includes(u.id)) continue;
    systemUsers.push({
      systemuserid: stableGuid(`systemuser:${e.urlName}:${u.id}`),
      azureactivedirectoryobjectid: u.id,
      applicationid: null,
      fullname: u.displayName,
      domainname: u.userPrincipalName,
      internalemailaddress: u.userPrincipalName,
      businessunitid: root.businessunitid,
      isdisabled: false,
      accessmode: 0,
      roleIds: [(isAdmin ? sysadminRole : basicRole)?.roleid ?? ''],
      createdon: SEED_TIME,
    });
  }
  const teams = spec.teamSysadmins?.length
    ? [
        {
          teamid: stableGuid(`team:${e.urlName}:admins`),
          name: 'Administratoren',
          businessunitid: root.businessunitid,
          roleIds: [sysadminRole?.roleid ?? ''],
          memberIds: spec.teamSysadmins.map((id) => stableGuid(`systemuser:${e.urlName}:${id}`)),
        },
      ]
    : [];
  const owner = systemUsers[1]?.systemuserid ?? systemUsers[0]?.systemuserid ?? '';
  const row = (table: string, i: number, name: string, extra: TableRow = {}): TableRow => ({
    [`${table}id`]: stableGuid(`${table}:${e.urlName}:${i}`),
    _ownerid_value: owner,
    _owningbusinessunit_value: root.businessunitid,
    createdon: SEED_TIME,
    modifiedon: SEED_TIME,
    statecode: 0,
    ...extra,
    ...(table === 'contact' || table === 'lead' ? { fullname: name } : { name }),
  });
  return {
    id: e.id,
    environmentId: stableGuid(`environment:${e.urlName}`),
    tenantId: spec.tenantId,
    friendlyName: spec.friendlyName,
    uniqueName: `unq${e.id.replace(/-/g, '').slice(0, 24)}`,
    urlName: e.urlName,
    url: `https://${e.urlName}.crm.dynamics.com`,
    apiUrl: `https://${e.urlName}.api.crm.dynamics.com`,
    region: 'NorthAmerica',
    version: '9.2.25111.00172',
    purpose: spec.purpose,
    organizationType: spec.purpose === 'Sandbox' ? 5 : 0,
    businessUnits: [root, sales],
    roles,
    systemUsers,
    teams,
    tables: {
      account: SAMPLE_ACCOUNTS.map((n, i) =>
        row('account', i, n, { accountnumber: `ACC-${1000 + i}`, revenue: 100000 * (i + 1) }),
      ),
      contact: SAMPLE_CONTACTS.map((n, i) => {
        const [firstname, lastname] = n.split(' ');
        return row('contact', i, n, {
          firstname,
          lastname,
          emailaddress1: `${(firstname ?? '').toLowerCase()}@example.com`,
        });
      }),
      lead: ['Jim Glynn', 'Kim Abercrombie'].map((n, i) =>
        row('lead', i, n, { subject: 'Interested in our products' }),
      ),
      opportunity: ['10 Airpot XL Coffee Makers', 'Alpine Ski House expansion'].map((n, i) =>
        row('opportunity', i, n, { estimatedvalue: 25000 * (i + 1) }),
      ),
      incident: [row('incident', 0, 'Coffee maker leaks', { title: 'Coffee maker leaks' })],
      task: [row('task', 0, 'Follow up', { subject: 'Follow up with Coho Winery' })],
      product: [row('product', 0, 'Airpot XL')],
    },
  };
}

/** The seeded world. Pure: every call returns a fresh copy, so `reset()` is just `seed()` again. */
export function seed(spaRedirectUris: readonly string[]): World {
  const t = SEED.tenants;
  const tenants = [tenant('contoso', 'Contoso'), tenant('fabrikam', 'Fabrikam'), tenant('kantiv', 'Kantiv')];
  const users: User[] = [
    user(
      'contosoAdmin',
      t.contoso.id,
      'Megan Bowen',
      ['Cloud Application Administrator'],
      'Cloud Application Administrator; System Administrator in Contoso Production and Contoso Sandbox',
    ),
    user(
      'contosoAppAdmin',
      t.contoso.id,
      'Alex Wilber',
      ['Application Administrator'],
      'Application Administrator; System Administrator in Contoso Production',
    ),
    user('contosoUser', t.contoso.id, 'Pat Plain', [], 'No directory role; Basic User in Contoso Production'),
    user(
      'contosoSysadminOnly',
      t.contoso.id,
      'Sam Sysadmin',
      [],
      'No directory role; System Administrator in Contoso Production',
    ),
    user(
      'fabrikamConsultant',
      t.fabrikam.id,
      'Chris Consultant',
      [],
      'Partner consultant (home account); a guest admin in Contoso',
    ),
    {
      ...user(
        'contosoGuestAdmin',
        t.contoso.id,
        'Chris Consultant (Guest)',
        ['Cloud Application Administrator'],
        'Guest of consultant@fabrikam.com: Cloud Application Administrator; System Administrator in Contoso Production',
      ),
      homeUserId: SEED.users.fabrikamConsultant.id,
    },
    {
      ...user(
        'contosoPimAdmin',
        t.contoso.id,
        'Pia Pim',
        [],
        'Cloud Application Administrator eligible through PIM (not active); System Administrator in Contoso Production',
      ),
      eligibleRoles: ['Cloud Application Administrator'],
    },
    user(
      'contosoGermanAdmin',
      t.contoso.id,
      'Katja Keller',
      ['Cloud Application Administrator'],
      'Cloud Application Administrator; System Administrator in Contoso Deutschland (German) through a team',
    ),
    user(
      'contosoCloudAdminOnly',
      t.contoso.id,
      'Casey Cloud',
      ['Cloud Application Administrator'],
      'Cloud Application Administrator; only Basic User in Contoso Production',
    ),
    user(
      'fabrikamAdmin',
      t.fabrikam.id,
      'Fiona Fabrikam',
      ['Cloud Application Administrator'],
      'Cloud Application Administrator; System Administrator in Fabrikam Production',
    ),
    user('kantivSupport', t.kantiv.id, 'Sky Support', [], 'Kantiv support: Connect.Read + Connect.Manage', [
      { resourceAppId: SEED.apps.api.appId, value: 'Connect.Read' },
      { resourceAppId: SEED.apps.api.appId, value: 'Connect.Manage' },
    ]),
    user('kantivViewer', t.kantiv.id, 'Val Viewer', [], 'Kantiv read-only staff: Connect.Read', [
      { resourceAppId: SEED.apps.api.appId, value: 'Connect.Read' },
    ]),
    user('kantivNoRole', t.kantiv.id, 'Nico Norole', [], 'Kantiv employee without any app role'),
  ];
  const wizard = application({
    id: SEED.apps.wizard.id,
    appId: SEED.apps.wizard.appId,
    tenantId: t.kantiv.id,
    displayName: 'Kantiv Connect',
    signInAudience: 'AzureADMultipleOrgs',
    spa: { redirectUris: [...new Set([...DEFAULT_SPA_REDIRECT_URIS, ...spaRedirectUris])] },
    requiredResourceAccess: [
      {
        resourceAppId: GRAPH_APP_ID,
        resourceAccess: [
          { id: GRAPH_SCOPES['User.Read'], type: 'Scope' },
          { id: GRAPH_SCOPES['Application.ReadWrite.All'], type: 'Scope' },
        ],
      },
      {
        resourceAppId: DYNAMICS_CRM_APP_ID,
        resourceAccess: [{ id: USER_IMPERSONATION_SCOPE_ID, type: 'Scope' }],
      },
      {
        resourceAppId: SEED.apps.api.appId,
        resourceAccess: [{ id: API_SCOPES[0]?.id ?? '', type: 'Scope' }],
      },
    ],
  });
  const api = application({
    id: SEED.apps.api.id,
    appId: SEED.apps.api.appId,
    tenantId: t.kantiv.id,
    displayName: 'Kantiv Connect API',
    identifierUris: [SEED.apps.api.identifierUri],
    appRoles: STAFF_APP_ROLES,
    api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: API_SCOPES },
  });
  const applications = [wizard, api];
  const servicePrincipals: ServicePrincipal[] = [
    ...tenants.flatMap((tn) => firstPartyServicePrincipals(tn.id)),
    {
      ...servicePrincipalFor(wizard, t.kantiv.id, 0),
      id: stableGuid('sp:wizard:kantiv'),
      createdDateTime: SEED_TIME,
    },
    {
      ...servicePrincipalFor(api, t.kantiv.id, 0),
      id: stableGuid('sp:api:kantiv'),
      createdDateTime: SEED_TIME,
    },
  ];
  const privileges = buildPrivileges();
  const u = SEED.users;
  const environments = [
    environment(
      {
        key: 'contosoProduction',
        tenantId: t.contoso.id,
        friendlyName: 'Contoso Production',
        purpose: 'Production',
        sysadmins: [
          u.contosoAdmin.id,
          u.contosoAppAdmin.id,
          u.contosoSysadminOnly.id,
          u.contosoGuestAdmin.id,
          u.contosoPimAdmin.id,
        ],
        basicUsers: [u.contosoUser.id, u.contosoCloudAdminOnly.id],
        allUsers: users,
      },
      privileges,
    ),
    environment(
      {
        key: 'contosoSandbox',
        tenantId: t.contoso.id,
        friendlyName: 'Contoso Sandbox',
        purpose: 'Sandbox',
        sysadmins: [u.contosoAdmin.id],
        basicUsers: [],
        allUsers: users,
        recordFilteredRole: true,
      },
      privileges,
    ),
    environment(
      {
        key: 'contosoGermany',
        tenantId: t.contoso.id,
        friendlyName: 'Contoso Deutschland',
        purpose: 'Production',
        sysadmins: [],
        basicUsers: [],
        teamSysadmins: [u.contosoGermanAdmin.id],
        allUsers: users,
        language: 'de',
      },
      privileges,
    ),
    environment(
      {
        key: 'fabrikamProduction',
        tenantId: t.fabrikam.id,
        friendlyName: 'Fabrikam Production',
        purpose: 'Production',
        sysadmins: [u.fabrikamAdmin.id],
        basicUsers: [],
        allUsers: users,
      },
      privileges,
    ),
    // The Contoso admin is a System Administrator here too, but the environment belongs to Fabrikam's tenant.
    environment(
      {
        key: 'fabrikamShared',
        tenantId: t.fabrikam.id,
        friendlyName: 'Fabrikam Shared Services',
        purpose: 'Production',
        sysadmins: [u.fabrikamAdmin.id, u.contosoAdmin.id],
        basicUsers: [],
        allUsers: users,
      },
      privileges,
    ),
  ];
  return {
    tenants,
    users,
    applications,
    servicePrincipals,
    deletedItems: [],
    // Kantiv staff sign in to their own tenant where the wizard app is consented organisation-wide.
    grants: [
      {
        id: stableGuid('grant:kantiv:graph'),
        tenantId: t.kantiv.id,
        clientAppId: wizard.appId,
        resourceAppId: GRAPH_APP_ID,
        consentType: 'AllPrincipals',
        principalId: null,
        scopes: ['User.Read'],
      },
      {
        id: stableGuid('grant:kantiv:api'),
        tenantId: t.kantiv.id,
        clientAppId: wizard.appId,
        resourceAppId: api.appId,
        consentType: 'AllPrincipals',
        principalId: null,
        scopes: ['access_as_user'],
      },
    ],
    environments,
    privileges,
  };
}
