import {
  CryptoProvider,
  PublicClientApplication,
  ResponseMode,
  ServerError,
  type AccountInfo,
  type INetworkModule,
} from '@azure/msal-node';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { DEFAULT_ROLE_PRIVILEGE_NAMES, startEmulator, type Emulator } from '@kantiv/emulator';
import { CredentialHandoffRequestSchema, type CredentialHandoffRequest } from '@kantiv/shared/credentials';
import type { StepEventInput } from '@kantiv/shared/events';
import { DEFAULT_MANIFEST, privilegeName } from '@kantiv/shared/manifest';
import {
  createEngine,
  tokenScope,
  type CertificateCallback,
  type Engine,
  type EngineConfig,
  type EngineOptions,
  type RequestObservation,
  type SecretHolder,
  type SwitchedCallback,
  type TokenProvider,
  type TokenResource,
} from '@kantiv/provisioning';

export const CONTOSO_PRODUCTION = 'https://contoso.crm.dynamics.com';
export const UNIQUE_NAME = 'kantiv-dataverse-connector';
export const ADMIN = 'admin@contoso.com';

/** Short, real waits: the emulator replicates for real, we just back off quickly. */
export const FAST_RETRY: EngineConfig['retry'] = {
  throttleBaseDelayMs: 100,
  throttleMaxDelayMs: 3_000,
  replicationBaseDelayMs: 150,
  replicationMaxDelayMs: 600,
  replicationTimeoutMs: 60_000,
};

/** What every step message ends with under a fixed engine clock: no time passes on it. */
export const TOOK = ' (0.0 s)';

/** A fixed engine clock: planned dates and lifetimes come out exact. */
export const fixed = (now: number) => ({ now: () => now });

/** Kantiv's app registration in Contoso, as the emulator holds it now. */
export function ourApp(emu: Emulator) {
  return emu.control
    .state()
    .applications.find((a) => a.tenantId === emu.tenants.contoso && a.uniqueName === UNIQUE_NAME)!;
}

/** The hand-off step's end in a run's events: succeeded, or skipped when there was nothing to hand off. */
export function handoffEnd(events: StepEventInput[]) {
  return events.find((e) => e.step === 'handoff' && (e.status === 'succeeded' || e.status === 'skipped'))!;
}

/**
 * Another certificate on the app (an admin's own, or `displayName` another page of the same setup used), added the way
 * a client must: keys read back and sent again.
 */
export async function addCertificateByHand(
  emu: Emulator,
  objectId: string,
  key: string,
  displayName = 'CN=contoso-admin',
): Promise<void> {
  const token = await tokensFor(emu).getToken('graph');
  const url = `${emu.urls.graph}/v1.0/applications/${objectId}`;
  const read = await emu.fetch(`${url}?$select=keyCredentials`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const existing = ((await read.json()) as { keyCredentials: Record<string, unknown>[] }).keyCredentials;
  const res = await emu.fetch(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      keyCredentials: [
        ...existing.map((k) => ({
          keyId: k.keyId,
          type: k.type,
          usage: k.usage,
          key: k.key,
          displayName: k.displayName,
        })),
        { type: 'AsymmetricX509Cert', usage: 'Verify', key, displayName },
      ],
    }),
  });
  expect(res.status).toBe(204);
}

/** Someone else's secret on the app (a build pipeline's), added by hand in the Entra admin center: its key id. */
export async function addSecretByHand(emu: Emulator, objectId: string, displayName: string): Promise<string> {
  const token = await emu.control.issueToken({
    user: ADMIN,
    scope: 'https://graph.microsoft.com/Application.ReadWrite.All',
  });
  const added = await emu.fetch(`https://graph.microsoft.com/v1.0/applications/${objectId}/addPassword`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ passwordCredential: { displayName } }),
  });
  expect(added.status).toBe(200);
  return ((await added.json()) as { keyId: string }).keyId;
}

export async function emulator(replicationDelayMs = 0): Promise<Emulator> {
  return startEmulator({ replicationDelayMs });
}

/** One emulator per test file, started once and reset before each test; `started` receives it. */
export function useEmulator(started: (emu: Emulator) => void): void {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await emulator();
    started(emu);
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
  }, 60_000);
  beforeEach(() => {
    emu?.control.reset();
    emu?.control.setReplicationDelay(0);
  });
}

/** A registered SPA redirect URI of the wizard app; MSAL node acts as the SPA (same `Origin` rule). */
const SPA_ORIGIN = 'https://localhost:5174';

/**
 * Delegated tokens for a seeded user through the real `@azure/msal-node`: authorization code + PKCE against the
 * emulator's authorize endpoint (its `auto-sign-in` scenario plays the person on the consent page), then
 * `acquireTokenSilent` per resource (refresh-token grant, one resource per token) like msal-browser in the wizard.
 */
