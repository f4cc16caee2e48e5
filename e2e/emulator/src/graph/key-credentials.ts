import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { Runtime } from '../core.ts';
import type { Ctx, Reply } from '../http.ts';
import type { KeyCredential } from '../state.ts';
import type { GraphCaller } from './auth.ts';
import type { Body } from './crud.ts';
import { credentialTypeRefused, graphError } from './errors.ts';

/**
 * Certificate credentials of an application: parsing a `keyCredential` from a request, the tenant's app management
 * policy for certificates, and the JSON Graph answers with (`key` only on `$select` of a single object).
 */

const invalidValue = (ctx: Ctx, message: string) =>
  graphError(ctx, 400, 'KeyCredentialsInvalidValue', message);

/** Base64 SHA-1 of the DER, as Entra stores it in `customKeyIdentifier`. */
export function sha1Base64(der: Buffer): string {
  return createHash('sha1').update(der).digest('base64');
}

/** The `x5t` / `x5t#S256` header values (base64url SHA-1 / SHA-256 of the DER) a signer puts on a JWT. */
export function thumbprints(k: KeyCredential): { x5t: string; x5tS256: string; hex: string } {
  const der = Buffer.from(k.key, 'base64');
  const sha1 = createHash('sha1').update(der).digest();
  return {
    x5t: sha1.toString('base64url'),
    hex: sha1.toString('hex').toUpperCase(),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}

/** A key Entra takes now: inside its validity and replicated to the token service. */
export function isCurrent(rt: Runtime, k: KeyCredential): boolean {
  const now = rt.now();
  return Date.parse(k.startDateTime) <= now && now < Date.parse(k.endDateTime) && now >= k.usableAt;
}

/** A new certificate from a request body; the caller applies the tenant policy with {@link policyProblem}. */
export function parseNewKey(rt: Runtime, ctx: Ctx, raw: Body, tenantId: string): KeyCredential | Reply {
  if (
    raw.type !== 'AsymmetricX509Cert' ||
    raw.usage !== 'Verify' ||
    typeof raw.key !== 'string' ||
    !raw.key
  ) {
    return invalidValue(ctx, 'Key credential type or usage is not supported, or the key is missing.');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(raw.key, 'base64'));
  } catch {
    return invalidValue(ctx, 'Key credential key is not a valid base64 encoded X509 certificate.');
  }
  const der = Buffer.from(cert.raw);
  return {
    keyId: typeof raw.keyId === 'string' ? raw.keyId : randomUUID(),
    displayName:
      typeof raw.displayName === 'string'
        ? raw.displayName.slice(0, 90)
        : `CN=${cert.subject.replace(/^CN=/, '')}`,
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: der.toString('base64'),
    customKeyIdentifier: sha1Base64(der),
    startDateTime: new Date(cert.validFrom).toISOString(),
    endDateTime: new Date(cert.validTo).toISOString(),
    // Like secrets, a new certificate reaches the token service only after replication.
    usableAt: rt.now() + rt.replicationDelayMs(tenantId),
  };
}

/** The tenant's app management policy for certificates (`trustedCertificateAuthority`, `asymmetricKeyLifetime`). */
export function policyProblem(rt: Runtime, ctx: Ctx, caller: GraphCaller, k: KeyCredential): Reply | null {
  const who = rt.who(caller.user, caller.tenant.id);
  if (rt.scenarios.has('certificate-credentials-blocked', who)) {
    return credentialTypeRefused(ctx, 'Asymmetric key');
  }
  const caps = rt.scenarios.find('certificate-lifetime-capped', who).map((s) => s.maxDays);
  if (caps.length === 0) return null;
  const lifetime = Date.parse(k.endDateTime) - Date.parse(k.startDateTime);
  if (lifetime > Math.min(...caps) * 86400_000) {
    return graphError(
      ctx,
      400,
      'CredentialInvalidLifetimeAsPerAppPolicy',
      'Credential lifetime exceeds the max value allowed as per assigned policy.',
    );
  }
  return null;
}

/**
 * PATCH keyCredentials replaces the whole collection: a certificate left out is removed. Graph reads never show
 * `key` except on `$select=keyCredentials` of a single object, so a client keeps a certificate by sending back the
 * `key` it read that way; an entry without `key` is refused, even with a known keyId.
 */
export function parseKeyCollection(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  value: unknown,
  existing: KeyCredential[],
): { list: KeyCredential[] } | Reply {
  if (!Array.isArray(value))
    return graphError(
      ctx,
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'keyCredentials' of resource 'Application'.",
    );
  const out: KeyCredential[] = [];
  for (const raw of value as Body[]) {
    const parsed = parseNewKey(rt, ctx, raw, caller.tenant.id);
    if ('status' in parsed) return parsed;
    const same = existing.find(
      (k) => k.key === parsed.key && (typeof raw.keyId !== 'string' || k.keyId === raw.keyId),
    );
    // K2: the collection is replaced by what is sent. A certificate sent back keeps its keyId and dates, but its
    // name is the one sent (absent: the certificate's subject, as for a new key), so a client that drops it loses it.
    if (same) {
      out.push({ ...same, displayName: parsed.displayName });
      continue;
    }
    const problem = policyProblem(rt, ctx, caller, parsed);
    if (problem) return problem;
    out.push(parsed);
  }
  return { list: out };
}

export function keyCredentialJson(k: KeyCredential, withKey: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: k.customKeyIdentifier,
    displayName: k.displayName,
    endDateTime: k.endDateTime,
    key: withKey ? k.key : null,
    keyId: k.keyId,
    startDateTime: k.startDateTime,
    type: k.type,
    usage: k.usage,
  };
}

/** Whether a GET of a single object asked for `keyCredentials` in `$select` (the only way to read `key`). */
export function selectsKeyCredentials(ctx: Ctx): boolean {
  const select = ctx.url.searchParams.get('$select') ?? '';
  return select
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .includes('keycredentials');
}
