import { CancelledError, TokenError, isAbortError } from '../errors.ts';
import type { TokenResource, Transport } from './transport.ts';

export async function getToken(
  transport: Pick<Transport, 'tokens'>,
  resource: TokenResource,
  signal: AbortSignal,
  options?: { fresh?: boolean },
): Promise<string> {
  try {
    return await transport.tokens.getToken(resource, options);
  } catch (err) {
    if (signal.aborted || isAbortError(err)) throw new CancelledError();
    if (err instanceof TokenError) throw err;
    const code =
      typeof err === 'object' && err !== null && 'errorCode' in err && typeof err.errorCode === 'string'
        ? err.errorCode
        : 'token_unavailable';
    const what =
      resource === 'graph'
        ? 'Microsoft Graph'
        : resource === 'discovery'
          ? 'Dynamics 365 Global Discovery'
          : resource.environmentUrl;
    // Keep Entra's AADSTS number (e.g. AADSTS65004 consent declined) so support can look it up.
    // msal-browser v5 keeps its messages terse; the description travels in other fields (`errorMessage`, …).
    const text = [
      err instanceof Error ? err.message : '',
      ...(typeof err === 'object' && err !== null
        ? Object.values(err).filter((v) => typeof v === 'string')
        : []),
    ].join(' ');
    // MSAL's ServerError carries the AADSTS number as `errorNo`.
    const errorNo =
      typeof err === 'object' && err !== null && 'errorNo' in err && /^\d+$/.test(String(err.errorNo))
        ? `AADSTS${String(err.errorNo)}`
        : undefined;
    const aadsts = errorNo ?? /AADSTS\d+/.exec(text)?.[0];
    throw new TokenError(
      code,
      `Could not get a Microsoft sign-in token for ${what}${aadsts ? ` (${aadsts})` : ''}.`,
      aadsts,
    );
  }
}
