import { ConfidentialClientApplication } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '@kantiv/emulator';
import type { CredentialHandoffRequest } from '@kantiv/shared/credentials';
import { CONTOSO_PRODUCTION, UNIQUE_NAME, newServer, run, useEmulator } from './harness.ts';

let emu: Emulator;
useEmulator((started) => (emu = started));

const SANDBOX = 'https://contoso-sandbox.crm.dynamics.com';
const SETUP_PRODUCTION = '1a2b3c4d-0000-4000-8000-000000000001';
const SETUP_SANDBOX = '5e6f7a8b-0000-4000-8000-000000000002';

/** What our server's verification does with a stored credential: a client-credentials token, then WhoAmI. */
async function verify(h: CredentialHandoffRequest): Promise<string> {
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: h.clientId,
      clientSecret: h.clientSecret,
      authority: `${emu.urls.authorityHost}/${h.tenantId}`,
      knownAuthorities: [emu.urls.knownAuthority],
    },
    system: { networkClient: emu.msalNetworkClient },
  });
  try {
    const token = await cca.acquireTokenByClientCredential({ scopes: [`${h.environmentUrl}/.default`] });
    const api = h.environmentUrl.replace('.crm.', '.api.crm.');
    const res = await emu.fetch(`${api}/api/data/v9.2/WhoAmI`, {
      headers: { Authorization: `Bearer ${token?.accessToken ?? ''}` },
    });
    return res.status === 200 ? 'verified' : `WhoAmI ${res.status}`;
  } catch (err) {
    return String((err as { errorMessage?: string }).errorMessage ?? err).split(':')[0] ?? 'failed';
  }
}

/** One wizard run for a setup (the wizard does not pass the key our server holds): the credential it handed off. */
async function connect(setupId: string, environmentUrl: string) {
  const r = run(emu, { server: newServer(), config: { environmentUrl, credentialOwner: setupId } });
  const result = await r.engine.apply();
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('succeeded');
  return { last: r.handoffs.at(-1)! };
}

describe('one tenant, two environments, two setups', { timeout: 240_000 }, () => {
  it('two setups in one tenant each keep their own secret, and a re-run of either leaves the other working', async () => {
    const production = await connect(SETUP_PRODUCTION, CONTOSO_PRODUCTION);
    const sandbox = await connect(SETUP_SANDBOX, SANDBOX);
    expect(sandbox.last.clientId).toBe(production.last.clientId);
    const app = emu.control.state().applications.find((a) => a.uniqueName === UNIQUE_NAME)!;
    expect(app.passwordCredentials.map((p) => p.displayName).sort()).toEqual([
      'Kantiv secret (setup 1a2b3c4d)',
      'Kantiv secret (setup 5e6f7a8b)',
    ]);
    expect(await verify(production.last)).toBe('verified');
    expect(await verify(sandbox.last)).toBe('verified');

    // A repair of Production (the wizard does not pass the held key): a new secret for it, Sandbox's untouched.
    const repaired = await connect(SETUP_PRODUCTION, CONTOSO_PRODUCTION);
    expect(repaired.last.secretKeyId).not.toBe(production.last.secretKeyId);
    expect(await verify(repaired.last)).toBe('verified');
    expect(await verify(sandbox.last)).toBe('verified');
    // Production's replaced secret is gone, so its old copy no longer works.
    expect(await verify(production.last)).not.toBe('verified');

    const sandboxAgain = await connect(SETUP_SANDBOX, SANDBOX);
    expect(await verify(sandboxAgain.last)).toBe('verified');
    expect(await verify(repaired.last)).toBe('verified');
    const after = emu.control.state().applications.find((a) => a.uniqueName === UNIQUE_NAME)!;
    expect(after.passwordCredentials.map((p) => p.keyId).sort()).toEqual(
      [repaired.last.secretKeyId, sandboxAgain.last.secretKeyId].sort(),
    );
  });
});
