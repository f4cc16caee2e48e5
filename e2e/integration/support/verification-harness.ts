import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '@kantiv/server/app';
import type { Clock } from '@kantiv/server/lib/clock';
import { generateKeySpec, loadConfig } from '@kantiv/server/config';
import { SetupSchema, type Setup } from '@kantiv/shared/setup';
import type { Manifest } from '@kantiv/shared/manifest';
import { startEmulator, type Emulator } from '@kantiv/emulator';
import { GRAPH, call, tokenFor } from '@kantiv/emulator/test-support/helpers';
import { eventually } from '@kantiv/emulator/test-support/eventually';
import { ACCOUNTS, CONTACTS, manifestOf } from './manifests.ts';

export const ADMIN = 'admin@contoso.com';
export const MANIFEST: Manifest = manifestOf(ACCOUNTS, CONTACTS);

export type Provisioned = { appId: string; secretText: string; applicationUserId?: string | undefined };

/**
 * The real server (job runner on) reaching the emulator through its production URLs (host mapping + the emulator's
 * CA), and what the provisioning engine does in Steps 1–4 against the emulated Graph and Dataverse.
 */
export async function startVerifierApp(
  emulator: Emulator,
  env: Record<string, string> = {},
  /**
   * `clock`: the server's business time (lib/clock.ts), e.g. a movable clock the test moves forward. `logStream`:
   * the server's log lines (pino JSON, at `LOG_LEVEL`, default silent), for a test that reads what the server logs.
   */
  opts: { clock?: Clock; logStream?: NodeJS.WritableStream } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-verify-'));
  writeFileSync(path.join(dir, 'emulator-ca.pem'), emulator.certificate);
  const apiKey = `kc_${randomBytes(32).toString('base64url')}`;
  const auth = { authorization: `Bearer ${apiKey}` };
  const config = loadConfig({
    KANTIV_KEYS: generateKeySpec('verify'),
    KANTIV_BOOTSTRAP_API_KEY: apiKey,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.com',
    KANTIV_DEV_MODE: 'true',
    MICROSOFT_HOST_MAP: emulator.microsoftHostMap,
    MICROSOFT_CA_FILE: path.join(dir, 'emulator-ca.pem'),
    WIZARD_CLIENT_ID: emulator.seed.apps.wizard.appId,
    JOB_POLL_MS: '50',
    VERIFICATION_RETRY_BASE_MS: '300',
    VERIFICATION_RETRY_MAX_MS: '1000',
    VERIFICATION_MAX_WAIT_SECONDS: '60',
    VERIFICATION_SECRET_GRACE_SECONDS: '0',
    VERIFICATION_PRIVILEGE_GRACE_SECONDS: '0',
    ...env,
  });
  const app: FastifyInstance = await buildApp({
    config,
    logger: opts.logStream ? { stream: opts.logStream } : false,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await app.ready();
  const org = () => emulator.urls.environments.find((e) => e.name === 'Contoso Production')!;

  async function createApplicationUser(appId: string): Promise<string> {
    const dvToken = await tokenFor(emulator, ADMIN, `${org().url}/user_impersonation`);
    const base = `${org().apiUrl}/api/data/v9.2`;
    const bu = await call(
      emulator,
      `${base}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
      { token: dvToken },
    );
    const buId = (bu.json.value as { businessunitid: string }[])[0]!.businessunitid;
    const user = await eventually(
      () =>
        call(emulator, `${base}/systemusers`, {
          method: 'POST',
          token: dvToken,
          body: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
        }),
      (r) => r.status === 204,
    );
    const userId = /systemusers\((.+)\)$/.exec(user.headers.get('odata-entityid') ?? '')![1]!;
    const roles = await call(
      emulator,
      `${base}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${buId}`,
      { token: dvToken },
    );
    const roleId = (roles.json.value as { roleid: string }[])[0]!.roleid;
    const assigned = await call(emulator, `${base}/systemusers(${userId})/systemuserroles_association/$ref`, {
      method: 'POST',
      token: dvToken,
      body: { '@odata.id': `${base}/roles(${roleId})` },
    });
    expect(assigned.status).toBe(204);
    return userId;
  }

  return {
    app,
    auth,
    org,
    /** The emulator's CA, for another app in the same test. */
    caFile: path.join(dir, 'emulator-ca.pem'),
    createApplicationUser,

    async provision(options: { withApplicationUser: boolean }): Promise<Provisioned> {
      const graphToken = await tokenFor(emulator, ADMIN, 'https://graph.microsoft.com/.default');
      const created = await call(
        emulator,
        `${GRAPH}/applications(uniqueName='kantiv-${randomUUID().slice(0, 8)}')`,
        {
          method: 'PATCH',
          token: graphToken,
          headers: { prefer: 'create-if-missing' },
          body: { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' },
        },
      );
      const appId = String(created.json.appId);
      const secret = await call(emulator, `${GRAPH}/applications/${String(created.json.id)}/addPassword`, {
        method: 'POST',
        token: graphToken,
        body: { passwordCredential: { displayName: 'Kantiv secret' } },
      });
      await eventually(
        () =>
          call(emulator, `${GRAPH}/servicePrincipals`, {
            method: 'POST',
            token: graphToken,
            body: { appId },
          }),
        (r) => r.status === 201,
      );
      const result: Provisioned = { appId, secretText: String(secret.json.secretText) };
      if (options.withApplicationUser) result.applicationUserId = await createApplicationUser(appId);
      return result;
    },

    async startSetup(manifest: Manifest = MANIFEST) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/setups',
        headers: auth,
        payload: { customerName: 'Contoso', manifest },
      });
      const body = res.json<{ setup: { id: string }; inviteUrl: string }>();
      const token = new URL(body.inviteUrl).hash.replace('#token=', '');
      // Identity binding with the admin's ID token is covered by the server suite; here the setup is bound directly.
      await app.store.db
        .updateTable('setups')
        .set({ tenant_id: emulator.tenants.contoso, state: 'in_progress' })
        .where('id', '=', body.setup.id)
        .execute();
      return { id: body.setup.id, token };
    },

    /** Support's new invite link (how a repair starts once the first link retired at verification): its token. */
    async newInvite(setupId: string): Promise<string> {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/setups/${setupId}/invite`,
        headers: auth,
      });
      expect(res.statusCode).toBe(200);
      return new URL(res.json<{ inviteUrl: string }>().inviteUrl).hash.replace('#token=', '');
    },

    async handOff(setup: { token: string }, p: Provisioned, environmentUrl = org().url) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/wizard/credentials',
        headers: { authorization: `Bearer ${setup.token}` },
        payload: {
          idempotencyKey: randomUUID(),
          source: p.applicationUserId ? 'automatic' : 'manual',
          tenantId: emulator.tenants.contoso,
          clientId: p.appId,
          clientSecret: p.secretText,
          environmentUrl,
          ...(p.applicationUserId ? { applicationUserId: p.applicationUserId } : {}),
        },
      });
      expect(res.statusCode).toBe(202);
    },

    async settled(id: string, timeoutMs = 45_000): Promise<Setup> {
      return eventually(
        async () =>
          SetupSchema.parse(
            (await app.inject({ method: 'GET', url: `/api/v1/setups/${id}`, headers: auth })).json(),
          ),
        (s) => s.state === 'verified' || s.state === 'failed',
        timeoutMs,
      );
    },

    async eventsOf(id: string) {
      return app.store.db
        .selectFrom('setup_events')
        .selectAll()
        .where('setup_id', '=', id)
        .orderBy('id')
        .execute();
    },

    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type VerifierApp = Awaited<ReturnType<typeof startVerifierApp>>;

/** The emulator and a verifier app for one test file: started before its tests, closed after them. */
export function useVerifierStack(env: Record<string, string> = {}): { emulator: Emulator; v: VerifierApp } {
  const stack = {} as { emulator: Emulator; v: VerifierApp };
  beforeAll(async () => {
    stack.emulator = await startEmulator({ replicationDelayMs: 300 });
    stack.v = await startVerifierApp(stack.emulator, env);
  }, 60_000);
  afterAll(async () => {
    await stack.v?.close();
    await stack.emulator?.close();
  });
  return stack;
}
