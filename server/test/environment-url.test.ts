import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuard } from '../src/lib/address-policy.ts';
import { createHttpClient } from '../src/lib/http-client.ts';
import { createMicrosoftClient, MicrosoftError } from '../src/services/microsoft.ts';
import { describeDialects } from './helpers/databases.ts';
import { bearer, bindTenant, createSetup, handoffBody, testResolver, useTestApp } from './helpers/app.ts';

describeDialects('environment URLs (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('POST /api/v1/wizard/credentials › accepts only Dataverse hosts on port 443', async () => {
    const accepted: string[] = [];
    for (const environmentUrl of [
      'https://evil.example.com',
      'https://contoso.crm.dynamics.com:8443',
      'https://contoso.crm.dynamics.com.evil.example',
      'https://user:pw@contoso.crm.dynamics.com',
      'https://contoso.crm.dynamics.com/api/data?x=1',
      'https://169.254.169.254',
      'https://[::1]',
      'https://dynamics.com',
    ]) {
      const setup = await createSetup(ctx);
      const tenantId = await bindTenant(ctx, setup.token);
      const res = await ctx.call({
        method: 'POST',
        url: '/api/v1/wizard/credentials',
        headers: bearer(setup.token),
        payload: handoffBody(tenantId, { environmentUrl }),
      });
      if (res.statusCode !== 400) accepted.push(environmentUrl);
    }
    expect(accepted).toEqual([]);
    const setup = await createSetup(ctx);
    const tenantId = await bindTenant(ctx, setup.token);
    const ok = await ctx.call({
      method: 'POST',
      url: '/api/v1/wizard/credentials',
      headers: bearer(setup.token),
      payload: handoffBody(tenantId, { environmentUrl: 'https://contoso.crm4.dynamics.com' }),
    });
    expect(ok.statusCode).toBe(202);
  });
});

describe('the verifier connects only to Dataverse hosts of its cloud, at public addresses', () => {
  const hosts = new Map<string, string[]>();
  const lookups: string[] = [];
  let receiver: http.Server;
  let connections = 0;
  let closedPort = 0;
  beforeAll(async () => {
    receiver = http.createServer((_req, res) => res.writeHead(200).end('{}'));
    receiver.on('connection', () => (connections += 1));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  function client(hostMap: { pattern: string; host: string; port: number }[] = []) {
    const resolve = testResolver(hosts, lookups);
    const guarded = createHttpClient({ hostMap, guard: createAddressGuard({ resolve }) });
    return createMicrosoftClient({
      authorityHost: 'https://login.microsoftonline.com',
      http: guarded,
      dataverseHttp: guarded,
      cloud: 'public',
    });
  }
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => err as MicrosoftError,
    );

  it('refuses an environment whose name resolves to a private or loopback address, before connecting', async () => {
    for (const address of ['10.0.0.5', '169.254.169.254', '::ffff:192.168.0.1', '127.0.0.1']) {
      hosts.set('contoso.crm.dynamics.com', [address]);
      const err = await failure(client().dataverseGet('https://contoso.crm.dynamics.com', 'WhoAmI', 't'));
      expect(err).toBeInstanceOf(MicrosoftError);
      expect(err).toMatchObject({ code: 'environment_not_allowed', kind: 'permanent' });
      expect(err!.message).not.toContain(address);
    }
    expect(connections).toBe(0);
  });

  it('refuses a host of another cloud or another port without even looking it up', async () => {
    lookups.length = 0;
    for (const url of ['https://contoso.crm.microsoftdynamics.us', 'https://contoso.crm.dynamics.com:444']) {
      const err = await failure(client().dataverseGet(url, 'WhoAmI', 't'));
      expect(err).toMatchObject({ code: 'environment_not_allowed' });
    }
    expect(lookups).toEqual([]);
  });

  it("a connection failure reaches the wizard as a fixed text, not the network's", async () => {
    const err = await failure(
      client([{ pattern: 'closed.crm.dynamics.com', host: '127.0.0.1', port: closedPort }]).dataverseGet(
        'https://closed.crm.dynamics.com',
        'WhoAmI',
        't',
      ),
    );
    expect(err).toMatchObject({ code: 'network_error', message: 'Dataverse could not be reached.' });
  });
});
