import { randomUUID } from 'node:crypto';
import type { Runtime } from './core.ts';
import { application, firstPartyServicePrincipals, servicePrincipalFor } from './seed.ts';
import type { Environment, PrivilegeDepth, SecurityRole, SystemUser, Tenant } from './state.ts';
import { sha256Hex } from './tokens.ts';

/**
 * Control API, not Microsoft: `POST /_emulator/bulk-seed` builds in one call what thousands of finished wizard runs
 * would leave behind — tenants, each with one Dataverse environment, a role made from a manifest, and app
 * registrations with a client secret, a service principal and an application user holding that role. The objects
 * are the ones the Graph and Dataverse handlers create (same shapes, already replicated), so every later request is
 * answered by the ordinary code paths; only the thousands of creating round trips are skipped (`pnpm bench fleet`).
 */
export interface BulkSeedRequest {
  tenants: number;
  appsPerTenant: number;
  /** The role every application user holds, with its privileges by name (`prvReadAccount`) and depth. */
  role: { name: string; privileges: Record<string, PrivilegeDepth> };
  /** The client secret every app registration gets (Entra keeps only its hash, as for `addPassword`). */
  secretText: string;
  /** Distinguishes the names of a second bulk seed in the same world. */
  prefix?: string;
}

export interface BulkSeedResult {
  tenants: {
    tenantId: string;
    environmentUrl: string;
    apps: { appId: string; objectId: string; keyId: string; applicationUserId: string }[];
  }[];
}

const MAX_APPS = 20_000;
const isoNow = (rt: Runtime) => new Date(rt.now()).toISOString().replace(/\.\d+Z$/, 'Z');

function checkRequest(req: BulkSeedRequest): void {
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!count(req.tenants) || !count(req.appsPerTenant) || req.tenants * req.appsPerTenant > MAX_APPS)
    throw new Error(`tenants and appsPerTenant must be positive integers, at most ${MAX_APPS} apps in all.`);
  if (typeof req.secretText !== 'string' || req.secretText.length < 16)
    throw new Error('secretText must be a string of at least 16 characters.');
  if (typeof req.role?.name !== 'string' || typeof req.role.privileges !== 'object')
    throw new Error('role needs a name and privileges by name.');
}

/** A copy of a seeded environment (tables, business units, built-in roles) under a new org name and tenant. */
function environmentFor(rt: Runtime, template: Environment, tenant: Tenant, urlName: string): Environment {
  const e = structuredClone(template);
  const id = randomUUID();
  return {
    ...e,
    id,
    environmentId: randomUUID(),
    tenantId: tenant.id,
    friendlyName: `${tenant.displayName} Production`,
    uniqueName: `unq${id.replace(/-/g, '').slice(0, 24)}`,
    urlName,
    url: `https://${urlName}.crm.dynamics.com`,
    apiUrl: `https://${urlName}.api.crm.dynamics.com`,
    systemUsers: e.systemUsers.filter((s) => s.fullname === 'SYSTEM'),
    teams: [],
    roles: e.roles.filter((r) => r.ismanaged).map((r) => ({ ...r, createdon: isoNow(rt) })),
  };
}

function customRole(rt: Runtime, env: Environment, req: BulkSeedRequest['role']): SecurityRole {
  const root = env.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  const privileges: SecurityRole['privileges'] = {};
  for (const [name, depth] of Object.entries(req.privileges)) {
    const p = rt.world.privileges.find((x) => x.name === name);
    if (!p) throw new Error(`Unknown privilege ${name}`);
    privileges[p.privilegeid] = depth;
  }
  return {
    roleid: randomUUID(),
    name: req.name,
    businessunitid: root.businessunitid,
    ismanaged: false,
    allPrivileges: false,
    privileges,
    createdon: isoNow(rt),
    roletemplateid: null,
  };
}

export function bulkSeed(rt: Runtime, req: BulkSeedRequest): BulkSeedResult {
  checkRequest(req);
  const template = rt.world.environments[0];
  if (!template) throw new Error('No environment to copy.');
  const prefix = (req.prefix ?? 'fleet').toLowerCase().replace(/[^a-z0-9]/g, '') || 'fleet';
  const secretHash = sha256Hex(req.secretText);
  const now = rt.now();
  const year = 365 * 86_400_000;
  const out: BulkSeedResult = { tenants: [] };
  for (let t = 0; t < req.tenants; t++) {
    const tenant: Tenant = {
      id: randomUUID(),
      displayName: `${prefix} ${t}`,
      domains: [`${prefix}${t}.onmicrosoft.com`],
      countryLetterCode: 'US',
      policy: { blockPasswordCredentials: false, maxPasswordLifetimeDays: null },
    };
    rt.world.tenants.push(tenant);
    rt.world.servicePrincipals.push(...firstPartyServicePrincipals(tenant.id));
    const env = environmentFor(rt, template, tenant, `${prefix}${t}`);
    const role = customRole(rt, env, req.role);
    env.roles.push(role);
    rt.world.environments.push(env);
    const apps: BulkSeedResult['tenants'][number]['apps'] = [];
    for (let a = 0; a < req.appsPerTenant; a++) {
      const keyId = randomUUID();
      const app = application({
        id: randomUUID(),
        appId: randomUUID(),
        tenantId: tenant.id,
        displayName: `Kantiv Dataverse Connector ${t}-${a}`,
        createdDateTime: isoNow(rt),
        passwordCredentials: [
          {
            keyId,
            displayName: 'Kantiv secret',
            hint: req.secretText.slice(0, 3),
            startDateTime: new Date(now).toISOString(),
            endDateTime: new Date(now + year).toISOString(),
            customKeyIdentifier: null,
            secretHash,
            usableAt: 0,
          },
        ],
      });
      const sp = { ...servicePrincipalFor(app, tenant.id, 0), id: randomUUID(), createdDateTime: isoNow(rt) };
      rt.world.applications.push(app);
      rt.world.servicePrincipals.push(sp);
      const user: SystemUser = {
        systemuserid: randomUUID(),
        azureactivedirectoryobjectid: sp.id,
        applicationid: app.appId,
        fullname: `# ${app.displayName}`,
        domainname: `${app.appId}@${tenant.domains[0]}`,
        internalemailaddress: `${app.appId}@${tenant.domains[0]}`,
        businessunitid: role.businessunitid,
        isdisabled: false,
        accessmode: 4,
        roleIds: [role.roleid],
        createdon: isoNow(rt),
      };
      env.systemUsers.push(user);
      apps.push({ appId: app.appId, objectId: app.id, keyId, applicationUserId: user.systemuserid });
    }
    out.tenants.push({ tenantId: tenant.id, environmentUrl: env.url, apps });
  }
  return out;
}
