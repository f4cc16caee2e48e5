import type { HttpClient } from '../lib/http-client.ts';

export type TenantLookup = { kind: 'found'; tenantId: string } | { kind: 'unknown' };

/** Microsoft could not be asked (network, 5xx, an answer we cannot read): never the caller's fault, never cached. */
export class TenantLookupUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantLookupUnavailable';
  }
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Found tenants change owner rarely; an unknown domain may be added to a tenant any minute, so it is kept shorter. */
const FOUND_TTL_MS = 10 * 60_000;
const UNKNOWN_TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;

/**
 * Which Entra tenant a verified domain belongs to, from Entra's public OpenID configuration for that domain
 * (`<authority>/<domain>/v2.0/.well-known/openid-configuration`): a tenant-specific document carries the tenant id
 * in `issuer` and every endpoint. A domain no tenant has verified answers 400 `invalid_tenant` (AADSTS90002). This
 * is what makes "the expected tenant" a tenant id we compare with the ID token's `tid`, instead of a username or an
 * `email` claim the signed-in user can choose. Asked through our HTTP client, so MICROSOFT_HOST_MAP and the
 * resolver seam apply; answers are cached briefly, failures not at all.
 */
export function createTenantDirectory(deps: { authorityHost: string; http: HttpClient; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { answer: TenantLookup; until: number }>();

  async function ask(domain: string): Promise<TenantLookup> {
    const url = `${deps.authorityHost}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`;
    let res;
    try {
      res = await deps.http.request(url, { timeoutMs: 10_000 });
    } catch (err) {
      throw new TenantLookupUnavailable(`tenant lookup for ${domain}: ${(err as Error).message}`);
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (res.status === 400 && body?.error === 'invalid_tenant') return { kind: 'unknown' };
    if (res.status !== 200 || !body)
      throw new TenantLookupUnavailable(`tenant lookup for ${domain} answered ${res.status}`);
    // `issuer` is `<authority>/<tid>/v2.0`; `token_endpoint` carries the same id (read it when issuer lacks one).
    const fromIssuer = typeof body.issuer === 'string' ? GUID.exec(body.issuer)?.[0] : undefined;
    const fromToken =
      typeof body.token_endpoint === 'string' ? GUID.exec(body.token_endpoint)?.[0] : undefined;
    const tenantId = fromIssuer ?? fromToken;
    if (!tenantId)
      throw new TenantLookupUnavailable(`tenant lookup for ${domain}: no tenant id in the answer`);
    return { kind: 'found', tenantId: tenantId.toLowerCase() };
  }

  return {
    async resolve(domain: string): Promise<TenantLookup> {
      const key = domain.toLowerCase();
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.answer;
      const answer = await ask(key);
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.delete(key);
      cache.set(key, { answer, until: now() + (answer.kind === 'found' ? FOUND_TTL_MS : UNKNOWN_TTL_MS) });
      return answer;
    },
  };
}
export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
