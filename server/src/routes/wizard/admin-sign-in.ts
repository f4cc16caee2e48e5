import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { HttpError } from '../../lib/http-error.ts';
import { ID_TOKEN_MAX_AGE_SECONDS, TokenRejected, type AdminIdentity } from '../../services/identity.ts';
import type { SetupRow } from '../../services/setups/repository.ts';
import { nonceMatches } from '../../services/setups/sign-in-nonce.ts';
import { TenantLookupUnavailable } from '../../services/tenant-directory.ts';

const unavailable = () =>
  new HttpError(503, 'service_unavailable', 'Microsoft sign-in cannot be checked right now; retry shortly.');

/**
 * Everything the server checks before an admin's Microsoft sign-in may bind a setup: the ID token's signature,
 * audience and issuer; that it was requested for this setup (its nonce) and recently (`iat`); and that its tenant
 * (`tid`) is the one the setup is bound to or, for a setup that names an expected domain, the tenant Entra says owns
 * that domain. Usernames and `email` claims never decide: a user can choose them, a tenant id they cannot.
 */
export async function checkAdminSignIn(
  app: FastifyInstance,
  setup: SetupRow,
  idToken: string,
  log: FastifyBaseLogger,
  // Support sees a refused sign-in (who, which tenant, why) before the admin sees the refusal.
  onWrongTenant: (identity: AdminIdentity, reason: string) => Promise<void> = async () => {},
): Promise<AdminIdentity & { domain: string | undefined }> {
  let identity: AdminIdentity;
  try {
    identity = await app.verifyIdToken(idToken);
  } catch (err) {
    if (err instanceof TokenRejected)
      throw new HttpError(
        400,
        'invalid_id_token',
        err.reason === 'stale'
          ? `This Microsoft sign-in is older than ${ID_TOKEN_MAX_AGE_SECONDS / 60} minutes. Sign in again.`
          : 'The Microsoft sign-in could not be verified. Sign in again.',
      );
    log.warn({ err: (err as Error).message }, 'Microsoft keys unavailable');
    throw unavailable();
  }
  if (!nonceMatches(setup, identity.nonce))
    throw new HttpError(
      400,
      'invalid_id_token',
      'This Microsoft sign-in was not started from this invite. Sign in again.',
    );
  if (setup.tenant_id && setup.tenant_id !== identity.tenantId) {
    await onWrongTenant(identity, `the setup is bound to tenant ${setup.tenant_id}`);
    throw new HttpError(
      403,
      'tenant_mismatch',
      'You signed in to a different Microsoft tenant than the one this setup started with.',
    );
  }
  const expected = setup.expected_tenant_domain;
  if (expected) {
    let owner;
    try {
      owner = await app.tenantDirectory.resolve(expected);
    } catch (err) {
      if (!(err instanceof TenantLookupUnavailable)) throw err;
      log.warn({ err: err.message }, 'tenant lookup unavailable');
      throw unavailable();
    }
    if (owner.kind === 'unknown')
      throw new HttpError(
        409,
        'unknown_tenant_domain',
        `This invite names the organization ${expected}, but Microsoft knows no organization with that domain. Ask Kantiv to check the invite.`,
      );
    if (owner.tenantId !== identity.tenantId) {
      await onWrongTenant(identity, `the invite expects an account of ${expected}`);
      throw new HttpError(
        403,
        'tenant_mismatch',
        `Kantiv expects an account of ${expected}; you signed in as ${identity.username}, an account of another organization. Sign in with an admin account of ${expected}.`,
      );
    }
  }
  // For display only: the expected domain when there is one (proven above), else the username's.
  const fromUsername = identity.username.includes('@')
    ? identity.username.split('@').pop()?.toLowerCase()
    : undefined;
  return { ...identity, domain: expected ?? fromUsername };
}
