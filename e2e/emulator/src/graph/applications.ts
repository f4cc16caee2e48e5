import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { noContent, type Ctx, type Reply } from '../http.ts';
import { application } from '../seed.ts';
import type { Application } from '../state.ts';
import { canReadApplications, canWriteApplications, type GraphCaller } from './auth.ts';
import {
  inTenant,
  lister,
  readBody,
  upsert,
  withTarget,
  withTargetAndBody,
  type Body,
  type EntitySet,
  type TargetHandler,
} from './crud.ts';
import { UNIQUE_NAME_TAKEN, softDeleteApplication, uniqueNameReserved } from './deleted-items.ts';
import { badRequest, graphError, insufficientPrivileges } from './errors.ts';
import { parseKeyCollection, selectsKeyCredentials } from './key-credentials.ts';
import { entity } from './query.ts';
import { applicationJson } from './serialize.ts';

const WRITABLE = new Set([
  'displayName',
  'description',
  'notes',
  'tags',
  'signInAudience',
  'requiredResourceAccess',
  'spa',
  'web',
  'publicClient',
  'identifierUris',
  'appRoles',
  'api',
  'serviceManagementReference',
  'keyCredentials',
  'info',
  'optionalClaims',
  'groupMembershipClaims',
  'isFallbackPublicClient',
]);
const SIGN_IN_AUDIENCES = [
  'AzureADMyOrg',
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
];
// `uniqueName` is an alternate key (`/applications(uniqueName='…')`), not documented as filterable: refused.
const FILTERABLE = [
  'appId',
  'displayName',
  'id',
  'signInAudience',
  'identifierUris',
  'tags',
  'publisherDomain',
  'createdDateTime',
  'web/redirectUris',
  'spa/redirectUris',
];

function publisherDomain(rt: Runtime, app: Application): string {
  return rt.tenantById(app.tenantId)?.domains[0] ?? '';
}

/** Resolves `{id}`, `(appId='…')` or `(uniqueName='…')` addressing. */
export function findApp(
  rt: Runtime,
  caller: GraphCaller,
  key: { by: 'id' | 'appId' | 'uniqueName'; value: string },
  includeUnreplicated = false,
): Application | undefined {
  return inTenant(rt, caller, rt.world.applications, includeUnreplicated).find((a) =>
    key.by === 'id'
      ? a.id === key.value
      : key.by === 'appId'
        ? a.appId === key.value
        : a.uniqueName?.toLowerCase() === key.value.toLowerCase(),
  );
}

const APPLICATIONS: EntitySet<Application> = {
  name: 'applications',
  typeName: 'Application',
  filterable: FILTERABLE,
  objects: (rt) => rt.world.applications,
  json: (rt, app) => applicationJson(app, publisherDomain(rt, app)),
};

export const listApplications = lister(APPLICATIONS);

/** `GET /applications/{id}`: the one read that shows certificate `key`s, and only under `$select=keyCredentials`. */
export const getApplication: TargetHandler<Application> = (rt, ctx, caller, app, key) =>
  withTarget(ctx, canReadApplications(caller), app, key, (a) =>
    entity(ctx, 'applications', applicationJson(a, publisherDomain(rt, a), selectsKeyCredentials(ctx))),
  );

