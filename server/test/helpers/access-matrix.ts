import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ApiKeyScope } from '@kantiv/shared/auth';
import type { TestContext } from './app.ts';

/** The vocabulary of the authorization matrix (`authorization.test.ts`): routes, callers and the rule between. */
export type Rule =
  | 'public'
  | 'setup_token'
  /** Only the scraper's METRICS_TOKEN, which no caller of the matrix holds. */
  | 'metrics_token'
  | { staff?: 'read' | 'manage'; apiKey?: ApiKeyScope };
export type Caller = {
  name: string;
  header: () => string | undefined;
  kind: 'none' | 'bad' | 'setup' | 'staff' | 'key';
  roles?: string[];
  scopes?: ApiKeyScope[];
  /** A setup caller that sends its own `header` instead of the token of the setup the route prepared. */
  ownToken?: boolean;
};
export type Prepared = { url: string; payload?: unknown; setupToken?: string };
export type Route = {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  rule: Rule;
  ok: number[];
  sse?: boolean;
  /** What another setup's token gets where it differs from `ok` (it acts on its own setup, not the prepared one). */
  otherSetup?: number[];
  prepare: (ctx: TestContext, caller: Caller) => Promise<Prepared>;
};

export const ALL_SCOPES: ApiKeyScope[] = [
  'setups:read',
  'setups:write',
  'connections:token',
  'webhooks:manage',
];

/** The statuses a caller may get from a route under its rule: the route's success, 401 or 403. */
export function expected(route: Route, caller: Caller): number[] {
  if (route.rule === 'public') return route.ok;
  if (route.rule === 'metrics_token') return [401];
  if (route.rule === 'setup_token')
    return caller.kind !== 'setup' ? [401] : caller.ownToken ? (route.otherSetup ?? route.ok) : route.ok;
  if (caller.kind === 'none' || caller.kind === 'bad' || caller.kind === 'setup') return [401];
  const rule = route.rule;
  if (caller.kind === 'staff') {
    const roles = caller.roles ?? [];
    const allowed =
      rule.staff === 'manage'
        ? roles.includes('Connect.Manage')
        : rule.staff === 'read'
          ? roles.length > 0
          : false;
    return allowed ? route.ok : [403];
  }
  return rule.apiKey && caller.scopes?.includes(rule.apiKey) ? route.ok : [403];
}

/** SSE answers stream forever on success: read the status line over real HTTP and hang up. */
export async function sseStatus(
  app: FastifyInstance,
  url: string,
  authorization: string | undefined,
): Promise<number> {
  const address = await app
    .listen({ port: 0, host: '127.0.0.1' })
    .catch(() => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${address}${url}`,
      { headers: { accept: 'text/event-stream', ...(authorization ? { authorization } : {}) } },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('error', reject);
  });
}
