import { FilterError, evaluate, filterPaths, parseFilter, selectFields } from '../odata.ts';
import { json, type Ctx, type Reply } from '../http.ts';
import { GRAPH_CONTEXT } from './serialize.ts';
import { graphError } from './errors.ts';

/** Applies `$filter`, `$select` and `$top` to a collection and answers with Graph's collection shape. */
export function collection(
  ctx: Ctx,
  entitySet: string,
  typeName: string,
  items: Record<string, unknown>[],
  filterable: string[],
): Reply {
  const q = ctx.url.searchParams;
  let rows = items;
  const filter = q.get('$filter');
  if (filter) {
    try {
      const expr = parseFilter(filter);
      const bad = filterPaths(expr).find(
        (p) => !filterable.map((f) => f.toLowerCase()).includes(p.toLowerCase()),
      );
      if (bad) {
        return graphError(
          ctx,
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause specified for property '${bad}' of resource '${typeName}'.`,
        );
      }
      rows = rows.filter((r) => evaluate(expr, r, { caseSensitive: false }));
    } catch (e) {
      if (e instanceof FilterError)
        return graphError(ctx, 400, 'BadRequest', `Invalid filter clause: ${e.message}`);
      throw e;
    }
  }
  const select = q.get('$select');
  const top = Number(q.get('$top') ?? '100');
  const skip = Number(q.get('$skiptoken') ?? '0');
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    return graphError(
      ctx,
      400,
      'Request_BadRequest',
      `Invalid page size specified: '${q.get('$top') ?? ''}'. Must be between 1 and 999 inclusive.`,
    );
  }
  const page = rows.slice(skip, skip + top).map((r) => selectFields(r, select));
  const body: Record<string, unknown> = {
    '@odata.context': `${GRAPH_CONTEXT}#${entitySet}${select ? `(${select})` : ''}`,
    value: page,
  };
  if (skip + top < rows.length) {
    const next = new URL(`https://graph.microsoft.com/v1.0${ctx.url.pathname.replace(/^\/v1\.0/, '')}`);
    for (const [k, v] of q) if (k !== '$skiptoken') next.searchParams.set(k, v);
    next.searchParams.set('$skiptoken', String(skip + top));
    // Graph writes OData system query options with a literal '$'.
    body['@odata.nextLink'] = next.toString().replace(/%24/g, '$');
  }
  return json(200, body, { 'odata-version': '4.0' });
}

export function entity(ctx: Ctx, contextSuffix: string, value: Record<string, unknown>, status = 200): Reply {
  const select = ctx.url.searchParams.get('$select');
  return json(
    status,
    {
      '@odata.context': `${GRAPH_CONTEXT}#${contextSuffix}${select ? `(${select})` : ''}/$entity`,
      ...selectFields(value, select),
    },
    { 'odata-version': '4.0' },
  );
}
