/**
 * The directory's deleted items for applications and service principals: `DELETE /applications/{id}` is a soft delete
 * (the app and its service principal wait here 30 days, the app keeping its `uniqueName`), then restore or delete
 * for good.
 */
import type { Runtime } from '../core.ts';
import { json, noContent, type Ctx, type Reply } from '../http.ts';
import type { Application, DeletedItem, ServicePrincipal } from '../state.ts';
import { canReadApplications, canWriteApplications, type GraphCaller } from './auth.ts';
import { badRequest, graphError, insufficientPrivileges, notFound } from './errors.ts';
import { collection } from './query.ts';
import { GRAPH_CONTEXT, applicationJson, servicePrincipalJson } from './serialize.ts';

/** Graph's answer to creating an app with the `uniqueName` of a deleted one (bicep-types#137, omadia#916). */
export const UNIQUE_NAME_TAKEN = 'Another object with the same value for property uniqueName already exists.';

const TYPES = {
  application: 'microsoft.graph.application',
  servicePrincipal: 'microsoft.graph.servicePrincipal',
};

function now(rt: Runtime): string {
  return new Date(rt.now()).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Soft delete: the app and its service principal in the app's tenant move to deleted items. */
export function softDeleteApplication(rt: Runtime, app: Application): void {
  const when = now(rt);
  rt.world.applications = rt.world.applications.filter((a) => a !== app);
  rt.world.deletedItems.push({ kind: 'application', object: app, deletedDateTime: when });
  const sp = rt.world.servicePrincipals.find((s) => s.appId === app.appId && s.tenantId === app.tenantId);
  if (sp) {
    rt.world.servicePrincipals = rt.world.servicePrincipals.filter((s) => s !== sp);
    rt.world.deletedItems.push({ kind: 'servicePrincipal', object: sp, deletedDateTime: when });
  }
}

/**
 * Enterprise applications → Delete (or `DELETE /servicePrincipals/{id}`) with the app registration kept: the service
 * principal moves to deleted items for 30 days, restorable on its own (FIDELITY H18-10: "Soft-deleted application and
 * service principal objects go into the deleted items container and remain available to restore for up to 30 days").
 */
export function softDeleteServicePrincipal(rt: Runtime, sp: ServicePrincipal): void {
  rt.world.servicePrincipals = rt.world.servicePrincipals.filter((s) => s !== sp);
  rt.world.deletedItems.push({ kind: 'servicePrincipal', object: sp, deletedDateTime: now(rt) });
}

/** A deleted app still holds its `uniqueName` until it is deleted for good. */
export function uniqueNameReserved(rt: Runtime, tenantId: string, uniqueName: string): boolean {
  return rt.world.deletedItems.some(
    (d) =>
      d.kind === 'application' &&
      d.object.tenantId === tenantId &&
      d.object.uniqueName?.toLowerCase() === uniqueName.toLowerCase(),
  );
}

/** Stricter reading (no source found): a deleted service principal keeps its name, so a new one cannot take it. */
export function deletedServicePrincipalHolds(rt: Runtime, tenantId: string, appId: string): boolean {
  return rt.world.deletedItems.some(
    (d) => d.kind === 'servicePrincipal' && d.object.tenantId === tenantId && d.object.appId === appId,
  );
}

function itemJson(rt: Runtime, d: DeletedItem): Record<string, unknown> {
  const base =
    d.kind === 'application'
      ? applicationJson(d.object, rt.tenantById(d.object.tenantId)?.domains[0] ?? '')
      : servicePrincipalJson(d.object, 'AzureADMyOrg');
  return { '@odata.type': `#${TYPES[d.kind]}`, ...base, deletedDateTime: d.deletedDateTime };
}

/** `/directory/deletedItems…` under `/v1.0`; `rest` starts after `/directory/deletedItems`. */
export function deletedItems(rt: Runtime, ctx: Ctx, caller: GraphCaller, rest: string): Reply {
  const mine = rt.world.deletedItems.filter((d) => d.object.tenantId === caller.tenant.id);
  const cast = /^\/(microsoft\.graph\.application|microsoft\.graph\.servicePrincipal)$/i.exec(rest);
  if (cast && ctx.method === 'GET') {
    if (!canReadApplications(caller)) return insufficientPrivileges(ctx);
    const app = cast[1]!.toLowerCase() === TYPES.application.toLowerCase();
    const items = mine.filter((d) => d.kind === (app ? 'application' : 'servicePrincipal'));
    // Filterable like the live sets' documented keys; `uniqueName` is not among them (an alternate key).
    const filterable = ['id', 'appId', 'displayName'];
    return collection(
      ctx,
      `directory/deletedItems/${TYPES[app ? 'application' : 'servicePrincipal']}`,
      app ? 'Application' : 'ServicePrincipal',
      items.map((d) => itemJson(rt, d)),
      filterable,
    );
  }
  // "The OData cast type is a required part of the URI" (list deleted items): the untyped list is refused.
  if (rest === '' || rest === '/')
    return badRequest(ctx, 'The OData cast type is required to list deleted items.');
  const item = /^\/([0-9a-fA-F-]{36})(\/restore|\/microsoft\.graph\.restore)?$/.exec(rest);
  if (!item) return graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${rest}'.`);
  const id = item[1]!.toLowerCase();
  const found = mine.find((d) => d.object.id === id);
  if (item[2]) {
    if (ctx.method !== 'POST')
      return badRequest(ctx, 'Specified HTTP method is not allowed for the request target.');
    if (!canWriteApplications(rt, caller)) return insufficientPrivileges(ctx);
    if (!found) return notFound(ctx, id);
    rt.world.deletedItems = rt.world.deletedItems.filter((d) => d !== found);
    if (found.kind === 'application') rt.world.applications.push(found.object);
    else rt.world.servicePrincipals.push(found.object);
    const { deletedDateTime: _gone, ...restored } = itemJson(rt, found);
    return json(
      200,
      { '@odata.context': `${GRAPH_CONTEXT}#directoryObjects/$entity`, ...restored, deletedDateTime: null },
      { 'odata-version': '4.0' },
    );
  }
  if (ctx.method === 'GET') {
    if (!canReadApplications(caller)) return insufficientPrivileges(ctx);
    if (!found) return notFound(ctx, id);
    return json(200, {
      '@odata.context': `${GRAPH_CONTEXT}#directoryObjects/$entity`,
      ...itemJson(rt, found),
    });
  }
  if (ctx.method === 'DELETE') {
    if (!canWriteApplications(rt, caller)) return insufficientPrivileges(ctx);
    if (!found) return notFound(ctx, id);
    rt.world.deletedItems = rt.world.deletedItems.filter((d) => d !== found);
    return noContent();
  }
  return badRequest(ctx, 'Specified HTTP method is not allowed for the request target.');
}
