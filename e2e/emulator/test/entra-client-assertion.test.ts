import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, expectAadsts, tid, useEntraEmulator } from './support/entra.ts';
import { clientAssertion, keyCredential, makeCert, type TestCert } from './support/certificates.ts';
import { GRAPH, call, createAppWithPrincipal, tokenFor } from './support/helpers.ts';

useEntraEmulator();

const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const endpoint = () => `${LOGIN}/${tid}/oauth2/v2.0/token`;

async function appWith(...certs: TestCert[]) {
  const { id, appId } = await createAppWithPrincipal(emulator, 'assertion');
  const token = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
  const r = await call(emulator, `${GRAPH}/applications/${id}`, {
    method: 'PATCH',
    token,
    body: { keyCredentials: certs.map((c) => keyCredential(c)) },
  });
  expect(r.status).toBe(204);
  return { id, appId };
}

const redeem = (appId: string, assertion: string) =>
  call(emulator, endpoint(), {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      scope: 'https://contoso.crm.dynamics.com/.default',
      client_assertion_type: TYPE,
      client_assertion: assertion,
    }).toString(),
  });

describe('Entra client assertions (certificate credentials)', () => {
  it('accepts an assertion naming its certificate by x5t#S256 or x5t', async () => {
    const cert = await makeCert('cc');
    const { appId } = await appWith(cert);
    for (const header of ['x5t#S256', 'x5t'] as const) {
      const ok = await redeem(appId, await clientAssertion(cert, appId, endpoint(), { header }));
      expect(ok.status).toBe(200);
    }
  });

  it('names an unknown thumbprint (AADSTS700027), refuses a bad signature (AADSTS700027) and a wrong issuer (AADSTS700021)', async () => {
    const [cert, other] = await Promise.all([makeCert('cc'), makeCert('other')]);
    const { appId } = await appWith(cert);
    const unknown = await redeem(appId, await clientAssertion(other, appId, endpoint(), { header: 'x5t' }));
    expectAadsts(unknown.json, 'invalid_client', 700027);
    const hex = Buffer.from(other.x5t, 'base64url').toString('hex').toUpperCase();
    expect(String(unknown.json.error_description)).toContain(
      `[Reason - The key was not found., Thumbprint of key used by client: '${hex}'`,
    );
    const forged = await redeem(appId, await clientAssertion(other, appId, endpoint(), { headerCert: cert }));
    expectAadsts(forged.json, 'invalid_client', 700027);
    expect(String(forged.json.error_description)).toContain('Client assertion failed signature validation.');
    const wrongIss = await redeem(appId, await clientAssertion(cert, 'someone-else', endpoint()));
    expectAadsts(wrongIss.json, 'invalid_client', 700021);
  });

  it('refuses an expired or not-yet-valid assertion with AADSTS700024 and its times', async () => {
    const cert = await makeCert('cc');
    const { appId } = await appWith(cert);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await redeem(appId, await clientAssertion(cert, appId, endpoint(), { now: past }));
    expectAadsts(expired.json, 'invalid_client', 700024);
    expect(String(expired.json.error_description)).toMatch(
      /Client assertion is not within its valid time range\. Current time: \S+Z, assertion valid from \S+Z, expiry time of assertion \S+Z\./,
    );
    const future = await redeem(appId, await clientAssertion(cert, appId, endpoint(), { now: past + 7200 }));
    expectAadsts(future.json, 'invalid_client', 700024);
  });

  it('does not know a new certificate until it has replicated, and refuses it once expired (emulator clock moved)', async () => {
    const fresh = await makeCert('fresh', 30);
    const { id, appId: later } = await createAppWithPrincipal(emulator, 'later');
    const admin = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    // The app has replicated; a certificate added to it now has not.
    emulator.control.setScenario({ name: 'replication-delay', seconds: 60 });
    await call(emulator, `${GRAPH}/applications/${id}`, {
      method: 'PATCH',
      token: admin,
      body: { keyCredentials: [keyCredential(fresh)] },
    });
    const notYet = await redeem(later, await clientAssertion(fresh, later, endpoint()));
    expectAadsts(notYet.json, 'invalid_client', 700027);
    emulator.control.advanceClock(61_000);
    const ok = await redeem(later, await clientAssertion(fresh, later, endpoint()));
    expect(ok.status).toBe(200);
    emulator.control.advanceClock(31 * 86400_000);
    const gone = await redeem(later, await clientAssertion(fresh, later, endpoint()));
    expectAadsts(gone.json, 'invalid_client', 700027);
    expect(String(gone.json.error_description)).toContain('The key used is expired.');
  });

  it('moves its clock over HTTP for tests that only reach it by URL', async () => {
    const before = (await call(emulator, `${emulator.urls.control}/clock`)).json.now as number;
    const moved = await call(emulator, `${emulator.urls.control}/clock`, {
      method: 'POST',
      body: { advanceMs: 86400_000 },
    });
    expect(moved.json.now as number).toBeGreaterThanOrEqual(before + 86400_000);
    const back = await call(emulator, `${emulator.urls.control}/clock`, {
      method: 'POST',
      body: { advanceMs: -1 },
    });
    expect(back.status).toBe(400);
  });
});
