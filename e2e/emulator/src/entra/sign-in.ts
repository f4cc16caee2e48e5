import { randomUUID } from 'node:crypto';
import type { Runtime } from '../core.ts';
import { html, type Ctx, type Reply } from '../http.ts';
import type { User } from '../state.ts';
import { opaque } from '../tokens.ts';
import { clientInfo } from './claims.ts';
import { AADSTS } from './errors.ts';
import { errorPage } from './pages.ts';
import { resourceAppIds } from './scopes.ts';
import { isAdminConsent, oauthError, respond, type Validated } from './authorize-request.ts';
import { canGrantTenantWide, consentPage, grant, missingConsent } from './consent.ts';

/** A signed-in user goes on: consent if needed, Conditional Access, then a session and an authorization code. */

export const SESSION_COOKIE = 'ESTSAUTH';
const CODE_LIFETIME_MS = 10 * 60 * 1000;
export function continueAs(
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

export function issueCode(rt: Runtime, v: Validated, user: User, cookie: string | undefined): Reply {
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
    signedInAt: rt.now(),
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
