import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Api } from './api-client.ts';
import { readOperations } from './openapi.ts';

/**
 * The route table as the running server publishes it: its OpenAPI paths, plus the HEAD twin Fastify adds to a GET
 * route unless the route opts out (probed: a route that does not exist answers 404 to anyone).
 */
export async function readRouteTable(api: Api, base: string): Promise<string[]> {
  const routes: string[] = [];
  for (const op of await readOperations(api, base)) {
    const route = `${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`;
    routes.push(route);
    if (op.method !== 'GET') continue;
    const probe = await statusLineOf(base, 'HEAD', op.path.replace(/\{(\w+)\}/g, randomUUID()), undefined);
    if (probe !== 404) routes.push(route.replace(/^GET/, 'HEAD'));
  }
  return routes.sort();
}

/** SSE answers stream forever on success: read the status line and hang up (-1: no answer within 10 s). */
export function statusLineOf(
  base: string,
  method: string,
  url: string,
  authorization: string | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${url}`,
      { method, headers: { accept: 'text/event-stream', ...(authorization ? { authorization } : {}) } },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.setTimeout(10_000, () => {
      resolve(-1);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}
