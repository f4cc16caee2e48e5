import type { i18n as I18n } from 'i18next';
import type { Blocker } from '@kantiv/provisioning';
import type { EnvironmentClaim } from '@kantiv/shared/environment-claims';

/** Environment URLs compare by origin, as the server compares them. */
export const claimKey = (url: string): string => {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
};

/** A claim counts for the tenant's Kantiv app as the wizard found it (none: nothing of it is connected). */
export const sameApp = (claimed: string | null, found: string | undefined): boolean =>
  !!claimed && !!found && claimed.toLowerCase() === found.toLowerCase();

/**
 * The blocker for an environment another setup's working connection holds: our words in the page's language (the
 * engine's catalog code), the English ones for support, as every engine blocker carries them.
 */
export function alreadyConnectedBlocker(
  i18n: I18n,
  name: string,
  claim: EnvironmentClaim | undefined,
  support: { name: string; email: string },
): Blocker {
  const en = i18n.getFixedT('en');
  // The date travels as the server wrote it (ISO); each language writes it its own way (engineWords, Intl).
  const params = {
    name,
    by: claim?.connectedBy ?? '—',
    date: claim?.connectedAt ?? '—',
    support: support.name,
    email: support.email,
  };
  const english = { ...params, ...(claim ? { date: new Date(claim.connectedAt) } : {}) };
  return {
    code: 'environment_already_connected',
    message: en('engine.environment_already_connected.message', english),
    fix: en('engine.environment_already_connected.fix', english),
    text: { key: 'environment_already_connected', params },
  };
}
