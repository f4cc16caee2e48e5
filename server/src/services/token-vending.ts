import type { ConnectionTokenResponse } from '@kantiv/shared/connections';
import { HttpError } from '../lib/http-error.ts';
import { VaultError } from '../vault/vault.ts';
import type { Actor, Audit } from './audit.ts';
import type { CredentialStore } from './credentials.ts';
import { appCredential, MicrosoftError, type MicrosoftClient } from './microsoft.ts';
import type { Setups } from './setups/service.ts';

// Hand out a cached token only while it has this much life left, so callers never receive one about to expire.
const MIN_REMAINING_MS = 5 * 60_000;

/** Dataverse access tokens for a verified connection, minted with the sealed credential; the secret stays here. */
export function createTokenVending(deps: {
  setups: Setups;
  credentials: CredentialStore;
  microsoft: MicrosoftClient;
  audit: Audit;
  /**
   * Whether a credential was switched away from by a certificate rotation: a token it minted while the switch
   * committed is still good (the old key stays on the application until after the switch), so the caller gets it.
   */
  rotatedAway?: (credentialId: string) => Promise<boolean>;
}) {
  const cache = new Map<
    string,
    { credentialId: string; token: ConnectionTokenResponse; expiresAtMs: number }
  >();

  return {
    async issue(setupId: string, actor: Actor): Promise<ConnectionTokenResponse> {
      const usable = async () => {
        const setup = await deps.setups.getRow(setupId);
        // Gone for good: the credential was shredded (decision 018), so no retry can ever succeed.
        if (setup.state === 'disconnected')
          throw new HttpError(410, 'setup_disconnected', 'This connection was disconnected.');
        if (setup.state === 'revoked')
          throw new HttpError(409, 'setup_revoked', 'This connection was revoked.');
        if (setup.state !== 'verified')
          throw new HttpError(409, 'conflict', `This connection is ${setup.state}, not verified.`);
        const active = await deps.credentials.active(setupId);
        if (!active) throw new HttpError(409, 'conflict', 'This connection has no credential.');
        return active;
      };
      const active = await usable();
      const hit = cache.get(setupId);
      let token: ConnectionTokenResponse;
      let cached = false;
      if (hit && hit.credentialId === active.id && hit.expiresAtMs - Date.now() > MIN_REMAINING_MS) {
        token = hit.token;
        cached = true;
      } else {
        try {
          const opened = await deps.credentials.reveal(active.id, 'token', actor);
          const t = await deps.microsoft.acquireAppToken({
            tenantId: active.tenant_id,
            clientId: active.client_id,
            credential: appCredential(opened.credential, opened.secret),
            resource: active.environment_url,
          });
          token = {
            accessToken: t.accessToken,
            tokenType: 'Bearer',
            expiresAt: t.expiresAt.toISOString(),
            resource: active.environment_url,
          };
          // A revoke (or a new hand-off) while Microsoft answered: the token minted for the old state is dropped.
          const current = (await usable()).id;
          if (current === active.id)
            cache.set(setupId, { credentialId: active.id, token, expiresAtMs: t.expiresAt.getTime() });
          else if (!(await deps.rotatedAway?.(active.id)))
            throw new HttpError(409, 'conflict', 'The connection changed; ask again.');
        } catch (err) {
          if (err instanceof VaultError)
            throw new HttpError(
              409,
              'credential_rejected',
              'The stored credential failed its integrity check and was not used.',
            );
          if (err instanceof MicrosoftError)
            throw new HttpError(
              503,
              'service_unavailable',
              `Microsoft refused the token request (${err.code}).`,
            );
          throw err;
        }
      }
      await deps.audit.record(actor, { action: 'connection.token_issued', setupId, details: { cached } });
      return token;
    },
    forget(setupId: string): void {
      cache.delete(setupId);
    },
  };
}