/** Validates and applies writable properties; returns an error reply or null. */
function applyProps(rt: Runtime, ctx: Ctx, caller: GraphCaller, app: Application, body: Body): Reply | null {
  for (const key of Object.keys(body)) {
    if (key === 'passwordCredentials') {
      return badRequest(
        ctx,
        'Adding passwordCredential when creating applications is not supported. Use the addPassword method.',
      );
    }
    if (key === 'uniqueName' || key === 'id' || key === 'appId') {
      return badRequest(ctx, `Property '${key}' is read-only and cannot be set.`);
    }
    if (!WRITABLE.has(key) && !key.startsWith('@odata')) {
      return badRequest(
        ctx,
        `Property '${key}' does not exist as a declared property or extension property.`,
      );
    }
  }
  if ('displayName' in body) {
    if (typeof body.displayName !== 'string' || body.displayName.trim() === '') {
      return badRequest(ctx, "Invalid value specified for property 'displayName' of resource 'Application'.");
    }
    app.displayName = body.displayName;
  }
  if ('signInAudience' in body) {
    if (typeof body.signInAudience !== 'string' || !SIGN_IN_AUDIENCES.includes(body.signInAudience)) {
      return badRequest(
        ctx,
        "Invalid value specified for property 'signInAudience' of resource 'Application'.",
      );
    }
    app.signInAudience = body.signInAudience;
  }
  for (const key of ['description', 'notes', 'serviceManagementReference'] as const) {
    if (key in body) app[key] = typeof body[key] === 'string' ? body[key] : null;
  }
  if ('tags' in body) {
    if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))
      return badRequest(ctx, "Invalid value specified for property 'tags' of resource 'Application'.");
    app.tags = body.tags as string[];
  }
  if ('identifierUris' in body) {
    if (!Array.isArray(body.identifierUris))
      return badRequest(
        ctx,
        "Invalid value specified for property 'identifierUris' of resource 'Application'.",
      );
    const uris = body.identifierUris as string[];
    const bad = uris.find((u) => !/^api:\/\//.test(u) && !/^https:\/\//.test(u));
    if (bad) {
      return graphError(
        ctx,
        400,
        'HostNameNotOnVerifiedDomain',
        `Values of identifierUris property must use a verified domain of the organization or its subdomain: '${bad}'`,
      );
    }
    app.identifierUris = uris;
  }
  if ('requiredResourceAccess' in body) {
    const rra = body.requiredResourceAccess;
    const ok =
      Array.isArray(rra) &&
      rra.every(
        (r: unknown) =>
          typeof r === 'object' &&
          r !== null &&
          typeof (r as Body).resourceAppId === 'string' &&
          Array.isArray((r as Body).resourceAccess) &&
          ((r as Body).resourceAccess as unknown[]).every(
            (a) =>
              typeof a === 'object' &&
              a !== null &&
              typeof (a as Body).id === 'string' &&
              ((a as Body).type === 'Scope' || (a as Body).type === 'Role'),
          ),
      );
    if (!ok)
      return badRequest(
        ctx,
        "Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.",
      );
    app.requiredResourceAccess = rra as Application['requiredResourceAccess'];
  }
  for (const key of ['spa', 'publicClient'] as const) {
    if (key in body) {
      const v = body[key] as { redirectUris?: unknown } | null;
      if (!v || !Array.isArray(v.redirectUris))
        return badRequest(ctx, `Invalid value specified for property '${key}' of resource 'Application'.`);
      app[key] = { redirectUris: v.redirectUris as string[] };
    }
  }
  if ('web' in body) {
    const v = body.web as { redirectUris?: unknown; homePageUrl?: unknown; logoutUrl?: unknown } | null;
    if (!v || typeof v !== 'object')
      return badRequest(ctx, "Invalid value specified for property 'web' of resource 'Application'.");
    app.web = {
      redirectUris: Array.isArray(v.redirectUris) ? (v.redirectUris as string[]) : app.web.redirectUris,
      homePageUrl: typeof v.homePageUrl === 'string' ? v.homePageUrl : app.web.homePageUrl,
      logoutUrl: typeof v.logoutUrl === 'string' ? v.logoutUrl : app.web.logoutUrl,
    };
  }
  if ('appRoles' in body && Array.isArray(body.appRoles))
    app.appRoles = body.appRoles as Application['appRoles'];
  if ('api' in body && body.api && typeof body.api === 'object') {
    const api = body.api as Partial<Application['api']>;
    app.api = {
      requestedAccessTokenVersion: api.requestedAccessTokenVersion ?? app.api.requestedAccessTokenVersion,
      oauth2PermissionScopes: api.oauth2PermissionScopes ?? app.api.oauth2PermissionScopes,
    };
  }
  if ('keyCredentials' in body) {
    const result = parseKeyCollection(rt, ctx, caller, body.keyCredentials, app.keyCredentials);
    if ('status' in result) return result;
    app.keyCredentials = result.list;
  }
  return null;
}

function newApplication(rt: Runtime, tenantId: string): Application {
  const now = rt.now();
  return application({
    id: randomUUID(),
    appId: randomUUID(),
    tenantId,
    displayName: '',
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    createdDateTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
    replicatedAt: now + rt.replicationDelayMs(tenantId),
  });
}

export function createApplication(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  uniqueName: string | null = null,
): Reply {
  if (!canWriteApplications(rt, caller, true)) return insufficientPrivileges(ctx);
  const parsed = readBody(ctx);
  if (!('value' in parsed)) return parsed;
  const body = parsed.value;
  if (typeof body.displayName !== 'string' || body.displayName.trim() === '') {
    return badRequest(ctx, "Invalid value specified for property 'displayName' of resource 'Application'.");
  }
  const app = newApplication(rt, caller.tenant.id);
  const problem = applyProps(rt, ctx, caller, app, body);
  if (problem) return problem;
  if (uniqueName && uniqueNameReserved(rt, caller.tenant.id, uniqueName))
    return badRequest(ctx, UNIQUE_NAME_TAKEN);
  app.uniqueName = uniqueName;
  rt.world.applications.push(app);
  const location = `https://graph.microsoft.com/v2/${caller.tenant.id}/directoryObjects/${app.id}/Microsoft.DirectoryServices.Application`;
  const reply = entity(ctx, 'applications', applicationJson(app, publisherDomain(rt, app)), 201);
  return { ...reply, headers: { ...reply.headers, location } };
}

export const updateApplication: TargetHandler<Application> = (rt, ctx, caller, app, key) => {
  return withTargetAndBody(ctx, canWriteApplications(rt, caller), app, key, (target, body) => {
    const draft = structuredClone(target);
    const problem = applyProps(rt, ctx, caller, draft, body);
    if (problem) return problem;
    Object.assign(target, draft);
    return noContent();
  });
};

/** `PATCH /applications(uniqueName='…')`: upsert with `Prefer: create-if-missing`, else a plain update. */
export function upsertApplication(rt: Runtime, ctx: Ctx, caller: GraphCaller, uniqueName: string): Reply {
  return upsert(ctx, uniqueName, findApp(rt, caller, { by: 'uniqueName', value: uniqueName }, true), {
    canWrite: () => canWriteApplications(rt, caller),
    update: (existing) => updateApplication(rt, ctx, caller, existing, uniqueName),
    create: () => createApplication(rt, ctx, caller, uniqueName),
  });
}

export const deleteApplication: TargetHandler<Application> = (rt, ctx, caller, app, key) => {
  return withTarget(ctx, canWriteApplications(rt, caller), app, key, (target) => {
    softDeleteApplication(rt, target);
    return noContent();
  });
};
