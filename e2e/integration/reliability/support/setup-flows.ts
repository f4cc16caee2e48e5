import { randomUUID } from 'node:crypto';
import type { Manifest } from '@kantiv/shared/manifest';
import type { Api } from './api-client.ts';
import type { EmulatorProc } from './emulator-process.ts';
import { signIn, type Provisioned } from './microsoft-flows.ts';
import { ACCOUNTS, manifestOf } from '../../support/manifests.ts';

/** A small manifest keeps every verification to three Dataverse reads. */
export const MANIFEST: Manifest = manifestOf(ACCOUNTS);

export const inviteToken = (inviteUrl: string) => new URL(inviteUrl).hash.replace(/^#token=/, '');

export async function createSetup(api: Api, base: string, apiKey: string, customerName = 'Contoso Ltd') {
  const r = await api.call(base, 'POST', '/api/v1/setups', {
    token: apiKey,
    body: { customerName, manifest: MANIFEST, expectedTenantDomain: 'contoso.com' },
  });
  if (r.status !== 201) throw new Error(`create setup: ${r.status} ${r.text}`);
  const body = r.json<{ setup: { id: string }; inviteUrl: string }>();
  return { id: body.setup.id, token: inviteToken(body.inviteUrl) };
}

/** The admin's sign-in as the wizard makes it: with the setup's nonce from `GET /api/v1/wizard/setup`. */
export async function signInFor(api: Api, base: string, token: string, emu: EmulatorProc): Promise<string> {
  const r = await api.call(base, 'GET', '/api/v1/wizard/setup', { token });
  const nonce = r.json<{ signInNonce?: string }>().signInNonce;
  if (r.status !== 200 || !nonce) throw new Error(`wizard setup: ${r.status} ${r.text}`);
  return signIn(emu, undefined, nonce);
}

/** Identity binding and the wizard's step events (Steps 1–4 as the engine reports them). */
export async function wizardUpTo(api: Api, base: string, token: string, emu: EmulatorProc, p: Provisioned) {
  const idToken = await signInFor(api, base, token, emu);
  const id = await api.call(base, 'POST', '/api/v1/wizard/identity', { token, body: { idToken } });
  if (id.status !== 200) throw new Error(`identity: ${id.status} ${id.text}`);
  const at = () => new Date().toISOString();
  const events = [
    { seq: 1, step: 'preflight', status: 'succeeded', at: at(), message: 'Roles checked' },
    {
      seq: 2,
      step: 'app_registration',
      status: 'succeeded',
      at: at(),
      message: 'App registered',
      data: { clientId: p.appId },
    },
    { seq: 3, step: 'credential', status: 'succeeded', at: at(), message: 'Secret created' },
    {
      seq: 4,
      step: 'application_user',
      status: 'succeeded',
      at: at(),
      message: 'Application user created',
      data: { applicationUserId: p.applicationUserId, environmentUrl: emu.org.url },
    },
  ];
  const ev = await api.call(base, 'POST', '/api/v1/wizard/events', { token, body: { events } });
  if (ev.status !== 200) throw new Error(`events: ${ev.status} ${ev.text}`);
}

export function handoffBody(emu: EmulatorProc, p: Provisioned, idempotencyKey = randomUUID()) {
  return {
    idempotencyKey,
    source: 'automatic',
    tenantId: emu.tenants.contoso,
    clientId: p.appId,
    clientSecret: p.secretText,
    environmentUrl: emu.org.url,
    applicationUserId: p.applicationUserId,
    roleName: 'Kantiv Integration',
    secretExpiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  };
}

export async function stateOf(api: Api, base: string, apiKey: string, id: string): Promise<string> {
  const r = await api.call(base, 'GET', `/api/v1/setups/${id}/status`, { token: apiKey });
  return r.json<{ state: string }>().state;
}