export function tokensFor(emu: Emulator, user = ADMIN): TokenProvider {
  const base = emu.msalNetworkClient;
  const network: INetworkModule = {
    sendGetRequestAsync: (url, o) => base.sendGetRequestAsync(url, o),
    // Entra redeems codes and refresh tokens of SPA redirect URIs only from a browser origin (AADSTS9002327).
    sendPostRequestAsync: (url, o) =>
      base.sendPostRequestAsync(url, { ...o, headers: { ...o?.headers, Origin: SPA_ORIGIN } }),
  };
  const pca = new PublicClientApplication({
    auth: {
      clientId: emu.seed.apps.wizard.appId,
      authority: `${emu.urls.authorityHost}/organizations`,
      knownAuthorities: [emu.urls.knownAuthority],
    },
    system: { networkClient: network },
  });
  let account: Promise<AccountInfo> | undefined;
  const signIn = async (): Promise<AccountInfo> => {
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const redirectUri = `${SPA_ORIGIN}/`;
    const scopes = [tokenScope('graph')];
    const url = await pca.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      responseMode: ResponseMode.QUERY,
      extraScopesToConsent: [tokenScope('discovery')],
    });
    const id = emu.control.setScenario({ name: 'auto-sign-in', user });
    let back: URLSearchParams;
    try {
      const res = await emu.fetch(url, { redirect: 'manual' });
      back = new URL(res.headers.get('location') ?? SPA_ORIGIN).searchParams;
    } finally {
      emu.control.clearScenario(id);
    }
    const code = back.get('code');
    // What msal-browser raises when the authorize endpoint answers with an error (consent declined, …).
    if (!code) {
      const description = back.get('error_description') ?? '';
      const error = new ServerError(back.get('error') ?? 'no_code', '', description);
      throw Object.assign(error, { errorNo: /AADSTS(\d+)/.exec(description)?.[1] });
    }
    const result = await pca.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier });
    if (!result.account) throw new Error('MSAL returned no account.');
    return result.account;
  };
  return {
    async getToken(resource: TokenResource, options?: { fresh?: boolean }): Promise<string> {
      account ??= signIn();
      const result = await pca.acquireTokenSilent({
        account: await account,
        // Graph by bare scope names, as the wizard asks (engine-adapter `scopesFor`): token responses list Graph
        // scopes bare, so only then does MSAL serve the cached token, with its `wids` as old as in a real browser.
        scopes: resource === 'graph' ? ['Application.ReadWrite.All'] : [tokenScope(resource)],
        ...(options?.fresh ? { forceRefresh: true } : {}),
      });
      return result.accessToken;
    },
  };
}

/**
 * Tenant-wide admin consent to the wizard, as a Global Administrator would have granted it earlier: lets a user
 * without an admin role sign in (and then be told by the preflight what is missing).
 */
export function consentTenantWide(emu: Emulator) {
  const tenant = emu.tenants.contoso;
  emu.control.grantConsent({
    tenant,
    resource: 'https://graph.microsoft.com',
    scopes: ['Application.ReadWrite.All'],
  });
  emu.control.grantConsent({
    tenant,
    resource: 'https://globaldisco.crm.dynamics.com',
    scopes: ['user_impersonation'],
  });
}

export interface Run {
  engine: Engine;
  events: StepEventInput[];
  handoffs: CredentialHandoffRequest[];
  requests: RequestObservation[];
  controller: AbortController;
}

