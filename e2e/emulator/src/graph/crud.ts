import type { Runtime } from '../core.ts';
import { readJson, INVALID_JSON, type Ctx, type Reply } from '../http.ts';
import { canReadApplications, type GraphCaller } from './auth.ts';
import { badRequest, insufficientPrivileges, notFound } from './errors.ts';
import { collection, entity } from './query.ts';

/** A JSON object request body. */
export type Body = Record<string, unknown>;

/**
 * Reads the body as a JSON object (an absent body is `{}`). The application routes also refuse a JSON array; the
 * service principal routes have always taken one as an object without properties.
 */
export function readBody(ctx: Ctx, { allowArray = false } = {}): { value: Body } | Reply {
  const body = readJson(ctx);
  if (
    body === INVALID_JSON ||
    (body !== undefined &&
      (typeof body !== 'object' || body === null || (!allowArray && Array.isArray(body))))
  ) {
    return badRequest(
      ctx,
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  return { value: (body ?? {}) as Body };
}

/**
 * The directory objects of the caller's tenant. Graph reads see only replicated ones while the tenant lags (a
 * scenario); writes, unless reads lag, reach the unreplicated ones too.
 */
export function inTenant<T extends { tenantId: string; replicatedAt: number }>(
  rt: Runtime,
  caller: GraphCaller,
  all: T[],
  includeUnreplicated = false,
): T[] {
  const lag = !includeUnreplicated && rt.graphReadsLag(caller.tenant.id);
  return all.filter((o) => o.tenantId === caller.tenant.id && (!lag || rt.isReplicated(o)));
}

/** A handler for one addressed object: `target` is what the key found, `key` the text that addressed it. */
export type TargetHandler<T> = (
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  target: T | undefined,
  key: string,
) => Reply;

/** An entity set readable with the application read permissions. */
export interface EntitySet<T> {
  name: string;
  typeName: string;
  filterable: string[];
  objects: (rt: Runtime) => T[];
  json: (rt: Runtime, object: T) => Record<string, unknown>;
}

/** `GET /<set>` with `$filter`, `$select`, `$top`. */
export function lister<T extends { tenantId: string; replicatedAt: number }>(set: EntitySet<T>) {
  return (rt: Runtime, ctx: Ctx, caller: GraphCaller): Reply => {
    if (!canReadApplications(caller)) return insufficientPrivileges(ctx);
    const items = inTenant(rt, caller, set.objects(rt)).map((o) => set.json(rt, o));
    return collection(ctx, set.name, set.typeName, items, set.filterable);
  };
}

/** `GET /<set>/<key>`. */
export function getter<T>(set: EntitySet<T>): TargetHandler<T> {
  return (rt, ctx, caller, target, key) =>
    withTarget(ctx, canReadApplications(caller), target, key, (o) => entity(ctx, set.name, set.json(rt, o)));
}

/** Graph checks the caller's permission before it looks the object up. */
export function withTarget<T>(
  ctx: Ctx,
  allowed: boolean,
  target: T | undefined,
  key: string,
  then: (target: T) => Reply,
): Reply {
  if (!allowed) return insufficientPrivileges(ctx);
  if (!target) return notFound(ctx, key);
  return then(target);
}

/** {@link withTarget}, then the JSON object body. */
export function withTargetAndBody<T>(
  ctx: Ctx,
  allowed: boolean,
  target: T | undefined,
  key: string,
  then: (target: T, body: Body) => Reply,
  options?: { allowArray?: boolean },
): Reply {
  return withTarget(ctx, allowed, target, key, (t) => {
    const parsed = readBody(ctx, options);
    return 'value' in parsed ? then(t, parsed.value) : parsed;
  });
}

/**
 * `PATCH /<set>(<alternate key>)`: updates the existing object; without one, creates it only under
 * `Prefer: create-if-missing`, else answers 404 (403 first when the caller could not write anyway).
 */
export function upsert<T>(
  ctx: Ctx,
  key: string,
  existing: T | undefined,
  ops: { canWrite: () => boolean; update: (existing: T) => Reply; create: () => Reply },
): Reply {
  if (existing) return ops.update(existing);
  const prefer = String(ctx.headers.prefer ?? '').toLowerCase();
  if (!prefer.split(/[,;]\s*/).includes('create-if-missing')) {
    if (!ops.canWrite()) return insufficientPrivileges(ctx);
    return notFound(ctx, key);
  }
  return ops.create();
}
