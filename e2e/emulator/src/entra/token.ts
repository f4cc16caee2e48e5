import { tenantSegmentKind, type Runtime } from '../core.ts';
import { header, readForm, type Ctx, type Reply } from '../http.ts';
import type { Tenant } from '../state.ts';
import { AADSTS, aadstsError } from './errors.ts';
import { clientCredentials } from './token-client-credentials.ts';
import { authorizationCode, refreshToken } from './token-user-grants.ts';

/** `/{tenant}/oauth2/v2.0/token`: reads the client and the grant, then hands over to that grant's module. */
export async function tokenEndpoint(rt: Runtime, ctx: Ctx, segment: string): Promise<Reply> {
  const form = readForm(ctx);
  const correlation =
    ctx.url.searchParams.get('client-request-id') ?? header(ctx, 'client-request-id') ?? undefined;
  const fail = (
    status: number,
    error: string,
    code: number,
    message: string,
    extra: Record<string, unknown> = {},
  ) => aadstsError(status, error, code, message, extra, correlation);

  const kind = tenantSegmentKind(segment);
  let tenant: Tenant | undefined;
  if (kind === 'tenant') {
    tenant = rt.tenant(segment);
    if (!tenant) return fail(400, 'invalid_request', 90002, AADSTS.tenantNotFound(segment));
  }
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const basic = header(ctx, 'authorization');
  if (basic?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    clientId ??= decodeURIComponent(id ?? '');
    clientSecret ??= decodeURIComponent(secret ?? '');
  }
  const grantType = form.get('grant_type');
  if (!grantType) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('grant_type'));
  if (!clientId) return fail(400, 'invalid_request', 900144, AADSTS.missingParameter('client_id'));

  switch (grantType) {
    case 'client_credentials':
      if (!tenant) return fail(400, 'invalid_request', 50059, AADSTS.noTenant());
      return clientCredentials(rt, ctx, form, tenant, clientId, clientSecret, fail);
    case 'authorization_code':
      return authorizationCode(rt, ctx, form, tenant, clientId, clientSecret, fail);
    case 'refresh_token':
      return refreshToken(rt, ctx, form, tenant, clientId, fail);
    default:
      return fail(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
  }
}
