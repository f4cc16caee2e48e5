import { describe, expect, it } from 'vitest';
import { DV, ORG, dvToken, rootBu } from './support/dataverse.ts';
import { emulator, useEmulator } from './support/emulator-fixture.ts';
import { call, errorOf } from './support/helpers.ts';

useEmulator();

describe('Dataverse Web API', () => {
  it('answers WhoAmI for the signed-in user and 401 with WWW-Authenticate without a token', async () => {
    const token = await dvToken('admin@contoso.com');
    const r = await call(emulator, `${DV}/WhoAmI`, { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('odata-version')).toBe('4.0');
    expect(r.json).toMatchObject({
      '@odata.context':
        'https://contoso.api.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse',
      OrganizationId: emulator.urls.environments[0]?.organizationId,
      BusinessUnitId: await rootBu(token),
    });
    const none = await call(emulator, `${DV}/WhoAmI`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      `Bearer authorization_uri=https://login.microsoftonline.com/${emulator.tenants.contoso}/oauth2/authorize, resource_id=${ORG}/`,
    );
    // A token for another org is not accepted here.
    const sandbox = await dvToken('admin@contoso.com', 'https://contoso-sandbox.crm.dynamics.com');
    expect((await call(emulator, `${DV}/WhoAmI`, { token: sandbox })).status).toBe(401);
  });

  it('is reachable by path on localhost as well', async () => {
    const env = emulator.urls.environments.find((e) => e.url === ORG)!;
    const r = await call(emulator, `${env.baseUrl}/api/data/v9.2/WhoAmI`, {
      token: await dvToken('admin@contoso.com'),
    });
    expect(r.status).toBe(200);
  });

  it('refuses a user who is not in the environment', async () => {
    const r = await call(emulator, `${DV}/WhoAmI`, { token: await dvToken('admin@fabrikam.com') });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('0x80072560');
  });

  it("enforces the caller's privileges on table reads, with depth", async () => {
    const token = await dvToken('admin@contoso.com');
    expect(
      ((await call(emulator, `${DV}/accounts?$select=name`, { token })).json.value as unknown[]).length,
    ).toBe(5);
    // Basic User holds prvReadAccount at Basic depth: only records the user owns.
    const plain = await call(emulator, `${DV}/accounts?$select=name`, {
      token: await dvToken('user@contoso.com'),
    });
    expect(plain.status).toBe(200);
    expect(plain.json.value).toEqual([]);
    const leads = await call(emulator, `${DV}/leads`, { token: await dvToken('user@contoso.com') });
    expect(leads.status).toBe(403);
    expect(errorOf(leads).message).toContain('is missing prvReadLead privilege');
    expect(errorOf(leads).message).toContain("OTC=4 for entity 'lead'");
    const bad = await call(emulator, `${DV}/accounts?$select=nosuchcolumn`, { token });
    expect(bad.status).toBe(400);
    expect((await call(emulator, `${DV}/nosuchtables`, { token })).status).toBe(404);
    const one = await call(emulator, `${DV}/accounts?$top=1&$select=accountid`, { token });
    const id = (one.json.value as { accountid: string }[])[0]?.accountid ?? '';
    expect((await call(emulator, `${DV}/accounts(${id})?$select=name`, { token })).json.name).toBe(
      'Adventure Works',
    );
    const capped = await call(emulator, `${DV}/contacts`, {
      token,
      headers: { prefer: 'odata.maxpagesize=2' },
    });
    expect((capped.json.value as unknown[]).length).toBe(2);
  });

  it('throttles with 0x80072322 and Retry-After, and answers CORS with the origin', async () => {
    emulator.control.setScenario({ name: 'throttle', service: 'dataverse', retryAfterSeconds: 5, times: 1 });
    const token = await dvToken('admin@contoso.com');
    const r = await call(emulator, `${DV}/WhoAmI`, { token, headers: { origin: 'https://wizard.example' } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(errorOf(r).code).toBe('0x80072322');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://wizard.example');
    const pre = await call(emulator, `${DV}/WhoAmI`, {
      method: 'OPTIONS',
      headers: { origin: 'https://wizard.example', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization');
  });
});
