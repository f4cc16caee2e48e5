import type { Runtime } from '../core.ts';
import type { Ctx, Reply } from '../http.ts';
import {
  createApplication,
  deleteApplication,
  findApp,
  getApplication,
  listApplications,
  updateApplication,
  upsertApplication,
} from './applications.ts';
import { authenticate } from './auth.ts';
import { deletedItems } from './deleted-items.ts';
import { addPassword, removePassword } from './passwords.ts';
import { addKey, removeKey } from './roll-keys.ts';
import { graphError } from './errors.ts';
import { getMe, getMemberOf, getOrganization } from './me.ts';
import {
  createServicePrincipal,
  deleteServicePrincipal,
  findSp,
  getServicePrincipal,
  listServicePrincipals,
  updateServicePrincipal,
  upsertServicePrincipal,
} from './service-principals.ts';

/** `{id}`, `(appId='…')`, `(uniqueName='…')` or `('{id}')` after the entity set name. */
function parseKey(segment: string): { by: 'id' | 'appId' | 'uniqueName'; value: string } | null {
  const alt = /^\((appId|uniqueName)=\s*'([^']*)'\)$/i.exec(segment);
  if (alt) return { by: alt[1]?.toLowerCase() === 'appid' ? 'appId' : 'uniqueName', value: alt[2] ?? '' };
  const quoted = /^\('([^']*)'\)$/.exec(segment);
  if (quoted) return { by: 'id', value: quoted[1] ?? '' };
  return null;
}

export async function graph(rt: Runtime, ctx: Ctx): Promise<Reply> {
  const path = decodeURIComponent(ctx.url.pathname);
  const m = /^\/(v1\.0|beta)(\/.*)?$/.exec(path);
  if (!m) return graphError(ctx, 400, 'BadRequest', 'Invalid version.');
  const rest = m[2] ?? '/';
  const caller = await authenticate(rt, ctx);
  if ('status' in caller) return caller;
  const method = ctx.method;

  if (rest === '/me' && method === 'GET') return getMe(ctx, caller);
  const member = /^\/me\/(memberOf|transitiveMemberOf)(\/microsoft\.graph\.directoryRole)?$/.exec(rest);
  if (member && method === 'GET')
    return getMemberOf(rt, ctx, caller, Boolean(member[2]), member[1] === 'transitiveMemberOf');
  if (rest === '/organization' && method === 'GET') return getOrganization(ctx, caller);
  const deleted = /^\/directory\/deletedItems(\/.*)?$/i.exec(rest);
  if (deleted) return deletedItems(rt, ctx, caller, deleted[1] ?? '');

  const apps =
    /^\/applications(?:\/([0-9a-fA-F-]{36})|(\([^)]*\)))?(?:\/(?:microsoft\.graph\.)?(addPassword|removePassword|addKey|removeKey))?$/.exec(
      rest,
    );
  if (apps) {
    const [, id, alt, action] = apps;
    if (!id && !alt) {
      if (method === 'GET') return listApplications(rt, ctx, caller);
      if (method === 'POST' && !action) return createApplication(rt, ctx, caller);
      return methodNotAllowed(ctx);
    }
    const key = id ? { by: 'id' as const, value: id.toLowerCase() } : parseKey(alt ?? '');
    if (!key) return graphError(ctx, 400, 'Request_BadRequest', `Invalid object identifier '${alt ?? ''}'.`);
    const keyText = key.value;
    const includeUnreplicated = method !== 'GET' && !rt.graphReadsLag(caller.tenant.id);
    const app = findApp(rt, caller, key, includeUnreplicated);
    if (action) {
      if (method !== 'POST') return methodNotAllowed(ctx);
      if (action === 'addKey') return addKey(rt, ctx, caller, app, keyText);
      if (action === 'removeKey') return removeKey(rt, ctx, caller, app, keyText);
      return action === 'addPassword'
        ? addPassword(rt, ctx, caller, app, keyText)
        : removePassword(rt, ctx, caller, app, keyText);
    }
    if (method === 'GET') return getApplication(rt, ctx, caller, app, keyText);
    if (method === 'PATCH')
      return key.by === 'uniqueName'
        ? upsertApplication(rt, ctx, caller, key.value)
        : updateApplication(rt, ctx, caller, app, keyText);
    if (method === 'DELETE') return deleteApplication(rt, ctx, caller, app, keyText);
    return methodNotAllowed(ctx);
  }

  const sps = /^\/servicePrincipals(?:\/([0-9a-fA-F-]{36})|(\([^)]*\)))?$/.exec(rest);
  if (sps) {
    const [, id, alt] = sps;
    if (!id && !alt) {
      if (method === 'GET') return listServicePrincipals(rt, ctx, caller);
      if (method === 'POST') return createServicePrincipal(rt, ctx, caller);
      return methodNotAllowed(ctx);
    }
    const parsed = id ? { by: 'id' as const, value: id.toLowerCase() } : parseKey(alt ?? '');
    if (!parsed || parsed.by === 'uniqueName')
      return graphError(ctx, 400, 'Request_BadRequest', `Invalid object identifier '${alt ?? ''}'.`);
    const key = { by: parsed.by, value: parsed.value };
    const includeUnreplicated = method !== 'GET' && !rt.graphReadsLag(caller.tenant.id);
    const sp = findSp(rt, caller, key, includeUnreplicated);
    if (method === 'GET') return getServicePrincipal(rt, ctx, caller, sp, key.value);
    if (method === 'PATCH')
      return key.by === 'appId'
        ? upsertServicePrincipal(rt, ctx, caller, key.value)
        : updateServicePrincipal(rt, ctx, caller, sp, key.value);
    if (method === 'DELETE') return deleteServicePrincipal(rt, ctx, caller, sp, key.value);
    return methodNotAllowed(ctx);
  }
  const segment = rest.split('/')[1] ?? '';
  return graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

function methodNotAllowed(ctx: Ctx): Reply {
  return graphError(
    ctx,
    405,
    'Request_BadRequest',
    `Specified HTTP method is not allowed for the request target.`,
  );
}
