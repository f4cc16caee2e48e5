/**
 * The authorization model the matrix checks the server against: who may call a route (its rule), the kinds of
 * caller, and the status each caller must get.
 */
export type Scope = 'setups:read' | 'setups:write' | 'connections:token' | 'webhooks:manage';
export const SCOPES: Scope[] = ['setups:read', 'setups:write', 'connections:token', 'webhooks:manage'];
/** `metrics_token`: only the scraper's METRICS_TOKEN, which no caller here holds. */
export type Rule = 'public' | 'setup_token' | 'metrics_token' | { staff?: 'read' | 'manage'; apiKey?: Scope };
type Kind = 'none' | 'bad' | 'setup' | 'staff' | 'key';
export type Caller = {
  name: string;
  kind: Kind;
  roles?: string[];
  scopes?: Scope[];
  auth: () => string | undefined;
};
type Prepared = { url: string; body?: unknown; setupToken?: string };
export type Row = {
  rule: Rule;
  ok: number;
  prepare: (caller: Caller, succeeds: boolean) => Promise<Prepared>;
};

/** Whether `rule` lets `caller` through. */
export function allowed(rule: Rule, caller: Caller): boolean {
  if (rule === 'public') return true;
  if (rule === 'setup_token') return caller.kind === 'setup';
  if (rule === 'metrics_token') return false;
  if (caller.kind === 'staff') {
    const roles = caller.roles ?? [];
    if (rule.staff === 'manage') return roles.includes('Connect.Manage');
    if (rule.staff === 'read') return roles.length > 0;
    return false;
  }
  if (caller.kind === 'key') return !!rule.apiKey && !!caller.scopes?.includes(rule.apiKey);
  return false;
}

/** The status `caller` must get from a route under `rule` whose success status is `ok`. */
export function expected(rule: Rule, caller: Caller, ok: number): number {
  if (allowed(rule, caller)) return ok;
  if (rule === 'public') return ok;
  // Wizard routes know only setup tokens: anything else is not a valid credential there.
  if (rule === 'setup_token' || rule === 'metrics_token') return 401;
  if (caller.kind === 'staff' || caller.kind === 'key') return 403;
  return 401;
}
