import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import type { Emulator } from '@kantiv/emulator';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { ADMIN, type VerifierApp } from './verification-harness.ts';

const graphToken = (emulator: Emulator) => tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');

/** The application's object id and its key credentials, read from the emulated Graph. */
export async function keysOf(emulator: Emulator, appId: string) {
  const r = await call(emulator, `${GRAPH}/applications(appId='${appId}')?$select=id,keyCredentials`, {
    token: await graphToken(emulator),
  });
  return { objectId: String(r.json.id), keys: r.json.keyCredentials as { keyId: string }[] };
}

/** A verified certificate setup as the wizard leaves it (the app-registration step reported its object id). */
export async function certificateSetup(emulator: Emulator, app: VerifierApp) {
  const p = await app.provision({ withApplicationUser: true });
  const setup = await app.startSetup();
  const { objectId } = await keysOf(emulator, p.appId);
  const wizard = { authorization: `Bearer ${setup.token}` };
  const reported = await app.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/events',
    headers: wizard,
    payload: {
      events: [
        {
          seq: 1,
          step: 'app_registration',
          status: 'succeeded',
          at: new Date().toISOString(),
          message: 'App registered',
          data: { applicationObjectId: objectId, clientId: p.appId },
        },
      ],
    },
  });
  expect(reported.statusCode).toBeLessThan(300);
  const made = (
    await app.app.inject({
      method: 'POST',
      url: '/api/v1/wizard/certificate',
      headers: wizard,
      payload: {
        tenantId: emulator.tenants.contoso,
        clientId: p.appId,
        environmentUrl: app.org().url,
        lifetimeDays: 365,
      },
    })
  ).json<{ keyId: string; certificate: string; notAfter: string }>();
  const patched = await call(emulator, `${GRAPH}/applications/${objectId}`, {
    method: 'PATCH',
    token: await graphToken(emulator),
    body: {
      keyCredentials: [
        {
          keyId: made.keyId,
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          key: made.certificate,
          displayName: CERTIFICATE_DISPLAY_NAME,
        },
      ],
    },
  });
  expect(patched.status).toBe(204);
  const handed = await app.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/credentials',
    headers: wizard,
    payload: {
      idempotencyKey: randomUUID(),
      source: 'automatic',
      tenantId: emulator.tenants.contoso,
      environmentUrl: app.org().url,
      clientId: p.appId,
      credentialKind: 'certificate',
      keyId: made.keyId,
      applicationUserId: p.applicationUserId,
    },
  });
  expect(handed.statusCode).toBe(202);
  expect((await app.settled(setup.id)).state).toBe('verified');
  return { id: setup.id, appId: p.appId, objectId, keyId: made.keyId, notAfter: Date.parse(made.notAfter) };
}
