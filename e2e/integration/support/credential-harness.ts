import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { CERTIFICATE_DISPLAY_NAME } from '@kantiv/shared/naming';
import type { Emulator } from '@kantiv/emulator';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { sleep } from '@kantiv/emulator/test-support/eventually';
import { ADMIN, type VerifierApp } from './verification-harness.ts';

/**
 * What the certificate-rotation and renewal-link tests share: the app's credentials as Graph shows them, the
 * wizard's certificate step (our server makes it, the admin's token adds it, the wizard hands it off) and a client
 * asking for a token every 100 ms.
 */
const graphToken = (emulator: Emulator) => tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');

/** The application's certificates and secrets (ids only) and its object id. */
export async function appCredentials(emulator: Emulator, appId: string) {
  const r = await call(
    emulator,
    `${GRAPH}/applications(appId='${appId}')?$select=id,keyCredentials,passwordCredentials`,
    { token: await graphToken(emulator) },
  );
  return {
    objectId: String(r.json.id),
    keys: r.json.keyCredentials as { keyId: string }[],
    passwords: r.json.passwordCredentials as { keyId: string }[],
  };
}

/** The admin removes a secret from the app with the delegated Graph token (as the wizard's renewal run does). */
export async function removePassword(emulator: Emulator, objectId: string, keyId: string) {
  return call(emulator, `${GRAPH}/applications/${objectId}/removePassword`, {
    method: 'POST',
    token: await graphToken(emulator),
    body: { keyId },
  });
}

/**
 * The wizard's certificate step and hand-off with the setup token `wizard`: the server makes the certificate, the
 * admin's token puts it in the app's `keyCredentials` (replacing the collection, as a PATCH does), the hand-off
 * names its keyId. Answers the certificate and the hand-off's response.
 */
export async function handOffServerCertificate(
  emulator: Emulator,
  app: VerifierApp,
  wizard: Record<string, string>,
  target: { appId: string; objectId: string; applicationUserId?: string | undefined },
) {
  const made = await app.app.inject({
    method: 'POST',
    url: '/api/v1/wizard/certificate',
    headers: wizard,
    payload: {
      tenantId: emulator.tenants.contoso,
      clientId: target.appId,
      environmentUrl: app.org().url,
      lifetimeDays: 365,
    },
  });
  expect(made.statusCode, made.body).toBe(201);
  const cert = made.json<{ keyId: string; certificate: string; notAfter: string }>();
  const patched = await call(emulator, `${GRAPH}/applications/${target.objectId}`, {
    method: 'PATCH',
    token: await graphToken(emulator),
    body: {
      keyCredentials: [
        {
          keyId: cert.keyId,
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          key: cert.certificate,
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
      clientId: target.appId,
      credentialKind: 'certificate',
      keyId: cert.keyId,
      ...(target.applicationUserId ? { applicationUserId: target.applicationUserId } : {}),
    },
  });
  return { cert, handed };
}

/** A client asking for a token every 100 ms until stopped; every answer's status is kept. */
export function tokenClient(app: VerifierApp, setupId: string) {
  const statuses: number[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const r = await app.app.inject({
        method: 'POST',
        url: `/api/v1/connections/${setupId}/token`,
        headers: app.auth,
      });
      statuses.push(r.statusCode);
      await sleep(100);
    }
  })();
  return {
    statuses,
    async stop() {
      stopped = true;
      await done;
      return statuses;
    },
  };
}

/** The application's object id and its key credentials (with its secrets), read from the emulated Graph. */
export const keysOf = appCredentials;

/** A verified certificate setup as the wizard leaves it (the app-registration step reported its object id). */
export async function certificateSetup(emulator: Emulator, app: VerifierApp) {
  const p = await app.provision({ withApplicationUser: true });
  const setup = await app.startSetup();
  const { objectId } = await appCredentials(emulator, p.appId);
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
  const { cert, handed } = await handOffServerCertificate(emulator, app, wizard, {
    appId: p.appId,
    objectId,
    applicationUserId: p.applicationUserId,
  });
  expect(handed.statusCode).toBe(202);
  expect((await app.settled(setup.id)).state).toBe('verified');
  return { id: setup.id, appId: p.appId, objectId, keyId: cert.keyId, notAfter: Date.parse(cert.notAfter) };
}
