import { describe, expect, it } from 'vitest';
import { classify, type SetupFacts } from '../src/services/health/drift.ts';
import { MicrosoftError } from '../src/services/microsoft.ts';

/** How a check names what Entra answered for the stored credential (issue 18 item 2, decision 014). */
const facts: SetupFacts = {
  clientId: '11111111-2222-4333-8444-555555555555',
  environmentUrl: 'https://contoso.crm.dynamics.com',
  roleName: 'Kantiv Integration',
  credentialKind: 'certificate',
  // The certificate Kantiv made is valid for months by its own dates; Entra is the one that says it expired.
  credentialExpiresAt: '2099-01-01T00:00:00.000Z',
  now: Date.parse('2026-12-04T12:00:00Z'),
};

const cause = (code: string, message: string) => {
  const found = classify(new MicrosoftError(code, message, 'secret'), 'token', facts);
  if (!('cause' in found)) throw new Error('expected drift');
  return found.cause;
};

describe('classify › a refused certificate', () => {
  it('an expired certificate (AADSTS700027 "The key used is expired") is credential_expired, fixed by a renewal link', () => {
    expect(
      cause(
        'AADSTS700027',
        'AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired.]',
      ),
    ).toMatchObject({ code: 'credential_expired', link: 'renewal', microsoftCode: 'AADSTS700027' });
  });

  it('a certificate outside its validity window (AADSTS1000502) is credential_expired', () => {
    expect(
      cause(
        'AADSTS1000502',
        'AADSTS1000502: The provided certificate is not within its specified validity window.',
      ),
    ).toMatchObject({ code: 'credential_expired', link: 'renewal', microsoftCode: 'AADSTS1000502' });
  });

  it('a certificate no longer on the app (AADSTS700027, key not found) is credential_removed', () => {
    expect(
      cause(
        'AADSTS700027',
        'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]',
      ),
    ).toMatchObject({ code: 'credential_removed', link: 'renewal' });
  });
});

describe('classify › the renewal a removed credential asks for', () => {
  const removed = (credentialKind: string) => {
    const found = classify(
      new MicrosoftError('AADSTS7000215', 'AADSTS7000215: Invalid client secret provided.', 'secret'),
      'token',
      { ...facts, credentialKind, credentialExpiresAt: null },
    );
    if (!('cause' in found)) throw new Error('expected drift');
    return found.cause;
  };

  it('on a secret setup, says the renewal adds a certificate (the upgrade), never a new client secret', () => {
    const c = removed('client_secret');
    expect(c).toMatchObject({ code: 'credential_removed', link: 'renewal' });
    expect(c.message).toContain('client secret Kantiv holds');
    expect(c.fix).toContain('adds a new certificate to the same app');
    expect(c.fix).toContain('upgrades the connection from a client secret to a certificate');
    expect(c.fix).not.toMatch(/adds a new client secret/);
    expect(c.fix).toContain('policy forbids certificates');
  });

  it('on a certificate setup, says the renewal adds a new certificate', () => {
    const c = removed('certificate');
    expect(c.fix).toContain('adds a new certificate to the same app');
    expect(c.fix).not.toContain('upgrades the connection');
  });
});

describe('classify › the enterprise application', () => {
  it('a deleted service principal (AADSTS7000229) is service_principal_deleted, fixed by a repair link', () => {
    const c = cause(
      'AADSTS7000229',
      `AADSTS7000229: The client application ${facts.clientId} is missing service principal in the tenant t.`,
    );
    expect(c).toMatchObject({
      code: 'service_principal_deleted',
      link: 'repair',
      microsoftCode: 'AADSTS7000229',
    });
    expect(c.fix).toContain('restores the deleted enterprise application');
  });

  it('a disabled enterprise application (AADSTS7000112) is app_disabled, fixed by a repair link that enables it', () => {
    const c = cause(
      'AADSTS7000112',
      `AADSTS7000112: Application '${facts.clientId}'(Kantiv Connect) is disabled.`,
    );
    expect(c).toMatchObject({ code: 'app_disabled', link: 'repair', microsoftCode: 'AADSTS7000112' });
    expect(c.fix).toContain('enables the same enterprise application for sign-in again');
    expect(c.fix).toContain('"Enabled for users to sign-in?" → Yes');
  });
});
