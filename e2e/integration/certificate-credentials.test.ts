import { randomUUID, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { generateCertificate } from '@kantiv/server/services/certificates';
import { createHttpClient, type HttpClient } from '@kantiv/server/lib/http-client';
import { createMicrosoftClient } from '@kantiv/server/services/microsoft';
import { ADMIN, useVerifierStack } from './support/verification-harness.ts';

/**
 * Certificate credentials (issue 17): the server makes the key pair, the wizard only ever holds the public
 * certificate, adds it to the application's keyCredentials and confirms its keyId; the server verifies and vends
 * tokens with a signed client assertion (msal-node `clientCertificate`) against the emulated Entra.
 */
// A certificate added a moment ago is unknown to Entra until it replicates (AADSTS700027, emulated at 300 ms), as a
// new secret is (AADSTS7000215): verification waits it out within the credential grace, here 10 s.
const stack = useVerifierStack({ VERIFICATION_SECRET_GRACE_SECONDS: '10' });

async function certificateFor(setup: { token: string }, appId: string, lifetimeDays = 365) {
  return stack.v.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/certificate',
    headers: { authorization: `Bearer ${setup.token}` },
    payload: {
      tenantId: stack.emulator.tenants.contoso,
      clientId: appId,
      environmentUrl: stack.v.org().url,
      lifetimeDays,
    },
  });
}

async function uploadToApp(appId: string, keyId: string, certificate: string) {
  const graph = await tokenFor(stack.emulator, ADMIN, 'https://graph.microsoft.com/.default');
  const app = await call(stack.emulator, `${GRAPH}/applications(appId='${appId}')`, { token: graph });
  const r = await call(stack.emulator, `${GRAPH}/applications/${String(app.json.id)}`, {
    method: 'PATCH',
    token: graph,
    body: {
      keyCredentials: [
        {
          keyId,
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          key: certificate,
          displayName: CERTIFICATE_DISPLAY_NAME,
        },
      ],
    },
  });
  expect(r.status).toBe(204);
}

const handOff = (setup: { token: string }, payload: Record<string, unknown>) =>
  stack.v.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/credentials',
    headers: { authorization: `Bearer ${setup.token}` },
    payload: {
      idempotencyKey: randomUUID(),
      source: 'automatic',
      tenantId: stack.emulator.tenants.contoso,
      environmentUrl: stack.v.org().url,
      ...payload,
    },
  });

