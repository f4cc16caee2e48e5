import { expect } from 'vitest';
import { startEmulator, type Emulator } from '@kantiv/e2e/emulator/index';
import { CredentialHandoffRequestSchema, type CredentialHandoffRequest } from '@kantiv/shared/credentials';
import type { StepEventInput } from '@kantiv/shared/events';
import { DEFAULT_MANIFEST, privilegeName } from '@kantiv/shared/manifest';
import { createEngine, type Engine } from '../../src/provisioning/engine.ts';
import type {
  EngineConfig,
  RequestObservation,
  TokenProvider,
  TokenResource,
} from '../../src/provisioning/types.ts';

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

export async function emulator(replicationDelayMs = 0): Promise<Emulator> {
  return startEmulator({ replicationDelayMs });
}

/**
 * Delegated tokens for a seeded user, issued by the emulator's control API (its offering for Node tests: the
 * wizard's own SPA registration only accepts browser redemptions). Cached per resource like MSAL's cache.
 */
export function tokensFor(emu: Emulator, user = ADMIN): TokenProvider & { calls: number } {
  const cache = new Map<string, Promise<string>>();
  const provider = {
    calls: 0,
    getToken(resource: TokenResource): Promise<string> {
      const scope =
        resource === 'graph'
          ? 'https://graph.microsoft.com/Application.ReadWrite.All'
          : resource === 'discovery'
            ? 'https://globaldisco.crm.dynamics.com/user_impersonation'
            : `${resource.environmentUrl}/user_impersonation`;
      let p = cache.get(scope);
      if (!p) {
        provider.calls += 1;
        p = emu.control.issueToken({ user, scope });
        cache.set(scope, p);
      }
      return p;
    },
  };
  return provider;
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
    tokens: tokensFor(emu, opts.user),
    fetch: (input, init) => emu.fetch(input, init),
    config: {
      environmentUrl: CONTOSO_PRODUCTION,
      retry: FAST_RETRY,
      ...(server?.handedOffSecretKeyId ? { handedOffSecretKeyId: server.handedOffSecretKeyId } : {}),
      ...(server ? { seqStart: server.nextSeq } : {}),
      ...opts.config,
    },
    signal: controller.signal,
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
        server.handedOffSecretKeyId = req.secretKeyId;
        server.secrets.push(req.clientSecret);
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
  const expected = Object.fromEntries(
    DEFAULT_MANIFEST.tables.flatMap((t) => t.access.map((a) => [privilegeName(a, t.schemaName), t.depth])),
  );
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
