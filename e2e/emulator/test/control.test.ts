import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_NAMES, startEmulator, type Emulator } from '../src/index.ts';
import { GRAPH, call, decodeClaims, tokenFor } from './support/helpers.ts';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe('control API', () => {
  it('shows credential metadata but never the secret, and never logs query values', async () => {
    emulator.control.reset();
    const graph = await tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');
    const app = await call(emulator, `${GRAPH}/applications`, {
      method: 'POST',
      token: graph,
      body: { displayName: 'Inspect me' },
    });
    const added = await call(emulator, `${GRAPH}/applications/${String(app.json.id)}/addPassword`, {
      method: 'POST',
      token: graph,
      body: { passwordCredential: { displayName: 'Kantiv secret' } },
    });
    const secret = String(added.json.secretText);
    await call(
      emulator,
      `https://login.microsoftonline.com/${emulator.tenants.contoso}/oauth2/v2.0/token?client-request-id=abc`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: String(app.json.appId),
          client_secret: secret,
          scope: 'https://graph.microsoft.com/.default',
        }).toString(),
      },
    );
    const state = emulator.control.state();
    const inspected = state.applications.find((a) => a.id === app.json.id);
    expect(inspected?.passwordCredentials).toEqual([
      expect.objectContaining({ displayName: 'Kantiv secret', hint: secret.slice(0, 3) }),
    ]);
    expect(JSON.stringify(state)).not.toContain(secret);
    expect(JSON.stringify(state)).not.toContain('secretHash');
    const log = emulator.control.requestLog();
    expect(
      log.some((e) => e.service === 'entra' && e.path.endsWith('/oauth2/v2.0/token?client-request-id')),
    ).toBe(true);
    expect(JSON.stringify(log)).not.toContain(secret);
    expect(JSON.stringify(log)).not.toContain('abc');
  });

  it('exposes state of environments: roles, application users and assignments', () => {
    emulator.control.reset();
    const prod = emulator.control.state().environments.find((e) => e.friendlyName === 'Contoso Production');
    expect(prod?.roles.some((r) => r.name === 'System Administrator' && r.privileges === 'all')).toBe(true);
    expect(
      prod?.systemUsers.find((u) => u.azureactivedirectoryobjectid === emulator.seed.users.contosoAdmin.id)
        ?.roles,
    ).toEqual(['System Administrator']);
  });

  it('issues delegated tokens for seeded users, with v2 app roles for the Kantiv API', async () => {
    const staff = await tokenFor(
      emulator,
      'support@kantiv.com',
      `${emulator.seed.apps.api.identifierUri}/access_as_user`,
    );
    expect(decodeClaims(staff)).toMatchObject({
      aud: emulator.seed.apps.api.appId,
      iss: `https://login.microsoftonline.com/${emulator.tenants.kantiv}/v2.0`,
      ver: '2.0',
      scp: 'access_as_user',
      roles: ['Connect.Read', 'Connect.Manage'],
      azp: emulator.seed.apps.wizard.appId,
    });
    const viewer = decodeClaims(
      await tokenFor(emulator, 'viewer@kantiv.com', `${emulator.seed.apps.api.identifierUri}/access_as_user`),
    );
    expect(viewer.roles).toEqual(['Connect.Read']);
    const nobody = decodeClaims(
      await tokenFor(emulator, 'nobody@kantiv.com', `${emulator.seed.apps.api.identifierUri}/access_as_user`),
    );
    expect(nobody.roles).toBeUndefined();
    await expect(
      emulator.control.issueToken({
        user: 'ghost@contoso.com',
        scope: 'https://graph.microsoft.com/User.Read',
      }),
    ).rejects.toThrow(/Unknown user/);
  });

  it('works over HTTP under /_emulator: scenarios, state, token, reset', async () => {
    const base = emulator.urls.control;
    const names = await call(emulator, `${base}/scenarios`);
    expect(names.json.names).toEqual([...SCENARIO_NAMES]);
    const added = await call(emulator, `${base}/scenarios`, {
      method: 'POST',
      body: { name: 'latency', service: 'graph', ms: 1 },
    });
    expect(added.status).toBe(201);
    expect((await call(emulator, `${base}/scenarios`)).json.active).toEqual([
      { name: 'latency', service: 'graph', ms: 1 },
    ]);
    const bad = await call(emulator, `${base}/scenarios`, {
      method: 'POST',
      body: { name: 'no-such-thing' },
    });
    expect(bad.status).toBe(400);
    const token = await call(emulator, `${base}/token`, {
      method: 'POST',
      body: { user: 'admin@contoso.com', scope: 'https://graph.microsoft.com/User.Read' },
    });
    expect((await call(emulator, `${GRAPH}/me`, { token: String(token.json.access_token) })).status).toBe(
      200,
    );
    expect((await call(emulator, `${base}/reset`, { method: 'POST' })).status).toBe(204);
    expect((await call(emulator, `${base}/scenarios`)).json.active).toEqual([]);
    expect((await call(emulator, `${base}/state`)).json).toHaveProperty('environments');
    expect((await call(emulator, `${base}/log`)).json).toHaveProperty('entries');
  });

  it('serves a home page a person can start from', async () => {
    const home = await call(emulator, `${emulator.urls.authorityHost}/`);
    expect(home.text).toContain('Try the sign-in and consent pages');
    expect(home.text).toContain('Contoso Production');
  });
});

describe('pnpm emulator', () => {
  it('prints one "emulator ready" line with URLs and tenant ids', async () => {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const main = path.resolve(dir, '../src/main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, EMULATOR_PORT: '0', REPLICATION_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const l = out.split('\n').find((x) => x.startsWith('emulator ready '));
          if (l) resolve(l);
        });
        child.on('exit', (code) => reject(new Error(`exited ${String(code)}`)));
      });
      const info = JSON.parse(line.slice('emulator ready '.length)) as Record<string, unknown>;
      expect(info.tenants).toEqual(emulator.tenants);
      expect(String(info.authority)).toMatch(/^https:\/\/localhost:\d+\/organizations$/);
      expect(info).toHaveProperty('graph');
      expect(info).toHaveProperty('globalDiscovery');
      expect((info.environments as unknown[]).length).toBe(5);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
