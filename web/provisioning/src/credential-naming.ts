import { SECRET_DISPLAY_NAME } from '@kantiv/shared/naming';

/**
 * The name of one setup's client secret on the tenant's shared app (decision 010): every setup of a tenant shares
 * the app, so a run may only keep, replace and clean up secrets of its own setup. Without an owner (the bench, older
 * callers) it is the plain name, as before.
 */
export function setupSecretName(owner: string | undefined): string {
  const short = owner?.replace(/-/g, '').slice(0, 8).toLowerCase();
  return short ? `${SECRET_DISPLAY_NAME} (setup ${short})` : SECRET_DISPLAY_NAME;
}
