import type { Runtime } from '../core.ts';
import { html, type Ctx, type Reply } from '../http.ts';
import { adminConsent, authorize, consent, logout, selectAccount } from './authorize.ts';
import { aadstsError } from './errors.ts';
import { instanceDiscovery, jwks, openIdConfiguration } from './metadata.ts';
import { errorPage } from './pages.ts';
import { tokenEndpoint } from './token.ts';

/** Entra ID v2 endpoints, addressed as `/{tenant}/…` like login.microsoftonline.com. */
export async function entra(rt: Runtime, ctx: Ctx): Promise<Reply> {
  const parts = ctx.url.pathname.split('/').filter(Boolean);
  const [segment = '', ...rest] = parts;
  const tail = `/${rest.join('/')}`;
  const m = ctx.method;
  if (m === 'GET' && tail === '/v2.0/.well-known/openid-configuration')
    return openIdConfiguration(rt, ctx, segment, true);
  if (m === 'GET' && tail === '/.well-known/openid-configuration')
    return openIdConfiguration(rt, ctx, segment, false);
  if (m === 'GET' && (tail === '/discovery/v2.0/keys' || tail === '/discovery/keys')) return jwks(rt);
  if (m === 'GET' && tail === '/discovery/instance') return instanceDiscovery(ctx);
  if (m === 'GET' && tail === '/oauth2/v2.0/authorize') return authorize(rt, ctx, segment);
  if (m === 'POST' && tail === '/oauth2/v2.0/authorize/select') return selectAccount(rt, ctx);
  if (m === 'POST' && tail === '/oauth2/v2.0/authorize/consent') return consent(rt, ctx);
  if (m === 'POST' && tail === '/oauth2/v2.0/token') return tokenEndpoint(rt, ctx, segment);
  if (m === 'GET' && tail === '/oauth2/v2.0/logout') return logout(rt, ctx);
  if (m === 'GET' && tail === '/v2.0/adminconsent') return adminConsent(rt, ctx, segment);
  if (tail === '/oauth2/v2.0/token') {
    return aadstsError(
      405,
      'invalid_request',
      900561,
      'The endpoint only accepts POST requests. Received a GET request.',
    );
  }
  return html(
    404,
    errorPage(
      90002,
      `The page ${ctx.url.pathname} does not exist on this emulated authority.`,
      ctx.requestId,
    ),
  );
}
