import type { TFunction } from 'i18next';
import type { AdminSignInProblem } from '../hooks/use-admin-sign-in.ts';

/** Server and MSAL codes whose explanation the catalogs hold; any other problem keeps its own (English) words. */
const KNOWN = new Set([
  'tenant_mismatch',
  'invalid_id_token',
  'unknown_tenant_domain',
  'sign_in_unconfirmed',
]);

/**
 * A sign-in problem in the page's language, found by its code (`lang` says which language the words are in, for
 * screen readers and for the check that no English is left on a translated page).
 */
export function signInProblemWords(
  problem: AdminSignInProblem,
  t: TFunction,
): { text: string; lang: string | undefined } {
  if (problem.kind === 'cancelled' || problem.kind === 'busy' || problem.kind === 'consent')
    return { text: t(`signInProblem.${problem.kind}`), lang: undefined };
  if (KNOWN.has(problem.code)) return { text: t(`signInProblem.${problem.code}`), lang: undefined };
  if (problem.kind === 'other' && problem.message.startsWith('Microsoft sign-in failed'))
    return { text: t('signInProblem.failed', { code: problem.code }), lang: undefined };
  return { text: problem.message, lang: 'en' };
}
