import type { Runtime } from './core.ts';
import { header, json, type Ctx, type Reply } from './http.ts';
import { GLOBAL_DISCOVERY_RESOURCE } from './ids.ts';
import { FilterError, evaluate, parseFilter, selectFields } from './odata.ts';
import { claim, verify } from './tokens.ts';

const CONTEXT = 'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/$metadata#Instances';

function gdsError(status: number, code: string, message: string): Reply {
  return json(status, { error: { code, message } });
}

/**
 * Global Discovery `/api/discovery/v2.0/Instances`: the environments where the signed-in user is an enabled user,
 * with `IsUserSysAdmin`. String comparisons in `$filter` are case sensitive, and key lookups still return arrays.
 */
export async function globalDiscovery(rt: Runtime, ctx: Ctx): Promise<Reply> {
  const path = decodeURIComponent(ctx.url.pathname);
  const m =
    /^\/api\/discovery\/v2\.0\/Instances(?:\((?:UniqueName=)?'([^']*)'\)|\(([0-9a-fA-F-]{36})\))?$/.exec(
      path,
    );
  if (!m)
    return gdsError(
      404,
      'NotFound',
      `No HTTP resource was found that matches the request URI '${ctx.url.pathname}'.`,
    );
  if (ctx.method !== 'GET')
    return gdsError(405, 'MethodNotAllowed', 'The requested resource does not support the HTTP method.');
  const auth = header(ctx, 'authorization');
  const verified = auth?.startsWith('Bearer ')
    ? await verify(rt.keys, auth.slice(7), [GLOBAL_DISCOVERY_RESOURCE, `${GLOBAL_DISCOVERY_RESOURCE}/`])
    : null;
  if (!verified) {
    return {
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id=https://globaldisco.crm.dynamics.com/',
      },
      body: '',
    };
  }
  const oid = claim(verified.claims, 'oid');
  const user = rt.user(oid);
  if (!user || verified.claims.idtyp === 'app') return json(200, { '@odata.context': CONTEXT, value: [] });
  const otherTenant = rt.scenarios.has('environment-in-other-tenant', rt.who(user));
  const notAdmin = rt.scenarios.has('admin-not-system-administrator', rt.who(user));
  const instances = rt.world.environments
    .filter((env) => env.tenantId === user.tenantId || otherTenant)
    .map((env) => ({
      env,
      su: env.systemUsers.find((s) => s.azureactivedirectoryobjectid === oid && !s.isdisabled),
    }))
    .filter((x) => x.su !== undefined)
    .map(({ env, su }) => ({
      ApiUrl: env.apiUrl,
      DatacenterId: '00000000-0000-0000-0000-000000000000',
      DatacenterName: null,
      EnvironmentId: env.environmentId,
      FriendlyName: env.friendlyName,
      Id: env.id,
      IsUserSysAdmin:
        !notAdmin &&
        (su?.roleIds ?? []).some((id) => env.roles.find((r) => r.roleid === id)?.allPrivileges === true),
      LastUpdated: '2026-11-01T08:00:00Z',
      OrganizationType: env.organizationType,
      Purpose: env.purpose,
      Region: env.region,
      SchemaType: 'Full',
      // OrganizationState: Enabled = 0, Disabled = 1 (FIDELITY D10): a disabled environment stays listed as disabled.
      State: env.disabled ? 1 : 0,
      StatusMessage: 0,
      TenantId: env.tenantId,
      TrialExpirationDate: null,
      UniqueName: env.uniqueName,
      UrlName: env.urlName,
      Version: env.version,
      Url: env.url,
    }));
  let rows = instances;
  const key = m[1] ?? m[2];
  if (key) rows = rows.filter((i) => i.UniqueName === key || i.Id === key.toLowerCase());
  const filter = ctx.url.searchParams.get('$filter');
  if (filter) {
    try {
      const expr = parseFilter(filter);
      rows = rows.filter((r) => evaluate(expr, r, { caseSensitive: true }));
    } catch (e) {
      if (e instanceof FilterError)
        return gdsError(400, 'BadRequest', `The query specified in the URI is not valid. ${e.message}`);
      throw e;
    }
  }
  const select = ctx.url.searchParams.get('$select');
  return json(
    200,
    {
      '@odata.context': CONTEXT + (select ? `(${select})` : ''),
      value: rows.map((r) => selectFields(r, select)),
    },
    { 'odata-version': '4.0' },
  );
}