/** An engine wired to the emulator; `server` keeps what our server would know across runs (handed-off secret). */
export function run(
  emu: Emulator,
  opts: {
    config?: Partial<EngineConfig>;
    user?: string;
    server?: ServerMemory;
    onEvent?: (e: StepEventInput, run: Run) => void;
    onRequest?: (r: RequestObservation, run: Run) => void;
    handoff?: (req: CredentialHandoffRequest) => Promise<void>;
    /** Certificate mode: our server's certificate endpoint (see `certificates.ts`). */
    certificate?: CertificateCallback;
    /** A follow-up link's run: our server confirming its switch to the handed-off credential. */
    switched?: SwitchedCallback;
    /** Shared by the engines of one page (the wizard passes one secret holder to every run). */
    secretHolder?: SecretHolder;
    /** The engine's clock (a fixed `now` makes planned dates and lifetimes exact). */
    clock?: EngineOptions['clock'];
    /**
     * Runs before each of the engine's requests reaches the emulator (what someone else does in the tenant just
     * then, e.g. an admin deleting a secret in the Entra admin center between the engine's read and its write).
     */
    beforeRequest?: (url: string, init: RequestInit) => Promise<void>;
    /** The admin's tokens, when not the ones MSAL gets for `user` (e.g. tokens the emulator signs with other scopes). */
    tokens?: TokenProvider;
  } = {},
): Run {
  const controller = new AbortController();
  const server = opts.server;
  const r: Run = {
    engine: undefined as unknown as Engine,
    events: [],
    handoffs: [],
    requests: [],
    controller,
  };
  r.engine = createEngine({
    tokens: opts.tokens ?? tokensFor(emu, opts.user),
    fetch: async (input, init) => {
      await opts.beforeRequest?.(input, init);
      return emu.fetch(input, init);
    },
    config: {
      environmentUrl: CONTOSO_PRODUCTION,
      retry: FAST_RETRY,
      ...(server?.handedOffSecretKeyId ? { handedOffSecretKeyId: server.handedOffSecretKeyId } : {}),
      ...(server ? { seqStart: server.nextSeq } : {}),
      ...opts.config,
    },
    signal: controller.signal,
    ...(opts.secretHolder ? { secretHolder: opts.secretHolder } : {}),
    ...(opts.certificate ? { certificate: opts.certificate } : {}),
    ...(opts.switched ? { switched: opts.switched } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    onEvent: (e) => {
      r.events.push(e);
      if (server) server.nextSeq = e.seq + 1;
      opts.onEvent?.(e, r);
    },
    onRequest: (obs) => {
      r.requests.push(obs);
      opts.onRequest?.(obs, r);
    },
    handoff: async (req) => {
      CredentialHandoffRequestSchema.parse(req);
      await opts.handoff?.(req);
      r.handoffs.push(req);
      if (server) {
        server.handedOffSecretKeyId = req.secretKeyId ?? req.keyId;
        if (req.clientSecret !== undefined) server.secrets.push(req.clientSecret);
      }
    },
  });
  return r;
}

/** What our server remembers between runs: the secret it holds and the next event seq. */
export interface ServerMemory {
  handedOffSecretKeyId?: string | undefined;
  nextSeq: number;
  secrets: string[];
}
export const newServer = (): ServerMemory => ({ nextSeq: 0, secrets: [] });

export function statusesOf(events: StepEventInput[], step: StepEventInput['step']): string[] {
  return events.filter((e) => e.step === step).map((e) => e.status);
}

/** The converged state: exactly one of everything, and the one live secret is the one our server holds. */
export function expectInvariants(emu: Emulator, server: ServerMemory, envUrl = CONTOSO_PRODUCTION) {
  const state = emu.control.state();
  const tenantId = emu.tenants.contoso;
  const apps = state.applications.filter((a) => a.tenantId === tenantId && a.uniqueName === UNIQUE_NAME);
  expect(apps).toHaveLength(1);
  const app = apps[0]!;
  expect(app.signInAudience).toBe('AzureADMyOrg');
  expect(app.requiredResourceAccess).toContainEqual({
    resourceAppId: '00000007-0000-0000-c000-000000000000',
    resourceAccess: [{ id: '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4', type: 'Scope' }],
  });
  expect(
    state.servicePrincipals.filter((s) => s.tenantId === tenantId && s.appId === app.appId),
  ).toHaveLength(1);
  const secrets = app.passwordCredentials.filter((p) => p.displayName === 'Kantiv secret');
  expect(secrets.map((s) => s.keyId)).toEqual([server.handedOffSecretKeyId]);

  const env = state.environments.find((e) => e.url === envUrl)!;
  const root = env.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  const roles = env.roles.filter(
    (r) => r.name === DEFAULT_MANIFEST.roleName && r.businessunitid === root.businessunitid,
  );
  expect(roles).toHaveLength(1);
  // The manifest plus the default privileges Dataverse gives every new role (it keeps them through a replace).
  const expected = Object.fromEntries<string>([
    ...DEFAULT_ROLE_PRIVILEGE_NAMES.map((name): [string, string] => [name, 'Global']),
    ...DEFAULT_MANIFEST.tables.flatMap((t) =>
      t.access.map((a): [string, string] => [privilegeName(a, t.schemaName), t.depth]),
    ),
  ]);
  expect(roles[0]!.privileges).toEqual(expected);
  const users = env.systemUsers.filter((u) => u.applicationid === app.appId);
  expect(users).toHaveLength(1);
  expect(users[0]!.roles).toEqual([DEFAULT_MANIFEST.roleName]);
  expect(users[0]!.businessunitid).toBe(root.businessunitid);
  return { app, user: users[0]!, role: roles[0]! };
}

/** No secret value anywhere in what leaves the engine besides the hand-off. */
export function expectNoSecretIn(r: Run, secrets: string[]) {
  const text = JSON.stringify(r.events) + JSON.stringify(r.requests);
  for (const s of secrets) expect(text).not.toContain(s);
}
