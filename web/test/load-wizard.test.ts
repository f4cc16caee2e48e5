// @vitest-environment jsdom
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientConfigSchema } from '@kantiv/shared/client-config';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { WizardSetupSchema } from '@kantiv/shared/setup';

/**
 * The real loader, API client and fetch against a loopback HTTP server that answers as ours does: what is counted is
 * requests that reached the server, so a broken `getWizardSetup` (path, token header, schema) fails here.
 */
const SETUP_ID = '4f0c1c1e-1111-4222-8333-944444444444';
const TOKEN = 'q3Jk8vT2yLw9XcN4bR7mP1sZ6fH0dG5aE8uI2oK4jVw';
const setup = WizardSetupSchema.parse({
  id: SETUP_ID,
  customerName: 'Contoso',
  state: 'invited',
  manifest: DEFAULT_MANIFEST,
  secretLifetimeMonths: 12,
  inviteExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  steps: [],
});
const config = ClientConfigSchema.parse({
  microsoft: {
    authorityHost: 'https://login.microsoftonline.com',
    graphBaseUrl: 'https://graph.microsoft.com',
    discoveryBaseUrl: 'https://globaldisco.crm.dynamics.com',
    wizardClientId: '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f',
  },
  staff: {
    tenantId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    clientId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    apiScope: 'api://kantiv-connect/Setups.Access',
  },
  support: { name: 'Kantiv', email: 'support@kantiv.example' },
});

/** Wizard-setup requests the server answered, with the bearer token each carried. */
const setupReads: (string | undefined)[] = [];
const server = http.createServer((req, res) => {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-headers', 'authorization, content-type');
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  if (req.url === '/api/v1/client-config') return void res.writeHead(200).end(JSON.stringify(config));
  if (req.url === '/api/v1/wizard/setup') {
    setupReads.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return void res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'unauthorized', message: 'Open the invite link again.' } }));
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(setup));
  }
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
vi.stubEnv('VITE_API_BASE_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
// Imported after the API base URL points at the loopback server (the env module reads it once).
const { loadWizard } = await import('../src/features/wizard/lib/load-wizard.ts');

const request = (pathname: string) => new Request(`http://localhost${pathname}`);

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('loadWizard', () => {
  beforeEach(() => {
    sessionStorage.clear();
    sessionStorage.setItem('kantiv-connect.setup-token', TOKEN);
    setupReads.length = 0;
  });

  it('opening the invite link reads the setup once: the redirect to the first step reuses the answer', async () => {
    const first = await loadWizard(request(`/setup/${SETUP_ID}`), SETUP_ID);
    expect(first).toBeInstanceOf(Response);
    expect((first as Response).headers.get('location')).toBe(`/setup/${SETUP_ID}/welcome`);

    const welcome = await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(welcome).toMatchObject({ kind: 'ready', step: 'welcome', setup: { id: SETUP_ID }, config });
    expect(setupReads).toEqual([`Bearer ${TOKEN}`]);

    // Any later navigation asks the server again.
    await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(setupReads).toHaveLength(2);
  });

  it('the handed-over setup serves only the redirect target, and only once', async () => {
    await loadWizard(request(`/setup/${SETUP_ID}`), SETUP_ID);
    // Something else navigated before the redirect was followed: that load reads the server itself.
    await loadWizard(request(`/setup/${SETUP_ID}/manual`), SETUP_ID);
    expect(setupReads).toHaveLength(2);
    await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID);
    expect(setupReads).toHaveLength(3);
  });

  it('a token the server refuses shows the invite as unavailable', async () => {
    sessionStorage.setItem('kantiv-connect.setup-token', 'not-the-token-of-this-setup-xxxxxxxxxxxxxxxxx');
    expect(await loadWizard(request(`/setup/${SETUP_ID}/welcome`), SETUP_ID)).toMatchObject({
      kind: 'unavailable',
      reason: 'unknown',
    });
    expect(setupReads).toHaveLength(1);
  });
});
