import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.ts';
import { GRAPH, call, decodeClaims, errorOf, tokenFor } from './support/helpers.ts';
import { eventually } from './support/eventually.ts';

const REPLICATION_MS = 2000;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ replicationDelayMs: REPLICATION_MS });
});
afterAll(async () => {
  await emulator.close();
});

describe('real @azure/msal-node against the emulator', () => {
  it('gets a client-credentials token with a secret made through Graph and reads WhoAmI as the new application user, only after replication', async () => {
    const tid = emulator.tenants.contoso;
    const admin = 'admin@contoso.com';
    const graphToken = await tokenFor(emulator, admin, 'https://graph.microsoft.com/.default');
    const org = emulator.urls.environments.find((e) => e.name === 'Contoso Production')!;
    const dvToken = await tokenFor(emulator, admin, `${org.url}/user_impersonation`);

    const created = await call(emulator, `${GRAPH}/applications(uniqueName='kantiv-dataverse-connector')`, {
      method: 'PATCH',
      token: graphToken,
      headers: { prefer: 'create-if-missing' },
      body: { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' },
    });
    expect(created.status).toBe(201);
    const appId = String(created.json.appId);
    const objectId = String(created.json.id);

    const secret = await call(emulator, `${GRAPH}/applications/${objectId}/addPassword`, {
      method: 'POST',
      token: graphToken,
      body: { passwordCredential: { displayName: 'Kantiv secret' } },
    });
    expect(secret.status).toBe(200);
    const secretText = String(secret.json.secretText);

    // Service principal creation races the application's replication.
    const spEarly = await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graphToken,
      body: { appId },
    });
    expect(spEarly.status).toBe(400);
    expect(JSON.stringify(spEarly.json)).toContain('NoBackingApplicationObject');
    const sp = await eventually(
      () =>
        call(emulator, `${GRAPH}/servicePrincipals`, { method: 'POST', token: graphToken, body: { appId } }),
      (r) => r.status === 201,
    );
    expect(sp.json.appId).toBe(appId);

    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: appId,
        clientSecret: secretText,
        authority: `${emulator.urls.authorityHost}/${tid}`,
        knownAuthorities: [emulator.urls.knownAuthority],
      },
      system: { networkClient: emulator.msalNetworkClient },
    });
    const scopes = [`${org.url}/.default`];
    // The new service principal has not replicated to the token service yet.
    await expect(cca.acquireTokenByClientCredential({ scopes })).rejects.toMatchObject({
      errorCode: 'unauthorized_client',
    });

    const buId = String(
      (
        (
          await call(
            emulator,
            `${org.apiUrl}/api/data/v9.2/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
            { token: dvToken },
          )
        ).json.value as { businessunitid: string }[]
      )[0]?.businessunitid,
    );
    const userEarly = await call(emulator, `${org.apiUrl}/api/data/v9.2/systemusers`, {
      method: 'POST',
      token: dvToken,
      body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
    });
    expect(userEarly.status).toBe(400);
    expect(errorOf(userEarly).code).toBe('0x8004f510');

    const createdUser = await eventually(
      () =>
        call(emulator, `${org.apiUrl}/api/data/v9.2/systemusers`, {
          method: 'POST',
          token: dvToken,
          body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
        }),
      (r) => r.status === 204,
    );
    const userUrl = createdUser.headers.get('odata-entityid') ?? '';
    const systemUserId = /systemusers\((.+)\)$/.exec(userUrl)?.[1];
    expect(systemUserId).toBeTruthy();

    const result = await eventually(
      () => cca.acquireTokenByClientCredential({ scopes, skipCache: true }).catch(() => null),
      (r) => r !== null,
    );
    const claims = decodeClaims(result!.accessToken);
    expect(claims).toMatchObject({
      aud: org.url,
      tid,
      appid: appId,
      idtyp: 'app',
      iss: `https://sts.windows.net/${tid}/`,
      ver: '1.0',
    });
    expect(claims.scp).toBeUndefined();

    const whoami = await call(emulator, `${org.apiUrl}/api/data/v9.2/WhoAmI`, { token: result!.accessToken });
    expect(whoami.status).toBe(200);
    expect(whoami.json).toMatchObject({
      UserId: systemUserId,
      BusinessUnitId: buId,
      OrganizationId: org.organizationId,
    });
  });

  it('rejects a wrong or expired secret with Entra error codes', async () => {
    const tid = emulator.tenants.contoso;
    const graphToken = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    emulator.control.setReplicationDelay(0);
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graphToken,
      body: { displayName: 'Expiring' },
    });
    const appId = String(app.json.appId);
    await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graphToken,
      body: { appId },
    });
    const past = new Date(Date.now() - 3600_000).toISOString();
    const old = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graphToken,
      body: {
        passwordCredential: {
          startDateTime: new Date(Date.now() - 7200_000).toISOString(),
          endDateTime: past,
        },
      },
    });
    const tokenUrl = `https://login.microsoftonline.com/${tid}/oauth2/v2.0/token`;
    const form = (secret: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: secret,
        scope: 'https://graph.microsoft.com/.default',
      }).toString();
    const expired = await call(emulator, tokenUrl, {
      method: 'POST',
      body: form(String(old.json.secretText)),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ error: 'invalid_client', error_codes: [7000222] });
    const wrong = await call(emulator, tokenUrl, {
      method: 'POST',
      body: form('not-the-secret'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(String(wrong.json.error_description)).toMatch(/^AADSTS7000215: /);
    emulator.control.setReplicationDelay(REPLICATION_MS);
  });

  it('works with the production authority login.microsoftonline.com through host mapping', async () => {
    const tid = emulator.tenants.contoso;
    emulator.control.setReplicationDelay(0);
    const graphToken = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graphToken,
      body: { displayName: 'Prod authority' },
    });
    const appId = String(app.json.appId);
    await call(emulator, `${GRAPH}/servicePrincipals`, {
      method: 'POST',
      token: graphToken,
      body: { appId },
    });
    const secret = await call(emulator, `${GRAPH}/applications(appId='${appId}')/addPassword`, {
      method: 'POST',
      token: graphToken,
      body: {},
    });
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: appId,
        clientSecret: String(secret.json.secretText),
        authority: `https://login.microsoftonline.com/${tid}`,
      },
      system: { networkClient: emulator.msalNetworkClient },
    });
    const result = await cca.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(decodeClaims(result!.accessToken)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid,
      idtyp: 'app',
    });
    emulator.control.setReplicationDelay(REPLICATION_MS);
    expect(graphToken).not.toBe('');
  });
});
