import { randomUUID } from 'node:crypto';
import { tenantSegmentKind, type Runtime } from '../core.ts';
import { escapeHtml, html, readForm, redirect, type Ctx, type Reply } from '../http.ts';
import type { Application, User } from '../state.ts';
import { opaque } from '../tokens.ts';
import { AADSTS } from './errors.ts';
import { errorPage } from './pages.ts';
import { parseScopes } from './scopes.ts';

/** The authorization request in flight: its checks, its answer to the app, and its stash across the pages. */

export interface Validated {
  segment: string;
  params: URLSearchParams;
  client: Application;
  redirectUri: string;
  redirectKind: 'spa' | 'web' | 'publicClient';
}

/** Checks that must pass before Entra will send anything back to the redirect URI (errors are shown, not redirected). */
export function validate(rt: Runtime, ctx: Ctx, segment: string, params: URLSearchParams): Validated | Reply {
  const show = (code: number, message: string) => html(400, errorPage(code, message, ctx.requestId));
  if (tenantSegmentKind(segment) === 'tenant' && !rt.tenant(segment))
    return show(90002, AADSTS.tenantNotFound(segment));
  const clientId = params.get('client_id');
  if (!clientId) return show(900144, AADSTS.missingParameter('client_id'));
  const client = rt.applicationByAppId(clientId);
  const tenant = tenantSegmentKind(segment) === 'tenant' ? rt.tenant(segment) : undefined;
  if (
    !client ||
    !rt.isReplicated(client) ||
    (client.signInAudience === 'AzureADMyOrg' && tenant && tenant.id !== client.tenantId)
  ) {
    return show(700016, AADSTS.appNotFound(clientId, tenant?.displayName ?? segment));
  }
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return show(900144, AADSTS.missingParameter('redirect_uri'));
  // Exact, case-sensitive match against the registered URIs of each platform.
  const redirectKind = client.spa.redirectUris.includes(redirectUri)
    ? 'spa'
    : client.web.redirectUris.includes(redirectUri)
      ? 'web'
      : client.publicClient.redirectUris.includes(redirectUri)
        ? 'publicClient'
        : null;
  if (!redirectKind) return show(50011, AADSTS.redirectMismatch(redirectUri, clientId));
  return { segment, params, client, redirectUri, redirectKind };
}

/** Sends an OAuth response back to the app in the response mode it asked for. */
export function respond(
  v: Validated,
  values: Record<string, string>,
  extraHeaders: Record<string, string | string[]> = {},
): Reply {
  const state = v.params.get('state');
  const all = { ...values, ...(state !== null ? { state } : {}) };
  const mode = v.params.get('response_mode') ?? 'query';
  if (mode === 'form_post') {
    const inputs = Object.entries(all)
      .map(([k, val]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(val)}">`)
      .join('');
    return html(
      200,
      `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()"><form method="POST" action="${escapeHtml(v.redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`,
      extraHeaders as Record<string, string>,
    );
  }
  const encoded = new URLSearchParams(all).toString();
  if (mode === 'fragment') return redirect(`${v.redirectUri}#${encoded}`, extraHeaders);
  const sep = v.redirectUri.includes('?') ? '&' : '?';
  return redirect(`${v.redirectUri}${sep}${encoded}`, extraHeaders);
}

export function oauthError(
  v: Validated,
  error: string,
  code: number,
  message: string,
  extra: Record<string, string> = {},
): Reply {
  const trace = randomUUID();
  return respond(v, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${v.params.get('client-request-id') ?? randomUUID()} Timestamp: ${new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')}`,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
  });
}
/**
 * Who a sign-in is, seen from the authority's tenant: a home account signing in at a tenant where it is a guest
 * becomes that tenant's guest object; at `organizations`/`common` it stays the home account (tokens from home).
 */
export function inTenantOf(rt: Runtime, segment: string, user: User): User {
  if (tenantSegmentKind(segment) !== 'tenant') return user;
  const tenant = rt.tenant(segment);
  if (!tenant || tenant.id === user.tenantId) return user;
  return rt.world.users.find((g) => g.homeUserId === user.id && g.tenantId === tenant.id) ?? user;
}

export function fitsTenant(rt: Runtime, segment: string, user: User): boolean {
  if (tenantSegmentKind(segment) !== 'tenant') return true;
  return rt.tenant(segment)?.id === user.tenantId;
}

export function checkScopes(rt: Runtime, v: Validated): Reply | null {
  const scope = v.params.get('scope') ?? '';
  const parsed = parseScopes(rt, scope, null);
  if (parsed.unknown.length > 0) {
    return oauthError(
      v,
      'invalid_client',
      650053,
      AADSTS.invalidScope(parsed.unknown[0] ?? '', v.client.displayName),
    );
  }
  for (const r of parsed.resources) {
    const known = rt.resourceScopes(r.resource).map((s) => s.value);
    const bad = r.values.find((val) => val !== '.default' && !known.includes(val));
    if (bad)
      return oauthError(
        v,
        'invalid_client',
        650053,
        AADSTS.invalidScope(`${r.resource.identifier}/${bad}`, v.client.displayName),
      );
  }
  return null;
}

export function stash(rt: Runtime, v: Validated): string {
  const txn = opaque(18);
  const copy = new URLSearchParams(v.params);
  copy.set('__segment', v.segment);
  rt.pending.set(txn, copy);
  if (rt.pending.size > 500) {
    const oldest = rt.pending.keys().next().value;
    if (oldest !== undefined) rt.pending.delete(oldest);
  }
  return txn;
}
export function restore(rt: Runtime, ctx: Ctx): { v: Validated; form: URLSearchParams } | Reply {
  const form = readForm(ctx);
  const params = rt.pending.get(form.get('txn') ?? '');
  if (!params)
    return html(
      400,
      errorPage(
        90014,
        'The sign-in request expired or was already completed. Start again from the application.',
        ctx.requestId,
      ),
    );
  const segment = params.get('__segment') ?? 'common';
  const clean = new URLSearchParams(params);
  clean.delete('__segment');
  const v = validate(rt, ctx, segment, clean);
  if ('status' in v) return v;
  return { v, form };
}

export function isAdminConsent(v: Validated): boolean {
  return v.params.get('__adminconsent') === '1';
}
