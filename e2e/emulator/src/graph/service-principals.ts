import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { noContent, type Ctx, type Reply } from '../http.ts';
import { servicePrincipalFor } from '../seed.ts';
import type { ServicePrincipal } from '../state.ts';
import { canWriteApplications, type GraphCaller } from './auth.ts';
import {
  getter,
  inTenant,
  lister,
  readBody,
  upsert,
  withTarget,
  withTargetAndBody,
  type EntitySet,
  type TargetHandler,
} from './crud.ts';
import { deletedServicePrincipalHolds, softDeleteServicePrincipal } from './deleted-items.ts';
import { badRequest, graphError, insufficientPrivileges } from './errors.ts';
import { entity } from './query.ts';
import { servicePrincipalJson } from './serialize.ts';

const FILTERABLE = [
  'appId',
  'displayName',
  'id',
  'servicePrincipalNames',
  'tags',
  'servicePrincipalType',
  'appOwnerOrganizationId',
  'accountEnabled',
];

function audienceOf(rt: Runtime, sp: ServicePrincipal): string {
  return rt.applicationByAppId(sp.appId)?.signInAudience ?? 'AzureADMultipleOrgs';
}

export function findSp(
  rt: Runtime,
  caller: GraphCaller,
  key: { by: 'id' | 'appId'; value: string },
  includeUnreplicated = false,
): ServicePrincipal | undefined {
  return inTenant(rt, caller, rt.world.servicePrincipals, includeUnreplicated).find((s) =>
    key.by === 'id' ? s.id === key.value : s.appId === key.value,
  );
}

const SERVICE_PRINCIPALS: EntitySet<ServicePrincipal> = {
  name: 'servicePrincipals',
  typeName: 'ServicePrincipal',
  filterable: FILTERABLE,
  objects: (rt) => rt.world.servicePrincipals,
  json: (rt, sp) => servicePrincipalJson(sp, audienceOf(rt, sp)),
};

export const listServicePrincipals = lister(SERVICE_PRINCIPALS);
export const getServicePrincipal = getter(SERVICE_PRINCIPALS);

function noBackingApp(ctx: Ctx, appId: string): Reply {
  return badRequest(
    ctx,
    `The appId '${appId}' of the service principal does not reference a valid application object.`,
    [
      {
        code: 'NoBackingApplicationObject',
        message: `The appId '${appId}' of the service principal does not reference a valid application object.`,
        target: 'appId',
      },
    ],
  );
}

export function createServicePrincipal(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  appIdFromKey?: string,
): Reply {
  if (!canWriteApplications(rt, caller)) return insufficientPrivileges(ctx);
  const parsed = readBody(ctx, { allowArray: true });
  if (!('value' in parsed)) return parsed;
  const b = parsed.value;
  const appId = appIdFromKey ?? (typeof b.appId === 'string' ? b.appId : undefined);
  if (!appId)
    return badRequest(ctx, "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.");
  const app = rt.applicationByAppId(appId);
  const sameTenant = app?.tenantId === caller.tenant.id;
  // A just-created application is not yet known to the directory partition that creates service principals.
  if (!app || !rt.isReplicated(app) || (!sameTenant && app.signInAudience === 'AzureADMyOrg'))
    return noBackingApp(ctx, appId);
  if (
    findSp(rt, caller, { by: 'appId', value: appId }, true) ||
    deletedServicePrincipalHolds(rt, caller.tenant.id, appId)
  ) {
    return graphError(
      ctx,
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`,
    );
  }
  const now = rt.now();
  const sp: ServicePrincipal = {
    ...servicePrincipalFor(app, caller.tenant.id, now),
    id: randomUUID(),
    replicatedAt: now + rt.replicationDelayMs(caller.tenant.id),
    tags: Array.isArray(b.tags) ? (b.tags as string[]) : [],
  };
  rt.world.servicePrincipals.push(sp);
  return entity(ctx, 'servicePrincipals', servicePrincipalJson(sp, app.signInAudience), 201);
}

export function upsertServicePrincipal(rt: Runtime, ctx: Ctx, caller: GraphCaller, appId: string): Reply {
  return upsert(ctx, appId, findSp(rt, caller, { by: 'appId', value: appId }, true), {
    canWrite: () => canWriteApplications(rt, caller),
    update: (existing) => updateServicePrincipal(rt, ctx, caller, existing, appId),
    create: () => createServicePrincipal(rt, ctx, caller, appId),
  });
}

export const updateServicePrincipal: TargetHandler<ServicePrincipal> = (rt, ctx, caller, sp, key) => {
  return withTargetAndBody(
    ctx,
    canWriteApplications(rt, caller),
    sp,
    key,
    (target, b) => {
      if (typeof b.accountEnabled === 'boolean') target.accountEnabled = b.accountEnabled;
      if (Array.isArray(b.tags)) target.tags = b.tags as string[];
      if (typeof b.appRoleAssignmentRequired === 'boolean')
        target.appRoleAssignmentRequired = b.appRoleAssignmentRequired;
      return noContent();
    },
    { allowArray: true },
  );
};

export const deleteServicePrincipal: TargetHandler<ServicePrincipal> = (rt, ctx, caller, sp, key) => {
  return withTarget(ctx, canWriteApplications(rt, caller), sp, key, (target) => {
    softDeleteServicePrincipal(rt, target);
    return noContent();
  });
};
