import { ApiClientError } from '../../../lib/api-client.ts';
import { runTraceparent } from '../lib/run-trace.ts';
import { getSetupToken } from '../lib/setup-token.ts';

/**
 * Every wizard endpoint is authorised by the invite's setup token, sent as a bearer token (never in a URL). The
 * run's `traceparent` goes along, so the server's traces of this run share its trace id (see run-trace.ts).
 */
export function setupTokenHeaders(): Record<string, string> {
  const token = getSetupToken();
  if (!token) {
    throw new ApiClientError(401, 'unauthorized', 'Open the invite link from your email again to continue.');
  }
  return { authorization: `Bearer ${token}`, traceparent: runTraceparent() };
}
