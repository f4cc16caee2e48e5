import { createHash } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { HttpClient } from '../../lib/http-client.ts';
import { MicrosoftError } from '../microsoft.ts';

/** Graph's own application id: the audience of a roll-key proof (Microsoft Graph "proof of possession tokens"). */
export const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';
/** "exp should be nbf + 10 mins" (Graph addKey); the emulator refuses anything longer. */
const PROOF_LIFETIME_S = 10 * 60;

/** A certificate and its private key: what signs a proof or a client assertion. */
export type KeyMaterial = { certificate: string; privateKeyPem: string };

/**
 * The self-signed JWT that proves possession of one of the application's current certificates: `aud` Graph,
 * `iss` the application's object id (not its appId), `nbf`/`exp` short, header `x5t` naming the signing
 * certificate. No `=` padding anywhere (Graph refuses it as malformed) — base64url, as JOSE writes it. The times
 * are real time, never the business clock: Entra checks them against its own clock.
 */
export async function rollKeyProof(applicationObjectId: string, signer: KeyMaterial): Promise<string> {
  const der = Buffer.from(signer.certificate, 'base64');
  const x5t = createHash('sha1').update(der).digest('base64url');
  const key = await importPKCS8(signer.privateKeyPem, 'RS256');
  const nbf = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
    .setAudience(PROOF_AUDIENCE)
    .setIssuer(applicationObjectId)
    .setNotBefore(nbf)
    .setIssuedAt(nbf)
    .setExpirationTime(nbf + PROOF_LIFETIME_S)
    .sign(key);
}

function graphFailure(action: string, status: number, body: string): MicrosoftError {
  let code = `http_${status}`;
  let message = `Graph ${action} answered ${status}.`;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code) code = parsed.error.code;
    if (parsed.error?.message) message = `Graph ${action}: ${parsed.error.message.slice(0, 300)}`;
  } catch {
    // not JSON: keep the status
  }
  return new MicrosoftError(code, message, status === 429 || status >= 500 ? 'transient' : 'permanent');
}

/** `addKey` / `removeKey` on the application itself, with an app-only Graph token of that application. */
export function createRollKeys(deps: { http: HttpClient; graphBaseUrl: string }) {
  const post = async (path: string, token: string, body: unknown) => {
    try {
      return await deps.http.request(`${deps.graphBaseUrl}/v1.0${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch {
      throw new MicrosoftError('network_error', 'Microsoft Graph could not be reached.', 'transient');
    }
  };
  return {
    /** Adds the certificate to the application's keyCredentials; answers Graph's keyId of the new key. */
    async addKey(input: {
      applicationObjectId: string;
      token: string;
      proof: string;
      certificate: string;
      displayName: string;
    }): Promise<string> {
      const r = await post(`/applications/${input.applicationObjectId}/addKey`, input.token, {
        keyCredential: {
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          key: input.certificate,
          displayName: input.displayName,
        },
        passwordCredential: null,
        proof: input.proof,
      });
      if (r.status !== 200) throw graphFailure('addKey', r.status, r.body);
      const keyId = (JSON.parse(r.body) as { keyId?: unknown }).keyId;
      if (typeof keyId !== 'string')
        throw new MicrosoftError('no_key_id', 'addKey returned no keyId.', 'transient');
      return keyId;
    },
    /** Removes a key; a key that is already gone counts as removed (a retried removal). */
    async removeKey(input: {
      applicationObjectId: string;
      token: string;
      proof: string;
      keyId: string;
    }): Promise<void> {
      const r = await post(`/applications/${input.applicationObjectId}/removeKey`, input.token, {
        keyId: input.keyId,
        proof: input.proof,
      });
      if (r.status === 204 || r.status === 404) return;
      throw graphFailure('removeKey', r.status, r.body);
    },
  };
}
export type RollKeys = ReturnType<typeof createRollKeys>;