describe('certificate credentials', () => {
  it('verifies and vends tokens with a certificate the server made; the browser only ever receives the public certificate', async () => {
    const p = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    const res = await certificateFor(setup, p.appId);
    expect(res.statusCode).toBe(201);
    expect(res.body).not.toMatch(/PRIVATE KEY/);
    const made = res.json<{
      keyId: string;
      certificate: string;
      thumbprintSha256: string;
      notAfter: string;
    }>();
    expect(Object.keys(made).sort()).toEqual([
      'certificate',
      'keyId',
      'notAfter',
      'notBefore',
      'thumbprintSha256',
    ]);
    const cert = new X509Certificate(Buffer.from(made.certificate, 'base64'));
    expect(cert.subject).toBe(`CN=${CERTIFICATE_DISPLAY_NAME}`);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(cert.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(made.thumbprintSha256);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);

    await uploadToApp(p.appId, made.keyId, made.certificate);
    const handed = await handOff(setup, {
      clientId: p.appId,
      credentialKind: 'certificate',
      keyId: made.keyId,
      applicationUserId: p.applicationUserId,
    });
    expect(handed.statusCode).toBe(202);
    const settled = await stack.v.settled(setup.id);
    expect(settled.state).toBe('verified');

    const row = await stack.v.app.store.db
      .selectFrom('credentials')
      .selectAll()
      .where('setup_id', '=', setup.id)
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      kind: 'certificate',
      secret_key_id: made.keyId,
      thumbprint: made.thumbprintSha256,
    });
    expect(row.ciphertext).not.toMatch(/PRIVATE KEY/);
    const setupRow = await stack.v.app.store.db
      .selectFrom('setups')
      .select('credential_kind')
      .where('id', '=', setup.id)
      .executeTakeFirstOrThrow();
    expect(setupRow.credential_kind).toBe('certificate');

    const vended = await stack.v.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${setup.id}/token`,
      headers: stack.v.auth,
    });
    expect(vended.statusCode).toBe(200);
    const who = await call(stack.emulator, `${stack.v.org().apiUrl}/api/data/v9.2/WhoAmI`, {
      token: vended.json<{ accessToken: string }>().accessToken,
    });
    expect(String(who.json.UserId)).toBe(p.applicationUserId);
    // The token request was a client assertion (appidacr 2), not a secret.
    const claims = JSON.parse(
      Buffer.from(vended.json<{ accessToken: string }>().accessToken.split('.')[1]!, 'base64url').toString(),
    ) as { appidacr: string };
    expect(claims.appidacr).toBe('2');
  });

  it("reuses MSAL's signed client assertion for a certificate's next tokens, and signs anew for another certificate", async () => {
    // Decision 012, ninth session: signing is synchronous RSA work on the event loop token vending shares, so one
    // MSAL client per certificate keeps the assertion it signed (10 minutes' life) for the next tokens.
    const p = await stack.v.provision({ withApplicationUser: true });
    const first = await generateCertificate({
      commonName: CERTIFICATE_DISPLAY_NAME,
      lifetimeDays: 30,
      now: new Date(),
    });
    const second = await generateCertificate({
      commonName: CERTIFICATE_DISPLAY_NAME,
      lifetimeDays: 30,
      now: new Date(),
    });
    await uploadToApp(p.appId, randomUUID(), first.certificate);
    const config = stack.v.app.config.microsoft;
    const http = createHttpClient({ ca: config.ca, hostMap: config.hostMap });
    // Every client assertion the server sends to the token endpoint, in order (the requests go on to the emulator).
    const assertions: string[] = [];
    const recording: HttpClient = {
      ...http,
      request: (url, req) => {
        const assertion = req?.body ? new URLSearchParams(req.body).get('client_assertion') : null;
        if (assertion) assertions.push(assertion);
        return http.request(url, req);
      },
    };
    const microsoft = createMicrosoftClient({
      authorityHost: config.authorityHost,
      http: recording,
      dataverseHttp: http,
      cloud: config.cloud,
    });
    const tokenWith = (c: { privateKeyPem: string; thumbprintSha256: string }, resource: string) =>
      microsoft.acquireAppToken({
        tenantId: stack.emulator.tenants.contoso,
        clientId: p.appId,
        credential: {
          kind: 'certificate',
          privateKeyPem: c.privateKeyPem,
          thumbprintSha256: c.thumbprintSha256,
        },
        resource,
      });
    // The new key replicates first (AADSTS700027 until then): ask until the emulator answers.
    await eventually(
      () =>
        tokenWith(first, stack.v.org().url).then(
          () => true,
          () => false,
        ),
      (ok) => ok,
    );
    await tokenWith(first, stack.v.org().url);
    await tokenWith(first, 'https://graph.microsoft.com');
    expect(assertions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(assertions).size).toBe(1);
    const header = JSON.parse(Buffer.from(assertions[0]!.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      string
    >;
    expect(header['x5t#S256']).toBe(Buffer.from(first.thumbprintSha256, 'hex').toString('base64url'));

    // Another certificate of the same app is another client: its own assertion, named by its own thumbprint.
    await tokenWith(second, stack.v.org().url).catch(() => undefined);
    expect(new Set(assertions).size).toBe(2);
    const last = JSON.parse(Buffer.from(assertions.at(-1)!.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      string
    >;
    expect(last['x5t#S256']).toBe(Buffer.from(second.thumbprintSha256, 'hex').toString('base64url'));
  });

  it('refuses a certificate hand-off that carries a secret, names no keyId, or names a key the server did not make for this app', async () => {
    const p = await stack.v.provision({ withApplicationUser: true });
    const setup = await stack.v.startSetup();
    const made = (await certificateFor(setup, p.appId)).json<{ keyId: string }>();
    const withSecret = await handOff(setup, {
      clientId: p.appId,
      credentialKind: 'certificate',
      keyId: made.keyId,
      clientSecret: 'not-wanted',
    });
    expect(withSecret.statusCode).toBe(400);
    const noKey = await handOff(setup, { clientId: p.appId, credentialKind: 'certificate' });
    expect(noKey.statusCode).toBe(400);
    const unknown = await handOff(setup, {
      clientId: p.appId,
      credentialKind: 'certificate',
      keyId: randomUUID(),
    });
    expect(unknown.statusCode).toBe(409);
    const otherApp = await handOff(setup, {
      clientId: randomUUID(),
      credentialKind: 'certificate',
      keyId: made.keyId,
    });
    expect(otherApp.statusCode).toBe(409);
  });

  it('refuses to make a certificate for another tenant than the one the setup signed in with', async () => {
    const p = await stack.v.provision({ withApplicationUser: false });
    const setup = await stack.v.startSetup();
    const res = await stack.v.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/certificate',
      headers: { authorization: `Bearer ${setup.token}` },
      payload: {
        tenantId: randomUUID(),
        clientId: p.appId,
        environmentUrl: stack.v.org().url,
        lifetimeDays: 365,
      },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('tenant_mismatch');
  });
});
