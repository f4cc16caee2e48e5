import { tenantSegmentKind, type Runtime } from '../core.ts';
import { escapeHtml, html, parseCookies, redirect, type Ctx, type Reply } from '../http.ts';
import type { User } from '../state.ts';
import { AADSTS } from './errors.ts';
import { errorPage, page } from './pages.ts';
import {
  checkScopes,
  fitsTenant,
  inTenantOf,
  isAdminConsent,
  oauthError,
  respond,
  restore,
  stash,
  validate,
  type Validated,
} from './authorize-request.ts';
import { canGrantTenantWide, grant, missingConsent } from './consent.ts';
import { continueAs, issueCode, SESSION_COOKIE } from './sign-in.ts';

/** The authorize endpoints: `/authorize`, the account picker, the consent answer, admin consent and logout. */

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
    const found = rt.user(auto.user);
    const user = found ? inTenantOf(rt, segment, found) : undefined;
    if (user && !fitsTenant(rt, segment, user)) return notInTenant(rt, ctx, v, user);
    if (user) return continueAs(rt, ctx, v, user, { autoConsent: true });
  }
  const session = rt.sessions.get(parseCookies(ctx)[SESSION_COOKIE] ?? '');
  const signedIn = session ? rt.user(session.userId) : undefined;
  const sessionUser = signedIn ? inTenantOf(rt, segment, signedIn) : undefined;
  const hint = p.get('login_hint')?.toLowerCase();
  const hintMatches =
    !hint || [sessionUser, signedIn].some((u) => u?.userPrincipalName.toLowerCase() === hint);
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

/**
 * An account of another organization signs in at a tenant's authority (no guest object there): Microsoft shows
 * AADSTS50020 on its own error page and does not send the browser back to the app (FIDELITY F7-1, F7-2).
 */
function notInTenant(rt: Runtime, ctx: Ctx, v: Validated, user: User): Reply {
  const tenant = rt.tenant(v.segment);
  return html(
    400,
    errorPage(
      50020,
      `User account '${user.userPrincipalName}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${tenant?.displayName ?? v.segment}' and cannot access the application '${v.client.appId}'(${v.client.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
      ctx.requestId,
    ),
  );
}

/** POST from the account picker. */
export function selectAccount(rt: Runtime, ctx: Ctx): Reply {
  const r = restore(rt, ctx);
  if ('status' in r) return r;
  const picked = rt.user(r.form.get('user') ?? '');
  const user = picked ? inTenantOf(rt, r.v.segment, picked) : undefined;
  if (user && !fitsTenant(rt, r.v.segment, user)) return notInTenant(rt, ctx, r.v, user);
  if (!user) {
    return html(400, errorPage(50034, 'The user account does not exist in this directory.', ctx.requestId));
  }
  rt.pending.delete(r.form.get('txn') ?? '');
  return continueAs(rt, ctx, r.v, user, {
    forceConsent: r.v.params.get('prompt') === 'consent',
    newSession: true,
  });
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
  const signedIn = session ? rt.user(session.userId) : undefined;
  const sessionUser = signedIn ? inTenantOf(rt, segment, signedIn) : undefined;
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
