import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SetupRow } from './repository.ts';

/**
 * The nonce the wizard's Microsoft sign-in must carry: an HMAC of the setup id keyed with the hash of the setup's
 * current invite token (held by the server only). An ID token minted for another setup, or under an invite link that
 * has since been replaced, carries another nonce and cannot bind this setup.
 */
export function signInNonce(setup: Pick<SetupRow, 'id' | 'token_hash'>): string {
  return createHmac('sha256', setup.token_hash ?? '')
    .update(`kantiv-connect wizard sign-in v1\n${setup.id}`)
    .digest('base64url');
}

export function nonceMatches(setup: Pick<SetupRow, 'id' | 'token_hash'>, nonce: unknown): boolean {
  if (typeof nonce !== 'string' || !setup.token_hash) return false;
  const want = Buffer.from(signInNonce(setup));
  const got = Buffer.from(nonce);
  return want.length === got.length && timingSafeEqual(want, got);
}
