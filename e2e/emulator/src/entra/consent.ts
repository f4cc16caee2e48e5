import { randomUUID } from 'node:crypto';
import type { Resource, Runtime } from '../core.ts';
import { escapeHtml, html, type Ctx, type Reply } from '../http.ts';
import { servicePrincipalFor } from '../seed.ts';
import type { User } from '../state.ts';
import { page } from './pages.ts';
import { expandDefault, parseScopes } from './scopes.ts';
import { isAdminConsent, stash, type Validated } from './authorize-request.ts';

/** What the user (or an administrator, for the whole organisation) is asked to grant, and the grant itself. */

const CONSENT_ADMIN_ROLES = [
  'Global Administrator',
  'Privileged Role Administrator',
  'Cloud Application Administrator',
  'Application Administrator',
];

export interface Needed {
  resource: Resource;
  missing: { value: string; type: 'User' | 'Admin'; display: string; description: string }[];
}

export function missingConsent(rt: Runtime, v: Validated, user: User, force: boolean): Needed[] {
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

export function canGrantTenantWide(rt: Runtime, user: User): boolean {
  if (rt.scenarios.has('admin-consent-required', rt.who(user))) return false;
  return rt.directoryRoles(user).some((r) => CONSENT_ADMIN_ROLES.includes(r));
}

export function grant(rt: Runtime, v: Validated, user: User, needed: Needed[], tenantWide: boolean): void {
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

export function consentPage(
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
