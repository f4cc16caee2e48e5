import { CERTIFICATE_DISPLAY_NAME, SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';

/**
 * The name of one setup's client secret on the tenant's shared app (decision 010): every setup of a tenant shares
 * the app, so a run may only keep, replace and clean up secrets of its own setup. Without an owner (the bench, older
 * callers) it is the plain name, as before.
 */
export function setupSecretName(owner: string | undefined): string {
  return ownedName(SECRET_DISPLAY_NAME, owner);
}

/** The same rule for the setup's certificate in `keyCredentials`: only certificates with it are this run's. */
export function setupCertificateName(owner: string | undefined): string {
  return ownedName(CERTIFICATE_DISPLAY_NAME, owner);
}

function ownedName(base: string, owner: string | undefined): string {
  const short = owner?.replace(/-/g, '').slice(0, 8).toLowerCase();
  return short ? `${base} (setup ${short})` : base;
}
