import { randomUUID } from 'node:crypto';
import { tenantSegmentKind, type Resource, type Runtime } from '../core.ts';
import { escapeHtml, html, parseCookies, readForm, redirect, type Ctx, type Reply } from '../http.ts';
import { servicePrincipalFor } from '../seed.ts';
import type { Application, User } from '../state.ts';
import { opaque } from '../tokens.ts';
import { clientInfo } from './claims.ts';
import { AADSTS } from './errors.ts';
import { errorPage, page } from './pages.ts';
import { expandDefault, parseScopes, resourceAppIds } from './scopes.ts';

export const SESSION_COOKIE = 'ESTSAUTH';
const CODE_LIFETIME_MS = 10 * 60 * 1000;
const CONSENT_ADMIN_ROLES = [
  'Global Administrator',
  'Privileged Role Administrator',
  'Cloud Application Administrator',
  'Application Administrator',
];

interface Validated {
  segment: string;
  params: URLSearchParams;
  client: Application;
  redirectUri: string;
  redirectKind: 'spa' | 'web' | 'publicClient';
}

/** Checks that must pass before Entra will send anything back to the redirect URI (errors are shown, not redirected). */
function validate(rt: Runtime, ctx: Ctx, segment: string, params: URLSearchParams): Validated | Reply {
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
function respond(
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

function oauthError(
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

export function authorize(rt: Runtime, ctx: Ctx, segment: string): Reply {
  const v = validate(rt, ctx, segment, ctx.url.searchParams);
  if ('status' in v) return v;
  const p = v.params;
  if (p.get('response_type') !== 'code') {
    return oauthError(
      v,
      'unsupported_response_type',
      700054,
      `response_type '${p.get('response_type') ?? ''}' is not enabled for the application.`,
    );
  }
  const challenge = p.get('code_challenge');
  const method = p.get('code_challenge_method') ?? 'plain';
  if (v.redirectKind === 'spa' && !challenge) {
    return oauthError(
      v,
      'invalid_request',
      9002325,
      'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
    );
  }
  if (challenge && method !== 'S256' && method !== 'plain') {
    return oauthError(v, 'invalid_request', 50161, `Unsupported code_challenge_method '${method}'.`);
  }
  const scopeCheck = checkScopes(rt, v);
  if (scopeCheck) return scopeCheck;

  const prompt = p.get('prompt');
  const auto = rt.scenarios.list().find((s) => s.name === 'auto-sign-in');
  if (auto && auto.name === 'auto-sign-in') {
    const user = rt.user(auto.user);
    if (user) return continueAs(rt, ctx, v, user, { autoConsent: true });
  }
  const session = rt.sessions.get(parseCookies(ctx)[SESSION_COOKIE] ?? '');
  const sessionUser = session ? rt.user(session.userId) : undefined;
  const hint = p.get('login_hint')?.toLowerCase();
  const hintMatches = !hint || sessionUser?.userPrincipalName.toLowerCase() === hint;
  if (
    sessionUser &&
    hintMatches &&
    prompt !== 'login' &&
    prompt !== 'select_account' &&
    fitsTenant(rt, segment, sessionUser)
  ) {
    return continueAs(rt, ctx, v, sessionUser, { forceConsent: prompt === 'consent' });
  }
  if (prompt === 'none')
    return oauthError(
      v,
      'login_required',
      50058,
      'A silent sign-in request was sent but no user is signed in.',
    );
  return pickAccount(rt, ctx, v);
}

function fitsTenant(rt: Runtime, segment: string, user: User): boolean {
  if (tenantSegmentKind(segment) !== 'tenant') return true;
  return rt.tenant(segment)?.id === user.tenantId;
}

function checkScopes(rt: Runtime, v: Validated): Reply | null {
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

function stash(rt: Runtime, v: Validated): string {
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

function pickAccount(rt: Runtime, ctx: Ctx, v: Validated): Reply {
  const txn = stash(rt, v);
  const tenant = tenantSegmentKind(v.segment) === 'tenant' ? rt.tenant(v.segment) : undefined;
  const users = rt.world.users.filter((u) => !tenant || u.tenantId === tenant.id);
  const byTenant = new Map<string, User[]>();
  for (const u of users) byTenant.set(u.tenantId, [...(byTenant.get(u.tenantId) ?? []), u]);
  const groups = [...byTenant.entries()]
    .map(([tid, list]) => {
      const t = rt.tenantById(tid);
      const buttons = list
        .map(
          (
            u,
          ) => `<button class="account" type="submit" name="user" value="${escapeHtml(u.userPrincipalName)}">
<strong>${escapeHtml(u.displayName)}</strong><br><span class="upn">${escapeHtml(u.userPrincipalName)}</span>
<div class="note">${escapeHtml(u.description)}</div></button>`,
        )
        .join('');
      return `<h2 style="font-size:15px;margin:16px 0 4px">${escapeHtml(t?.displayName ?? tid)} <small>(${escapeHtml(t?.domains[1] ?? '')})</small></h2>${buttons}`;
    })
    .join('');
  const hint = v.params.get('login_hint');
  return html(
    200,
    page(
      'Sign in to your account',
      `<h1>Pick an account</h1>
<p>to continue to <strong>${escapeHtml(v.client.displayName)}</strong>${hint ? ` <small>(hint: ${escapeHtml(hint)})</small>` : ''}</p>
<form method="POST" action="${escapeHtml(`${ctx.base}/${v.segment}/oauth2/v2.0/authorize/select`)}">
<input type="hidden" name="txn" value="${escapeHtml(txn)}">${groups}
</form>
<p><small>No password is asked: choosing an account signs it in.</small></p>`,
    ),
  );
}

function restore(rt: Runtime, ctx: Ctx): { v: Validated; form: URLSearchParams } | Reply {
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

/** POST from the account picker. */
export function selectAccount(rt: Runtime, ctx: Ctx): Reply {
  const r = restore(rt, ctx);
  if ('status' in r) return r;
  const user = rt.user(r.form.get('user') ?? '');
  if (!user || !fitsTenant(rt, r.v.segment, user)) {
    return html(400, errorPage(50034, 'The user account does not exist in this directory.', ctx.requestId));
  }
  rt.pending.delete(r.form.get('txn') ?? '');
  return continueAs(rt, ctx, r.v, user, {
    forceConsent: r.v.params.get('prompt') === 'consent',
    newSession: true,
  });
}

interface Needed {
  resource: Resource;
  missing: { value: string; type: 'User' | 'Admin'; display: string; description: string }[];
}

function missingConsent(rt: Runtime, v: Validated, user: User, force: boolean): Needed[] {
  const parsed = parseScopes(rt, v.params.get('scope') ?? '', user.tenantId);
  const out: Needed[] = [];
  for (const r of parsed.resources) {
    if (r.resource.appId === v.client.appId) continue;
    const wanted = expandDefault(rt, v.client, r.resource, r.values);
    const granted = force ? [] : rt.grantedScopes(user.tenantId, v.client.appId, r.resource.appId, user.id);
    const catalog = rt.resourceScopes(r.resource);
    const missing = wanted
      .filter((w) => !granted.includes(w))
      .map(
        (w) =>
          catalog.find((c) => c.value === w) ?? {
            value: w,
            type: 'User' as const,
            display: w,
            description: '',
          },
      );
    if (missing.length > 0) out.push({ resource: r.resource, missing });
  }
  if (force && out.length === 0 && parsed.resources.length === 0) return [];
  return out;
}

function canGrantTenantWide(rt: Runtime, user: User): boolean {
  if (rt.scenarios.has('admin-consent-required', rt.who(user))) return false;
  return rt.directoryRoles(user).some((r) => CONSENT_ADMIN_ROLES.includes(r));
}

function continueAs(
  rt: Runtime,
  ctx: Ctx,
  v: Validated,
  user: User,
  opts: { forceConsent?: boolean; autoConsent?: boolean; newSession?: boolean },
): Reply {
  if (v.client.signInAudience === 'AzureADMyOrg' && v.client.tenantId !== user.tenantId) {
    return html(
      400,
      errorPage(
        700016,
        AADSTS.appNotFound(v.client.appId, rt.tenantById(user.tenantId)?.displayName ?? ''),
        ctx.requestId,
      ),
    );
  }
  const needed = missingConsent(rt, v, user, opts.forceConsent === true || isAdminConsent(v));
  const cookie = opts.newSession ? newSession(rt, user) : undefined;
  // The admin-consent endpoint always asks, whatever was granted before.
  if (isAdminConsent(v)) return consentPage(rt, ctx, v, user, needed, cookie);
  if (needed.length > 0) {
    if (v.params.get('prompt') === 'none') {
      return oauthError(
        v,
        'consent_required',
        65001,
        AADSTS.interactionConsent(v.client.appId, v.client.displayName),
        { suberror: 'consent_required' },
      );
    }
    if (rt.scenarios.has('consent-declined', rt.who(user))) {
      return oauthError(v, 'access_denied', 65004, AADSTS.declined(), { error_subcode: 'cancel' });
    }
    if (!opts.autoConsent) return consentPage(rt, ctx, v, user, needed, cookie);
    // Auto sign-in answers the consent page as the user could: admin-only scopes need someone who may grant them.
    const tenantWide = canGrantTenantWide(rt, user);
    if (!tenantWide && needed.some((n) => n.missing.some((m) => m.type === 'Admin'))) {
      return oauthError(v, 'access_denied', 90094, AADSTS.adminApproval());
    }
    grant(rt, v, user, needed, tenantWide);
  }
  // Conditional Access looks at the resource the code's token is for: the first one (further resources in the scope
  // string, as extraScopesToConsent adds them, are only consented to).
  const mfa = rt.mfaPending(user, resourceAppIds(rt, v.params.get('scope') ?? '', user.tenantId).slice(0, 1));
  if (mfa) {
    if (v.params.get('prompt') === 'none') {
      return oauthError(v, 'interaction_required', 50076, AADSTS.mfaRequired(mfa), {
        suberror: 'basic_action',
      });
    }
    // An interactive sign-in: the user completes the second factor here (the emulator shows no page for it).
    rt.mfaDone.add(`${user.id}|${mfa}`);
  }
  return issueCode(rt, v, user, cookie);
}

function newSession(rt: Runtime, user: User): string {
  const id = opaque(24);
  rt.sessions.set(id, { id, userId: user.id, createdAt: rt.now() });
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=None`;
}

function issueCode(rt: Runtime, v: Validated, user: User, cookie: string | undefined): Reply {
  const code = `1.${opaque(120)}`;
  const session = [...rt.sessions.values()].find((s) => s.userId === user.id);
  const sid = session ? sidOf(session.id) : randomUUID();
  rt.codes.set(code, {
    clientId: v.client.appId,
    redirectUri: v.redirectUri,
    redirectKind: v.redirectKind,
    codeChallenge: v.params.get('code_challenge') ?? '',
    codeChallengeMethod: v.params.get('code_challenge_method') ?? 'plain',
    scopes: (v.params.get('scope') ?? '').split(/\s+/).filter(Boolean),
    userId: user.id,
    tenantId: user.tenantId,
    nonce: v.params.get('nonce'),
    sid,
    expiresAt: rt.now() + CODE_LIFETIME_MS,
  });
  const values: Record<string, string> = { code };
  if (v.params.get('client_info') === '1') values.client_info = clientInfo(user);
  values.session_state = sid;
  return respond(v, values, cookie ? { 'set-cookie': cookie } : {});
}

/** `sid` claim / `session_state`: a GUID derived from the session so it is stable for the session's life. */
function sidOf(sessionId: string): string {
  const hex = Buffer.from(sessionId, 'base64url').toString('hex').padEnd(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function grant(rt: Runtime, v: Validated, user: User, needed: Needed[], tenantWide: boolean): void {
  for (const n of needed) {
    const existing = rt.world.grants.find(
      (g) =>
        g.tenantId === user.tenantId &&
        g.clientAppId === v.client.appId &&
        g.resourceAppId === n.resource.appId &&
        g.consentType === (tenantWide ? 'AllPrincipals' : 'Principal') &&
        (tenantWide || g.principalId === user.id),
    );
    const values = n.missing.map((m) => m.value);
    if (existing) existing.scopes = [...new Set([...existing.scopes, ...values])];
    else
      rt.world.grants.push({
        id: randomUUID(),
        tenantId: user.tenantId,
        clientAppId: v.client.appId,
        resourceAppId: n.resource.appId,
        consentType: tenantWide ? 'AllPrincipals' : 'Principal',
        principalId: tenantWide ? null : user.id,
        scopes: values,
      });
  }
  // Consenting creates the client's service principal ("enterprise application") in the user's tenant.
  if (!rt.servicePrincipal(user.tenantId, v.client.appId)) {
    rt.world.servicePrincipals.push({
      ...servicePrincipalFor(v.client, user.tenantId, rt.now()),
      id: randomUUID(),
      replicatedAt: 0,
    });
  }
}

function consentPage(
  rt: Runtime,
  ctx: Ctx,
  v: Validated,
  user: User,
  needed: Needed[],
  cookie: string | undefined,
): Reply {
  const txn = stash(rt, v);
  rt.pending.get(txn)?.set('__user', user.id);
  const adminConsent = isAdminConsent(v);
  const needsAdmin = adminConsent || needed.some((n) => n.missing.some((m) => m.type === 'Admin'));
  const canGrant = canGrantTenantWide(rt, user);
  const publisher = rt.tenantById(v.client.tenantId);
  const list = needed
    .flatMap((n) =>
      n.missing.map(
        (m) =>
          `<li><strong>${escapeHtml(m.display)}</strong> <small>(${escapeHtml(n.resource.displayName)}: ${escapeHtml(m.value)}${m.type === 'Admin' ? ', admin consent required' : ''})</small><div class="desc">${escapeHtml(m.description)}</div></li>`,
      ),
    )
    .join('');
  const action = escapeHtml(`${ctx.base}/${v.segment}/oauth2/v2.0/authorize/consent`);
  const headers: Record<string, string> = cookie ? { 'set-cookie': cookie } : {};
  if (needsAdmin && !canGrant) {
    return html(
      200,
      page(
        'Need admin approval',
        `<p class="upn">${escapeHtml(user.userPrincipalName)}</p>
<h1>Need admin approval</h1>
<p><strong>${escapeHtml(v.client.displayName)}</strong> needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<ul class="perms">${list}</ul>
<form method="POST" action="${action}"><input type="hidden" name="txn" value="${escapeHtml(txn)}">
<div class="buttons"><button class="secondary" type="submit" name="decision" value="approval-required">Return to the application without granting consent</button></div></form>`,
      ),
      headers,
    );
  }
  return html(
    200,
    page(
      'Permissions requested',
      `<p class="upn">${escapeHtml(user.userPrincipalName)}</p>
<h1>Permissions requested</h1>
<p><strong>${escapeHtml(v.client.displayName)}</strong><br><small>${escapeHtml(publisher?.domains[1] ?? 'unverified')} · unverified publisher</small></p>
<p>This app would like to:</p>
<ul class="perms">${list}</ul>
<form method="POST" action="${action}"><input type="hidden" name="txn" value="${escapeHtml(txn)}">
${adminConsent ? `<input type="hidden" name="tenant_wide" value="1"><p><strong>You are granting these permissions for everyone in ${escapeHtml(rt.tenantById(user.tenantId)?.displayName ?? 'your organization')}.</strong></p>` : canGrant ? `<p><label><input type="checkbox" name="tenant_wide" value="1"${needsAdmin ? ' checked' : ''}> Consent on behalf of your organization</label><br><small>Grants these permissions for everyone in ${escapeHtml(rt.tenantById(user.tenantId)?.displayName ?? 'your organization')}; no one will be asked again.${needsAdmin ? ' Permissions marked "admin consent required" can only be granted this way.' : ''}</small></p>` : ''}
<p><small>Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</small></p>
<div class="buttons"><button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
<button class="primary" type="submit" name="decision" value="accept">Accept</button></div></form>`,
    ),
    headers,
  );
}

/** POST from the consent page. */
export function consent(rt: Runtime, ctx: Ctx): Reply {
  const r = restore(rt, ctx);
  if ('status' in r) return r;
  const txn = r.form.get('txn') ?? '';
  const user = rt.user(rt.pending.get(txn)?.get('__user') ?? '');
  rt.pending.delete(txn);
  if (!user)
    return html(
      400,
      errorPage(90014, 'The sign-in request expired. Start again from the application.', ctx.requestId),
    );
  const decision = r.form.get('decision');
  if (decision === 'approval-required')
    return oauthError(r.v, 'access_denied', 90094, AADSTS.adminApproval());
  const adminConsent = isAdminConsent(r.v);
  if (decision !== 'accept') {
    return oauthError(r.v, 'access_denied', 65004, AADSTS.declined(), {
      error_subcode: 'cancel',
      ...(adminConsent ? { admin_consent: 'False' } : {}),
    });
  }
  const needed = missingConsent(rt, r.v, user, r.v.params.get('prompt') === 'consent' || adminConsent);
  const tenantWide = (r.form.get('tenant_wide') === '1' || adminConsent) && canGrantTenantWide(rt, user);
  if ((adminConsent || needed.some((n) => n.missing.some((m) => m.type === 'Admin'))) && !tenantWide) {
    // Admin-only scopes can only be granted for the whole organisation.
    return oauthError(r.v, 'access_denied', 90094, AADSTS.adminApproval());
  }
  grant(rt, r.v, user, needed, tenantWide);
  if (adminConsent) {
    return respond(r.v, {
      admin_consent: 'True',
      tenant: user.tenantId,
      scope: r.v.params.get('scope') ?? '',
    });
  }
  return issueCode(rt, r.v, user, undefined);
}

function isAdminConsent(v: Validated): boolean {
  return v.params.get('__adminconsent') === '1';
}

/**
 * `/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state`: an administrator grants the scopes for the whole
 * organisation; the app gets `admin_consent=True&tenant=…&scope=…&state=…` (or `error=access_denied`).
 */
export function adminConsent(rt: Runtime, ctx: Ctx, segment: string): Reply {
  const params = new URLSearchParams(ctx.url.searchParams);
  params.set('__adminconsent', '1');
  params.delete('response_mode');
  const v = validate(rt, ctx, segment, params);
  if ('status' in v) return v;
  const scopeCheck = checkScopes(rt, v);
  if (scopeCheck) return scopeCheck;
  const session = rt.sessions.get(parseCookies(ctx)[SESSION_COOKIE] ?? '');
  const sessionUser = session ? rt.user(session.userId) : undefined;
  if (sessionUser && fitsTenant(rt, segment, sessionUser)) return continueAs(rt, ctx, v, sessionUser, {});
  return pickAccount(rt, ctx, v);
}

export function logout(rt: Runtime, ctx: Ctx): Reply {
  const sessionId = parseCookies(ctx)[SESSION_COOKIE];
  if (sessionId) rt.sessions.delete(sessionId);
  const clear = `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`;
  const target = ctx.url.searchParams.get('post_logout_redirect_uri');
  const state = ctx.url.searchParams.get('state');
  const registered = rt.world.applications.some((a) =>
    [...a.spa.redirectUris, ...a.web.redirectUris, ...a.publicClient.redirectUris].includes(target ?? ''),
  );
  if (target && registered) {
    const sep = target.includes('?') ? '&' : '?';
    return redirect(state ? `${target}${sep}state=${encodeURIComponent(state)}` : target, {
      'set-cookie': clear,
    });
  }
  return html(
    200,
    page(
      'Signed out',
      "<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
    ),
    { 'set-cookie': clear },
  );
}
