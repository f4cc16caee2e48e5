import type { Runtime } from './core.ts';
import { escapeHtml, html, type Ctx, type Reply } from './http.ts';
import { SEED } from './seed.ts';
import { page } from './entra/pages.ts';
import { sha256Base64url } from './tokens.ts';

/** A fixed PKCE pair for the "try it" link: this page only demonstrates the sign-in and consent screens. */
const DEMO_VERIFIER = 'kantiv-emulator-demo-verifier-0123456789-abcdefghijklmnop';

export function demoCallbackUri(origin: string): string {
  return `${origin}/_emulator/callback`;
}

export function homePage(rt: Runtime, ctx: Ctx): Reply {
  const authorize = new URL(`${ctx.origin}/organizations/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: SEED.apps.wizard.appId,
    response_type: 'code',
    redirect_uri: demoCallbackUri(ctx.origin),
    response_mode: 'query',
    scope:
      'https://graph.microsoft.com/Application.ReadWrite.All https://globaldisco.crm.dynamics.com/user_impersonation openid profile offline_access',
    state: 'demo',
    nonce: 'demo',
    prompt: 'select_account',
    code_challenge: sha256Base64url(DEMO_VERIFIER),
    code_challenge_method: 'S256',
  }).toString();
  const tenants = rt.world.tenants
    .map(
      (t) =>
        `<li><strong>${escapeHtml(t.displayName)}</strong> — <code>${t.id}</code> (${t.domains.map(escapeHtml).join(', ')})</li>`,
    )
    .join('');
  const envs = rt.world.environments
    .map((e) => `<li>${escapeHtml(e.friendlyName)} — <code>${escapeHtml(e.url)}</code></li>`)
    .join('');
  return html(
    200,
    page(
      'Kantiv Microsoft cloud emulator',
      `<h1>Microsoft cloud emulator</h1>
<p>Emulates Entra ID (login.microsoftonline.com), Microsoft Graph, Global Discovery and Dataverse for Kantiv Connect's tests and demos.</p>
<p><a href="${escapeHtml(authorize.toString())}">Try the sign-in and consent pages</a> as the Kantiv Connect wizard would show them (asks for Graph <code>Application.ReadWrite.All</code> and Dataverse <code>user_impersonation</code>). The first Contoso account has never consented, so the consent page appears; tick nothing and press Cancel to see a declined consent.</p>
<h2 style="font-size:16px">Tenants</h2><ul>${tenants}</ul>
<h2 style="font-size:16px">Dataverse environments</h2><ul>${envs}</ul>
<p><small>Control API: <code>/_emulator/state</code>, <code>/_emulator/scenarios</code>, <code>/_emulator/log</code>.</small></p>`,
    ),
  );
}

export function demoCallback(ctx: Ctx): Reply {
  const q = ctx.url.searchParams;
  const error = q.get('error');
  const body = error
    ? `<h1>The app received an error</h1><p class="error">${escapeHtml(error)}</p><p class="code">${escapeHtml(q.get('error_description') ?? '')}</p>`
    : `<h1>Signed in</h1><p>The app received an authorization code (state <code>${escapeHtml(q.get('state') ?? '')}</code>). A real app would now redeem it at the token endpoint.</p>`;
  return html(200, page('Back at the app', `${body}<p><a href="/">Back to the emulator home</a></p>`));
}
