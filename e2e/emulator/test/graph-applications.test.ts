import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { DYNAMICS_CRM_APP_ID } from '../src/index.ts';
import { emulator } from './support/emulator-fixture.ts';
import { admin, createApp, expectGraphError, useGraphEmulator } from './support/graph.ts';
import { GRAPH, call, errorOf, tokenFor } from './support/helpers.ts';

useGraphEmulator();

describe('Graph /applications', () => {
  it('creates an application (201, Location) and requires displayName', async () => {
    const r = await createApp({
      displayName: 'Kantiv Dataverse Connector',
      signInAudience: 'AzureADMyOrg',
      tags: ['kantiv-dataverse-connector'],
      requiredResourceAccess: [
        {
          resourceAppId: DYNAMICS_CRM_APP_ID,
          resourceAccess: [{ id: '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4', type: 'Scope' }],
        },
      ],
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toContain(String(r.json.id));
    expect(r.json).toMatchObject({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#applications/$entity',
      displayName: 'Kantiv Dataverse Connector',
      signInAudience: 'AzureADMyOrg',
      publisherDomain: 'contoso.onmicrosoft.com',
      passwordCredentials: [],
      uniqueName: null,
    });
    expect(r.json.appId).toMatch(/^[0-9a-f-]{36}$/);
    expectGraphError(await createApp({ signInAudience: 'AzureADMyOrg' }), 400, 'Request_BadRequest');
    expectGraphError(
      await createApp({ displayName: 'x', passwordCredentials: [] }),
      400,
      'Request_BadRequest',
    );
    expectGraphError(await createApp({ displayName: 'x', bogus: 1 }), 400, 'Request_BadRequest');
  });

  it('lists with $filter and $select, and gets by id and by appId', async () => {
    const a = await createApp({ displayName: 'Alpha', tags: ['kantiv'] });
    await createApp({ displayName: 'Beta' });
    const list = await call(
      emulator,
      `${GRAPH}/applications?$filter=displayName eq 'alpha'&$select=id,appId,displayName`,
      { token: admin },
    );
    expect(list.json['@odata.context']).toBe(
      'https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName)',
    );
    expect(list.json.value).toEqual([{ id: a.json.id, appId: a.json.appId, displayName: 'Alpha' }]);
    const tagged = await call(
      emulator,
      `${GRAPH}/applications?$filter=tags/any(t:t eq 'kantiv')&$select=displayName`,
      { token: admin },
    );
    expect(tagged.json.value).toEqual([{ displayName: 'Alpha' }]);
    const byAppId = await call(emulator, `${GRAPH}/applications?$filter=appId eq '${String(a.json.appId)}'`, {
      token: admin,
    });
    expect((byAppId.json.value as unknown[]).length).toBe(1);
    expect(
      (await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, { token: admin })).json.displayName,
    ).toBe('Alpha');
    expect(
      (
        await call(emulator, `${GRAPH}/applications(appId='${String(a.json.appId)}')?$select=displayName`, {
          token: admin,
        })
      ).json,
    ).toMatchObject({ displayName: 'Alpha' });
    expectGraphError(
      await call(emulator, `${GRAPH}/applications?$filter=notes eq 'x'`, { token: admin }),
      400,
      'Request_UnsupportedQuery',
    );
    const paged = await call(emulator, `${GRAPH}/applications?$top=1`, { token: admin });
    expect(String(paged.json['@odata.nextLink'])).toContain('$skiptoken=1');
  });

  it('updates with PATCH (204) and deletes (204, then 404 Request_ResourceNotFound)', async () => {
    const a = await createApp();
    const id = String(a.json.id);
    const patched = await call(emulator, `${GRAPH}/applications/${id}`, {
      method: 'PATCH',
      token: admin,
      body: { notes: 'by Kantiv', spa: { redirectUris: ['https://x.example/'] } },
    });
    expect(patched.status).toBe(204);
    const got = await call(emulator, `${GRAPH}/applications/${id}`, { token: admin });
    expect(got.json).toMatchObject({ notes: 'by Kantiv', spa: { redirectUris: ['https://x.example/'] } });
    expectGraphError(
      await call(emulator, `${GRAPH}/applications/${id}`, {
        method: 'PATCH',
        token: admin,
        body: { uniqueName: 'x' },
      }),
      400,
      'Request_BadRequest',
    );
    expect(
      (await call(emulator, `${GRAPH}/applications/${id}`, { method: 'DELETE', token: admin })).status,
    ).toBe(204);
    const gone = await call(emulator, `${GRAPH}/applications/${id}`, { token: admin });
    expectGraphError(gone, 404, 'Request_ResourceNotFound');
    expect(errorOf(gone).message).toBe(
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  });

  it('upserts by uniqueName: 201 on create, 204 on update, 404 without Prefer: create-if-missing', async () => {
    const url = `${GRAPH}/applications(uniqueName='kantiv-dataverse-connector')`;
    const body = { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' };
    expectGraphError(
      await call(emulator, url, { method: 'PATCH', token: admin, body }),
      404,
      'Request_ResourceNotFound',
    );
    const created = await call(emulator, url, {
      method: 'PATCH',
      token: admin,
      body,
      headers: { prefer: 'create-if-missing' },
    });
    expect(created.status).toBe(201);
    expect(created.json.uniqueName).toBe('kantiv-dataverse-connector');
    const updated = await call(emulator, url, {
      method: 'PATCH',
      token: admin,
      body: { ...body, notes: 'again' },
      headers: { prefer: 'create-if-missing' },
    });
    expect(updated.status).toBe(204);
    const got = await call(emulator, url, { token: admin });
    expect(got.json).toMatchObject({ id: created.json.id, notes: 'again' });
  });

  it('adds a password once (secretText only in the response) and removes it by keyId', async () => {
    const a = await createApp();
    const id = String(a.json.id);
    const end = new Date(Date.now() + 365 * 86400_000).toISOString();
    const added = await call(emulator, `${GRAPH}/applications/${id}/addPassword`, {
      method: 'POST',
      token: admin,
      body: { passwordCredential: { displayName: 'Kantiv secret', endDateTime: end } },
    });
    expect(added.status).toBe(200);
    const secret = String(added.json.secretText);
    expect(secret).toHaveLength(40);
    expect(added.json).toMatchObject({
      displayName: 'Kantiv secret',
      hint: secret.slice(0, 3),
      customKeyIdentifier: null,
      endDateTime: end,
    });
    const defaulted = await call(emulator, `${GRAPH}/applications/${id}/addPassword`, {
      method: 'POST',
      token: admin,
      body: {},
    });
    const lifetime =
      Date.parse(String(defaulted.json.endDateTime)) - Date.parse(String(defaulted.json.startDateTime));
    expect(Math.round(lifetime / 86400_000)).toBeGreaterThanOrEqual(730);
    const got = await call(emulator, `${GRAPH}/applications/${id}?$select=passwordCredentials`, {
      token: admin,
    });
    const creds = got.json.passwordCredentials as Record<string, unknown>[];
    expect(creds).toHaveLength(2);
    expect(creds.every((c) => c.secretText === null)).toBe(true);
    expect(got.text).not.toContain(secret);
    const removed = await call(emulator, `${GRAPH}/applications/${id}/removePassword`, {
      method: 'POST',
      token: admin,
      body: { keyId: added.json.keyId },
    });
    expect(removed.status).toBe(204);
    expectGraphError(
      await call(emulator, `${GRAPH}/applications/${id}/removePassword`, {
        method: 'POST',
        token: admin,
        body: { keyId: added.json.keyId },
      }),
      404,
      'Request_ResourceNotFound',
    );
  });

  it('applies tenant app management policies to addPassword', async () => {
    const a = await createApp();
    const url = `${GRAPH}/applications/${String(a.json.id)}/addPassword`;
    const block = emulator.control.setScenario({
      name: 'password-credentials-blocked',
      tenant: 'contoso.com',
    });
    expectGraphError(
      await call(emulator, url, { method: 'POST', token: admin, body: {} }),
      400,
      'CredentialTypeNotAllowedAsPerAppPolicy',
    );
    emulator.control.clearScenario(block);
    emulator.control.setScenario({ name: 'password-lifetime-capped', maxDays: 180 });
    expectGraphError(
      await call(emulator, url, { method: 'POST', token: admin, body: {} }),
      400,
      'CredentialInvalidLifetimeAsPerAppPolicy',
    );
    const short = await call(emulator, url, {
      method: 'POST',
      token: admin,
      body: { passwordCredential: { endDateTime: new Date(Date.now() + 90 * 86400_000).toISOString() } },
    });
    expect(short.status).toBe(200);
  });

  it('refuses addPassword past the app’s password limit with Microsoft’s TooManyAppPasswords', async () => {
    const a = await createApp();
    const url = `${GRAPH}/applications/${String(a.json.id)}/addPassword`;
    emulator.control.setScenario({ name: 'too-many-app-passwords', max: 2, tenant: 'contoso.com' });
    for (const n of [1, 2])
      expect((await call(emulator, url, { method: 'POST', token: admin, body: {} })).status, `${n}`).toBe(
        200,
      );
    const refused = await call(emulator, url, { method: 'POST', token: admin, body: {} });
    expectGraphError(refused, 400, 'TooManyAppPasswords');
    expect(refused.json).toMatchObject({
      error: {
        message: 'Not allowed to add 3 passwords. You can only add a maximum of 2 passwords.',
        details: [{ target: 'passwordCredentials', code: 'TooManyAppPasswords' }],
      },
    });
  });

  it('accepts a certificate in keyCredentials and returns key: null on reads', async () => {
    const a = await createApp();
    const cert = await generate([{ name: 'commonName', value: 'kantiv' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    const key = cert.cert.replace(/-----[^-]+-----|\s/g, '');
    const r = await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, {
      method: 'PATCH',
      token: admin,
      body: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key }] },
    });
    expect(r.status).toBe(204);
    const got = await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, { token: admin });
    expect(got.json.keyCredentials).toEqual([
      expect.objectContaining({ type: 'AsymmetricX509Cert', usage: 'Verify', key: null }),
    ]);
    expectGraphError(
      await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, {
        method: 'PATCH',
        token: admin,
        body: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'bm90IGEgY2VydA==' }] },
      }),
      400,
      'KeyCredentialsInvalidValue',
    );
  });

  it('denies writes without Application.ReadWrite.All or without an allowing directory role (403 Authorization_RequestDenied)', async () => {
    const readOnly = await tokenFor(
      emulator,
      'admin@contoso.com',
      'https://graph.microsoft.com/Application.Read.All',
    );
    expectGraphError(
      await call(emulator, `${GRAPH}/applications`, {
        method: 'POST',
        token: readOnly,
        body: { displayName: 'x' },
      }),
      403,
      'Authorization_RequestDenied',
    );
    expect((await call(emulator, `${GRAPH}/applications`, { token: readOnly })).status).toBe(200);
    const plain = await tokenFor(
      emulator,
      'user@contoso.com',
      'https://graph.microsoft.com/Application.ReadWrite.All',
    );
    const denied = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: plain,
      body: { displayName: 'x' },
    });
    expectGraphError(denied, 403, 'Authorization_RequestDenied');
    expect(errorOf(denied).message).toBe('Insufficient privileges to complete the operation.');
    emulator.control.setScenario({ name: 'admin-without-entra-role', user: 'admin@contoso.com' });
    expectGraphError(await createApp(), 403, 'Authorization_RequestDenied');
    const userRead = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/User.Read');
    expectGraphError(
      await call(emulator, `${GRAPH}/applications`, { token: userRead }),
      403,
      'Authorization_RequestDenied',
    );
  });

  it('hides a new application from reads while it replicates under replication-delay with graphReads', async () => {
    emulator.control.setScenario({ name: 'replication-delay', seconds: 2, graphReads: true });
    const a = await createApp();
    expectGraphError(
      await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, { token: admin }),
      404,
      'Request_ResourceNotFound',
    );
    await new Promise((r) => setTimeout(r, 2100));
    expect(
      (await call(emulator, `${GRAPH}/applications/${String(a.json.id)}`, { token: admin })).status,
    ).toBe(200);
  });

  it('throttles with 429 + Retry-After and fails with 503 under the scenarios', async () => {
    emulator.control.setScenario({ name: 'throttle', service: 'graph', retryAfterSeconds: 3, times: 1 });
    const t = await call(emulator, `${GRAPH}/applications`, { token: admin });
    expectGraphError(t, 429, 'TooManyRequests');
    expect(t.headers.get('retry-after')).toBe('3');
    expect((await call(emulator, `${GRAPH}/applications`, { token: admin })).status).toBe(200);
    emulator.control.setScenario({ name: 'service-unavailable', service: 'all', times: 1 });
    const u = await call(emulator, `${GRAPH}/applications`, { token: admin });
    expect(u.status).toBe(503);
    expect(u.headers.get('retry-after')).toBe('2');
  });
});
