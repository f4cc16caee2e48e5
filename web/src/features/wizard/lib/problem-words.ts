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
 * AADSTS50020: the account that signed in does not exist in the organization whose authority the wizard used (an
 * admin of another organization at the setup's tenant). Microsoft usually shows this on its own page and never comes
 * back (FIDELITY F7-1, F7-2); where it does come back (an MSAL error, e.g. from the token endpoint), it is the
 * wrong-tenant outcome, with the same words and way out as our server's `tenant_mismatch`.
 */
export function wrongTenantProblem(err: unknown): AdminSignInProblem | undefined {
  const e = err as {
    errorCode?: unknown;
    errorMessage?: unknown;
    message?: unknown;
    errorNo?: unknown;
  } | null;
  const text = [e?.errorCode, e?.errorMessage, e?.message, e?.errorNo]
    .filter((x) => typeof x === 'string')
    .join(' ');
  if (!/\bAADSTS50020\b/.test(text) && e?.errorNo !== '50020') return undefined;
  return {
    kind: 'tenant',
    code: 'tenant_mismatch',
    message: 'Microsoft says the account does not exist in the invited organization (AADSTS50020).',
  };
}

/** What the admin reported: Microsoft's window is gone (closed, or left on one of Microsoft's error pages). */
export const windowClosedProblem: AdminSignInProblem = {
  kind: 'cancelled',
  code: 'window_closed',
  message: 'The Microsoft sign-in window was closed before it finished.',
};

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
