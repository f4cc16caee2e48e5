import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';

/**
 * How often an open event stream asks whether the API key that opened it still works. A revoke on this instance is
 * seen at the next check (the key cache forgets the key); on another instance within the key cache's lifetime more.
 */
export const STREAM_KEY_RECHECK_MS = 2_000;

/**
 * An event stream outlives the request that authorized it, so it is held to the same credential for as long as it
 * is open: it ends when the staff access token expires (`exp`, already verified by the auth hook) or when the API
 * key is revoked. Returns the function that stops watching (call it when the stream closes).
 */
export function endStreamWithCredential(
  app: FastifyInstance,
  request: FastifyRequest,
  end: () => void,
): () => void {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const caller = request.caller;
  let timer: NodeJS.Timeout | undefined;
  if (token && caller?.kind === 'staff') {
    const exp = decodeJwt(token).exp;
    // A token without `exp` never passed the auth hook; end at once rather than never.
    timer = setTimeout(end, exp === undefined ? 0 : Math.max(0, exp * 1000 - Date.now()));
  } else if (token && caller?.kind === 'api_key') {
    timer = setInterval(() => {
      app.apiKeys.authenticate(token).then(
        (key) => {
          if (!key) end();
        },
        // The database is briefly unreachable: keep the stream, the next check decides.
        () => undefined,
      );
    }, STREAM_KEY_RECHECK_MS);
  }
  timer?.unref();
  return () => clearTimeout(timer);
}
