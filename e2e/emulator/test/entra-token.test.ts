import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, ORIGIN, clientId, expectAadsts, tid, useEntraEmulator } from './support/entra.ts';
import { eventually } from './support/eventually.ts';
import { GRAPH, call, createAppWithPrincipal, decodeClaims, tokenFor } from './support/helpers.ts';

useEntraEmulator();

describe('Entra ID web (confidential) clients', () => {
  it('refuses cross-origin redemption of a web-platform code without CORS headers, and requires the client secret', async () => {
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const web = 'https://backend.example/callback';
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'Web app', signInAudience: 'AzureADMyOrg', web: { redirectUris: [web] } },
    });
    const appId = String(app.json.appId);
    const secret = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graph,
      body: {},
    });
    emulator.control.setScenario({ name: 'auto-sign-in', user: 'admin@contoso.com' });
    const authorize = `${LOGIN}/${tid}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: appId, response_type: 'code', redirect_uri: web, scope: 'openid https://graph.microsoft.com/User.Read', state: 's' }).toString()}`;
    const code = () =>
      call(emulator, authorize).then(
        (r) => new URL(r.headers.get('location') ?? '').searchParams.get('code') ?? '',
      );
    const redeemWeb = async (headers: Record<string, string>, extra: Record<string, string> = {}) =>
      call(emulator, `${LOGIN}/${tid}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { ...FORM, ...headers },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: appId,
          code: await code(),
          redirect_uri: web,
          ...extra,
        }).toString(),
      });
    const cross = await redeemWeb({ origin: ORIGIN }, { client_secret: String(secret.json.secretText) });
    expectAadsts(cross.json, 'invalid_request', 9002326);
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    expectAadsts((await redeemWeb({})).json, 'invalid_client', 7000218);
    expectAadsts((await redeemWeb({}, { client_secret: 'wrong' })).json, 'invalid_client', 7000215);
    const ok = await redeemWeb({}, { client_secret: String(secret.json.secretText) });
    expect(ok.status).toBe(200);
    expect(decodeClaims(String(ok.json.access_token))).toMatchObject({
      aud: 'https://graph.microsoft.com',
      appid: appId,
    });
  });
});

describe('Entra ID token endpoint: client credentials', () => {
  const newApp = () => createAppWithPrincipal(emulator, 'cc test');
  const cc = (params: Record<string, string>, tenant = tid) =>
    call(emulator, `${LOGIN}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
    });

  it('rejects scopes without /.default, unknown resources, unknown clients, missing credentials and tenant-less authorities', async () => {
    const { appId } = await newApp();
    expectAadsts(
      (await cc({ client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/User.Read' }))
        .json,
      'invalid_scope',
      1002012,
    );
    expectAadsts(
      (await cc({ client_id: appId, client_secret: 'x', scope: 'https://nothing.example.com/.default' }))
        .json,
      'invalid_resource',
      500011,
    );
    const unknown = await cc({
      client_id: '22222222-2222-2222-2222-222222222222',
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expectAadsts(unknown.json, 'unauthorized_client', 700016);
    expect(String(unknown.json.error_description)).toContain("was not found in the directory 'Contoso'");
    expectAadsts(
      (await cc({ client_id: appId, scope: 'https://graph.microsoft.com/.default' })).json,
      'invalid_client',
      7000218,
    );
    expectAadsts(
      (
        await cc(
          { client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/.default' },
          'organizations',
        )
      ).json,
      'invalid_request',
      50059,
    );
    expectAadsts(
      (
        await cc(
          { client_id: appId, client_secret: 'x', scope: 'https://graph.microsoft.com/.default' },
          'nowhere.example',
        )
      ).json,
      'invalid_request',
      90002,
    );
  });

  it('accepts a certificate client_assertion registered in keyCredentials', async () => {
    const { id, appId } = await newApp();
    const cert = await generate([{ name: 'commonName', value: 'kantiv-cc' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    const der = Buffer.from(cert.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const patched = await call(emulator, `${GRAPH}/applications/${id}`, {
      method: 'PATCH',
      token: graph,
      body: {
        keyCredentials: [
          {
            type: 'AsymmetricX509Cert',
            usage: 'Verify',
            key: der.toString('base64'),
            displayName: 'CN=kantiv-cc',
          },
        ],
      },
    });
    expect(patched.status).toBe(204);
    const listed = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, {
      token: graph,
    });
    const listedKey = (listed.json.keyCredentials as { key: unknown; customKeyIdentifier: unknown }[])[0];
    // `key` is returned only on $select=keyCredentials of a single object, which this read is.
    expect(listedKey?.key).toBe(der.toString('base64'));
    expect(typeof listedKey?.customKeyIdentifier).toBe('string');

    const key = await importPKCS8(cert.private, 'RS256');
    const assertion = (aud: string) =>
      new SignJWT({ jti: randomBytes(8).toString('hex') })
        .setProtectedHeader({
          alg: 'RS256',
          typ: 'JWT',
          x5t: createHash('sha1').update(der).digest('base64url'),
        })
        .setIssuer(appId)
        .setSubject(appId)
        .setAudience(aud)
        .setIssuedAt()
        .setNotBefore(Math.floor(Date.now() / 1000) - 60)
        .setExpirationTime('10m')
        .sign(key);
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    const ok = await cc({
      client_id: appId,
      client_assertion_type: type,
      client_assertion: await assertion(`${LOGIN}/${tid}/oauth2/v2.0/token`),
      scope: 'https://contoso.crm.dynamics.com/.default',
    });
    expect(ok.status).toBe(200);
    expect(decodeClaims(String(ok.json.access_token))).toMatchObject({
      appidacr: '2',
      idtyp: 'app',
      aud: 'https://contoso.crm.dynamics.com',
    });
    expect(ok.json).not.toHaveProperty('refresh_token');
    expect(ok.json).not.toHaveProperty('id_token');
    const wrongAud = await cc({
      client_id: appId,
      client_assertion_type: type,
      client_assertion: await assertion('https://elsewhere.example/token'),
      scope: 'https://graph.microsoft.com/.default',
    });
    expectAadsts(wrongAud.json, 'invalid_client', 700212);
  });

  it('fails with AADSTS700016 while a new app is replicating, then succeeds', async () => {
    emulator.control.setScenario({ name: 'replication-delay', seconds: 2 });
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'replicating', signInAudience: 'AzureADMyOrg' },
    });
    const appId = String(app.json.appId);
    const secret = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graph,
      body: {},
    });
    const form = {
      client_id: appId,
      client_secret: String(secret.json.secretText),
      scope: 'https://graph.microsoft.com/.default',
    };
    expectAadsts((await cc(form)).json, 'unauthorized_client', 700016);
    // The service principal can only be created once the app has replicated, and then replicates itself.
    await eventually(
      () => call(emulator, `${GRAPH}/servicePrincipals`, { method: 'POST', token: graph, body: { appId } }),
      (r) => r.status === 201,
    );
    expectAadsts((await cc(form)).json, 'unauthorized_client', 700016);
    const late = await eventually(
      () => cc(form),
      (r) => r.status === 200,
    );
    expect(decodeClaims(String(late.json.access_token)).appid).toBe(appId);
  });

  it('answers 429 with Retry-After under the throttle scenario, once', async () => {
    emulator.control.setScenario({ name: 'throttle', service: 'entra', retryAfterSeconds: 7, times: 1 });
    const r = await cc({
      client_id: clientId,
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    const next = await cc({
      client_id: clientId,
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(next.status).not.toBe(429);
  });
});
