import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { noContent, readJson, INVALID_JSON, type Ctx, type Reply } from '../http.ts';
import { servicePrincipalFor } from '../seed.ts';
import type { ServicePrincipal } from '../state.ts';
import {
  APP_READ_SCOPES,
  APP_WRITE_ROLES,
  APP_WRITE_SCOPES,
  hasDirectoryRole,
  hasPermission,
  type GraphCaller,
} from './auth.ts';
import { badRequest, graphError, insufficientPrivileges, notFound } from './errors.ts';
import { collection, entity } from './query.ts';
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

function visible(rt: Runtime, caller: GraphCaller): ServicePrincipal[] {
  const lag = rt.graphReadsLag(caller.tenant.id);
  return rt.world.servicePrincipals.filter(
    (s) => s.tenantId === caller.tenant.id && (!lag || rt.isReplicated(s)),
  );
}

export function findSp(
  rt: Runtime,
  caller: GraphCaller,
  key: { by: 'id' | 'appId'; value: string },
  includeUnreplicated = false,
): ServicePrincipal | undefined {
  const pool = includeUnreplicated
    ? rt.world.servicePrincipals.filter((s) => s.tenantId === caller.tenant.id)
    : visible(rt, caller);
  return pool.find((s) => (key.by === 'id' ? s.id === key.value : s.appId === key.value));
}

function canRead(caller: GraphCaller): boolean {
  return hasPermission(caller, APP_READ_SCOPES);
}

function canWrite(rt: Runtime, caller: GraphCaller): boolean {
  return hasPermission(caller, APP_WRITE_SCOPES) && hasDirectoryRole(rt, caller, APP_WRITE_ROLES);
}

export function listServicePrincipals(rt: Runtime, ctx: Ctx, caller: GraphCaller): Reply {
  if (!canRead(caller)) return insufficientPrivileges(ctx);
  const items = visible(rt, caller).map((s) => servicePrincipalJson(s, audienceOf(rt, s)));
  return collection(ctx, 'servicePrincipals', 'ServicePrincipal', items, FILTERABLE);
}

export function getServicePrincipal(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  sp: ServicePrincipal | undefined,
  key: string,
): Reply {
  if (!canRead(caller)) return insufficientPrivileges(ctx);
  if (!sp) return notFound(ctx, key);
  return entity(ctx, 'servicePrincipals', servicePrincipalJson(sp, audienceOf(rt, sp)));
}

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
  if (!canWrite(rt, caller)) return insufficientPrivileges(ctx);
  const body = readJson(ctx);
  if (body === INVALID_JSON || (body !== undefined && (typeof body !== 'object' || body === null))) {
    return badRequest(
      ctx,
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const b = (body ?? {}) as Record<string, unknown>;
  const appId = appIdFromKey ?? (typeof b.appId === 'string' ? b.appId : undefined);
  if (!appId)
    return badRequest(ctx, "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.");
  const app = rt.applicationByAppId(appId);
  const sameTenant = app?.tenantId === caller.tenant.id;
  // A just-created application is not yet known to the directory partition that creates service principals.
  if (!app || !rt.isReplicated(app) || (!sameTenant && app.signInAudience === 'AzureADMyOrg'))
    return noBackingApp(ctx, appId);
  if (findSp(rt, caller, { by: 'appId', value: appId }, true)) {
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
  const existing = findSp(rt, caller, { by: 'appId', value: appId }, true);
  if (existing) return updateServicePrincipal(rt, ctx, caller, existing, appId);
  const prefer = String(ctx.headers.prefer ?? '').toLowerCase();
  if (!prefer.split(/[,;]\s*/).includes('create-if-missing')) {
    if (!canWrite(rt, caller)) return insufficientPrivileges(ctx);
    return notFound(ctx, appId);
  }
  return createServicePrincipal(rt, ctx, caller, appId);
}

export function updateServicePrincipal(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  sp: ServicePrincipal | undefined,
  key: string,
): Reply {
  if (!canWrite(rt, caller)) return insufficientPrivileges(ctx);
  if (!sp) return notFound(ctx, key);
  const body = readJson(ctx);
  if (body === INVALID_JSON || (body !== undefined && (typeof body !== 'object' || body === null))) {
    return badRequest(
      ctx,
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.accountEnabled === 'boolean') sp.accountEnabled = b.accountEnabled;
  if (Array.isArray(b.tags)) sp.tags = b.tags as string[];
  if (typeof b.appRoleAssignmentRequired === 'boolean')
    sp.appRoleAssignmentRequired = b.appRoleAssignmentRequired;
  return noContent();
}

export function deleteServicePrincipal(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  sp: ServicePrincipal | undefined,
  key: string,
): Reply {
  if (!canWrite(rt, caller)) return insufficientPrivileges(ctx);
  if (!sp) return notFound(ctx, key);
  rt.world.servicePrincipals = rt.world.servicePrincipals.filter((s) => s !== sp);
  return noContent();
}
